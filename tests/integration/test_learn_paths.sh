#!/bin/bash
# capdiet run where the capability check is not the whole story: a capset
# that keeps a capability, a file with file capabilities, netlink, and a
# denial while the service stops.  Purpose-built programs (tests/helpers).
. "$(dirname "$0")/lib.sh"
KEEP="$ROOT/${BUILD:-build}/tests/helpers/capkeep"

trials_of() { grep -c '^- {index:' "$1"; }

need_bpf || { finish; exit; }

begin "capset keeping a capability"
# The capset fails with EPERM and no capability check when the bounding set
# lacks what it keeps: only its arguments say what it wanted.
"$CAPDIET" run -o "$TMP/keep.yaml" -- "$KEEP" drop-bind 81 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
check "finds SETGID, SETUID and NET_BIND_SERVICE" \
	[ "$(caps_of "$TMP/keep.yaml")" = SETGID,SETUID,NET_BIND_SERVICE ]
check "names capset as the evidence for NET_BIND_SERVICE" \
	sh -c "sed -n '/cap: NET_BIND_SERVICE/,/^- cap:/p' '$TMP/keep.yaml' | grep -q 'syscalls: \[.*capset'"
check "without a search down from every capability" sh -c "! grep -q '(top-down)' '$TMP/err'"

begin "file capabilities"
cp "$KEEP" "$TMP/rawsock"
setcap cap_net_raw+ep "$TMP/rawsock"
"$CAPDIET" run -o "$TMP/raw.yaml" -- "$TMP/rawsock" raw 2>"$TMP/err"
check "an exec refused for file capabilities is a trial outcome" [ $? -eq 0 ]
check "the file's capability is the answer" [ "$(caps_of "$TMP/raw.yaml")" = NET_RAW ]
check "with the file as evidence" grep -q "path: $TMP/rawsock" "$TMP/raw.yaml"
"$CAPDIET" run -o "$TMP/raw2.yaml" -- sh -c "'$TMP/rawsock' raw" 2>"$TMP/err"
check "also when a child execs it" [ "$(caps_of "$TMP/raw2.yaml")" = NET_RAW ]
check "found from the exec's evidence, not top-down" sh -c "! grep -q '(top-down)' '$TMP/err'"

begin "netlink"
ip addr del 127.0.0.77/32 dev lo 2>/dev/null
"$CAPDIET" run -o "$TMP/ip.yaml" -- \
	sh -c 'ip addr add 127.0.0.77/32 dev lo && ip addr del 127.0.0.77/32 dev lo' 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
ip addr del 127.0.0.77/32 dev lo 2>/dev/null
check "NET_ADMIN, denied while sendmsg succeeded" [ "$(caps_of "$TMP/ip.yaml")" = NET_ADMIN ]
check "in at most 4 trials (baseline, none, NET_ADMIN, confirmation)" [ "$(trials_of "$TMP/ip.yaml")" -le 4 ]
check "never SYS_ADMIN for the mmap noise" sh -c "! grep -q '^caps:.*SYS_ADMIN' '$TMP/ip.yaml'"

begin "stop phase"
"$CAPDIET" run -o "$TMP/stop.yaml" \
	--probe 'curl -s --max-time 1 --http0.9 http://127.0.0.1:8093/ | grep -q ok' \
	-- "$KEEP" stop-kill 8093 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
check "the workers' switch is needed" [ "$(caps_of "$TMP/stop.yaml")" = SETGID,SETUID ]
check "the master's KILL at stop is listed, not needed" \
	grep -q "CAP_KILL: kill failed with EPERM.*(stop): failed without it, service worked: not needed" "$TMP/stop.yaml"
finish
