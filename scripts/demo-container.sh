#!/bin/bash
# make demo-container: the nginx example (examples/nginx-proxy) put on a
# diet inside a real container run by Debian's runc: capdiet run --oci
# learns its minimum trial by trial in runc, export --bundle writes it into
# the bundle, the container serves with exactly that set -- and the same
# container with none (--cap-drop=ALL) fails, while capdiet's recorder
# names the capability denied.
#
# The container's root is a read-only directory holding mount points and
# the host's /bin, /lib... symlinks; the host's /usr, /etc (nginx's workers
# become www-data, so /etc/passwd must be the host's) and the repository's
# examples/ and build/ are bound read-only at their own paths, so start.sh
# finds the go-http backend where prepare.sh built it.  Only RUN_DIR is
# writable.  The container shares the host's network namespace: the host
# probes 127.0.0.1:80 as for a service on the host.  runc keeps its state in
# a private --root, and every container gets its own cgroupsPath, so
# `capdiet trace --cgroup` can watch it from before its first instruction.
#
# tests/integration/test_container.sh sources this file for its ctr__*
# functions; run directly, it prints the steps and results for a human.
# Functions return non-zero on failure and never exit.

CTR_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CTR_CAPDIET=${CAPDIET:-$CTR_REPO/${BUILD:-build}/capdiet}
CTR_EX=$CTR_REPO/examples/nginx-proxy
CTR_IDS=()     # containers created, for ctr__cleanup
CTR_CGROUPS=() # cgroupsPath of each, for ctr__cleanup
CTR_TRACE_PID=""

# ctr__init WORKDIR: everything this file makes goes under WORKDIR, which
# www-data must be able to cross to reach RUN_DIR's temp paths.
ctr__init() {
	CTR_WORK=$1
	CTR_STATE=$CTR_WORK/runc-state
	CTR_ROOTFS=$CTR_WORK/rootfs
	CTR_RUN_DIR=$CTR_WORK/nginx-proxy
	mkdir -p "$CTR_WORK" && chmod 0711 "$CTR_WORK"
}

ctr__listening() { ss -ltnH "sport = :$1" | grep -q .; }

# ctr__ports_free PORT...: waits up to 20 s for each port to be free (other
# tests on this machine may hold 80 or 8080 for a moment).  Never kills.
ctr__ports_free() {
	local port i
	for port in "$@"; do
		for ((i = 0; i < 100; i++)); do
			ctr__listening "$port" || continue 2
			sleep 0.2
		done
		CTR_WHY="port $port stays busy: $(ss -ltnpH "sport = :$port" | head -1)"
		return 1
	done
}

# ctr__prepare: RUN_DIR and the go-http binary, made on the host as root.
ctr__prepare() {
	RUN_DIR=$CTR_RUN_DIR "$CTR_EX/prepare.sh"
}

# ctr__profile: prints the nginx example's profile path: the committed
# profiles/nginx-proxy.yaml, or one learned now (progress on stderr).
ctr__profile() {
	local out=$CTR_WORK/nginx-proxy.yaml
	if [ -f "$CTR_REPO/profiles/nginx-proxy.yaml" ]; then
		echo "$CTR_REPO/profiles/nginx-proxy.yaml"
		return 0
	fi
	(cd "$CTR_REPO" && RUN_DIR=$CTR_RUN_DIR "$CTR_CAPDIET" run --minimize \
		--name nginx-proxy --probe examples/nginx-proxy/probe.sh \
		-o "$out" -- examples/nginx-proxy/start.sh) >&2 || return 1
	echo "$out"
}

# ctr__learn_oci OUT: learns the example's minimum inside runc (capdiet run
# --oci on a bundle of it), progress on stderr.
ctr__learn_oci() {
	local none='{"bounding":[],"effective":[],"inheritable":[],"permitted":[],"ambient":[]}'
	ctr__bundle "$CTR_WORK/learn" "$none" /capdiet-demo-unused || return 1
	"$CTR_CAPDIET" run --oci "$CTR_WORK/learn" --name nginx-proxy \
		--probe "$CTR_EX/probe.sh" --grace 2 -o "$1" >&2
}

