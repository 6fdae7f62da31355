#!/bin/bash
# The nginx example in a real container (Debian's runc), set up by
# scripts/demo-container.sh's functions: with the profile's capabilities
# the page comes through the proxy and the container holds exactly that
# set; with none (--cap-drop=ALL) nginx fails and `capdiet trace --cgroup`
# sees NET_BIND_SERVICE denied.  Then nothing of it may be left.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/demo-container.sh
. "$ROOT/scripts/demo-container.sh"
trap 'ctr__cleanup; cleanup_all' EXIT

# status_caps PID FIELD: the CAP_ names in /proc/PID/status's FIELD, sorted.
status_caps() {
	"$CAPDIET" decode "$(sed -n "s/^$2:\t//p" "/proc/$1/status")" |
		sed 's/^[^=]*=//' | tr ',' '\n' | sed '/^$/d' | sort
}

# uids_in_cgroup DIR: the real uid of each process in the cgroup.
uids_in_cgroup() {
	local pid
	while read -r pid; do
		awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null
	done < "$1/cgroup.procs"
}

# gone_within SECONDS COMMAND...: COMMAND fails within SECONDS.
gone_within() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 5; i++)); do
		"$@" || return 0
		sleep 0.2
	done
	return 1
}

begin "demo-container refusals"
if id nobody >/dev/null 2>&1; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$ROOT/scripts/demo-container.sh" >/dev/null 2>"$TMP/err"; RC=$?
	check "not root exits 2 (got $RC)" [ "$RC" -eq 2 ]
	check "and says to run it as root" grep -q 'sudo make demo-container' "$TMP/err"
fi

begin "container set-up"
need_bpf && need_tools runc jq ss curl || { finish; exit; }
ctr__init "$TMP/container"
chmod 0711 "$TMP" # www-data's workers cross it to reach RUN_DIR
ctr__ports_free 80 8080 || { skip_or_fail "$CTR_WHY"; finish; exit; }
check "prepare.sh makes RUN_DIR" ctr__prepare
if ! PROFILE=$(ctr__profile 2>"$TMP/profile.err"); then
	fail "no profile: capdiet run failed:"
	grep -v tolerated "$TMP/profile.err" | tail -5 | sed 's/^/    | /'
	finish
	exit
fi
WANT=$(ctr__profile_caps "$PROFILE")
check "the profile's set is not empty ($(paste -sd' ' <<<"$WANT"))" [ -n "$WANT" ]
check "the rootfs is made" ctr__rootfs
ctr__ports_free 80 8080 || { skip_or_fail "$CTR_WHY"; finish; exit; }

begin "capdiet run --oci learns it inside runc (make demo-container's step 1)"
if ctr__learn_oci "$CTR_WORK/oci.yaml" 2>"$TMP/oci.err"; then
	GOT=$(ctr__profile_caps "$CTR_WORK/oci.yaml")
	check "the same set as on the host ($(paste -sd' ' <<<"$GOT"))" [ "$GOT" = "$WANT" ]
	check "the profile says runc" grep -qx "runtime: runc" "$CTR_WORK/oci.yaml"
else
	fail "capdiet run --oci failed:"
	tail -5 "$TMP/oci.err" | sed 's/^/    | /'
fi
check "no trial container is left" [ -z "$(runc list -q 2>/dev/null | grep '^capdiet-')" ]
ctr__ports_free 80 8080 || { skip_or_fail "$CTR_WHY"; finish; exit; }

begin "runc runs nginx-proxy with the profile's set"
ID=capdiet-test-$$-diet CG=/capdiet-test-$$-diet B=$CTR_WORK/diet
CAPS=$("$CAPDIET" export --format oci "$PROFILE")
check "the bundle is built" ctr__bundle "$B" "$CAPS" "$CG"
check "process.capabilities is capdiet's export" \
	jq -e --argjson c "$CAPS" '.process.capabilities == $c' "$B/config.json"
check "the host's network namespace" \
	jq -e '[.linux.namespaces[].type] | index("network") == null and index("pid") != null' "$B/config.json"
if ctr__create "$ID" "$B" "$CG" && ctr__start "$ID"; then
	ok "runc create + start"
else
	fail "runc: $(cat "$B/output.log")"
