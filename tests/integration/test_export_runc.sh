#!/bin/bash
# Proof with a real runtime: `capdiet export --format oci` goes into an OCI
# bundle, Debian's runc runs it, and the process inside has exactly the
# profile's capabilities -- enough for what the profile allows, no more.
#
# runc needs no special flags here: the default `runc spec` works with this
# machine's cgroup v1/v2 hybrid (v1 controllers, cgroup2 at
# /sys/fs/cgroup/unified) through runc's cgroupfs driver, which is what it
# uses when PID 1 is not systemd.  A private --root state directory keeps
# these containers apart from anything else using runc on the machine.
. "$(dirname "$0")/lib.sh"

STATE="$TMP/runc-state"
ROOTFS="$TMP/rootfs"
CONTAINERS=()
N=0

cleanup_runc() {
	local id
	for id in "${CONTAINERS[@]}"; do
		runc --root "$STATE" delete -f "$id" >/dev/null 2>&1
	done
	cleanup_all
}
trap cleanup_runc EXIT

# Like need_root: skip on a developer machine, fail in CI.
need_tools() {
	local t missing=""
	for t in runc jq; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || missing="$missing busybox-static"
	[ -z "$missing" ] && return 0
	if [ "${CI:-}" = true ]; then
		fail "needs$missing (scripts/setup.sh installs them; CI must run this test)"
	else
		skip "needs$missing (run scripts/setup.sh)"
	fi
	return 1
}

make_rootfs() {
	local a
	mkdir -p "$ROOTFS"/{bin,proc,dev,sys,tmp} || return 1
	cp /bin/busybox "$ROOTFS/bin/busybox" || return 1
	for a in sh grep cat chown stat; do
		ln -s busybox "$ROOTFS/bin/$a" || return 1
	done
}

# write_profile FILE USER CAPS: a small profile following the schema.
write_profile() {
	cat > "$1" <<YAML
capdiet_profile: 1
name: runc-test
command: [/bin/sh]
probe: null
user: $2
caps: [$3]
YAML
}

# run_bundle PROFILE UID ARGS...: runs ARGS in a container set up from the
# profile's OCI export; prints the container's stdout, returns its status.
run_bundle() {
	local profile=$1 uid=$2 bundle caps id rc
	shift 2
	N=$((N + 1))
	bundle="$TMP/bundle$N"
	id="capdiet-test-$$-$N"
	mkdir -p "$bundle" && (cd "$bundle" && runc spec) || return 125
	caps=$("$CAPDIET" export --format oci "$profile" 2>/dev/null) || return 125
	jq --argjson caps "$caps" --arg root "$ROOTFS" --argjson uid "$uid" \
		'.process.capabilities = $caps | .process.args = $ARGS.positional
		| .process.terminal = false | .process.user = {uid: $uid, gid: $uid}
		| .root = {path: $root, readonly: false} | '"${EXTRA_JQ:-.}" \
		--args "$@" < "$bundle/config.json" > "$bundle/config.new" &&
		mv "$bundle/config.new" "$bundle/config.json" || return 125
	CONTAINERS+=("$id")
	timeout 30 runc --root "$STATE" run --bundle "$bundle" "$id" < /dev/null 2> "$bundle/stderr"
	rc=$?
	runc --root "$STATE" delete -f "$id" >/dev/null 2>&1
	return $rc
}

# cap_names HEX: the names in a /proc/PID/status mask, as capdiet decode says.
cap_names() {
	"$CAPDIET" decode "$1" | sed 's/^[^=]*=//'
}

status_field() {
	sed -n "s/^$1:[[:space:]]*//p" "$2"
}

begin "runc applies capdiet's OCI export"
need_root && need_tools || { finish; exit; }
make_rootfs || { fail "cannot build the busybox rootfs"; finish; exit; }

# The capability sets inside equal the profile, for root and non-root.
check_sets() {
	local what=$1 user=$2 uid=$3 caps=$4 status="$TMP/status$N.txt" want got field
	write_profile "$TMP/p.yaml" "$user" "$caps"
	if ! run_bundle "$TMP/p.yaml" "$uid" grep Cap /proc/self/status > "$status"; then
		fail "$what: runc failed: $(cat "$TMP/bundle$N/stderr")"
		return
	fi
	want=$(printf '%s' "$caps" | tr -d ' ' | tr ',' '\n' | sed 's/^/CAP_/' | sort | paste -sd,)
	[ -n "$caps" ] || want=""
	for field in CapBnd CapEff CapPrm ${5:-}; do
		got=$(status_field "$field" "$status")
		if ! [[ $got =~ ^[0-9a-f]{16}$ ]]; then
			fail "$what: no $field mask in /proc/self/status: '$got'"
			continue
		fi
		got=$(cap_names "$got" | tr ',' '\n' | sort | paste -sd,)
		check "$what: $field = [${want}]" [ "$got" = "$want" ]
	done
}

check_sets "root, empty set" null 0 ""
check_sets "root, one" null 0 "CHOWN"
check_sets "root, several" null 0 "NET_BIND_SERVICE, SETGID, SETUID, CHOWN"
# Non-root: only the ambient set carries capabilities, and the export sets it.
check_sets "uid 1000" '"1000:1000"' 1000 "CHOWN, NET_BIND_SERVICE" CapAmb

begin "why export warns for Docker and Kubernetes"
# What they do for a non-root user: no ambient (nor inheritable) set.
write_profile "$TMP/p.yaml" '"1000:1000"' "CHOWN"
EXTRA_JQ='.process.capabilities.ambient = [] | .process.capabilities.inheritable = []' \
	run_bundle "$TMP/p.yaml" 1000 grep CapEff /proc/self/status > "$TMP/noamb.txt"
check "without ambient, uid 1000 gets nothing" [ "$(status_field CapEff "$TMP/noamb.txt")" = 0000000000000000 ]

begin "a missing capability fails, a granted one works"
reset_target() {
	: > "$ROOTFS/tmp/x" && chown 0:0 "$ROOTFS/tmp/x"
}
write_profile "$TMP/none.yaml" null ""
write_profile "$TMP/chown.yaml" null "CHOWN"
reset_target
run_bundle "$TMP/none.yaml" 0 chown 1:1 /tmp/x > /dev/null 2>&1
check "chown fails without CHOWN" [ $? -ne 0 ]
check "because of EPERM" grep -q "Operation not permitted" "$TMP/bundle$N/stderr"
check "file still owned by 0:0" [ "$(stat -c %u:%g "$ROOTFS/tmp/x")" = 0:0 ]
reset_target
run_bundle "$TMP/chown.yaml" 0 chown 1:1 /tmp/x > /dev/null 2>&1
check "chown works with CHOWN" [ $? -eq 0 ]
check "file now owned by 1:1" [ "$(stat -c %u:%g "$ROOTFS/tmp/x")" = 1:1 ]
reset_target
write_profile "$TMP/chown1000.yaml" '"1000:1000"' "CHOWN"
run_bundle "$TMP/chown1000.yaml" 1000 chown 1:1 /tmp/x > /dev/null 2>&1
check "non-root chown works through the ambient set" [ $? -eq 0 ]
check "file owned by 1:1 again" [ "$(stat -c %u:%g "$ROOTFS/tmp/x")" = 1:1 ]

finish
