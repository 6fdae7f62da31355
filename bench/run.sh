#!/bin/bash
# capdiet's benchmark (make bench): figures and ratios against baselines run
# in the same invocation, never a pass/fail timing test.  Prints a Markdown
# report to stdout and writes it to bench/RESULTS.md; progress goes to
# stderr.  Needs root (BPF).  See bench/README.md.
#
#   BENCH_REPS=5            repetitions of each measurement (medians, min-max)
#   BENCH_LOOP_N=1000000    capability checks per loop
#   BENCH_BRUTE_REPS=3      repetitions of the brute-force search (slow)
#   BENCH_TIMEOUT=10        seconds a service trial may take to pass its probe
#   BENCH_SECTIONS="1 2 3 4 5 6"  a subset (RESULTS.md is then left alone)
#   BENCH_FLEET_N=1000, BENCH_FLEET_CHECKS=100  section 6's containers, checks each
#   BENCH_NGINX_PORT=880, BENCH_BACKEND_PORT=18880  the example's ports, away
#                           from 80/8080 which the integration tests use
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
CAPDIET=$ROOT/$BUILD/capdiet
BB=$ROOT/$BUILD/bench
REPS=${BENCH_REPS:-5}
LOOP_N=${BENCH_LOOP_N:-1000000}
BRUTE_REPS=${BENCH_BRUTE_REPS:-3}
TIMEOUT=${BENCH_TIMEOUT:-10}
SECTIONS=${BENCH_SECTIONS:-1 2 3 4 5 6}
NGINX_PORT=${BENCH_NGINX_PORT:-880}
BACKEND_PORT=${BENCH_BACKEND_PORT:-18880}
NGINX_DIR=/tmp/capdiet-bench-nginx.$$
TMP=""
TRACEFS_MOUNTED=0
BG_PIDS=()

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	log "$2"
	exit "$1"
}

cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ "$TRACEFS_MOUNTED" = 1 ]; then
		umount /sys/kernel/tracing 2>/dev/null
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
	rm -rf "$NGINX_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- numbers -------------------------------------------------------------

# stats FILE: "median min max" of the numbers in FILE, one a line.
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 }
		END { if (!NR) { print "nan nan nan"; exit }
		      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      print m, v[1], v[NR] }'
}

# fmt N [DECIMALS]: a number for the table, with thousands separators.
fmt() {
	awk -v x="$1" -v d="${2:-0}" 'BEGIN {
		s = sprintf("%.*f", d, x); frac = ""
		if (i = index(s, ".")) { frac = substr(s, i); s = substr(s, 1, i - 1) }
		while (match(s, /[0-9][0-9][0-9][0-9]/)) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
		print s frac }'
}

# ratio A B [DECIMALS]: A / B.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, b ? a / b : 0 }'; }

# le A B: A <= B.
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

verdict() { if le "$1" "$2"; then echo "met"; else echo "missed"; fi; }

# --- section 1: per-check overhead ---------------------------------------

BPFTRACE_PROG='BEGIN { printf("ready\n"); }
tracepoint:capability:cap_capable { @[args->cap, args->ret] = count(); }'

need_tracefs() {
	[ -d /sys/kernel/tracing/events ] && return 0
	mount -t tracefs nodev /sys/kernel/tracing || return 1
	TRACEFS_MOUNTED=1
}

release_tracefs() {
	[ "$TRACEFS_MOUNTED" = 1 ] || return 0
	umount /sys/kernel/tracing && TRACEFS_MOUNTED=0
}

