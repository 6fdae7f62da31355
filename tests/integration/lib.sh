# Sourced by integration tests: assertions, skips and clean-up.
# Each test file calls `begin NAME`, then `ok`/`fail`/`skip`, then `finish`.
# The counts reach tests/run.sh through $COUNTS_FILE.
set -u
CAPDIET=${CAPDIET:?run through tests/run.sh}
ROOT=${ROOT:?}
PASS=0 FAIL=0 SKIP=0
CURRENT=""
TMP=$(mktemp -d /tmp/capdiet-test.XXXXXX)
CLEANUP_PIDS=()

cleanup_all() {
	local pid
	for pid in "${CLEANUP_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.1
	for pid in "${CLEANUP_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup_all EXIT

# Registers a background process to stop when the file ends.
track_pid() { CLEANUP_PIDS+=("$1"); }

begin() { CURRENT=$1; }
ok() { PASS=$((PASS + 1)); echo "  ok   $CURRENT${1:+: $1}"; }
fail() { FAIL=$((FAIL + 1)); echo "  FAIL $CURRENT: $*"; }
skip() { SKIP=$((SKIP + 1)); echo "  skip $CURRENT: $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@" >/dev/null; then ok "$what"; else fail "$what"; fi
}

# Tests that need root and BPF: skip with the reason on a machine without
# the rights, never in CI (CI=true), where a missing right is a failure.
need_bpf() {
	local why=""
	if [ "$(id -u)" -ne 0 ]; then
		why="needs root (or CAP_BPF+CAP_PERFMON)"
	elif [ ! -r /sys/kernel/btf/vmlinux ]; then
		why="needs a kernel with BTF (/sys/kernel/btf/vmlinux)"
	fi
	[ -z "$why" ] && return 0
	if [ "${CI:-}" = true ]; then
		fail "$why (CI must run this test)"
	else
		skip "$why"
	fi
	return 1
}

finish() {
	echo "$PASS $FAIL $SKIP" > "${COUNTS_FILE:-/dev/null}"
	[ "$FAIL" -eq 0 ]
}

# Tests that need root only (no BPF): same skip/fail rules as need_bpf.
need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	if [ "${CI:-}" = true ]; then
		fail "needs root (CI must run this test)"
	else
		skip "needs root"
	fi
	return 1
}

# Skips with the reason on a developer machine; fails in CI (CI=true).
skip_or_fail() {
	if [ "${CI:-}" = true ]; then fail "$* (CI must run this test)"; else skip "$*"; fi
}

# need_tools TOOL...: 0 when every TOOL is installed, else skip_or_fail.
need_tools() {
	local t missing=""
	for t in "$@"; do command -v "$t" >/dev/null || missing="$missing $t"; done
	[ -z "$missing" ] && return 0
	skip_or_fail "needs$missing (run scripts/setup.sh)"
	return 1
}

# caps_of PROFILE: its minimum set, one line, comma-separated.
caps_of() { sed -n 's/^caps: \[\(.*\)\]$/\1/p' "$1" | tr -d ' '; }

# wait_port_free PORT: waits (up to 20 s) until nothing listens on PORT.
wait_port_free() {
	local i
	for ((i = 0; i < 100; i++)); do
		ss -ltnH "sport = :$1" | grep -q . || return 0
		sleep 0.2
	done
	return 1
}

# expect_rc WHAT CODE: $RC (set by the script's run) is CODE; $ERR says why not.
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1: exit $2"; else fail "$1: exit $RC, want $2 ($(head -c 300 "$ERR"))"; fi
}

# has FILE WHAT LINE: FILE holds LINE as a whole line.
has() {
	if grep -qxF -- "$3" "$1"; then ok "$2"; else fail "$2: no line '$3' in: $(head -c 600 "$1")"; fi
}

# has_text FILE WHAT TEXT: FILE contains TEXT.
has_text() {
	if grep -qF -- "$3" "$1"; then ok "$2"; else fail "$2: no '$3' in: $(head -c 600 "$1")"; fi
}
