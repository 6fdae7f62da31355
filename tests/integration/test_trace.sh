#!/bin/bash
# capdiet trace with real programs, as root with BPF.
. "$(dirname "$0")/lib.sh"
PROBE="$ROOT/${BUILD:-build}/tests/helpers/capprobe"

begin "trace bad input"
"$CAPDIET" trace --caps CHOWN,SETUDI -- true 2>"$TMP/err"; rc=$?
check "unknown capability exits 2" [ "$rc" -eq 2 ]
check "and names itself" grep -q "SETUDI" "$TMP/err"
"$CAPDIET" trace --attach=nope -- true 2>/dev/null
check "unknown attach method exits 2" [ $? -eq 2 ]
"$CAPDIET" trace 2>/dev/null
check "no command exits 2" [ $? -eq 2 ]

need_bpf || { finish; exit; }

begin "trace chown"
touch "$TMP/file"
"$CAPDIET" trace --json -- chown 1:1 "$TMP/file" >"$TMP/out.json" 2>"$TMP/err"; rc=$?
check "exit status is chown's (1)" [ "$rc" -eq 1 ]
jq -e --arg f "$TMP/file" '.decisions[] | select(.capability=="CHOWN" and .verdict=="denied"
	and .class=="required" and (.syscall=="fchownat" or .syscall=="chown")
	and .call_site=="setattr_prepare" and .path==$f)' "$TMP/out.json" >/dev/null
check "CHOWN denied, required, in fchownat at setattr_prepare on the file" [ $? -eq 0 ]
check "the mmap CAP_SYS_ADMIN check is tolerated, never required" \
	jq -e '[.decisions[] | select(.capability=="SYS_ADMIN")] | length > 0 and all(.class=="tolerated")' "$TMP/out.json"
check "nothing from the launcher's own set-up (no SETPCAP)" \
	jq -e '[.decisions[] | select(.capability=="SETPCAP")] | length == 0' "$TMP/out.json"
check "every decision comes from chown" \
	jq -e '[.decisions[] | select(.executable != "/usr/bin/chown")] | length == 0' "$TMP/out.json"
"$CAPDIET" trace --caps chown -- chown 1:1 "$TMP/file" >"$TMP/out.txt" 2>&1; rc=$?
check "with --caps chown it works" [ "$rc" -eq 0 ]
check "and the table shows CHOWN granted" grep -Eq '^CHOWN +granted +granted' "$TMP/out.txt"
check "the file changed owner" [ "$(stat -c %u:%g "$TMP/file")" = "1:1" ]

begin "trace tolerated and required"
"$CAPDIET" trace --json -- "$PROBE" setuid-self >"$TMP/setuid.json" 2>/dev/null
check "root setuid(0) denied is tolerated" \
	jq -e '.exit_status==0 and ([.decisions[] | select(.capability=="SETUID")] | length==1 and .[0].class=="tolerated")' "$TMP/setuid.json"
"$CAPDIET" trace --json -- "$PROBE" setgid-worker 33 >"$TMP/setgid.json" 2>/dev/null
check "a worker's setgid(33) refused with EPERM is required" \
	jq -e '.decisions[] | select(.capability=="SETGID" and .class=="required" and .reason=="setgid failed with EPERM")' "$TMP/setgid.json"

begin "trace daemonising program"
"$CAPDIET" trace --json -- "$PROBE" daemonize "$PROBE" setgid-worker 33 >"$TMP/daemon.json" 2>/dev/null
check "the grandchild's worker (3 levels down) is recorded" \
	jq -e '.decisions[] | select(.capability=="SETGID" and .class=="required")' "$TMP/daemon.json"

begin "trace exit status"
"$CAPDIET" trace -- /nonexistent/cmd >/dev/null 2>"$TMP/err"; rc=$?
check "missing command exits 127" [ "$rc" -eq 127 ]
check "and says so" grep -q "command not found" "$TMP/err"
"$CAPDIET" trace -- sh -c 'exit 7' >/dev/null 2>&1
check "exit status is CMD's" [ $? -eq 7 ]

begin "trace storm"
"$CAPDIET" trace --caps ALL --json -- "$PROBE" setuid-loop 1000000 >"$TMP/storm.json" 2>/dev/null
check "1,000,000 setuid checks counted exactly" \
	jq -e '[.decisions[] | select(.capability=="SETUID")] | map(.count) | add == 1000000' "$TMP/storm.json"
check "and nothing lost" jq -e '.lost == 0 and .complete' "$TMP/storm.json"
"$CAPDIET" trace -v --caps ALL -- true 2>&1 >/dev/null | grep -q 'outcomes of denied checks are not tracked'
check "with every capability granted, syscall outcomes are not tracked (-v says so)" [ $? -eq 0 ]
"$CAPDIET" trace -v --caps CHOWN -- true 2>&1 >/dev/null | grep -q 'not tracked'
check "with fewer, they are" [ $? -ne 0 ]

