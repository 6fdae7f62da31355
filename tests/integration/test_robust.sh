#!/bin/bash
# Hard edges: faults, limits and security of what capdiet launches.
. "$(dirname "$0")/lib.sh"
PROBE_BIN="$ROOT/${BUILD:-build}/tests/helpers/capprobe"

ours_attached() { bpftool prog show 2>/dev/null | grep -Eq 'cap_capable_tp|on_sys_exit|on_fork|on_exec'; }

need_bpf || { finish; exit; }

begin "robust: SIGKILL mid-trial"
marker="capdiet-kill-$$"
"$CAPDIET" run -o "$TMP/killed.yaml" --timeout 60 --probe false \
	-- sh -c "$PROBE_BIN daemonize bash -c 'exec -a $marker sleep 300'; exec sleep 300" 2>/dev/null &
runner=$!
for _ in $(seq 50); do pgrep -f "^$marker" >/dev/null && break; sleep 0.1; done
check "the daemonised service is running" pgrep -f "^$marker"
kill -KILL $runner; wait $runner 2>/dev/null
gone=1
for _ in $(seq 50); do pgrep -f "^$marker" >/dev/null || { gone=0; break; }; sleep 0.1; done
check "no process of the trial survives capdiet's SIGKILL" [ $gone -eq 0 ]
check "no BPF program of capdiet stays attached" sh -c "! $(declare -f ours_attached); ours_attached"
check "no profile, not even half of one" sh -c "! ls '$TMP' | grep -q killed"
check "no temporary file of capdiet's (trial logs have no name)" sh -c "! ls -d /tmp/capdiet-run.* 2>/dev/null"
"$CAPDIET" run -o "$TMP/after.yaml" -- true 2>/dev/null
check "the next run works" [ $? -eq 0 ]

begin "robust: a service that ignores SIGTERM"
marker="capdiet-noterm-$$"
start=$(date +%s)
"$CAPDIET" run --timeout 1 --grace 1 --probe false -- bash -c "exec -a $marker $PROBE_BIN ignore-term" \
	>/dev/null 2>&1
check "capdiet still ends ($(( $(date +%s) - start )) s)" [ $(( $(date +%s) - start )) -lt 20 ]
check "and the service was killed after the grace period" sh -c "! pgrep -f ^$marker"

begin "robust: 2,000 processes"
"$CAPDIET" trace --json -- "$PROBE_BIN" fork-storm 2000 >"$TMP/storm.json" 2>/dev/null
check "every one of 2,000 forked children is tracked" \
	jq -e '[.decisions[] | select(.capability=="SETGID")] | map(.count) | add == 2000' "$TMP/storm.json"
check "with nothing lost" jq -e '.lost == 0' "$TMP/storm.json"

begin "robust: two runs at once"
"$CAPDIET" trace --json -- "$PROBE_BIN" setgid-worker 33 >"$TMP/a.json" 2>/dev/null &
a=$!
"$CAPDIET" trace --json -- chown 1:1 "$TMP" >"$TMP/b.json" 2>/dev/null &
b=$!
wait $a $b
check "the first sees only its own program" \
	jq -e '[.decisions[] | select(.executable != "'"$PROBE_BIN"'")] | length == 0' "$TMP/a.json"
check "the second sees only its own program" \
	jq -e '[.decisions[] | select(.executable != "/usr/bin/chown")] | length == 0' "$TMP/b.json"
check "and each found its own need" sh -c "jq -e '.decisions[] | select(.capability==\"SETGID\")' $TMP/a.json >/dev/null && jq -e '.decisions[] | select(.capability==\"CHOWN\")' $TMP/b.json >/dev/null"

begin "robust: map capacity exhausted"
mkdir -p "$TMP/exes"
for i in $(seq 40); do cp "$PROBE_BIN" "$TMP/exes/probe$i"; done
cat > "$TMP/many.sh" <<SH
for i in \$(seq 40); do "$TMP/exes/probe\$i" setuid-self; done
SH
"$CAPDIET" trace --max-entries 16 --json -- sh "$TMP/many.sh" >"$TMP/full.json" 2>"$TMP/full.err"
check "40 distinct executables overflow a 16-entry map: decisions lost are counted" \
	jq -e '.lost > 0 and .complete == false' "$TMP/full.json"