# ctr__profile_caps PROFILE: the minimum set, one CAP_ name a line, sorted.
ctr__profile_caps() {
	sed -n 's/^caps: \[\(.*\)\]$/\1/p' "$1" | tr -d ' ' | tr ',' '\n' |
		sed '/^$/d; s/^/CAP_/' | sort
}

# ctr__rootfs: the container's / -- mount points only, plus the host's
# merged-/usr symlinks (/bin -> usr/bin...).  A real directory among them
# (a host without merged /usr) is bound instead, by ctr__bundle.
ctr__rootfs() {
	local d
	mkdir -p "$CTR_ROOTFS" || return 1
	for d in /bin /sbin /lib /lib32 /lib64 /libx32; do
		[ -L "$d" ] && ln -sfn "$(readlink "$d")" "$CTR_ROOTFS$d"
	done
	return 0
}

# ctr__host_binds: JSON array of the read-only bind mounts of host paths.
ctr__host_binds() {
	local p paths=(/usr /etc "$CTR_REPO/examples" "$CTR_REPO/build")
	for p in /bin /sbin /lib /lib32 /lib64 /libx32; do
		[ -d "$p" ] && [ ! -L "$p" ] && paths+=("$p")
	done
	jq -n '$ARGS.positional | map({destination: ., type: "bind", source: .,
		options: ["rbind", "ro", "nosuid", "nodev"]})' --args "${paths[@]}"
}

# ctr__bundle BUNDLE CAPS_JSON CGROUPS_PATH: an OCI bundle running the
# example's start.sh as root with process.capabilities = CAPS_JSON.
ctr__bundle() {
	local bundle=$1 caps=$2 cgpath=$3 binds
	binds=$(ctr__host_binds) || return 1
	mkdir -p "$bundle" && (cd "$bundle" && runc spec) || return 1
	jq --argjson caps "$caps" --argjson binds "$binds" --arg cg "$cgpath" \
		--arg rootfs "$CTR_ROOTFS" --arg run "$CTR_RUN_DIR" \
		--arg start "$CTR_EX/start.sh" '
		.process.capabilities = $caps | .process.args = [$start]
		| .process.terminal = false | .process.user = {uid: 0, gid: 0}
		| .process.env += ["RUN_DIR=" + $run]
		| .root = {path: $rootfs, readonly: true}
		| .mounts += [
			{destination: "/tmp", type: "tmpfs", source: "tmpfs",
			 options: ["nosuid", "nodev", "mode=1777"]}]
		# After /tmp: a checkout under /tmp must not be hidden by it.
		| .mounts += $binds + [
			{destination: $run, type: "bind", source: $run,
			 options: ["rbind", "rw", "nosuid", "nodev"]}]
		| .linux.namespaces |= map(select(.type != "network"))
		| .linux.cgroupsPath = $cg' \
		< "$bundle/config.json" > "$bundle/config.new" &&
		mv "$bundle/config.new" "$bundle/config.json"
}

# ctr__create ID BUNDLE CGROUPS_PATH: the container set up, not yet
# running its process; its output goes to BUNDLE/output.log.
ctr__create() {
	CTR_IDS+=("$1")
	CTR_CGROUPS+=("$3")
	runc --root "$CTR_STATE" create --bundle "$2" "$1" \
		< /dev/null > "$2/output.log" 2>&1
}

ctr__start() { runc --root "$CTR_STATE" start "$1"; }

# ctr__state ID FIELD: pid or status (created, running, stopped).
ctr__state() {
	runc --root "$CTR_STATE" state "$1" 2>/dev/null | jq -r ".$2"
}

# ctr__cgroup_dir CGROUPS_PATH: the container's directory in cgroup v2.
ctr__cgroup_dir() {
	local cg2
	cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$cg2" ] && [ -d "$cg2$1" ] && echo "$cg2$1"
}

