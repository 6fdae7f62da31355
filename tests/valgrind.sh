#!/bin/bash
# Runs capdiet under valgrind's memcheck: `capdiet trace -- chown` and
# `capdiet run -- true` (both need root and BPF; skipped otherwise) and every
# unit test binary.  Prints "clean" or "NOT CLEAN" per run, then a closing
# line, and exits 1 if any run is not clean.
#   tests/valgrind.sh            (builds what it runs in $BUILD first)
#
# Why an -O0 build ($BUILD, default build/valgrind): at -O2 the launcher's
# child, failing exec, leaves through a noreturn path that drops the last
# register copy of the parent's launch pointer, so memcheck calls the
# parent's heap "definitely lost" in that child and its exit status becomes
# valgrind's error code instead of 127.
#
# Valgrind and BPF: its bpf() wrapper checks attribute fields libbpf leaves
# unset (false positives, suppressed for libbpf's calls in
# tests/valgrind.supp); it warns "unhandled eBPF command 28/35"
# (BPF_LINK_CREATE, BPF_PROG_BIND_MAP), which still reach the kernel, and it
# fails pidfd_open (syscall 434) with ENOSYS, so under valgrind capdiet
# waits for its child without a pidfd.  These warnings are not errors.
#
# A run is clean when the command exits as expected and no process it
# forked (each has its own log in $BUILD/valgrind-logs) reports an error.
set -u
BUILD=${BUILD:-build/valgrind}
MAKE=${MAKE:-make}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
logs=$BUILD/valgrind-logs
clean=0 dirty=0 skipped=0
tmp=

cleanup() { [ -n "$tmp" ] && rm -rf "$tmp"; }
trap cleanup EXIT

build() {
	local bins=("$BUILD/capdiet") t
	for t in tests/*/test_*.c; do
		t=${t#tests/}
		bins+=("$BUILD/tests/${t%.c}")
	done
	CFLAGS='-O0 -g' $MAKE -s --no-print-directory BUILD="$BUILD" SANITIZE= "${bins[@]}"
}

# The error count of every log of run $1; prints the errors themselves.
errors_of() {
	local label=$1 n total=0 log
	for log in "$logs/$label".*.log; do
		[ -f "$log" ] || continue
		n=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
		if [ "${n:-0}" -gt 0 ]; then
			grep -E -v '^==[0-9]+== *$' "$log" | grep -E -A14 \
				'Invalid|uninitialised|unaddressable|definitely lost|Mismatched|overlap' >&2
			total=$((total + n))
		fi
	done
	echo "$total"
}

# check LABEL EXPECTED_STATUS CMD...: runs CMD under memcheck.
check() {
	local label=$1 want=$2 rc errs
	shift 2
	valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
		--suppressions="$root/tests/valgrind.supp" \
		--log-file="$logs/$label.%p.log" "$@" > "$logs/$label.out" 2>&1
	rc=$?
	errs=$(errors_of "$label")
	if [ "$rc" -eq "$want" ] && [ "$errs" -eq 0 ]; then
		echo "  clean      $label"
		clean=$((clean + 1))
	else
		echo "  NOT CLEAN  $label: exit $rc (expected $want), $errs valgrind errors; logs: $logs/$label.*"
		dirty=$((dirty + 1))
	fi
}

can_trace() {
	[ "$(id -u)" -eq 0 ] && [ -r /sys/kernel/btf/vmlinux ]
}

if ! command -v valgrind > /dev/null; then
	echo "valgrind.sh: valgrind is not installed; run scripts/setup.sh" >&2
	exit 2
fi
build || exit 2
rm -rf "$logs" && mkdir -p "$logs" || exit 2
tmp=$(mktemp -d /tmp/capdiet-valgrind.XXXXXX) || exit 2
if can_trace; then
	: > "$tmp/owned-by-root"
	# Denied CHOWN: chown fails and trace exits with its status, 1.
	check trace-chown 1 "$BUILD/capdiet" trace -- chown 1:1 "$tmp/owned-by-root"
	check run-true 0 "$BUILD/capdiet" run -- true
else
	echo "  skip       trace-chown, run-true: need root and a kernel with BTF"
	skipped=2
fi
for bin in "$BUILD"/tests/*/test_*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	check "${bin##*/}" 0 "$bin"
done
echo "valgrind: $clean clean, $dirty not clean, $skipped skipped"
[ "$dirty" -eq 0 ]
