#!/bin/bash
# CAPDIET_TIMING=1: capdiet trace logs its start-up phases (bench/run.sh
# reads them); without it, not a line more.
. "$(dirname "$0")/lib.sh"

need_bpf || { finish; exit; }

begin "trace phase timings"
CAPDIET_TIMING=1 "$CAPDIET" trace -v -- true >"$TMP/out" 2>"$TMP/err"; rc=$?
check "the trace still works" [ "$rc" -eq 0 ]
for phase in "vmlinux BTF parsed" "BPF object loaded" "programs attached" \
	"recorder attached" "CMD exec'd" "result printed" "recorder detached"; do
	check "a line for: $phase" grep -q "^capdiet: timing: $phase.* +[0-9.]* ms ([0-9.]* ms since" "$TMP/err"
done
check "phases in order: attached before CMD exec'd" \
	awk '/timing: recorder attached/ { a = NR } /timing: CMD exec.d/ { e = NR } END { exit !(a && e && a < e) }' "$TMP/err"
check "times since the first mark never go back" \
	awk -F'[(]' '/timing:/ { t = $NF + 0; if (t < last) bad = 1; last = t } END { exit bad }' "$TMP/err"
check "nothing on stdout but the result" bash -c "! grep -q timing '$TMP/out'"
"$CAPDIET" trace -v -- true >/dev/null 2>"$TMP/err.plain"
check "without CAPDIET_TIMING, no timing line" bash -c "! grep -q 'timing:' '$TMP/err.plain'"
CAPDIET_TIMING=0 "$CAPDIET" trace -v -- true >/dev/null 2>"$TMP/err.zero"
check "CAPDIET_TIMING=0 means off" bash -c "! grep -q 'timing:' '$TMP/err.zero'"

finish