# ctr__wait_probe ID SECONDS: the probe's output once it passes; fails when
# the container stops first or SECONDS pass.
ctr__wait_probe() {
	local id=$1 out i
	for ((i = 0; i < $2 * 5; i++)); do
		if out=$("$CTR_EX/probe.sh" 2>/dev/null); then
			printf '%s\n' "$out"
			return 0
		fi
		[ "$(ctr__state "$id" status)" = running ] || return 1
		sleep 0.2
	done
	return 1
}

# ctr__wait_stopped ID SECONDS: succeeds once the container's init exited.
ctr__wait_stopped() {
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		[ "$(ctr__state "$1" status)" = stopped ] && return 0
		sleep 0.2
	done
	return 1
}

# ctr__trace_start CGROUP_DIR SECONDS OUT: capdiet trace --json on the
# cgroup in the background; returns once the recorder is attached.
ctr__trace_start() {
	local i
	"$CTR_CAPDIET" trace -v --cgroup "$1" --duration "$2" --json \
		> "$3" 2> "$3.err" &
	CTR_TRACE_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -qs 'recording with' "$3.err" && return 0
		kill -0 "$CTR_TRACE_PID" 2>/dev/null || break
		sleep 0.1
	done
	ctr__trace_wait
	return 1
}

# ctr__trace_wait: the trace's exit status once its duration is over.
ctr__trace_wait() {
	local rc=0
	[ -n "$CTR_TRACE_PID" ] || return 1
	wait "$CTR_TRACE_PID" || rc=$?
	CTR_TRACE_PID=""
	return "$rc"
}

# ctr__denied TRACE_JSON: "CAP verdict/class syscall executable" for each
# denial that made an operation fail.
ctr__denied() {
	jq -r '.decisions[] | select(.verdict == "denied" and .class == "required")
		| "\(.capability) \(.verdict)/\(.class) \(.syscall) \(.executable)"' "$1"
}

ctr__delete() { runc --root "$CTR_STATE" delete -f "$1" >/dev/null 2>&1; }

