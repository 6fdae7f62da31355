#!/bin/bash
# The CI hardening gate, `make check-hardening`: the unit suite built with
# ASan+UBSan (in $BUILD/asan), every libFuzzer target for FUZZ_SECONDS
# (in $BUILD/fuzz), then tests/valgrind.sh (in $BUILD/valgrind).  Every step
# runs even when an earlier one fails; the last line says which failed:
#   hardening: passed (sanitizers ok, fuzz ok, valgrind ok)
set -u
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
cd "$(dirname "$0")/.." || exit 2
# No recovery is compiled in; this adds the stack to UBSan's one-line report.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
results=()
failed=0

step() {
	local name=$1
	shift
	echo "== hardening: $name"
	if "$@"; then
		results+=("$name ok")
	else
		results+=("$name FAILED")
		failed=1
	fi
}

step sanitizers $MAKE --no-print-directory unit-test SANITIZE=1 BUILD="$BUILD/asan"
step fuzz $MAKE --no-print-directory fuzz BUILD="$BUILD" FUZZ_SECONDS="$FUZZ_SECONDS"
step valgrind env BUILD="$BUILD/valgrind" MAKE="$MAKE" tests/valgrind.sh
summary=$(IFS=,; echo "${results[*]}")
if [ "$failed" -eq 0 ]; then
	echo "hardening: passed (${summary//,/, })"
else
	echo "hardening: FAILED (${summary//,/, })"
fi
exit "$failed"
