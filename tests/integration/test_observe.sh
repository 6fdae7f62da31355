#!/bin/bash
# capdiet observe: one node-wide recorder attributes every capability check
# to the container whose cgroup made it.  Real Podman containers started
# here (one that binds a privileged port holding Docker's 14, one that uses
# nothing, one that exits mid-window), Kubernetes' cgroup naming schemes
# recreated as real cgroups with a process in them (there is no cluster
# here), 1,000 short-lived containers, a full kernel map, and the observer
# killed with SIGKILL.  What each container used is known from what the
# test made it do, not from capdiet.
. "$(dirname "$0")/lib.sh"
PROBE_BIN="$ROOT/${BUILD:-build}/tests/helpers/capprobe"
IMAGE=localhost/capdiet-obs-$$:1
NAMES=()
CGROUPS=()
observe_cleanup() {
	local n
	if command -v podman >/dev/null; then
		for n in "${NAMES[@]}"; do podman rm -f "$n" >/dev/null 2>&1; done
		podman rmi -f "$IMAGE" >/dev/null 2>&1
	fi
	for ((n = ${#CGROUPS[@]} - 1; n >= 0; n--)); do rmdir "${CGROUPS[$n]}" 2>/dev/null; done
	cleanup_all
}
trap observe_cleanup EXIT

begin "observe set-up"
need_bpf || { finish; exit; }
need_tools podman jq curl bpftool || { finish; exit; }
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
check "a cgroup v2 hierarchy is mounted ($CG2)" [ -n "$CG2" ]
free_port() {
	local p
	for p in "$@"; do ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }; done
}
PORT=$(free_port 81 82 83 84 85 86 87 88 89)
MPORT=$(free_port 19464 19465 19466 19467)
ULIMITS="--ulimit=nofile=1024:1024 --ulimit=nproc=1024:1024"
mkdir -p "$TMP/rootfs/bin" && cp "$(command -v busybox)" "$TMP/rootfs/bin/busybox"
tar -C "$TMP/rootfs" -cf "$TMP/rootfs.tar" .
check "podman import makes the image" podman import "$TMP/rootfs.tar" "$IMAGE"

# attach_ids: the ids of the loaded observers' programs, one a line.
attach_ids() { bpftool prog show name on_node_attach 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p'; }
# The newest observer program id before a start: an observer that has just
# exited may still be listed while the kernel releases it.
LAST_ID=0
before_start() { LAST_ID=$(attach_ids | sort -n | tail -1); LAST_ID=${LAST_ID:-0}; }
# observer_ready: the observer started after before_start has attached.
observer_ready() {
	local i id
	for ((i = 0; i < 100; i++)); do
		for id in $(attach_ids); do [ "$id" -gt "$LAST_ID" ] && return 0; done
		sleep 0.1
	done
	return 1
}
# line NAME: the last JSON line about the container named NAME.
line() { jq -c --arg n "$1" 'select(.container == $n)' "$TMP/out.json" | tail -1; }
# field NAME FILTER: FILTER applied to that line, compact.
field() { line "$1" | jq -c "$2"; }

begin "Podman containers"
mkdir "$TMP/profiles"
before_start
"$CAPDIET" observe --duration 9 --interval 2 --metrics "127.0.0.1:$MPORT" \
	--profiles "$TMP/profiles" >"$TMP/out.json" 2>"$TMP/err" &
OBS=$!
track_pid "$OBS"
check "the observer attaches" observer_ready
WEB=capdiet-obs-web-$$ IDLE=capdiet-obs-idle-$$ SHORT=capdiet-obs-short-$$
NAMES+=("$WEB" "$IDLE" "$SHORT")
# Docker's default 14 = Podman's 11 + NET_RAW, MKNOD, AUDIT_WRITE.
podman run -d --name "$WEB" --runtime runc --network=host $ULIMITS \
	--cap-add=NET_RAW,MKNOD,AUDIT_WRITE "$IMAGE" \
	/bin/busybox httpd -f -p "127.0.0.1:$PORT" -h /bin >/dev/null
podman run -d --name "$IDLE" --runtime runc --network=host $ULIMITS "$IMAGE" \
	/bin/busybox sleep 60 >/dev/null
SHORT_ID=$(podman run -d --name "$SHORT" --runtime runc --network=host $ULIMITS "$IMAGE" \
	/bin/busybox sleep 1)
for ((i = 0; i < 30; i++)); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
sleep 3
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$TMP/metrics" 2>/dev/null
wait "$OBS"; RC=$?
ERR=$TMP/err
expect_rc "observe --duration" 0
WANT14='["CHOWN","DAC_OVERRIDE","FOWNER","FSETID","KILL","SETGID","SETUID","SETPCAP","NET_BIND_SERVICE","NET_RAW","SYS_CHROOT","MKNOD","AUDIT_WRITE","SETFCAP"]'
check "every stdout line is a JSON object" jq -e 'type == "object"' "$TMP/out.json"
got=$(field "$WEB" .held)
check "web holds Docker's 14 (got $got)" [ "$got" = "$WANT14" ]
got=$(field "$WEB" .used)
# httpd as root binds a port below 1024: that one check and nothing else.
check "web used NET_BIND_SERVICE only (got $got)" [ "$got" = '["NET_BIND_SERVICE"]' ]
got=$(field "$WEB" '.unused | length')
check "web: the other 13 can be dropped (got $got)" [ "$got" = 13 ]
got=$(field "$WEB" '.used_by.NET_BIND_SERVICE.syscall')
check "the evidence is httpd's bind (got $got)" [ "$got" = '"bind"' ]
check "web is named and its image known" [ "$(field "$WEB" .image)" = "\"$IMAGE\"" ]
got=$(field "$IDLE" .used)
check "idle used nothing (got $got)" [ "$got" = '[]' ]
got=$(field "$IDLE" '[.unused == .held, (.held | length)]')
check "idle: every held capability unused (got $got)" [ "$got" = '[true,11]' ]
# It ran between two reports and made no check: its cgroup's mkdir names it.
got=$(jq -c --arg id "$SHORT_ID" 'select(.id == $id) | .exited' "$TMP/out.json" | tr '\n' ' ')
check "the container that came and went between reports is reported exited (got $got)" \
	[ "$got" = "true " ]
has_text "$TMP/metrics" "metrics: web's bind, granted" \
	"capability=\"NET_BIND_SERVICE\",verdict=\"granted\"} 1"
has_text "$TMP/metrics" "metrics: unused gauge" "capdiet_capability_unused{"
has_text "$TMP/metrics" "metrics: OpenMetrics end" "# EOF"
PROFILE=$(ls "$TMP/profiles/$WEB"-*.yaml 2>/dev/null | head -1)
check "web's observed profile is written" [ -s "$PROFILE" ]
check "its caps are what it used (NET_BIND_SERVICE)" [ "$(caps_of "$PROFILE")" = NET_BIND_SERVICE ]
check "report reads it" "$CAPDIET" report "$PROFILE"
"$CAPDIET" report "$PROFILE" >"$TMP/report.md" 2>&1
has_text "$TMP/report.md" "the report says it was observed, not trialled" "capdiet run"
check "export reads it" "$CAPDIET" export --format docker "$PROFILE"
podman rm -f "$WEB" "$IDLE" "$SHORT" >/dev/null 2>&1

begin "usage"
"$CAPDIET" observe --profiles "$TMP/nope" >/dev/null 2>"$TMP/err"; RC=$?
ERR=$TMP/err
expect_rc "--profiles that is not a directory" 2
"$CAPDIET" observe --metrics "nonsense:port" --duration 1 >/dev/null 2>"$TMP/err"; RC=$?
expect_rc "--metrics that is no address" 2
has_text "$TMP/err" "names the address" "--metrics nonsense:port"
"$CAPDIET" observe --metrics "127.0.0.1:$MPORT" --duration 2 >/dev/null 2>"$TMP/err" &
BUSY=$!
sleep 1
"$CAPDIET" observe --metrics "127.0.0.1:$MPORT" --duration 1 >/dev/null 2>"$TMP/err"; RC=$?
wait "$BUSY"
expect_rc "--metrics on a port in use" 1
has_text "$TMP/err" "says why" "--metrics 127.0.0.1:$MPORT: "

# cg_run DIR N: a process that joins cgroup DIR, then execs capprobe to
# make N CAP_SETUID checks (setuid(0) as root) and exit.
cg_run() {
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" setuid-loop "$3"' sh "$1" "$PROBE_BIN" "$2"
}
hex64() { printf '%064x' "$1"; }

begin "Kubernetes cgroup naming (systemd and cgroupfs drivers)"
UID1=5f3c9a3e-7b7d-4a43-9d4e-2c1a2b3c4d5e
K1="$CG2/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID1//-/_}.slice"
ID1=$(hex64 $$)1
ID1=${ID1:1}
K2="$CG2/kubepods/burstable/pod$UID1"
ID2=$(hex64 $((RANDOM + 7)))
for d in "$CG2/kubepods.slice" "$CG2/kubepods.slice/kubepods-besteffort.slice" "$K1" \
	"$K1/cri-containerd-$ID1.scope" "$CG2/kubepods" "$CG2/kubepods/burstable" "$K2" "$K2/$ID2"; do
	[ -d "$d" ] || { mkdir "$d" && CGROUPS+=("$d"); }
done
before_start
"$CAPDIET" observe --duration 4 --interval 4 >"$TMP/out.json" 2>"$TMP/err" &
OBS=$!
track_pid "$OBS"
check "the observer attaches" observer_ready
cg_run "$K1/cri-containerd-$ID1.scope" 5
cg_run "$K2/$ID2" 7
wait "$OBS"
got=$(jq -c --arg id "$ID1" 'select(.id == $id) | [.runtime, .pod_uid, .counts.SETUID, .used]' "$TMP/out.json" | tail -1)
check "systemd driver: kubernetes, the pod's UID, 5 SETUID checks (got $got)" \
	[ "$got" = "[\"kubernetes\",\"$UID1\",5,[\"SETUID\"]]" ]
got=$(jq -c --arg id "$ID2" 'select(.id == $id) | [.runtime, .pod_uid, .counts.SETUID]' "$TMP/out.json" | tail -1)
check "cgroupfs driver: kubernetes, the pod's UID, 7 SETUID checks (got $got)" \
	[ "$got" = "[\"kubernetes\",\"$UID1\",7]" ]

begin "1,000 short-lived containers, each counted exactly"
P="$CG2/capdiet-obs-$$"
mkdir "$P" && CGROUPS+=("$P")
before_start
"$CAPDIET" observe --duration 600 --interval 600 >"$TMP/out.json" 2>"$TMP/err" &
OBS=$!
track_pid "$OBS"
check "the observer attaches" observer_ready
for ((i = 1; i <= 1000; i++)); do
	d="$P/libpod-$(hex64 "$i")"
	mkdir "$d" && cg_run "$d" $((i % 3 + 1)) && rmdir "$d"
done
kill -TERM "$OBS"; wait "$OBS"; RC=$?
expect_rc "SIGTERM: a last report, then exit" 0
got=$(jq -s '[.[] | select(.cgroup | startswith("/capdiet-obs-'$$'/"))] | length' "$TMP/out.json")
check "1000 containers reported (got $got)" [ "$got" = 1000 ]
wrong=0
while read -r id n; do
	i=$((16#$id))
	[ "$n" = $((i % 3 + 1)) ] || wrong=$((wrong + 1))
done < <(jq -r 'select(.cgroup | startswith("/capdiet-obs-'$$'/")) | "\(.id) \(.counts.SETUID)"' "$TMP/out.json")
check "each one's SETUID count is exactly what it made ($wrong wrong)" [ "$wrong" = 0 ]
check "all of them exited and were evicted" \
	[ "$(jq -s '[.[] | select(.cgroup | startswith("/capdiet-obs-'$$'/")) | select(.exited)] | length' "$TMP/out.json")" = 1000 ]

begin "a full kernel map is counted, never silent"
before_start
"$CAPDIET" observe --duration 4 --interval 4 --max-entries 16 >"$TMP/out.json" 2>"$TMP/err" &
OBS=$!
track_pid "$OBS"
check "the observer attaches" observer_ready
# 64 containers at once: 64 (cgroup, capability) pairs in a map of 16.
for ((i = 1; i <= 64; i++)); do
	d="$P/libpod-$(hex64 $((5000 + i)))"
	mkdir "$d" && CGROUPS+=("$d")
	cg_run "$d" 1 &
done
wait_jobs() { local j; for j in $(jobs -p); do [ "$j" = "$OBS" ] || wait "$j"; done; }
wait_jobs
wait "$OBS"
has_text "$TMP/err" "stderr says checks were lost" "raise --max-entries"
got=$(jq -s 'map(.lost) | max' "$TMP/out.json")
check "the JSON lines count them (lost $got)" [ "${got:-0}" -ge 1 ]

begin "killed with SIGKILL: nothing stays attached"
before_start
"$CAPDIET" observe >"$TMP/out.json" 2>"$TMP/err" &
OBS=$!
check "the observer attaches" observer_ready
kill -KILL "$OBS"; wait "$OBS" 2>/dev/null
for ((i = 0; i < 50; i++)); do bpftool prog show name on_node_attach 2>/dev/null | grep -q . || break; sleep 0.1; done
check "no program of the observer is left" bash -c "! bpftool prog show name on_node_attach | grep -q ."
"$CAPDIET" observe --duration 1 --interval 1 >"$TMP/out.json" 2>"$TMP/err"; RC=$?
expect_rc "the next start works" 0
rmdir "$P" 2>/dev/null
finish
