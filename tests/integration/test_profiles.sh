#!/bin/bash
# The checked-in profiles of the examples are what capdiet measures now, and
# the Kubernetes manifests built from them pass the gate.
. "$(dirname "$0")/lib.sh"

begin "kubernetes manifests from the profiles"
"$CAPDIET" check --allowlist "$ROOT/examples/kubernetes/allowlist.yaml" \
	"$ROOT/examples/kubernetes" >"$TMP/check.out" 2>&1; rc=$?
check "pass the gate with the allowlist built from the profiles (rc $rc)" [ "$rc" -eq 0 ]
check "all three Deployments are checked" grep -q '3 containers: 0 violations' "$TMP/check.out"
mkdir "$TMP/k8s"
cp "$ROOT"/examples/kubernetes/*.yaml "$TMP/k8s/"
sed -i 's/add: \[\(.*\)\]$/add: [\1, NET_ADMIN]/' "$TMP/k8s/nginx-proxy.yaml"
"$CAPDIET" check --allowlist "$TMP/k8s/allowlist.yaml" "$TMP/k8s" >"$TMP/check.out" 2>&1; rc=$?
check "fail when a capability is added by hand (rc $rc)" [ "$rc" -eq 1 ]
check "naming the file, the Deployment and the capability" \
	grep -Eq "nginx-proxy.yaml:[0-9]+:[0-9]+: Deployment/nginx-proxy container nginx-proxy: capability NET_ADMIN is not in the allowlist" "$TMP/check.out"
for svc in go-http nginx-proxy node-app; do
	"$CAPDIET" export --format securitycontext "$ROOT/profiles/$svc.yaml" | sed 's/^/        /' > "$TMP/ctx.yaml"
	check "$svc's securityContext is the export of its profile" \
		sh -c "tail -n +18 '$ROOT/examples/kubernetes/$svc.yaml' | diff -q - '$TMP/ctx.yaml'"
done

# round_trip PROFILE: every export of it passes the gate with the profile's
# own set as allowlist, and fails with one capability less.
round_trip() {
	local profile=$1 set less dir fmt rc=0
	set=$(caps_of "$profile")
	less=${set%,*}
	[ "$less" = "$set" ] && less=""
	dir=$(mktemp -d "$TMP/rt.XXXXXX")
	"$CAPDIET" export --format securitycontext "$profile" | sed 's/^/        /' > "$dir/ctx"
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n' > "$dir/pod.yaml"
	sed 's/^    //' "$dir/ctx" >> "$dir/pod.yaml"
	"$CAPDIET" export --format compose "$profile" > "$dir/compose.yaml"
	mkdir "$dir/bundle"
	"$CAPDIET" export --format oci "$profile" | jq '{ociVersion: "1.0.2", process: {capabilities: .}}' > "$dir/bundle/config.json"
	cp "$profile" "$dir/profile.yaml"
	rm "$dir/ctx"
	for f in pod.yaml compose.yaml bundle/config.json profile.yaml; do
		"$CAPDIET" check --allow "$set" "$dir/$f" >/dev/null 2>&1 || { echo "  $f fails with its own set"; rc=1; }
		if [ -n "$set" ]; then
			"$CAPDIET" check --allow "$less" "$dir/$f" >/dev/null 2>&1
			[ $? -eq 1 ] || { echo "  $f passes with less than its set"; rc=1; }
		fi
	done
	return $rc
}

begin "round trip export -> check"
check "nginx-proxy: every export passes with its set and fails with less" round_trip "$ROOT/profiles/nginx-proxy.yaml"
check "go-http (empty set): every export passes with nothing allowed" round_trip "$ROOT/profiles/go-http.yaml"

need_bpf || { finish; exit; }

begin "profiles regenerated"
BUILD=${BUILD:-build} "$ROOT/scripts/profiles.sh" "$TMP/profiles" "$TMP/kubernetes" 2>"$TMP/err"
check "make profiles runs" [ $? -eq 0 ]
for svc in go-http nginx-proxy node-app; do
	got=$(caps_of "$TMP/profiles/$svc.yaml")
	want=$(caps_of "$ROOT/profiles/$svc.yaml")
	check "$svc: same minimum set as the checked-in profile ([$got] vs [$want])" [ "$got" = "$want" ]
	check "$svc: the report is written" grep -q '^# Capability justification' "$TMP/profiles/$svc.md"
done
check "run -> export -> check agrees on the fresh profile" round_trip "$TMP/profiles/nginx-proxy.yaml"
check "nginx-proxy needs NET_BIND_SERVICE, SETGID and SETUID" \
	[ "$(caps_of "$TMP/profiles/nginx-proxy.yaml")" = SETGID,SETUID,NET_BIND_SERVICE ]

finish
