#!/bin/bash
# Learning inside real container runtimes from Debian: an OCI bundle through
# runc (`run --oci`), a local image through Podman (`run --image`), and a
# user namespace (`--userns`).  The service is busybox httpd on a privileged
# port that switches to uid 33 (NET_BIND_SERVICE, SETGID, SETUID), built
# here from files on the machine -- no registry.  Each learned set then runs
# in that runtime with exactly that set and passes its probe, and fails
# with any one capability less.  Nothing may be left: containers, images,
# cgroups, temporary bundles.
. "$(dirname "$0")/lib.sh"
IMAGE=localhost/capdiet-test-$$:latest
IDS=()
runtimes_cleanup() {
	local id
	for id in "${IDS[@]}"; do runc delete --force "$id" >/dev/null 2>&1; done
	command -v podman >/dev/null && {
		podman ps -a -q --filter "name=capdiet-test-$$" | xargs -r podman rm -f >/dev/null 2>&1
		podman rmi -f "$IMAGE" >/dev/null 2>&1
	}
	cleanup_all
}
trap runtimes_cleanup EXIT

not() { ! "$@"; }

# A privileged port nobody listens on.
PORT=""
for p in 81 82 83 84 85 86 87 88 89; do
	ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { PORT=$p; break; }
done
PROBE="curl -sf -o /dev/null http://127.0.0.1:$PORT/"
HTTPD='["/bin/busybox", "httpd", "-f", "-p", "127.0.0.1:'$PORT'", "-u", "33:33", "-h", "/www"]'
WANT=SETGID,SETUID,NET_BIND_SERVICE # number order, as profiles write it

# probe_within SECONDS: the probe passes within SECONDS.
probe_within() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		$PROBE 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

make_rootfs() {
	mkdir -p "$TMP/rootfs/bin" "$TMP/rootfs/www" "$TMP/rootfs/tmp" &&
		chmod 1777 "$TMP/rootfs/tmp" && chmod 0755 "$TMP/rootfs/www" &&
		cp "$(command -v busybox)" "$TMP/rootfs/bin/busybox" &&
		echo capdiet > "$TMP/rootfs/www/index.html"
}

# make_bundle DIR: runc's default spec running httpd on the host network.
make_bundle() {
	mkdir -p "$1" && (cd "$1" && runc spec) &&
		jq --argjson args "$HTTPD" --arg root "$TMP/rootfs" '
		.process.args = $args | .process.terminal = false
		| .root = {path: $root, readonly: true}
		| .linux.namespaces |= map(select(.type != "network"))' \
			"$1/config.json" > "$1/config.new" && mv "$1/config.new" "$1/config.json"
}

# runc_serves BUNDLE: the bundle's container serves the page.
runc_serves() {
	local id=capdiet-test-$$-$RANDOM rc
	IDS+=("$id")
	runc run -d --bundle "$1" "$id" </dev/null >/dev/null 2>&1 || return 1
	probe_within 3; rc=$?
	runc delete --force "$id" >/dev/null 2>&1
	return $rc
}

# without CAP BUNDLE NEW: NEW is BUNDLE with CAP gone from every list.
without() {
	mkdir -p "$3" && jq --arg c "CAP_$1" '.process.capabilities |= map_values(map(select(. != $c)))' \
		"$2/config.json" > "$3/config.json"
}

