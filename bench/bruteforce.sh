#!/bin/bash
# The search capdiet's learner replaces, for bench/run.sh:  start from every
# capability capdiet can hand out, drop each in turn (capability order), and
# keep a drop when the service still works without it.  One trial per
# capability, each start -> probe -> stop with `capdiet exec`, the same
# launcher `capdiet run` uses, and no tracing.
#   bruteforce.sh CAPDIET TIMEOUT_S PROBE -- START [ARGS...]
# A trial works when PROBE (a shell command) exits 0 while START runs; it
# fails when START exits first or PROBE has not passed within TIMEOUT_S.
# Prints "trials=N set=A,B,C" to stdout, one line per trial to stderr.
set -u

usage() {
	echo "usage: bruteforce.sh CAPDIET TIMEOUT_S PROBE -- START [ARGS...]" >&2
	exit 2
}

if [ $# -lt 5 ] || [ "$4" != "--" ]; then
	usage
fi
capdiet=$1 timeout_s=$2 probe=$3
shift 4
trial_pid=""

stop_trial() {
	[ -n "$trial_pid" ] || return 0
	kill -TERM "$trial_pid" 2>/dev/null
	wait "$trial_pid" 2>/dev/null
	trial_pid=""
}
trap stop_trial EXIT
trap 'exit 130' INT TERM

# alive PID: running, not a zombie waiting to be reaped.
alive() {
	local state
	state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

# every_cap: the names capdiet itself holds (permitted and bounding), as
# `capdiet decode` spells them, comma-separated.
every_cap() {
	local prm bnd
	prm=$(awk '/^CapPrm:/ { print $2 }' /proc/self/status)
	bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
	"$capdiet" decode "$(printf '%016x' $((0x$prm & 0x$bnd)))" | sed 's/^[^=]*=//'
}

# try_set LIST START...: 0 when the probe passed while START ran with LIST.
try_set() {
	local list=$1 deadline now
	shift
	"$capdiet" exec --caps "$list" -- "$@" </dev/null >/dev/null 2>&1 &
	trial_pid=$!
	deadline=$(($(date +%s%N) / 1000000 + timeout_s * 1000))
	while alive "$trial_pid"; do
		if sh -c "$probe" </dev/null >/dev/null 2>&1; then
			stop_trial
			return 0
		fi
		now=$(($(date +%s%N) / 1000000))
		[ "$now" -lt "$deadline" ] || break
		sleep 0.1
	done
	stop_trial
	return 1
}

# without LIST NAME: LIST minus NAME.
without() {
	printf '%s\n' "$1" | tr , '\n' | grep -vx "$2" | paste -sd, -
}

set_now=$(every_cap)
[ -n "$set_now" ] || { echo "bruteforce.sh: cannot list capdiet's capabilities" >&2; exit 1; }
trials=0
for cap in $(printf '%s\n' "$set_now" | tr , ' '); do
	candidate=$(without "$set_now" "$cap")
	trials=$((trials + 1))
	if try_set "$candidate" "$@"; then
		set_now=$candidate
		echo "brute force trial $trials: without $cap works: dropped" >&2
	else
		echo "brute force trial $trials: without $cap fails: kept" >&2
	fi
done
echo "trials=$trials set=$set_now"