fi
PAGE=$(ctr__wait_probe "$ID" 10)
check "the probe passes from the host within 10 s (got '$PAGE')" [ "$PAGE" = ok ]
PAGE=$(curl -sf --max-time 2 http://127.0.0.1/)
check "/ comes from go-http through nginx (got '$PAGE')" [ "$PAGE" = "hello from go-http" ]
PID=$(ctr__state "$ID" pid)
check "the container's init is nginx's master" [ "$(readlink "/proc/$PID/exe")" = /usr/sbin/nginx ]
for FIELD in CapBnd CapEff CapPrm; do
	GOT=$(status_caps "$PID" "$FIELD")
	check "$FIELD = the profile's set ($(paste -sd' ' <<<"$GOT"))" [ "$GOT" = "$WANT" ]
done
check "CapInh and CapAmb are empty" \
	[ -z "$(status_caps "$PID" CapInh)$(status_caps "$PID" CapAmb)" ]
CGDIR=$(ctr__cgroup_dir "$CG")
check "the workers run as www-data (the host's /etc/passwd)" \
	grep -qx "$(id -u www-data)" <(uids_in_cgroup "$CGDIR")
ctr__delete "$ID"
check "runc delete -f removes it" [ -z "$(ctr__state "$ID" status)" ]
check "and its cgroup" [ ! -d "$CGDIR" ]
check "nothing listens on 80 any more" gone_within 5 ctr__listening 80
check "nor on 8080 (the backend went with it)" gone_within 5 ctr__listening 8080

begin "the same container without capabilities"
ID=capdiet-test-$$-none CG=/capdiet-test-$$-none B=$CTR_WORK/none
NONE='{"bounding":[],"effective":[],"inheritable":[],"permitted":[],"ambient":[]}'
check "the bundle is built" ctr__bundle "$B" "$NONE" "$CG"
check "all five capability lists are empty" \
	jq -e '.process.capabilities | length == 5 and all(.[]; . == [])' "$B/config.json"
ctr__create "$ID" "$B" "$CG"
check "runc create (status created)" [ "$(ctr__state "$ID" status)" = created ]
CGDIR=$(ctr__cgroup_dir "$CG")
check "its cgroup v2 directory exists" [ -n "$CGDIR" ]
check "capdiet trace attaches to it" ctr__trace_start "$CGDIR" 5 "$TMP/trace.json"
check "runc start" ctr__start "$ID"
ctr__wait_probe "$ID" 10 >/dev/null
check "the probe never passes" [ $? -ne 0 ]
check "nginx exits: the container stops within 5 s" ctr__wait_stopped "$ID" 5
check "because bind() on port 80 was refused" \
	grep -q 'bind() to 127.0.0.1:80 failed (13: Permission denied)' "$B/output.log"
check "capdiet trace exits 0" ctr__trace_wait
check "it saw NET_BIND_SERVICE denied and required for /usr/sbin/nginx's bind" \
	jq -e '.decisions[] | select(.capability == "NET_BIND_SERVICE" and .verdict == "denied"
		and .class == "required" and .syscall == "bind" and .executable == "/usr/sbin/nginx")' \
	"$TMP/trace.json"
check "ctr__denied names it" grep -qx 'NET_BIND_SERVICE denied/required bind /usr/sbin/nginx' \
	<(ctr__denied "$TMP/trace.json")
# While it traced, this script ran jq and sleep on the host (ctr__state,
# ctr__wait_probe), each exec making a capability check of its own.
check "and nothing from the host outside the container's cgroup" \
	jq -e '[.decisions[].executable] | index("/usr/bin/jq") == null
		and index("/usr/bin/sleep") == null and index("/usr/bin/bash") == null' "$TMP/trace.json"

begin "container clean-up"
ctr__cleanup
check "no container left in the state directory" [ ! -e "$CTR_STATE" ]
for CG in "${CTR_CGROUPS[@]}"; do
	check "no cgroup $CG in any hierarchy" \
		[ -z "$(find /sys/fs/cgroup -maxdepth 2 -name "${CG#/}" 2>/dev/null)" ]
done
check "bundles, rootfs and RUN_DIR removed" [ ! -e "$CTR_WORK" ]
check "port 80 is free" gone_within 5 ctr__listening 80

begin "scripts/demo-container.sh (make demo-container)"
ctr__ports_free 80 8080 || { skip_or_fail "$CTR_WHY"; finish; exit; }
BEFORE=$(ls -d /tmp/capdiet-container.* 2>/dev/null)
timeout 120 "$ROOT/scripts/demo-container.sh" >"$TMP/demo.out" 2>"$TMP/demo.err"; RC=$?
check "exits 0 (got $RC)" [ "$RC" -eq 0 ]
check "prints the page fetched through the proxy" grep -q '^   page /: hello from go-http$' "$TMP/demo.out"
check "prints the container's CapEff" grep -Eq '^   CapEff: 0x[0-9a-f]{16}=CAP_' "$TMP/demo.out"
check "names the capability denied without caps" \
	grep -q 'NET_BIND_SERVICE denied/required bind /usr/sbin/nginx' "$TMP/demo.out"
check "leaves no work directory" [ "$(ls -d /tmp/capdiet-container.* 2>/dev/null)" = "$BEFORE" ]
check "nor a cgroup" [ -z "$(find /sys/fs/cgroup -maxdepth 2 -name 'capdiet-demo-*' 2>/dev/null)" ]

finish