begin "trace --live"
"$CAPDIET" trace --live -- chown 1:1 "$TMP/file" >/dev/null 2>"$TMP/live"
check "prints each decision when first seen" grep -q '^live: CHOWN denied in fchownat' "$TMP/live"

begin "trace --pid"
# A process on a diet (empty bounding set) that capdiet did not start.
setpriv --bounding-set=-all sh -c "sleep 1; exec $PROBE setgid-worker 33" & target=$!; track_pid $target
"$CAPDIET" trace --json --pid $target --duration 10 >"$TMP/pid.json" 2>"$TMP/err"; rc=$?
check "observes a running process until it exits (rc $rc)" [ "$rc" -eq 0 ]
check "its worker's refused setgid is there" \
	jq -e '.decisions[] | select(.capability=="SETGID" and .class=="required" and .executable=="'"$PROBE"'")' "$TMP/pid.json"
check "nobody else's checks are" \
	jq -e '[.decisions[] | select(.executable != "'"$PROBE"'" and .executable != "/usr/bin/dash" and .executable != "/usr/bin/sleep")] | length == 0' "$TMP/pid.json"
"$CAPDIET" trace --pid 999999999 2>/dev/null
check "--pid of a missing process fails" [ $? -ne 0 ]

begin "trace --cgroup"
cg2=$(awk '$9=="cgroup2"{print $5; exit}' /proc/self/mountinfo)
if [ -z "$cg2" ]; then
	fail "no cgroup v2 mount on this machine"
else
	cg="$cg2/capdiet-test-$$"
	mkdir "$cg"
	setpriv --bounding-set=-all sh -c "echo \$\$ > $cg/cgroup.procs; sleep 1; exec $PROBE setgid-worker 33" &
	member=$!
	"$CAPDIET" trace --json --cgroup "$cg" --duration 3 >"$TMP/cg.json" 2>"$TMP/err"
	wait $member
	check "observes a process in a cgroup" \
		jq -e '.decisions[] | select(.capability=="SETGID" and .class=="required" and .executable=="'"$PROBE"'")' "$TMP/cg.json"
	rmdir "$cg"
fi

begin "trace Ctrl-C"
marker="capdiet-ctrlc-$$"
"$CAPDIET" trace -- bash -c "exec -a $marker sleep 300" >"$TMP/int.txt" 2>"$TMP/int.err" &
tracer=$!
sleep 1
kill -INT $tracer
wait $tracer; rc=$?
check "capdiet exits after SIGINT (rc $rc)" [ "$rc" -ne 0 ]
check "still prints what was recorded" grep -q '^CAPABILITY' "$TMP/int.txt"
check "and the whole tree is gone" sh -c "! pgrep -f ^$marker"

begin "trace forced methods"
"$CAPDIET" trace --attach=kprobe -- true >/dev/null 2>"$TMP/err"; rc=$?
check "a method the kernel cannot do exits 1" [ "$rc" -eq 1 ]
check "with one line naming the method" sh -c "[ \$(wc -l < $TMP/err) -eq 1 ] && grep -q -- '--attach=kprobe' $TMP/err"
"$CAPDIET" trace --attach=fexit -- true >/dev/null 2>"$TMP/err"
check "fexit: one line with the reason" grep -q -- '--attach=fexit cannot be used here' "$TMP/err"
"$CAPDIET" trace -v --attach=tp_btf -- chown 1:1 "$TMP/file" >"$TMP/out.txt" 2>"$TMP/err"
check "tp_btf forced works" grep -Eq '^CHOWN +denied +required' "$TMP/out.txt"
if [ ! -d /sys/kernel/tracing/events ]; then
	mkdir -p /sys/kernel/tracing && mount -t tracefs nodev /sys/kernel/tracing && mounted_tracefs=1
fi
"$CAPDIET" trace --attach=tracepoint -- chown 1:1 "$TMP/file" >"$TMP/out.txt" 2>"$TMP/err"
check "tracepoint method works (tracefs mounted)" grep -Eq '^CHOWN +denied +required' "$TMP/out.txt"
check "and it tells the mmap noaudit check by its stack" grep -Eq '^SYS_ADMIN +denied +tolerated .*security_vm_enough' "$TMP/out.txt"
[ -n "${mounted_tracefs:-}" ] && umount /sys/kernel/tracing
"$CAPDIET" trace -v -- true 2>&1 >/dev/null | grep -q 'recording with --attach=tp_btf'
check "-v says which method auto chose" [ $? -eq 0 ]

begin "trace without rights"
if id nobody >/dev/null 2>&1; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$CAPDIET" trace -- true >/dev/null 2>"$TMP/err"; rc=$?
	check "not root exits 1" [ "$rc" -eq 1 ]
	check "and says what is needed" grep -q 'CAP_BPF+CAP_PERFMON, or CAP_SYS_ADMIN' "$TMP/err"
fi
CAPDIET_VMLINUX_BTF=/nonexistent "$CAPDIET" trace -- true >/dev/null 2>"$TMP/err"; rc=$?
check "a kernel without BTF exits 1" [ "$rc" -eq 1 ]
check "and says so" grep -q 'no BTF' "$TMP/err"

finish