left_behind() {
	local what=""
	[ -n "$(runc list -q 2>/dev/null | grep capdiet-)" ] && what="$what runc-containers"
	ls -d /tmp/capdiet-oci-* >/dev/null 2>&1 && what="$what bundles"
	ls -d /sys/fs/cgroup/unified/capdiet/capdiet-* /sys/fs/cgroup/*/capdiet/capdiet-* \
		>/dev/null 2>&1 && what="$what cgroups"
	command -v podman >/dev/null &&
		[ -n "$(podman ps -a -q --filter name=capdiet- 2>/dev/null)" ] && what="$what podman"
	pgrep -f "busybox httpd -f -p 127.0.0.1:$PORT" >/dev/null && what="$what httpd"
	echo "$what"
}

runc_has_trial() { runc list -q 2>/dev/null | grep -q '^capdiet-'; }
podman_has_trial() { [ -n "$(podman ps -a -q --filter name=capdiet- 2>/dev/null)" ]; }

# killed_mid_trial EXISTS RUN_ARGS...: capdiet run is SIGKILLed once EXISTS
# says a trial's container is there; its watchdog must leave nothing.
killed_mid_trial() {
	local exists=$1 pid i
	shift
	"$CAPDIET" run "$@" >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do "$exists" && break; sleep 0.1; done
	check "a trial's container existed" "$exists"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do [ -z "$(left_behind)" ] && break; sleep 0.1; done
	check "the watchdog removed it all (left: '$(left_behind)')" [ -z "$(left_behind)" ]
}

begin "runtime options"
"$CAPDIET" run --oci "$TMP/none" -p true >/dev/null 2>"$TMP/err"; RC=$?
check "--oci without a bundle exits 2 (got $RC)" [ "$RC" -eq 2 ]
check "and names config.json" grep -q "config.json" "$TMP/err"
"$CAPDIET" run --oci "$TMP" -- true >/dev/null 2>"$TMP/err"; RC=$?
check "--oci with a command exits 2 (got $RC)" [ "$RC" -eq 2 ]
"$CAPDIET" export --format oci --bundle "$TMP/none" /dev/null >/dev/null 2>&1; RC=$?
check "export --bundle without a bundle exits 2 (got $RC)" [ "$RC" -eq 2 ]

begin "runc set-up"
need_bpf && need_tools runc jq curl ss busybox || { finish; exit; }
[ -n "$PORT" ] || { skip_or_fail "no free port among 81-89"; finish; exit; }
check "the rootfs is made" make_rootfs
check "the bundle is made" make_bundle "$TMP/bundle"

begin "run --oci (runc)"
"$CAPDIET" run --oci "$TMP/bundle" -p "$PROBE" --grace 1 -o "$TMP/oci.yaml" 2>"$TMP/oci.err"; RC=$?
check "exit 0 (got $RC)" [ "$RC" -eq 0 ]
[ "$RC" -eq 0 ] || tail -5 "$TMP/oci.err" | sed 's/^/    | /'
GOT=$(caps_of "$TMP/oci.yaml")
check "the set is $WANT (got '$GOT')" [ "$GOT" = "$WANT" ]
check "the profile records runc and the bundle" grep -qx "runtime: runc" "$TMP/oci.yaml"
check "the bundle path is absolute" grep -qx "bundle: $TMP/bundle" "$TMP/oci.yaml"
check "nothing is left behind (got '$(left_behind)')" [ -z "$(left_behind)" ]

begin "the learned set in runc"
cp -r "$TMP/bundle" "$TMP/diet"
check "export --bundle rewrites config.json" \
	"$CAPDIET" export --format oci --bundle "$TMP/diet" "$TMP/oci.yaml"
check "the rest of config.json is unchanged" diff \
	<(jq -S 'del(.process.capabilities)' "$TMP/bundle/config.json") \
	<(jq -S 'del(.process.capabilities)' "$TMP/diet/config.json")
check "all five lists hold the set" [ "$(jq -r '[.process.capabilities[] | length] | join(" ")' \
	"$TMP/diet/config.json")" = "3 3 3 3 3" ]
check "runc serves with exactly the set" runc_serves "$TMP/diet"
for cap in ${WANT//,/ }; do
	without "$cap" "$TMP/diet" "$TMP/minus-$cap"
	check "and not without $cap" not runc_serves "$TMP/minus-$cap"
done

begin "crun"
if command -v crun >/dev/null; then
	"$CAPDIET" run --oci "$TMP/bundle" --runtime crun -p "$PROBE" --grace 1 \
		-o "$TMP/crun.yaml" 2>"$TMP/crun.err"; RC=$?
	if grep -q "hybrid mode not supported" "$TMP/crun.err"; then
		# Debian 12's crun refuses a v1/v2 hybrid (DESIGN.md): the run must
		# say so and stop, not invent a profile.
		check "on hybrid cgroups: exit 1 (got $RC)" [ "$RC" -eq 1 ]
		check "and says crun could not create it" grep -q "crun could not create the container" "$TMP/crun.err"
		check "no profile is written" [ ! -e "$TMP/crun.yaml" ]
	else
		check "exit 0 (got $RC)" [ "$RC" -eq 0 ]
		check "the same set as runc" [ "$(caps_of "$TMP/crun.yaml")" = "$WANT" ]
	fi
	check "nothing is left behind (got '$(left_behind)')" [ -z "$(left_behind)" ]
else
	skip_or_fail "needs crun (run scripts/setup.sh)"
fi

begin "capdiet killed during a runc trial"
killed_mid_trial runc_has_trial --oci "$TMP/bundle" -p "$PROBE"

begin "Ctrl-C during a runc trial (to capdiet's whole process group)"
for delay in 0.05 0.2 0.5 1.2; do
	setsid "$CAPDIET" run --oci "$TMP/bundle" -p "$PROBE" -o "$TMP/int.yaml" \
		>/dev/null 2>"$TMP/int.err" &
	IPID=$!
	sleep "$delay"
	kill -INT -- "-$IPID" 2>/dev/null
	wait "$IPID"; RC=$?
	for ((i = 0; i < 50; i++)); do [ -z "$(left_behind)" ] && break; sleep 0.1; done
	check "after $delay s: exit 130 (got $RC)" [ "$RC" -eq 130 ]
	check "and nothing is left ('$(left_behind)')" [ -z "$(left_behind)" ]
	check "no profile is written" [ ! -e "$TMP/int.yaml" ]
done

begin "Podman set-up"
need_tools podman || { finish; exit; }
ULIMITS="--ulimit=nofile=1024:1024 --ulimit=nproc=1024:1024"
tar -C "$TMP/rootfs" -cf "$TMP/rootfs.tar" .
check "podman import makes the image" podman import --change "CMD $HTTPD" \
	"$TMP/rootfs.tar" "$IMAGE" 2>/dev/null

begin "run --image (Podman with runc)"
"$CAPDIET" run --image "$IMAGE" --runtime runc -p "$PROBE" --grace 1 -o "$TMP/img.yaml" \
	2>"$TMP/img.err"; RC=$?
check "exit 0 (got $RC)" [ "$RC" -eq 0 ]
[ "$RC" -eq 0 ] || tail -5 "$TMP/img.err" | sed 's/^/    | /'
GOT=$(caps_of "$TMP/img.yaml")
check "the set is $WANT (got '$GOT')" [ "$GOT" = "$WANT" ]
check "the command is the image's" grep -q "^command: \[/bin/busybox, httpd" "$TMP/img.yaml"
check "the profile records the image" grep -qx "image: $IMAGE" "$TMP/img.yaml"
check "nothing is left behind (got '$(left_behind)')" [ -z "$(left_behind)" ]

# podman_serves FLAGS...: the image serves with these capability flags.
podman_serves() {
	local name=capdiet-test-$$-$RANDOM rc
	# shellcheck disable=SC2086
	podman run -d --name "$name" --runtime runc --network=host $ULIMITS "$@" "$IMAGE" \
		>/dev/null 2>&1 || return 1
	probe_within 3; rc=$?
	podman rm -f "$name" >/dev/null 2>&1
	return $rc
}

begin "the learned set in Podman"
FLAGS=$("$CAPDIET" export --format podman "$TMP/img.yaml" | grep '^--cap-drop')
check "the export is --cap-drop=ALL and three --cap-add ('$FLAGS')" \
	[ "$(echo "$FLAGS" | tr ' ' '\n' | grep -c '^--cap-add=')" -eq 3 ]
# shellcheck disable=SC2086
check "podman serves with exactly the set" podman_serves $FLAGS
for cap in ${WANT//,/ }; do
	# shellcheck disable=SC2086
	check "and not without $cap" not podman_serves $(echo $FLAGS | sed "s/--cap-add=$cap//")
done

begin "an image that is not there"
"$CAPDIET" run --image localhost/capdiet-no-such-$$ -p true >/dev/null 2>"$TMP/err"; RC=$?
check "exit 2 (got $RC)" [ "$RC" -eq 2 ]
check "and says capdiet never pulls" grep -q "never pulls" "$TMP/err"

begin "a user namespace (--userns)"
MAP=auto:uidmapping=0:300000:65536,gidmapping=0:300000:65536
CHOWN_CMD=(/bin/busybox sh -c 'echo > /tmp/f && /bin/busybox chown 5:5 /tmp/f')
"$CAPDIET" run --image "$IMAGE" --runtime runc --userns "$MAP" -o "$TMP/ns.yaml" \
	-- "${CHOWN_CMD[@]}" 2>"$TMP/ns.err"; RC=$?
check "exit 0 (got $RC)" [ "$RC" -eq 0 ]
check "the set is CHOWN (got '$(caps_of "$TMP/ns.yaml")')" [ "$(caps_of "$TMP/ns.yaml")" = CHOWN ]
check "the profile is namespaced" grep -qx "namespaced: true" "$TMP/ns.yaml"
check "CHOWN's evidence names the user namespace" grep -q "user_namespace: true" "$TMP/ns.yaml"
check "the report explains it" sh -c "'$CAPDIET' report '$TMP/ns.yaml' | grep -q 'Namespaced set'"
"$CAPDIET" run --image "$IMAGE" --runtime runc -o "$TMP/host.yaml" -- "${CHOWN_CMD[@]}" \
	2>/dev/null; RC=$?
check "without --userns: CHOWN too (exit $RC)" [ "$(caps_of "$TMP/host.yaml")" = CHOWN ]
check "and not namespaced" not grep -q "namespaced\|user_namespace" "$TMP/host.yaml"

begin "capdiet killed during a Podman trial"
killed_mid_trial podman_has_trial --image "$IMAGE" --runtime runc -p "$PROBE"
finish
