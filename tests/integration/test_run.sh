#!/bin/bash
# capdiet run on real programs and services, as root with BPF.
. "$(dirname "$0")/lib.sh"
PROBE_BIN="$ROOT/${BUILD:-build}/tests/helpers/capprobe"

begin "run bad input"
"$CAPDIET" run 2>/dev/null
check "no command exits 2" [ $? -eq 2 ]
"$CAPDIET" run --timeout soon -- true 2>/dev/null
check "bad --timeout exits 2" [ $? -eq 2 ]
"$CAPDIET" run --user no-such-user-xyz -- true 2>"$TMP/err"
check "unknown user exits 2" [ $? -eq 2 ]
check "and names it" grep -q no-such-user-xyz "$TMP/err"

need_bpf || { finish; exit; }

begin "run batch programs"
"$CAPDIET" run -o "$TMP/true.yaml" -- true 2>"$TMP/err"
check "a program that needs nothing exits 0" [ $? -eq 0 ]
check "gets an empty set" [ -z "$(caps_of "$TMP/true.yaml")" ]
check "in three trials: baseline, none, confirmation" [ "$(grep -c '^- {index:' "$TMP/true.yaml")" -eq 3 ]
check "the baseline comes first, with every capability" \
	sh -c "grep '^- {index: 0' '$TMP/true.yaml' | grep -q \"detail: 'baseline: exit 0'\""
check "its mmap SYS_ADMIN noise is tolerated, not needed" \
	grep -q 'reason: noaudit check' "$TMP/true.yaml"
touch "$TMP/owned"
"$CAPDIET" run -o "$TMP/chown.yaml" -- chown 1:1 "$TMP/owned" 2>/dev/null
check "a batch chown needs CHOWN" [ "$(caps_of "$TMP/chown.yaml")" = CHOWN ]
check "with the path as evidence" grep -q "path: $TMP/owned" "$TMP/chown.yaml"
"$CAPDIET" exec --profile "$TMP/chown.yaml" -- chown 2:2 "$TMP/owned"
check "exec --profile runs chown with the learned set" [ "$(stat -c %u "$TMP/owned")" = 2 ]
"$CAPDIET" exec --profile "$TMP/true.yaml" -- chown 3:3 "$TMP/owned" 2>/dev/null
check "and with an empty profile chown is refused" [ "$(stat -c %u "$TMP/owned")" = 2 ]
"$CAPDIET" exec --profile "$TMP/missing.yaml" -- true 2>/dev/null
check "exec --profile of a missing file exits 2" [ $? -eq 2 ]
wait_port_free 80
"$CAPDIET" run -o "$TMP/bind80.yaml" -- "$PROBE_BIN" bind 80 2>/dev/null
check "binding port 80 needs NET_BIND_SERVICE" [ "$(caps_of "$TMP/bind80.yaml")" = NET_BIND_SERVICE ]
check "with the address as evidence" grep -q 'bind 127.0.0.1:80' "$TMP/bind80.yaml"
"$CAPDIET" run -o "$TMP/bind8080.yaml" -- "$PROBE_BIN" bind 8080 2>/dev/null
check "binding port 8080 needs nothing" [ -z "$(caps_of "$TMP/bind8080.yaml")" ]
"$CAPDIET" run -o "$TMP/setuid.yaml" -- "$PROBE_BIN" setuid-self 2>/dev/null
check "setuid(getuid()) as root needs nothing (tolerated)" [ -z "$(caps_of "$TMP/setuid.yaml")" ]
check "and its SETUID denial is listed as tolerated" \
	sh -c "grep -A1 -- '- cap: SETUID' '$TMP/setuid.yaml' | grep -q 'class: tolerated'"

begin "run non-root service"
chmod 755 "$TMP" && cp "$PROBE_BIN" "$TMP/capprobe"
wait_port_free 80
"$CAPDIET" run --user nobody -o "$TMP/user.yaml" -- "$TMP/capprobe" bind 80 2>"$TMP/err"
check "a non-root program binding port 80 works" [ $? -eq 0 ]
check "with NET_BIND_SERVICE (through the ambient set)" [ "$(caps_of "$TMP/user.yaml")" = NET_BIND_SERVICE ]
check "and the profile names the user" grep -q '^user: nobody' "$TMP/user.yaml"

begin "run forking server"
wait_port_free 8081
"$CAPDIET" run -o "$TMP/worker.yaml" --probe 'curl -sf --max-time 2 http://127.0.0.1:8081/' \
	-- "$PROBE_BIN" serve 8081 33 2>"$TMP/err"
check "workers that fail to drop to uid 33 get SETGID and SETUID" \
	[ "$(caps_of "$TMP/worker.yaml")" = SETGID,SETUID ]
