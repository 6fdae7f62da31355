#!/bin/bash
# tests/corpus/run.sh — runs capdiet and the independent oracle
# (tests/oracle/oracle.c: brute force, no BPF) on corpus entries and compares
# the capability sets they find.  See tests/corpus/README.md.
#
# usage: tests/corpus/run.sh [--ci] [--capdiet PATH] [--oracle PATH]
#                            [--report FILE] [NAME...]
# shellcheck disable=SC2031 # WORK is set in the runner, read in subshells

CORPUS=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$CORPUS/../.." && pwd)
BUILD=${BUILD:-build}
ORACLE_SRC=$ROOT/tests/oracle/oracle.c

usage() {
	echo "usage: $0 [--ci] [--capdiet PATH] [--oracle PATH] [--report FILE] [NAME...]"
}

die() { echo "run.sh: $*" >&2; exit 2; }

# abspath P: P made absolute against the caller's directory.
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

CI=0 CAPDIET='' ORACLE='' REPORT='' NAMES=()
while [ $# -gt 0 ]; do
	case $1 in
	--ci) CI=1 ;;
	--capdiet) [ $# -ge 2 ] || die "--capdiet needs a PATH"; CAPDIET=$(abspath "$2"); shift ;;
	--oracle) [ $# -ge 2 ] || die "--oracle needs a PATH"; ORACLE=$(abspath "$2"); shift ;;
	--report) [ $# -ge 2 ] || die "--report needs a FILE"; REPORT=$(abspath "$2"); shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; NAMES+=("$@"); break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) NAMES+=("$1") ;;
	esac
	shift
done

case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ "$(id -u)" = 0 ] || die "must run as root (capdiet loads BPF programs; both tools create cgroups and launch commands with chosen capabilities)"
: "${CAPDIET:=$BUILD/capdiet}"
[ -x "$CAPDIET" ] || die "no capdiet at $CAPDIET (run make, or pass --capdiet PATH)"

# build_oracle: compiles the oracle into $BUILD/tests/oracle/oracle if it is
# missing or older than its source.
build_oracle() {
	local out=$BUILD/tests/oracle/oracle
	ORACLE=$out
	[ -x "$out" ] && [ ! "$ORACLE_SRC" -nt "$out" ] && return 0
	mkdir -p "$(dirname "$out")" || return 1
	cc -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE "$ORACLE_SRC" -lcap -o "$out"
}
if [ -z "$ORACLE" ]; then
	build_oracle || die "cannot build the oracle from $ORACLE_SRC"
fi
[ -x "$ORACLE" ] || die "no oracle at $ORACLE"

RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/capdiet-corpus.XXXXXX") || die "cannot create a temp dir"
WORK='' CHILD=''
on_exit() {
	[ -n "$WORK" ] && rm -rf "$WORK"
	rm -rf "$RUNDIR"
}
trap on_exit EXIT

# in_background CMD...: runs CMD as $CHILD and waits for it, so that a
# SIGINT/SIGTERM trap runs at once (not after CMD) and can forward it.
in_background() {
	local rc
	"$@" &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=''
	return $rc
}

# on_signal [MESSAGE]: stops the running child (which cleans up after
# itself), prints MESSAGE if any, exits 130.
on_signal() {
	trap '' INT TERM
	if [ -n "$CHILD" ]; then
		kill -TERM "$CHILD" 2>/dev/null
		wait "$CHILD"
	fi
	[ -n "${1:-}" ] && echo "$1" >&2
	exit 130
}
trap 'on_signal "run.sh: interrupted"' INT TERM

# entry_var NAME VAR: VAR as entry NAME sets it (sourced with a dummy WORK).
entry_var() {
	# shellcheck disable=SC1090,SC2030 # entries are sourced; WORK is local on purpose
	( HERE=$CORPUS/$1 WORK=/nonexistent/capdiet-corpus
	  . "$CORPUS/$1/entry.sh" >/dev/null 2>&1
	  eval "printf '%s' \"\${$2:-}\"" )
}

