# shellcheck shell=bash
# capdiet exec: the launched program holds exactly the requested capability
# sets, exit statuses pass through, and nothing of its process tree outlives
# capdiet (daemons, SIGKILL of capdiet, hosts without cgroup v2).
. "$ROOT/tests/integration/lib.sh"

# A copy of sleep whose path no other process on the machine has.
chmod 755 "$TMP"
SLEEP="$TMP/cdsleep"
cp /bin/sleep "$SLEEP"

# Prints the pids of live (not zombie) processes whose command line matches $1.
live_matching() {
	local pid
	for pid in $(pgrep -f -- "$1"); do
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] || echo "$pid"
	done
	return 0
}

# Whether pid $1 is a live process (a zombie is not).
alive_pid() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

# Waits (5 s at most) until nothing live matches $1.
gone_within_5s() {
	for _ in $(seq 50); do
		[ -z "$(live_matching "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

# launched_pid CAPDIET_PID PATTERN: the program capdiet started, once exec'd.
launched_pid() {
	local pid
	for _ in $(seq 100); do
		pid=$(pgrep -P "$1" -f -- "$2" | head -1)
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.05
	done
	return 1
}

status_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# The names in a hex mask, via capdiet decode ("CAP_CHOWN,CAP_KILL").
names_of() { "$CAPDIET" decode "$1" | sed 's/^[^=]*=//'; }

# expect_sets LABEL WANT_NAMES EXEC_ARGS...: the five sets of the launched program.
expect_sets() {
	local label=$1 want=$2 cp pid f got bad="" rc
	shift 2
	"$CAPDIET" exec "$@" -- "$SLEEP" 300 &
	cp=$!
	track_pid "$cp"
	if ! pid=$(launched_pid "$cp" "^$SLEEP 300"); then
		fail "the program did not start"
		kill -KILL "$cp" 2>/dev/null
		return
	fi
	for f in CapBnd CapEff CapPrm CapInh CapAmb; do
		got=$(names_of "$(status_field "$pid" "$f")")
		[ "$got" = "$want" ] || bad="$bad $f=$got"
	done
	kill -TERM "$cp"
	wait "$cp"
	rc=$?
	if [ -z "$bad" ] && [ "$rc" -eq 143 ]; then
		ok "$label"
	else
		fail "want '${want}', got:${bad:- as wanted} (exit $rc, want 143 after SIGTERM)"
	fi
}

begin "exec --help and usage errors"
if need_root; then
	if out=$("$CAPDIET" exec --help) && [[ "$out" == usage:* ]]; then
		ok "--help"
	else
		fail "--help"
	fi
	err=$("$CAPDIET" exec --caps CHOWN,NET_BIND_SERVCE -- true 2>&1 >/dev/null); rc=$?
	if [ "$rc" -eq 2 ] && [[ "$err" == *NET_BIND_SERVCE* ]]; then
		ok "unknown cap"
	else
		fail "unknown cap: exit $rc, '$err'"
	fi
	err=$("$CAPDIET" exec --user capdiet-no-such-user -- true 2>&1 >/dev/null); rc=$?
	if [ "$rc" -eq 2 ] && [[ "$err" == *capdiet-no-such-user* ]]; then
		ok "unknown user"
	else
		fail "unknown user: exit $rc, '$err'"
	fi
	"$CAPDIET" exec --caps CHOWN 2>/dev/null; rc=$?
	if [ "$rc" -eq 2 ]; then
		ok "no command"
	else
		fail "no command: exit $rc"
	fi
fi

begin "exec: exact capability sets as root"
if need_root; then
	expect_sets "empty set" ""
	expect_sets "one" "CAP_NET_BIND_SERVICE" --caps NET_BIND_SERVICE
	expect_sets "three" "CAP_CHOWN,CAP_KILL,CAP_SETUID" --caps cap_setuid,KILL,chown
	# ALL: everything capdiet holds here (a container may withhold some).
	prm=$(status_field $$ CapPrm) bnd=$(status_field $$ CapBnd)
	all=$(names_of "$(printf '%016x' $((0x$prm & 0x$bnd)))")
	expect_sets "ALL" "$all" --caps ALL
fi

begin "exec: exact capability sets as nobody (ambient)"
if need_root; then
	expect_sets "empty set" "" --user nobody
	expect_sets "one" "CAP_NET_BIND_SERVICE" --user nobody --caps NET_BIND_SERVICE
	expect_sets "ALL" "$all" --user nobody --caps ALL
fi

begin "exec: user, group and no_new_privs"
if need_root; then
	for args in "--user nobody" "--user 65534:65534 --allow-new-privs"; do
		want_nnp=1
		[[ "$args" == *allow-new-privs* ]] && want_nnp=0
		# shellcheck disable=SC2086
		"$CAPDIET" exec $args -- "$SLEEP" 300 &
		cp=$!
		track_pid "$cp"
		if pid=$(launched_pid "$cp" "^$SLEEP 300"); then
			nnp=$(status_field "$pid" NoNewPrivs)
			uid=$(status_field "$pid" Uid) gid=$(status_field "$pid" Gid)
			if [ "$nnp" = "$want_nnp" ] && [ "$uid" = "$(id -u nobody)" ] && [ "$gid" = "$(id -g nobody)" ]; then
				ok "$args"
			else
				fail "$args: NoNewPrivs=$nnp (want $want_nnp) uid=$uid gid=$gid"
			fi
		else
			fail "$args: the program did not start"
		fi
		kill -TERM "$cp"
		wait "$cp"
	done
fi

begin "exec: NET_BIND_SERVICE lets nobody bind port 80"
if need_root; then
	mkdir -p "$TMP/www"
	token="capdiet-launch-$$-$RANDOM"
	echo "$token" > "$TMP/www/index.html"
	chmod -R a+rX "$TMP/www"
	if ! wait_port_free 80; then
		fail "port 80 stayed busy for 20 s"
	else
		"$CAPDIET" exec --caps NET_BIND_SERVICE --user nobody -- \
			busybox httpd -f -p 127.0.0.1:80 -h "$TMP/www" 2>"$TMP/httpd.err" &
		cp=$!
		track_pid "$cp"
		pid=$(launched_pid "$cp" "^busybox httpd")
		body=""
		for _ in $(seq 50); do
			body=$(curl -sf --max-time 2 http://127.0.0.1:80/index.html) && break
			sleep 0.1
		done
		listener=$(ss -ltnpH "sport = :80")
		if [ "$body" = "$token" ] && [[ "$listener" == *"pid=$pid,"* ]]; then
			ok "serves"
		else
			fail "body '$body', listener '$listener', stderr: $(cat "$TMP/httpd.err")"
		fi
		kill -TERM "$cp"
		wait "$cp"
	fi
	if [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" -le 80 ]; then
		skip "ip_unprivileged_port_start <= 80: any user may bind port 80 here"
	else
		err=$("$CAPDIET" exec --user nobody -- \
			busybox httpd -f -p 127.0.0.1:80 -h "$TMP/www" 2>&1); rc=$?
		if [ "$rc" -ne 0 ] && [[ "$err" == *"Permission denied"* ]]; then
			ok "refused without it"
		else
			fail "without NET_BIND_SERVICE: exit $rc, '$err'"
		fi
	fi
fi

begin "exec: exit statuses"
if need_root; then
	"$CAPDIET" exec -- capdiet-no-such-command-$$ 2>/dev/null; rc=$?
	if [ "$rc" -eq 127 ]; then
		ok "not found: 127"
	else
		fail "not found: exit $rc"
	fi
	printf '#!/bin/sh\n' > "$TMP/not-executable"
	chmod 644 "$TMP/not-executable"
	"$CAPDIET" exec -- "$TMP/not-executable" 2>/dev/null; rc=$?
	if [ "$rc" -eq 126 ]; then
		ok "not executable: 126"
	else
		fail "not executable: exit $rc"
	fi
	"$CAPDIET" exec -- sh -c 'exit 7'; rc=$?
	if [ "$rc" -eq 7 ]; then
		ok "passes 7"
	else
		fail "exit 7 came back as $rc"
	fi
	"$CAPDIET" exec -- sh -c 'kill -KILL $$'; rc=$?
	if [ "$rc" -eq 137 ]; then
		ok "killed: 128+9"
	else
		fail "SIGKILLed command: exit $rc"
	fi
fi

begin "exec: a daemonising command leaves nothing behind"
if need_root; then
	printf 'setsid "%s" 303 &\necho $! > "%s"\nexit 0\n' "$SLEEP" "$TMP/daemon.pid" > "$TMP/daemon.sh"
	"$CAPDIET" exec -- sh "$TMP/daemon.sh"; rc=$?
	daemon=$(cat "$TMP/daemon.pid" 2>/dev/null)
	left=$(live_matching "^$SLEEP 303")
	if [ "$rc" -eq 0 ] && [ -n "$daemon" ] && [ -z "$left" ] && ! alive_pid "$daemon"; then
		ok
	else
		fail "exit $rc, daemon pid '$daemon', still running: '$left'"
	fi
	live_matching "^$SLEEP 303" | xargs -r kill -KILL
fi

begin "exec: SIGKILL of capdiet leaves nothing of the tree"
if need_root; then
	printf 'setsid "%s" 301 &\n"%s" 302 &\nwait\n' "$SLEEP" "$SLEEP" > "$TMP/tree.sh"
	"$CAPDIET" exec -- sh "$TMP/tree.sh" &
	cp=$!
	track_pid "$cp"
	for _ in $(seq 100); do
		[ "$(live_matching "^$SLEEP 30[12]" | wc -l)" -eq 2 ] && break
		sleep 0.05
	done
	before=$(live_matching "^$SLEEP 30[12]" | wc -l)
	# The tree's cgroup, which the watchdog should remove as well.
	pid=$(launched_pid "$cp" "^sh $TMP/tree.sh")
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)
	cgdir="$(findmnt -n -t cgroup2 -o TARGET | head -1)$cg"
	kill -KILL "$cp"
	wait "$cp" 2>/dev/null
	if [ "$before" -eq 2 ] && gone_within_5s "^$SLEEP 30[12]"; then
		ok "processes"
	else
		fail "before: $before running; after 5 s: $(live_matching "^$SLEEP 30[12]" | tr '\n' ' ')"
		live_matching "^$SLEEP 30[12]" | xargs -r kill -KILL
	fi
	if [ -z "$(findmnt -n -t cgroup2)" ]; then
		skip "no cgroup v2 here: the watchdog has no cgroup to remove"
	elif [[ "$cg" != /capdiet/* ]]; then
		fail "the tree was not in a capdiet cgroup: '$cg'"
	else
		for _ in $(seq 50); do [ -d "$cgdir" ] || break; sleep 0.1; done
		if [ ! -d "$cgdir" ]; then
			ok "cgroup removed"
		else
			fail "$cgdir still there after 5 s"
		fi
	fi
fi

begin "exec without cgroup v2: the process group is stopped"
if need_root; then
	printf '"%s" 304 &\necho $! > "%s"\nexit 0\n' "$SLEEP" "$TMP/bg.pid" > "$TMP/bg.sh"
	# A private mount namespace without the cgroup2 mount: the fallback path.
	# shellcheck disable=SC2016
	out=$(unshare -m sh -c '
		for m in $(findmnt -n -t cgroup2 -o TARGET); do umount -l "$m" || exit 90; done
		exec "$1" exec -- sh "$2"' sh "$CAPDIET" "$TMP/bg.sh" 2>&1); rc=$?
	bg=$(cat "$TMP/bg.pid" 2>/dev/null)
	if [ "$rc" -eq 90 ] || [[ "$out" == *unshare:* ]]; then
		skip "cannot hide cgroup2 in a mount namespace: $out"
	elif [ "$rc" -eq 0 ] && [ -n "$bg" ] && ! alive_pid "$bg"; then
		ok
	else
		fail "exit $rc, background pid '$bg' alive: $(live_matching "^$SLEEP 304")"
		live_matching "^$SLEEP 304" | xargs -r kill -KILL
	fi
fi

finish