check "even though the probe passed: the workers kept root" \
	grep -q "as it does with every capability" "$TMP/worker.yaml"
wait_port_free 8081
"$CAPDIET" run --accept-degraded -- true 2>"$TMP/err"
check "--accept-degraded is gone (exit 2)" [ $? -eq 2 ]
"$CAPDIET" run --strict -o "$TMP/strict.yaml" --probe 'curl -sf --max-time 2 http://127.0.0.1:8081/' \
	-- "$PROBE_BIN" serve 8081 33 2>"$TMP/err"
check "--strict: the same set, every failed operation being a need" \
	[ "$(caps_of "$TMP/strict.yaml")" = SETGID,SETUID ]

begin "run not a capability problem"
"$CAPDIET" run -o "$TMP/bad.yaml" -- nginx -c /nonexistent/nginx.conf -g 'daemon off;' 2>"$TMP/err"; rc=$?
check "a bad config file exits 1" [ "$rc" -eq 1 ]
check "says it fails even with every capability" grep -q 'fails even with every capability capdiet holds' "$TMP/err"
check "and is not a capability problem" grep -q 'not a capability problem' "$TMP/err"
check "shows the command's own error" grep -q 'nonexistent/nginx.conf' "$TMP/err"
check "after the baseline alone" [ "$(grep -c '^trial ' "$TMP/err")" -eq 1 ]
check "and writes no profile" [ ! -e "$TMP/bad.yaml" ]
"$CAPDIET" run -- /nonexistent/binary 2>"$TMP/err"; rc=$?
check "a missing binary exits 1" [ "$rc" -eq 1 ]
check "and says it cannot run it" grep -q 'cannot run /nonexistent/binary' "$TMP/err"

begin "run interrupted"
marker="capdiet-run-int-$$"
"$CAPDIET" run -o "$TMP/int.yaml" --timeout 60 --probe false \
	-- bash -c "exec -a $marker sleep 300" 2>"$TMP/err" &
runner=$!
sleep 1.5
kill -INT $runner
wait $runner; rc=$?
check "SIGINT mid-trial exits 130 (rc $rc)" [ "$rc" -eq 130 ]
check "no profile is written" [ ! -e "$TMP/int.yaml" ]
check "no process of the trial is left" sh -c "! pgrep -f ^$marker"
"$CAPDIET" run -o "$TMP/int.yaml" --timeout 60 --probe false \
	-- bash -c "exec -a $marker sleep 300" 2>"$TMP/err" &
runner=$!
sleep 1.5
kill -TERM $runner
wait $runner; rc=$?
check "SIGTERM too (rc $rc)" [ "$rc" -eq 130 ] && [ ! -e "$TMP/int.yaml" ]
check "and leaves nothing behind" sh -c "! pgrep -f ^$marker"

begin "run nginx (Debian's configuration)"
if ! command -v nginx >/dev/null; then
	fail "nginx is not installed (scripts/setup.sh installs it)"
elif ! wait_port_free 80; then
	fail "port 80 stays busy"
else
	"$CAPDIET" run --minimize -o "$TMP/nginx.yaml" --probe 'curl -sf --max-time 2 -o /dev/null http://127.0.0.1/' \
		-- nginx -g 'daemon off;' 2>"$TMP/err"; rc=$?
	set=$(caps_of "$TMP/nginx.yaml")
	check "finds a working set (rc $rc: $set)" [ "$rc" -eq 0 ]
	for cap in NET_BIND_SERVICE SETUID SETGID; do
		check "the set has $cap" sh -c "echo ,$set, | grep -q ,$cap,"
	done
	check "never SYS_ADMIN" sh -c "! echo ,$set, | grep -q ,SYS_ADMIN,"
	check "minimized" grep -q '^minimized: true' "$TMP/nginx.yaml"
	# nginx with the learned set serves a page; without any one of them it does not.
	serves() {
		wait_port_free 80
		"$CAPDIET" exec --caps "$1" -- nginx -g 'daemon off;' >/dev/null 2>&1 &
		local pid=$! ok=1
		for _ in $(seq 15); do
			# Debian's own page: another test's server on :80 does not count.
			curl -sf --max-time 0.3 http://127.0.0.1/ 2>/dev/null | grep -q 'Welcome to nginx' &&
				kill -0 $pid 2>/dev/null && { ok=0; break; }
			sleep 0.1
		done
		kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null
		return $ok
	}
	not_serves() { ! serves "$1"; }
	check "nginx with exactly the learned set serves a page" serves "$set"
	for cap in ${set//,/ }; do
		without=$(echo ",$set," | sed "s/,$cap,/,/; s/^,//; s/,$//")
		check "and without $cap it does not" not_serves "$without"
	done
fi

finish