# The entries to run, one name a line.
select_entries() {
	local d name
	if [ ${#NAMES[@]} -gt 0 ]; then
		printf '%s\n' "${NAMES[@]}"
		return
	fi
	for d in "$CORPUS"/*/entry.sh; do
		[ -f "$d" ] || continue
		name=$(basename "$(dirname "$d")")
		[ "$CI" = 1 ] && [ "$(entry_var "$name" IN_CI)" != 1 ] && continue
		echo "$name"
	done
}

# ---- inside the entry's subshell ---------------------------------------

# result KEY VALUE: one line of the entry's result file.
result() { printf '%s=%s\n' "$1" "$2" >>"$OUT/result"; }

# last_line FILE: its last non-empty line.
last_line() { grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n1; }

missing_packages() {
	local p miss=''
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			miss="$miss $p"
	done
	echo "${miss# }"
}

# now: seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# tool_args: the options both tools share, from the entry.
tool_args() {
	ARGS=()
	[ -n "${PROBE:-}" ] && ARGS+=(--probe "$PROBE")
	[ -n "${BEFORE_EACH:-}" ] && ARGS+=(--before-each "$BEFORE_EACH")
	[ -n "${RUN_USER:-}" ] && ARGS+=(--user "$RUN_USER")
	[ -n "${TIMEOUT:-}" ] && ARGS+=(--timeout "$TIMEOUT")
}

run_oracle() {
	local t0 rc
	t0=$(now)
	in_background "$ORACLE" -v --logs "$OUT/oracle-logs" "${ARGS[@]}" -- "${CMD[@]}" \
		>"$OUT/oracle.out" 2>"$OUT/oracle.err"
	rc=$?
	result oracle_seconds "$(elapsed "$t0" "$(now)")"
	[ $rc -eq 130 ] && exit 130
	if [ $rc -ne 0 ]; then
		result error "oracle exited $rc: $(last_line "$OUT/oracle.err")"
		return 1
	fi
	result oracle_caps "$(sed -n 's/^caps: //p' "$OUT/oracle.out")"
	result oracle_trials "$(sed -n 's/^trials: //p' "$OUT/oracle.out")"
}

# profile_caps FILE: the profile's top-level set, comma-separated, or none.
profile_caps() {
	local caps
	caps=$(sed -n 's/^caps: \[\(.*\)\][[:space:]]*$/\1/p' "$1" | tr -d ' ')
	echo "${caps:-none}"
}

run_capdiet() {
	local t0 rc trials
	t0=$(now)
	# shellcheck disable=SC2086 # CAPDIET_ARGS is a word list on purpose
	in_background "$CAPDIET" run -o "$WORK/profile.yaml" ${CAPDIET_ARGS:-} "${ARGS[@]}" -- "${CMD[@]}" \
		>"$OUT/capdiet.out" 2>"$OUT/capdiet.err"
	rc=$?
	result capdiet_seconds "$(elapsed "$t0" "$(now)")"
	[ $rc -eq 130 ] && exit 130
	if [ -f "$WORK/profile.yaml" ]; then
		trials=$(grep -c '^- {index:' "$WORK/profile.yaml")
	else
		trials=$(grep -c '^trial ' "$OUT/capdiet.err")
	fi
	result capdiet_trials "$trials"
	case $rc in
	0) [ -f "$WORK/profile.yaml" ] || { result error "capdiet wrote no profile"; return 1; }
	   result capdiet_caps "$(profile_caps "$WORK/profile.yaml")" ;;
	1) result capdiet_caps "FAILED" ;;
	*) result error "capdiet exited $rc: $(last_line "$OUT/capdiet.err")"; return 1 ;;
	esac
}

# entry_main NAME: runs one entry; writes $OUT/result.  In a subshell
# (in_background), so that the entry's variables and functions stay there.
entry_main() {
	local miss
	HERE=$CORPUS/$1
	unset DESCRIPTION PACKAGES CMD PROBE BEFORE_EACH RUN_USER TIMEOUT IN_CI
	unset -f prepare cleanup
	trap on_signal INT TERM
	# shellcheck disable=SC1090,SC1091
	if ! . "$HERE/entry.sh" >"$OUT/source.log" 2>&1; then
		result error "sourcing entry.sh failed: $(last_line "$OUT/source.log")"
		return
	fi
	result description "${DESCRIPTION:-}"
	trap 'declare -F cleanup >/dev/null && cleanup >"$OUT/cleanup.log" 2>&1' EXIT
	[ "${#CMD[@]}" -gt 0 ] || { result error "entry.sh sets no CMD"; return; }
	miss=$(missing_packages)
	[ -z "$miss" ] || { result error "missing packages: $miss"; return; }
	cd / || return
	if declare -F prepare >/dev/null && ! prepare >"$OUT/prepare.log" 2>&1; then
		result error "prepare failed: $(last_line "$OUT/prepare.log")"
		return
	fi
	tool_args
	run_oracle && run_capdiet
}

# ---- back in the runner ------------------------------------------------

# get FILE KEY: a value from a result file.
get() { sed -n "s/^$2=//p" "$1" | tail -n1; }

# canon SET: comma-separated names sorted, for comparing.
canon() { tr ',' '\n' <<<"$1" | sort | paste -sd, -; }

# report_row NAME FILE VERDICT: one Markdown row; and, for a compared entry
# (VERDICT not error), its trials and seconds for the medians.
report_row() {
	local desc k
	desc=$(get "$2" description | sed 's/|/\\|/g')
	# shellcheck disable=SC2016 # literal backquotes: Markdown code
	printf '| `%s`%s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "${desc:+ — $desc}" \
		"$(get "$2" oracle_caps)" "$(get "$2" capdiet_caps)" "$3" \
		"$(get "$2" oracle_trials)" "$(get "$2" oracle_seconds)" \
		"$(get "$2" capdiet_trials)" "$(get "$2" capdiet_seconds)" >>"$RUNDIR/rows"
	case $3 in error*) return ;; esac
	for k in oracle_trials oracle_seconds capdiet_trials capdiet_seconds; do
		printf '%s ' "$(get "$2" "$k" | grep . || echo -)"
	done >>"$RUNDIR/numbers"
	echo >>"$RUNDIR/numbers"
}

# verdict NAME FILE: prints the entry's line; returns 0 when it passed.
verdict() {
	local err oc cc
	err=$(get "$2" error)
	oc=$(get "$2" oracle_caps) cc=$(get "$2" capdiet_caps)
	if [ -n "$err" ] || [ -z "$oc" ] || [ -z "$cc" ]; then
		echo "ERROR $1 oracle=${oc:-?} capdiet=${cc:-?} (${err:-no result})"
		report_row "$1" "$2" "error: ${err:-no result}"
		return 1
	fi
	if [ "$(canon "$oc")" = "$(canon "$cc")" ]; then
		echo "ok $1 oracle=$oc capdiet=$cc"
		report_row "$1" "$2" yes
		return 0
	fi
	echo "MISMATCH $1 oracle=$oc capdiet=$cc"
	tail -n 15 "$RUNDIR/$1/capdiet.err" 2>/dev/null | sed 's/^/    capdiet: /'
	report_row "$1" "$2" "**no**"
	return 1
}

# median COLUMN: median of a column of $RUNDIR/numbers ("-" skipped).
median() {
	awk -v c="$1" '$c != "-" { print $c }' "$RUNDIR/numbers" 2>/dev/null | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) exit; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%g", m }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.1f", a / b }'; }

write_report() {
	local tmp ot os ct cs
	ot=$(median 1) os=$(median 2) ct=$(median 3) cs=$(median 4)
	tmp=$(mktemp "$REPORT.XXXXXX") || { echo "run.sh: cannot write $REPORT" >&2; return 1; }
	{
		echo "# capdiet against the oracle"
		echo
		echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), capdiet $CAPDIET"
		echo
		echo "| program | oracle set | capdiet set | match | oracle trials | oracle s | capdiet trials | capdiet s |"
		echo "|---|---|---|---|---|---|---|---|"
		cat "$RUNDIR/rows" 2>/dev/null
		echo
		echo "Median: oracle ${ot:-n/a} trials, ${os:-n/a} s; capdiet ${ct:-n/a} trials, ${cs:-n/a} s;" \
			"ratio oracle/capdiet $(ratio "$ot" "$ct")x trials, $(ratio "$os" "$cs")x seconds."
	} >"$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$REPORT"
}

# run_one NAME: runs entry NAME with a fresh WORK; 0 when it passed.
run_one() {
	local name=$1 rc
	OUT=$RUNDIR/$name
	mkdir -p "$OUT" && : >"$OUT/result"
	if [ ! -f "$CORPUS/$name/entry.sh" ]; then
		result error "no entry $CORPUS/$name/entry.sh"
	else
		WORK=$(mktemp -d "${TMPDIR:-/tmp}/capdiet-corpus-$name.XXXXXX") ||
			{ echo "run.sh: cannot create WORK" >&2; exit 1; }
		in_background entry_main "$name"
		rc=$?
		rm -rf "$WORK"
		WORK=''
		[ $rc -eq 130 ] && { echo "run.sh: interrupted" >&2; exit 130; }
	fi
	verdict "$name" "$OUT/result"
}

main() {
	local name passed=0 failed=0 names
	names=$(select_entries)
	for name in $names; do
		if run_one "$name"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	[ -n "$REPORT" ] && write_report
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main