# bpftrace_loop OUT: the loop while bpftrace counts every check (system-wide).
bpftrace_loop() {
	local out=$1 bt=$TMP/bpftrace.out pid tries=0
	rm -f "$bt" # the last run's "ready" must not be taken for this one's
	bpftrace -B line -e "$BPFTRACE_PROG" >"$bt" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	until grep -q '^ready' "$bt" 2>/dev/null; do
		tries=$((tries + 1))
		if [ "$tries" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
			log "bpftrace did not start: $(head -c 300 "$bt")"
			kill -TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	"$BB/checkloop" "$LOOP_N" "$out"
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	BG_PIDS=()
	# The map holds this loop's checks: proof bpftrace saw them.
	awk -F': ' -v n="$LOOP_N" '/^@\[7, 0\]/ { found = $2 >= n } END { exit !found }' "$bt" &&
		return 0
	log "bpftrace did not count the loop's $LOOP_N SETUID checks: $(grep -v RLIMIT "$bt" | head -c 300)"
	return 1
}

# loop_under VARIANT OUT: one loop of LOOP_N checks under VARIANT.
loop_under() {
	local loop=("$BB/checkloop" "$LOOP_N" "$2")
	case $1 in
	untraced) "${loop[@]}" ;;
	capdiet) "$CAPDIET" trace --caps ALL -- "${loop[@]}" >/dev/null 2>>"$TMP/capdiet.err" ;;
	capdiet_none) "$CAPDIET" trace -- "${loop[@]}" >/dev/null 2>>"$TMP/capdiet.err" ;;
	count) "$BB/ringbuf-trace" --count -- "${loop[@]}" >/dev/null ;;
	ringbuf) "$BB/ringbuf-trace" -- "${loop[@]}" >>"$TMP/ringbuf.out" ;;
	bpftrace) bpftrace_loop "$2" ;;
	observe) observe_loop "$2" ;;
	esac
}

# observe_ids: the ids of loaded capdiet observe programs, one a line.
observe_ids() { bpftool prog show name on_node_attach 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p'; }
# observer_attached AFTER: an observer newer than program id AFTER is loaded
# (one that just exited may still be listed while the kernel releases it).
observer_attached() {
	local id
	for id in $(observe_ids); do [ "$id" -gt "$1" ] && return 0; done
	return 1
}
# last_observe_id: the newest observer program id now, 0 for none.
last_observe_id() { local id; id=$(observe_ids | sort -n | tail -1); echo "${id:-0}"; }

# observe_loop OUT: the loop while capdiet observe records the whole node.
observe_loop() {
	local pid tries=0 last
	last=$(last_observe_id)
	"$CAPDIET" observe --interval 3600 >/dev/null 2>>"$TMP/capdiet.err" &
	pid=$!
	BG_PIDS+=("$pid")
	until observer_attached "$last"; do
		tries=$((tries + 1))
		if [ "$tries" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			log "capdiet observe did not attach: $(tail -c 300 "$TMP/capdiet.err")"
			kill -TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	"$BB/checkloop" "$LOOP_N" "$1"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	BG_PIDS=()
}

variant_label() {
	case $1 in
	untraced) echo "nothing (baseline)" ;;
	capdiet) echo "**capdiet trace --caps ALL** (granted: counted in kernel)" ;;
	capdiet_none) echo "capdiet trace, no caps (denied: noaudit stack test, outcome at sys_exit)" ;;
	count) echo "floor: tp_btf, one counter per (cap, verdict) in a hash map" ;;
	ringbuf) echo "tp_btf, every event through a ring buffer to user space" ;;
	bpftrace) echo "bpftrace \`@[args->cap, args->ret] = count()\` on the tracepoint" ;;
	observe) echo "**capdiet observe** (every task of the node, per cgroup)" ;;
	esac
}

# med FILE: the median of FILE's numbers.
med() { stats "$1" | cut -d' ' -f1; }

section1_rows() {
	local v w wmin wmax
	read -r w wmin wmax < <(stats "$TMP/s1.untraced.wall")
	printf '| %s | %s | %s–%s | 0 | 1.00× | 1.00× |\n' "$(variant_label untraced)" \
		"$(fmt "$w")" "$(fmt "$wmin")" "$(fmt "$wmax")"
	for v in "$@"; do
		[ -s "$TMP/s1.$v.wall" ] || continue
		read -r w wmin wmax < <(stats "$TMP/s1.$v.wall")
		printf '| %s | %s | %s–%s | %s | %s× | %s× |\n' "$(variant_label "$v")" \
			"$(fmt "$w")" "$(fmt "$wmin")" "$(fmt "$wmax")" \
			"$(fmt "$(med "$TMP/s1.$v.added")")" \
			"$(fmt "$(med "$TMP/s1.$v.ratio")" 2)" "$(fmt "$(med "$TMP/s1.$v.cpuratio")" 2)"
	done
}