# ctr__cleanup: every container, cgroup and file this file made; only the
# trace and containers started here are stopped.
ctr__cleanup() {
	local id cg dir
	[ -n "$CTR_TRACE_PID" ] && kill -TERM "$CTR_TRACE_PID" 2>/dev/null && ctr__trace_wait
	for id in "${CTR_IDS[@]}"; do
		ctr__delete "$id"
	done
	for cg in "${CTR_CGROUPS[@]}"; do
		for dir in /sys/fs/cgroup/*"$cg"; do
			[ -d "$dir" ] && rmdir "$dir" 2>/dev/null
		done
	done
	[ -n "${CTR_WORK:-}" ] && rm -rf --one-file-system "$CTR_WORK"
	return 0
}

# --- the demo ---------------------------------------------------------------

demo__die() {
	echo "demo-container: $*" >&2
	exit 1
}

# demo__run_with_profile PROFILE: step 3.
demo__run_with_profile() {
	local id=capdiet-demo-$$-diet cg=/capdiet-demo-$$-diet page pid field
	ctr__bundle "$CTR_WORK/diet" '{}' "$cg" || demo__die "cannot build the bundle"
	"$CTR_CAPDIET" export --format oci --bundle "$CTR_WORK/diet" "$1" ||
		demo__die "capdiet export --bundle failed"
	echo "   capdiet export --format oci --bundle: process.capabilities = $(jq -c \
		.process.capabilities.bounding "$CTR_WORK/diet/config.json") (all five lists)"
	if ! ctr__create "$id" "$CTR_WORK/diet" "$cg" || ! ctr__start "$id"; then
		demo__die "runc failed: $(cat "$CTR_WORK/diet/output.log")"
	fi
	page=$(ctr__wait_probe "$id" 10) ||
		demo__die "the probe did not pass within 10 s: $(cat "$CTR_WORK/diet/output.log")"
	echo "   probe (/healthz through nginx -> go-http): $page"
	echo "   page /: $(curl -sf --max-time 2 http://127.0.0.1/)"
	pid=$(ctr__state "$id" pid)
	echo "   container init: $(readlink "/proc/$pid/exe") (pid $pid on the host)"
	for field in CapBnd CapEff; do
		echo "   $field: $("$CTR_CAPDIET" decode "$(sed -n "s/^$field:\t//p" "/proc/$pid/status")")"
	done
	ctr__delete "$id"
}

# demo__run_without_caps: step 4.
demo__run_without_caps() {
	local id=capdiet-demo-$$-none cg=/capdiet-demo-$$-none dir none
	none='{"bounding":[],"effective":[],"inheritable":[],"permitted":[],"ambient":[]}'
	ctr__bundle "$CTR_WORK/none" "$none" "$cg" || demo__die "cannot build the bundle"
	ctr__create "$id" "$CTR_WORK/none" "$cg" ||
		demo__die "runc create failed: $(cat "$CTR_WORK/none/output.log")"
	dir=$(ctr__cgroup_dir "$cg") || demo__die "no cgroup v2 directory for $cg"
	echo "   capdiet trace --cgroup $dir --duration 5 --json"
	ctr__trace_start "$dir" 5 "$CTR_WORK/trace.json" ||
		demo__die "capdiet trace failed: $(cat "$CTR_WORK/trace.json.err")"
	ctr__start "$id" || demo__die "runc start failed"
	ctr__wait_probe "$id" 10 >/dev/null &&
		demo__die "the probe passed without any capability: is another server on port 80?"
	if ctr__wait_stopped "$id" 5; then
		echo "   the container stopped, the probe never passed; nginx said:"
		grep emerg "$CTR_WORK/none/output.log" | sed 's/^/     /'
	else
		echo "   the probe never passed (the container is still running)"
	fi
	ctr__trace_wait || demo__die "capdiet trace failed: $(cat "$CTR_WORK/trace.json.err")"
	echo "   the recorder saw denied (and the operation failed):"
	ctr__denied "$CTR_WORK/trace.json" | sed 's/^/     /'
	ctr__delete "$id"
}

demo__main() {
	local profile
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo-container: run as root (runc and the eBPF recorder need it): sudo make demo-container" >&2
		exit 2
	fi
	if ! command -v runc >/dev/null || ! command -v jq >/dev/null; then
		echo "demo-container: needs runc and jq: run scripts/setup.sh" >&2
		exit 2
	fi
	ctr__init "$(mktemp -d /tmp/capdiet-container.XXXXXX)"
	trap ctr__cleanup EXIT
	trap "exit 130" INT TERM # so that the EXIT trap cleans up
	ctr__ports_free 80 8080 || demo__die "$CTR_WHY"
	ctr__prepare >/dev/null || demo__die "examples/nginx-proxy/prepare.sh failed"
	ctr__rootfs || demo__die "cannot make $CTR_ROOTFS"
	echo "== 1. learn the nginx example's minimum inside runc"
	echo "   capdiet run --oci BUNDLE --probe examples/nginx-proxy/probe.sh"
	profile=$CTR_WORK/nginx-proxy.yaml
	ctr__learn_oci "$profile" 2>&1 | sed 's/^/   | /'
	[ -s "$profile" ] || demo__die "capdiet run --oci failed"
	echo "   minimum set in runc: $(ctr__profile_caps "$profile" | paste -sd' ')"
	[ -f "$CTR_REPO/profiles/nginx-proxy.yaml" ] &&
		echo "   (on the host, profiles/nginx-proxy.yaml: $(ctr__profile_caps \
			"$CTR_REPO/profiles/nginx-proxy.yaml" | paste -sd' '))"
	echo "== 2. runc: nginx-proxy with exactly the learned set"
	demo__run_with_profile "$profile"
	echo "== 3. runc: the same container with --cap-drop=ALL (all five lists empty)"
	demo__run_without_caps
	echo "== 4. clean-up: every trial's container was deleted by capdiet; the demo's"
	echo "   containers, cgroups, bundles and state are removed now"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	demo__main "$@"
fi
