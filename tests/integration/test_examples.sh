#!/bin/bash
# The three examples (examples/*), as root with full capabilities and no
# capdiet: prepare, start in the background, probe, stop the process tree,
# then nothing of theirs may be left running or listening.
. "$(dirname "$0")/lib.sh"
EX=$ROOT/examples
STARTED=() # process groups (one per start.sh) to stop on any exit

kill_started() {
	local g
	for g in "${STARTED[@]}"; do
		kill -KILL -- "-$g" 2>/dev/null
	done
	cleanup_all
}
trap kill_started EXIT

# Non-zombie processes of group $1 (a zombie waiting for init is gone).
live_in_group() {
	local pid state
	for pid in $(pgrep -g "$1"); do
		state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
		[ -n "$state" ] && [ "$state" != Z ] && echo "$pid"
	done
	return 0
}

listening() { ss -ltnH "sport = :$1" | grep -q .; }

# Other tests on this machine may hold the fixed ports for a while: wait
# up to 20 s, then skip (fail in CI) naming the holder.
need_ports_free() {
	local port i why
	for port in "$@"; do
		for ((i = 0; i < 100; i++)); do
			listening "$port" || continue 2
			sleep 0.2
		done
		why="port $port stays busy: $(ss -ltnpH "sport = :$port" | head -1)"
		if [ "${CI:-}" = true ]; then fail "$why"; else skip "$why"; fi
		return 1
	done
}

# start NAME LOG: start.sh in its own session and process group, so the
# whole tree can be signalled; the group id is the pid.
start() {
	setsid "$EX/$1/start.sh" >"$2" 2>&1 &
	PID=$!
	STARTED+=("$PID")
}

# wait_probe NAME PID: the probe's output once it passes (<= 10 s).
wait_probe() {
	local out i
	for ((i = 0; i < 50; i++)); do
		if out=$("$EX/$1/probe.sh" 2>/dev/null); then
			printf '%s\n' "$out"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# stop_tree PGID SIGNAL_TARGET: SIGTERM, then up to 10 s for the group to
# empty.  Sets STATUS to start.sh's exit status.
stop_tree() {
	local i
	kill -TERM -- "$2" 2>/dev/null
	wait "$1"
	STATUS=$?
	for ((i = 0; i < 50; i++)); do
		[ -z "$(live_in_group "$1")" ] && return 0
		sleep 0.2
	done
	echo "    left running: $(live_in_group "$1" | xargs)"
	return 1
}

show_log() { sed 's/^/    | /' "$1"; }

# run_example NAME EXPECTED_ROOT_BODY PORT...: the whole cycle.
run_example() {
	local name=$1 want=$2 log=$TMP/$1.log out port
	shift 2
	begin "$name"
	need_root || return
	need_ports_free "$@" || return
	check "prepare.sh succeeds" "$EX/$name/prepare.sh"
	start "$name" "$log"
	if out=$(wait_probe "$name" "$PID") && [ "$out" = ok ]; then
		ok "probe passes within 10 s and prints ok"
	else
		fail "probe did not print ok within 10 s (got '${out:-}')"
		show_log "$log"
	fi
	out=$(curl -s --max-time 2 "http://127.0.0.1:$1/")
	check "/ on port $1 answers '$want'" [ "$out" = "$want" ]
	if stop_tree "$PID" "-$PID"; then
		ok "SIGTERM to the tree leaves no process"
	else
		fail "processes left after SIGTERM to the tree"
	fi
	check "start.sh's tree exits 0 on SIGTERM (got $STATUS)" [ "$STATUS" -eq 0 ]
	for port in "$@"; do
		if listening "$port"; then
			fail "port $port still listening: $(ss -ltnpH "sport = :$port")"
		else
			ok "nothing listens on port $port"
		fi
	done
}

# The go-http binary is not rebuilt when it is newer than its sources.
test_go_build_idempotent() {
	local bin=$ROOT/build/examples/go-http/go-http before after
	begin "go-http prepare is idempotent"
	need_root || return
	[ -x "$bin" ] || { fail "$bin missing after prepare.sh"; return; }
	before=$(stat -c %Y.%i "$bin")
	"$EX/go-http/prepare.sh"
	after=$(stat -c %Y.%i "$bin")
	check "second prepare.sh leaves the binary alone" [ "$before" = "$after" ]
}

# start.sh refuses quickly, with a message naming the fix.
test_refusals() {
	local out rc
	begin "start.sh refusals"
	out=$(GO_HTTP_BIN=$TMP/none timeout 5 "$EX/go-http/start.sh" 2>&1); rc=$?
	check "go-http without a binary exits 1" [ "$rc" -eq 1 ]
	check "... and says to run prepare.sh" grep -q 'prepare.sh' <<<"$out"
	out=$(ADDR=nonsense timeout 5 "$EX/go-http/start.sh" 2>&1); rc=$?
	check "go-http with ADDR=nonsense exits 2" [ "$rc" -eq 2 ]
	out=$(PORT=70000 timeout 5 "$EX/node-app/start.sh" 2>&1); rc=$?
	check "node-app with PORT=70000 exits 2" [ "$rc" -eq 2 ]
	out=$(RUN_DIR=$TMP/unprepared LISTEN_ADDR=127.0.0.1:1 BACKEND_ADDR=127.0.0.1:1 \
		timeout 5 "$EX/nginx-proxy/start.sh" 2>&1); rc=$?
	check "nginx-proxy with an unprepared RUN_DIR exits 1" [ "$rc" -eq 1 ]
	check "... and says to run prepare.sh" grep -q 'prepare.sh' <<<"$out"
	check "... without creating it" [ ! -e "$TMP/unprepared" ]
}

# Signalling only nginx's master (what `kill $(cat nginx.pid)` does) must
# still take the backend it started with it.
test_proxy_master_only() {
	local log=$TMP/nginx-master-only.log
	begin "nginx-proxy stopped through its master only"
	need_root || return
	need_ports_free 80 8080 || return
	start nginx-proxy "$log"
	if ! wait_probe nginx-proxy "$PID" >/dev/null; then
		fail "proxy did not come up"; show_log "$log"; return
	fi
	if stop_tree "$PID" "$PID"; then
		ok "workers and backend exit with the master"
	else
		fail "processes outlived the master"
	fi
}

# www-data's workers must be able to reach RUN_DIR's temp paths.
chmod 0711 "$TMP"
export RUN_DIR=$TMP/nginx-proxy

run_example go-http "hello from go-http" 8080
test_go_build_idempotent
run_example node-app "hello from node-app" 3000
run_example nginx-proxy "hello from go-http" 80 8080
test_proxy_master_only
test_refusals
finish