# measure VARIANT: one loop under VARIANT; "WALL CPU" ns per call, or fails.
measure() {
	rm -f "$TMP/loop.out"
	if ! loop_under "$1" "$TMP/loop.out" || [ ! -s "$TMP/loop.out" ]; then
		log "section 1: the loop under $1 failed; this pair is left out"
		return 1
	fi
	cat "$TMP/loop.out"
}

# foreign_tracers: how many BPF tracing programs are loaded (this script's
# own have all exited between measurements).  Another capdiet trace's
# sys_exit program would slow every syscall, the untraced loop's too.
foreign_tracers() {
	bpftool prog show -j 2>/dev/null | jq '[.[] | select(.type == "tracing" or
		.type == "raw_tracepoint" or .type == "tracepoint" or .type == "kprobe")] | length'
}

# wait_quiet: up to 30 s for no other tracer; fails if one stays.
wait_quiet() {
	local i
	for i in $(seq 100); do
		[ "$(foreign_tracers)" = 0 ] && return 0
		sleep 0.3
	done
	return 1
}

# pair VARIANT: an untraced loop, then one under VARIANT, side by side, so
# that a change in the machine's other load hits both.
pair() {
	local v=$1 u uc w c
	wait_quiet || echo "$v" >>"$TMP/s1.disturbed"
	read -r u uc < <(measure untraced) || return 0
	read -r w c < <(measure "$v") || return 0
	echo "$u" >>"$TMP/s1.untraced.wall"
	echo "$w" >>"$TMP/s1.$v.wall"
	awk -v a="$w" -v b="$u" 'BEGIN { print a - b }' >>"$TMP/s1.$v.added"
	awk -v a="$w" -v b="$u" 'BEGIN { print a / b }' >>"$TMP/s1.$v.ratio"
	awk -v a="$c" -v b="$uc" 'BEGIN { print a / b }' >>"$TMP/s1.$v.cpuratio"
}

