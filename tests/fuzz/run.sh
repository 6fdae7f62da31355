#!/bin/bash
# Runs every libFuzzer target built in $FUZZ_DIR for $FUZZ_SECONDS seconds,
# starting from the seeds in tests/fuzz/corpus/NAME/ (and NAME.dict when
# present).  Inputs it discovers go to $FUZZ_DIR/corpus/NAME, never to the
# repository; a crash, leak, hang (-timeout) or broken invariant is saved as
# $FUZZ_DIR/artifacts/NAME-crash-* (or leak-, timeout-, oom-) and fails the
# run.  Reproduce with: $FUZZ_DIR/fuzz_NAME ARTIFACT
#   tests/fuzz/run.sh [NAME...]
set -u
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
here=$(cd "$(dirname "$0")" && pwd)
names=("$@")
passed=0 failed=0

if [ ${#names[@]} -eq 0 ]; then
	for bin in "$FUZZ_DIR"/fuzz_*; do
		[ -x "$bin" ] && names+=("${bin##*/fuzz_}")
	done
fi
if [ ${#names[@]} -eq 0 ]; then
	echo "fuzz: no fuzzer in $FUZZ_DIR; build them with make fuzz" >&2
	exit 2
fi

fuzz_one() {
	local name=$1 log=$FUZZ_DIR/$1.log dict=() rc runs
	mkdir -p "$FUZZ_DIR/corpus/$name" "$FUZZ_DIR/artifacts"
	[ -f "$here/$name.dict" ] && dict=("-dict=$here/$name.dict")
	"$FUZZ_DIR/fuzz_$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$FUZZ_DIR/artifacts/$name-" \
		"$FUZZ_DIR/corpus/$name" "$here/corpus/$name" > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "  ok   fuzz_$name: ${runs:-?} inputs in $FUZZ_SECONDS s"
		passed=$((passed + 1))
		return
	fi
	echo "  FAIL fuzz_$name: exit $rc; full log in $log"
	grep -E -A25 '^==[0-9]+==ERROR|runtime error|invariant broken|ALARM' "$log" | head -40
	grep -E '^artifact_prefix|Test unit written to' "$log"
	failed=$((failed + 1))
}

for name in "${names[@]}"; do
	fuzz_one "$name"
done
echo "fuzz: $passed passed, $failed failed (${FUZZ_SECONDS} s each)"
[ "$failed" -eq 0 ]