check "and reported on stderr" grep -q 'could not be recorded' "$TMP/full.err"
"$CAPDIET" run --max-entries 16 -o "$TMP/full.yaml" -- sh "$TMP/many.sh" 2>"$TMP/full.err"
check "a run with a full map marks the profile incomplete" grep -q '^complete: false' "$TMP/full.yaml"
check "with the number lost" grep -Eq '^lost: [1-9]' "$TMP/full.yaml"

begin "security: what the service holds"
"$CAPDIET" exec --caps SETGID,SETUID,KILL -- "$PROBE_BIN" serve 8082 33 >/dev/null 2>&1 &
ex=$!
sleep 1
allowed=$(( (1 << 5) | (1 << 6) | (1 << 7) ))
over=0 n=0
for pid in $(pgrep -f "^$PROBE_BIN serve 8082"); do
	n=$((n + 1))
	for f in CapBnd CapEff CapPrm CapAmb CapInh; do
		v=$((16#$(awk -v f="$f:" '$1==f{print $2}' /proc/$pid/status)))
		[ $(( v & ~allowed )) -eq 0 ] || over=1
	done
done
kill -TERM $ex; wait $ex 2>/dev/null
check "every process of a forking server ($n, the worker included) holds nothing beyond its set" \
	[ "$n" -ge 2 ] && [ $over -eq 0 ]
"$CAPDIET" exec -- sh -c 'grep NoNewPrivs /proc/self/status' >"$TMP/nnp" 2>&1
check "no_new_privs is on by default" grep -q 'NoNewPrivs:.*1' "$TMP/nnp"
cp /usr/bin/cat "$TMP/fcat" && setcap cap_net_raw,cap_sys_admin+ep "$TMP/fcat" 2>/dev/null
if getcap "$TMP/fcat" | grep -q cap_net_raw; then
	"$CAPDIET" exec --allow-new-privs --caps CHOWN -- "$TMP/fcat" /proc/self/status >"$TMP/fcaps" 2>&1; rc=$?
	eff=$(awk '$1=="CapEff:"{print $2}' "$TMP/fcaps")
	# The kernel refuses to exec a file whose capabilities the bounding set
	# cannot grant (EPERM, exit 126); either way it gains nothing.
	check "a file-capability binary gains nothing beyond the set (rc $rc, CapEff ${eff:-none})" \
		sh -c "[ $rc -eq 126 ] || [ \$(( 0x${eff:-0} & ~1 )) -eq 0 ]"
else
	fail "setcap is missing (scripts/setup.sh installs libcap2-bin)"
fi
chmod 755 "$TMP"; cp /usr/bin/cat "$TMP/scat" && chmod 4755 "$TMP/scat"
"$CAPDIET" exec --allow-new-privs --user nobody -- "$TMP/scat" /proc/self/status >"$TMP/scaps" 2>&1
eff=$(awk '$1=="CapEff:"{print $2}' "$TMP/scaps")
check "a setuid-root binary run by nobody gains nothing beyond the empty set (CapEff ${eff:-none})" \
	[ "${eff:-x}" = 0000000000000000 ]

begin "security: output files"
echo untouched > "$TMP/target"
ln -s "$TMP/target" "$TMP/link.yaml"
"$CAPDIET" run -o "$TMP/link.yaml" -- true 2>"$TMP/err"; rc=$?
check "a symlink planted at the output path is refused (rc $rc)" [ "$rc" -ne 0 ]
check "and its target is untouched" grep -qx untouched "$TMP/target"
"$CAPDIET" run -o "$TMP/p.yaml" -- true 2>/dev/null
check "the profile is written 0644" [ "$(stat -c %a "$TMP/p.yaml")" = 644 ]
"$CAPDIET" report "$TMP/p.yaml" -o "$TMP/p.md" 2>/dev/null
check "and the report too" [ "$(stat -c %a "$TMP/p.md")" = 644 ]
check "no temporary file is left beside them" sh -c "[ \$(ls -a '$TMP' | grep -c '^\\.') -le 2 ]"

finish
