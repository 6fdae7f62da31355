#!/bin/bash
# Runs capdiet's tests: every cmocka unit binary in $BUILD/tests and every
# integration script tests/integration/*.sh.  Prints one closing line
# "N passed, N failed, N skipped" and exits non-zero if anything failed.
# With CI=true a skipped test fails the run: CI has root and BPF, so a skip
# there means a test that should have run did not.
#   tests/run.sh [--unit|--integration] [NAME_FILTER...]
set -u
BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mode=all
case "${1:-}" in
--unit) mode=unit; shift ;;
--integration) mode=integration; shift ;;
esac
filters=("$@")
passed=0 failed=0 skipped=0
failed_names=()

selected() {
	[ ${#filters[@]} -eq 0 ] && return 0
	for f in "${filters[@]}"; do
		case "$1" in *"$f"*) return 0 ;; esac
	done
	return 1
}

run_unit() {
	local bin=$1 out rc p f s
	out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$bin" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		failed=$((failed + 1)) # crashed before cmocka could count
	fi
	[ "$rc" -ne 0 ] && failed_names+=("$(basename "$bin")")
}

run_integration() {
	local script=$1 out rc counts
	counts=$(mktemp)
	CAPDIET="$root/$BUILD/capdiet" COUNTS_FILE="$counts" ROOT="$root" \
		bash "$script"; rc=$?
	read -r p f s < "$counts" || true
	rm -f "$counts"
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		failed=$((failed + 1))
	fi
	[ "$rc" -ne 0 ] && failed_names+=("$(basename "$script")")
}

if [ "$mode" != integration ]; then
	for bin in "$root/$BUILD"/tests/*/test_*; do
		[ -x "$bin" ] || continue
		case "$bin" in *.d) continue ;; esac
		selected "$(basename "$bin")" || continue
		run_unit "$bin"
	done
fi
if [ "$mode" != unit ]; then
	for script in "$here"/integration/test_*.sh; do
		[ -f "$script" ] || continue
		selected "$(basename "$script")" || continue
		echo "== $(basename "$script")"
		run_integration "$script"
	done
fi

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
	echo "run.sh: $skipped test(s) skipped under CI=true: every test must run in CI"
	failed=$((failed + skipped))
	skipped=0
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