section1() {
	local variants=(capdiet capdiet_none observe count ringbuf) v r cd_ratio ob_ratio dropped
	if command -v bpftrace >/dev/null && need_tracefs; then
		variants+=(bpftrace)
	else
		log "section 1: no bpftrace (or no tracefs): its row is left out"
	fi
	for r in $(seq "$REPS"); do
		log "section 1: per-check overhead, repetition $r/$REPS"
		for v in "${variants[@]}"; do
			pair "$v"
		done
	done
	release_tracefs
	cd_ratio=$(fmt "$(med "$TMP/s1.capdiet.ratio")" 2)
	ob_ratio=$(fmt "$(med "$TMP/s1.observe.ratio")" 2)
	dropped=$(sed -n 's/.*dropped=\([0-9]*\).*/\1/p' "$TMP/ringbuf.out" 2>/dev/null | paste -sd' ' -)
	cat <<EOF
## 1. Per-check overhead

A loop of $(fmt "$LOOP_N") \`setuid(0)\` calls as root, one CAP_SETUID check each
(\`bench/checkloop.c\`, which times itself).  Each traced loop runs right after an
untraced one; "ns added" and the ratios are medians over those $REPS pairs, so
that a change in the machine's other load hits both sides of a ratio.

| what is attached | ns per call (median) | min–max | ns added | vs untraced | CPU time vs untraced |
|---|---|---|---|---|---|
$(section1_rows "${variants[@]}")

"CPU time" is the looping process's own (user + system, where the BPF programs
run): blind to the time other work takes the CPU away, and to work done
elsewhere, such as the ring buffer's consumer.  bpftrace counts every process's
checks (no scope test).

Pairs started while another BPF tracing program was loaded (after waiting up to
30 s for none): $(grep -c . "$TMP/s1.disturbed" 2>/dev/null || echo 0) of $((REPS * ${#variants[@]})).

Target: capdiet ≤ 1.10× untraced — **${cd_ratio}×, $(verdict "$cd_ratio" 1.10)** (wall time).
Target: \`capdiet observe\` within \`capdiet trace\`'s figure (+0.05 for noise) — **${ob_ratio}× vs ${cd_ratio}×, $(verdict "$ob_ratio" "$(awk -v c="$cd_ratio" 'BEGIN { print c + 0.05 }')")**.
Ring buffer events dropped per run (no room when the consumer fell behind): ${dropped:-n/a}.
EOF
}

# --- section 2: no loss --------------------------------------------------

# counted JSON: SETUID checks of setuid(2) in a trace's JSON, and "lost".
counted() {
	jq -r '[([.decisions[] | select(.capability == "SETUID" and .syscall == "setuid")
		 | .count] | add // 0), .lost] | @tsv' "$1"
}

# storm N OUT...: N traces of the loop at once, each into its own OUT.
storm() {
	local n=$1 pids=() i
	shift
	for i in $(seq "$n"); do
		"$CAPDIET" trace --json --caps ALL -- "$BB/checkloop" "$LOOP_N" \
			>"$TMP/storm.$i.json" 2>>"$TMP/capdiet.err" &
		pids+=($!)
	done
	BG_PIDS+=("${pids[@]}")
	for i in "${pids[@]}"; do
		wait "$i"
	done
	BG_PIDS=()
}

# storm_rows N LABEL: one table row over REPS storms of N traces.
storm_rows() {
	local n=$1 label=$2 r i exact=0 total=0 lost=0 seen=()
	for r in $(seq "$REPS"); do
		log "section 2: $label, repetition $r/$REPS"
		storm "$n"
		for i in $(seq "$n"); do
			read -r c l < <(counted "$TMP/storm.$i.json" 2>/dev/null || echo "0 -1")
			total=$((total + 1))
			seen+=("$c")
			lost=$((lost + ${l:-0}))
			[ "$c" = "$LOOP_N" ] && [ "$l" = 0 ] && exact=$((exact + 1))
		done
	done
	printf '| %s | %s | %s | %s | %s/%s |\n' "$label" "$(fmt "$LOOP_N")" \
		"$(printf '%s\n' "${seen[@]}" | sort -u | while read -r x; do fmt "$x"; done | paste -sd' ' -)" \
		"$lost" "$exact" "$total"
}

section2() {
	cat <<EOF
## 2. No loss

\`capdiet trace --json --caps ALL -- checkloop $LOOP_N\`; the SETUID count of
\`setuid\` summed with jq must be exactly $(fmt "$LOOP_N"), with \`lost\` 0.  Then two traces at
once, each of its own loop, each counting exactly its own.  $REPS repetitions.

| runs | checks made per loop | SETUID counts seen | lost (sum) | exact |
|---|---|---|---|---|
$(storm_rows 1 "one trace")
$(storm_rows 2 "two concurrent traces")
EOF
}

# --- section 3: time to profile ------------------------------------------

nginx_env() {
	export RUN_DIR=$NGINX_DIR LISTEN_ADDR=127.0.0.1:$NGINX_PORT \
		BACKEND_ADDR=127.0.0.1:$BACKEND_PORT
}

nginx_prepare() {
	nginx_env
	if curl -s --max-time 1 "http://$LISTEN_ADDR/" >/dev/null 2>&1 ||
		curl -s --max-time 1 "http://$BACKEND_ADDR/" >/dev/null 2>&1; then
		log "section 3: $LISTEN_ADDR or $BACKEND_ADDR is taken; set BENCH_NGINX_PORT/BENCH_BACKEND_PORT"
		return 1
	fi
	examples/nginx-proxy/prepare.sh >"$TMP/prepare.log" 2>&1 ||
		{ log "section 3: prepare.sh failed: $(tail -3 "$TMP/prepare.log")"; return 1; }
}

# capdiet_profile: one `capdiet run`; appends "seconds trials set rss_kb".
capdiet_profile() {
	local t0 t1 line
	t0=$(now_ms)
	/usr/bin/time -f '%M' -o "$TMP/run.rss" "$CAPDIET" run \
		--probe "$ROOT/examples/nginx-proxy/probe.sh" --timeout "$TIMEOUT" \
		-o "$TMP/nginx.yaml" -- "$ROOT/examples/nginx-proxy/start.sh" 2>"$TMP/run.err" ||
		{ log "capdiet run failed: $(tail -3 "$TMP/run.err")"; return 1; }
	t1=$(now_ms)
	line=$(sed -n 's/^minimum set: \([^ ]*\) *(\([0-9]*\) trials.*/\2 \1/p' "$TMP/run.err")
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1000 }') $line $(tail -1 "$TMP/run.rss")" \
		>>"$TMP/s3.capdiet"
}

brute_profile() {
	local t0 t1 out
	t0=$(now_ms)
	out=$(bench/bruteforce.sh "$CAPDIET" "$TIMEOUT" "$ROOT/examples/nginx-proxy/probe.sh" \
		-- "$ROOT/examples/nginx-proxy/start.sh" 2>>"$TMP/brute.err") ||
		{ log "brute force failed: $(tail -3 "$TMP/brute.err")"; return 1; }
	t1=$(now_ms)
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1000 }') $(echo "$out" |
		sed -n 's/^trials=\([0-9]*\) set=\(.*\)/\1 \2/p')" >>"$TMP/s3.brute"
}

# sets_seen: the distinct sets on stdin (one a line), each shown sorted
# without CAP_, so that both searches' answers compare at a glance.
sets_seen() {
	while read -r set; do
		printf '%s\n' "$set" | tr , '\n' | sed 's/^CAP_//' | sort | paste -sd, -
	done | sort -u | paste -sd' ' -
}

# profile_row LABEL FILE: "| label | trials | seconds median | min-max | set |".
profile_row() {
	local f=$2
	cut -d' ' -f1 "$f" >"$f.sec"
	read -r m lo hi < <(stats "$f.sec")
	printf '| %s | %s | %s s | %s–%s s | %s | %s |\n' "$1" \
		"$(cut -d' ' -f2 "$f" | sort -u | paste -sd/ -)" "$(fmt "$m" 1)" \
		"$(fmt "$lo" 1)" "$(fmt "$hi" 1)" "$(cut -d' ' -f3 "$f" | sets_seen)" \
		"$(wc -l <"$f")"
}

section3() {
	local r ncaps cm bm speedup trials
	nginx_prepare || return 0
	for r in $(seq "$REPS"); do
		log "section 3: capdiet run on nginx-proxy, repetition $r/$REPS"
		capdiet_profile
	done
	for r in $(seq "$BRUTE_REPS"); do
		log "section 3: brute force on nginx-proxy, repetition $r/$BRUTE_REPS"
		brute_profile
	done
	if [ ! -s "$TMP/s3.capdiet" ] || [ ! -s "$TMP/s3.brute" ]; then
		log "section 3: a search gave no result; the section is left out"
		return 0
	fi
	ncaps=$(cut -d' ' -f2 "$TMP/s3.brute" | head -1)
	read -r cm _ < <(cut -d' ' -f1 "$TMP/s3.capdiet" | sort -g | stats /dev/stdin)
	read -r bm _ < <(cut -d' ' -f1 "$TMP/s3.brute" | sort -g | stats /dev/stdin)
	speedup=$(ratio "$bm" "$cm" 1)
	trials=$(cut -d' ' -f2 "$TMP/s3.capdiet" | sort -n | tail -1)
	cat <<EOF
## 3. Time to profile

\`examples/nginx-proxy\` (nginx in front of go-http, on 127.0.0.1:$NGINX_PORT), same probe
(\`probe.sh\`), same launcher, --timeout $TIMEOUT s for a trial's probe to pass.
capdiet: \`capdiet run --probe probe.sh -- start.sh\`.  Brute force
(\`bench/bruteforce.sh\`): every capability capdiet holds ($ncaps here), dropped one
at a time with \`capdiet exec --caps LIST -- start.sh\`, start → probe → stop,
keeping each drop that still works.

| search | trials | wall time (median) | min–max | set found | runs |
|---|---|---|---|---|---|
$(profile_row "**capdiet run**" "$TMP/s3.capdiet")
$(profile_row "brute force" "$TMP/s3.brute")

capdiet is **${speedup}×** faster.  Targets: at most a quarter of the brute
force's trials ($ncaps) — **$trials, $(verdict "$trials" $((ncaps / 4)))**;
≥ 6× faster — **$(if le 6 "$speedup"; then echo met; else echo missed; fi)**.
capdiet's trials include the baseline, one trial without each capability of
the answer (to prove it needed) and a confirmation.  The brute force waits the
full timeout when a drop leaves the service running but broken (nginx's
workers cannot setgid/setuid): capdiet ends such a trial once the probe has
not passed 2× the baseline's time to be ready after an operation failed.
EOF
}

# --- section 4: footprint ------------------------------------------------

RECORDER_MAPS="tracked counts evidence pending exes stacks path_args stats cgroup_filter live_events kprobe_calls scratch_map sysevents sysevent_scratch recorder.rodata"

max_map_id() { bpftool map show -j 2>/dev/null | jq '[.[].id] | max // 0'; }

# maps_of_new_trace BEFORE: each recorder map created after id BEFORE
# (the lowest id of each name: capdiet's, even if another trace starts).
maps_of_new_trace() {
	bpftool map show -j | jq -r --argjson before "$1" --arg names "$RECORDER_MAPS" '
		($names | split(" ")) as $n
		| [.[] | select(.id > $before and (.name as $m | $n | index($m)))]
		| group_by(.name) | map(min_by(.id)) | sort_by(.id)[]
		| [.name, .type, .max_entries, .bytes_memlock] | @tsv'
}

map_rows() {
	awk -F'\t' '{ printf "| %s | %s | %s | %.1f KiB |\n", $1, $2, $3, $4 / 1024; t += $4 }
		END { printf "| **total** | | | **%.2f MiB** |\n", t / 1048576 }' "$1"
}

section4() {
	local r before pid tries=0 rss_m rss_lo rss_hi run_rss
	for r in $(seq "$REPS"); do
		log "section 4: peak RSS of a trace, repetition $r/$REPS"
		/usr/bin/time -f '%M' -o "$TMP/rss.out" "$CAPDIET" trace --caps ALL -- \
			"$BB/checkloop" "$LOOP_N" >/dev/null 2>>"$TMP/capdiet.err"
		awk '{ print $1 / 1024 }' "$TMP/rss.out" | tail -1 >>"$TMP/s4.rss"
	done
	read -r rss_m rss_lo rss_hi < <(stats "$TMP/s4.rss")
	before=$(max_map_id)
	"$CAPDIET" trace -- sleep 3 >/dev/null 2>>"$TMP/capdiet.err" &
	pid=$!
	BG_PIDS+=("$pid")
	until [ "$(maps_of_new_trace "$before" | wc -l)" -ge 12 ] || [ "$tries" -gt 50 ]; do
		tries=$((tries + 1))
		sleep 0.1
	done
	sleep 0.3 # all maps created by now; the trace runs for 3 s
	maps_of_new_trace "$before" >"$TMP/maps.tsv"
	wait "$pid"
	BG_PIDS=()
	run_rss=n/a
	[ -s "$TMP/s3.capdiet" ] && run_rss="$(fmt "$(cut -d' ' -f4 "$TMP/s3.capdiet" |
		sort -n | stats /dev/stdin | awk '{ print $1 / 1024 }')" 1) MiB"
	cat <<EOF
## 4. Footprint

Peak RSS (\`/usr/bin/time -v\`'s maximum resident set) of \`capdiet trace --caps
ALL -- checkloop $LOOP_N\`: median **$(fmt "$rss_m" 1) MiB** (min–max $(fmt "$rss_lo" 1)–$(fmt "$rss_hi" 1) MiB, $REPS runs).
Target ≤ 32 MiB — **$(verdict "$rss_m" 32)**.  \`capdiet run\` on nginx-proxy (section 3): median peak RSS $run_rss.

The recorder's BPF maps while a trace runs (\`bpftool map show\`, memlock):

| map | type | max entries | memlock |
|---|---|---|---|
$(map_rows "$TMP/maps.tsv")
EOF
}

# --- section 5: start-up -------------------------------------------------

# phase_rows: one row per CAPDIET_TIMING phase, in order, median of "+X ms".
phase_rows() {
	local phase
	sed -n 's/^capdiet: timing: \(.*\) +\([0-9.]*\) ms (.*/\1\t\2/p' "$TMP/timing.log" \
		>"$TMP/phases.tsv"
	cut -f1 "$TMP/phases.tsv" | awk '!seen[$0]++' | while IFS= read -r phase; do
		awk -F'\t' -v p="$phase" '$1 == p { print $2 }' "$TMP/phases.tsv" >"$TMP/phase.txt"
		printf '| %s | %s ms |\n' "$phase" "$(stats "$TMP/phase.txt" | awk '{ printf "%.1f", $1 }')"
	done
}

# wall_ms FILE CMD...: appends CMD's wall time in ms to FILE.
wall_ms() {
	local f=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e6 }' >>"$f"
}

section5() {
	local r tm tlo thi em xm
	for r in $(seq "$REPS"); do
		log "section 5: start-up, repetition $r/$REPS"
		wall_ms "$TMP/s5.true" true
		wall_ms "$TMP/s5.exec" "$CAPDIET" exec -- true
		wall_ms "$TMP/s5.trace" "$CAPDIET" trace -- true
		CAPDIET_TIMING=1 "$CAPDIET" trace -v -- true 2>>"$TMP/timing.log" >/dev/null
	done
	sed -n "s/^capdiet: timing: CMD exec'd .*(\([0-9.]*\) ms since.*/\1/p" \
		"$TMP/timing.log" >"$TMP/s5.execd"
	read -r tm tlo thi < <(stats "$TMP/s5.trace")
	read -r em _ < <(stats "$TMP/s5.execd")
	read -r xm _ < <(stats "$TMP/s5.exec")
	cat <<EOF
## 5. Start-up

Wall time of \`capdiet trace -- true\` (load, attach, launch, exit, print,
detach): median **$(fmt "$tm") ms** (min–max $(fmt "$tlo")–$(fmt "$thi") ms); \`capdiet exec -- true\`
(the launcher alone): $(fmt "$xm") ms; \`true\`: $(stats "$TMP/s5.true" | awk '{ printf "%.0f", $1 }') ms.
Target ≤ 250 ms — **$(verdict "$tm" 250)** (the whole run, teardown included; from
\`do_trace\` to CMD exec'd: $(fmt "$em") ms).

Where the time goes (\`CAPDIET_TIMING=1 capdiet trace -v -- true\`, median of
$REPS, each phase since the previous mark):

| phase ended | took |
|---|---|
$(phase_rows)
EOF
}

# --- section 6: a node of short-lived containers -------------------------

FLEET_N=${BENCH_FLEET_N:-1000}
FLEET_CHECKS=${BENCH_FLEET_CHECKS:-100}

# fleet_run PARENT: FLEET_N cgroups named as Podman names its containers,
# one after another, each running checkloop (FLEET_CHECKS checks) and removed.
fleet_run() {
	local i d
	for ((i = 1; i <= FLEET_N; i++)); do
		d="$1/libpod-$(printf '%064x' "$i")"
		mkdir "$d" || return 1
		sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3"' sh "$d" "$BB/checkloop" \
			"$FLEET_CHECKS" || return 1
		rmdir "$d"
	done
}

# fleet_observed PARENT: fleet_run under capdiet observe, itself under
# /usr/bin/time (peak RSS, CPU time to $TMP/s6.time).
fleet_observed() {
	local pid tries=0 last
	last=$(last_observe_id)
	/usr/bin/time -f '%M %U %S' -o "$TMP/s6.time" "$CAPDIET" observe --interval 3600 \
		>"$TMP/s6.json" 2>>"$TMP/capdiet.err" &
	pid=$!
	BG_PIDS+=("$pid")
	until observer_attached "$last" || [ "$tries" -gt 100 ]; do tries=$((tries + 1)); sleep 0.05; done
	wall_ms "$TMP/s6.observed" fleet_run "$1"
	pkill -TERM -P "$pid" # capdiet, under time: its last report, then exit
	wait "$pid" 2>/dev/null
	BG_PIDS=()
}

section6() {
	local cg2 parent r rss user sys
	cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$cg2" ] || { log "section 6: no cgroup v2 hierarchy; left out"; return 0; }
	parent=$cg2/capdiet-bench-$$
	mkdir "$parent" || return 1
	for r in $(seq "$REPS"); do
		log "section 6: $FLEET_N containers, repetition $r/$REPS"
		wall_ms "$TMP/s6.base" fleet_run "$parent"
		fleet_observed "$parent"
		read -r rss user sys <"$TMP/s6.time"
		awk -v m="$rss" 'BEGIN { print m / 1024 }' >>"$TMP/s6.rss"
		awk -v u="$user" -v s="$sys" 'BEGIN { print (u + s) * 1000 }' >>"$TMP/s6.cpu"
		jq -r --arg p "/capdiet-bench-$$/" 'select(.cgroup | startswith($p)) | .counts.SETUID' \
			"$TMP/s6.json" | awk -v n="$FLEET_CHECKS" '{ c++; if ($1 == n) ok++ }
			END { print c + 0, ok + 0 }' >>"$TMP/s6.exact"
	done
	rmdir "$parent"
	cat <<EOF
## 6. A node of short-lived containers

$(fmt "$FLEET_N") cgroups named as Podman names its containers (\`libpod-<id>\`), made one
after another; each runs \`checkloop $FLEET_CHECKS\` ($FLEET_CHECKS CAP_SETUID checks) and is
removed.  Once without an observer, then under \`capdiet observe\` (the whole
node), $REPS times.

| | median | min–max |
|---|---|---|
| wall time, no observer | $(stats "$TMP/s6.base" | awk '{ printf "%.0f ms | %.0f–%.0f ms", $1, $2, $3 }') |
| wall time, observed | $(stats "$TMP/s6.observed" | awk '{ printf "%.0f ms | %.0f–%.0f ms", $1, $2, $3 }') |
| observer peak RSS | $(stats "$TMP/s6.rss" | awk '{ printf "%.1f MiB | %.1f–%.1f MiB", $1, $2, $3 }') |
| observer CPU time (user + system) | $(stats "$TMP/s6.cpu" | awk '{ printf "%.0f ms | %.0f–%.0f ms", $1, $2, $3 }') |

Containers reported, and with exactly $FLEET_CHECKS SETUID checks, per run:
$(awk '{ printf "%s%s of %s", (NR > 1 ? "; " : ""), $2, $1 }' "$TMP/s6.exact").
Wall time observed vs not: $(ratio "$(med "$TMP/s6.observed")" "$(med "$TMP/s6.base")")×.
EOF
}

# --- the report ----------------------------------------------------------

machine() {
	cat <<EOF
# capdiet benchmark results

Produced by \`make bench\` (bench/run.sh; how to read it: bench/README.md).
Figures are medians of $REPS repetitions run side by side in one invocation;
ratios are against baselines measured in the same invocation.

- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)
- kernel: $(uname -r)
- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores
- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work may share the machine)
- capdiet: $("$CAPDIET" --version 2>/dev/null), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)
EOF
}

preflight() {
	[ "$(id -u)" -eq 0 ] || die 2 "needs root (BPF); run: sudo make bench"
	[ -x "$CAPDIET" ] || die 2 "$CAPDIET is missing; run make first"
	local t
	for t in jq bpftool curl /usr/bin/time; do
		command -v "$t" >/dev/null || die 2 "$t is missing; run scripts/setup.sh"
	done
	make -s -f bench/bench.mk BUILD="$BUILD" >&2 || die 1 "cannot build bench/ programs"
}

main() {
	local report s
	preflight
	TMP=$(mktemp -d /tmp/capdiet-bench.XXXXXX) || die 1 "cannot create a temp directory"
	report=$TMP/report.md
	machine >"$report"
	for s in $SECTIONS; do
		case $s in
		1 | 2 | 3 | 4 | 5 | 6) printf '\n' >>"$report"; "section$s" >>"$report" ;;
		*) die 2 "BENCH_SECTIONS: unknown section '$s' (1 to 6)" ;;
		esac
	done
	cat "$report"
	if [ "$SECTIONS" = "1 2 3 4 5 6" ]; then
		cp "$report" bench/RESULTS.md.tmp.$$ && mv -f bench/RESULTS.md.tmp.$$ bench/RESULTS.md &&
			log "written to bench/RESULTS.md"
	else
		log "a subset of sections: bench/RESULTS.md left as it was"
	fi
}

main "$@"
