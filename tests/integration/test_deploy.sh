#!/bin/bash
# deploy/kubernetes through the gate, as kubectl applies it (kustomize
# renders the overlay): within its allowlist, which holds one reviewed
# exception, the observer; and failing without it.  The fields that make the
# manifests work are checked by tests/policy/test_deploy.c.  Needs kubectl
# (scripts/setup.sh installs it), no cluster.
. "$(dirname "$0")/lib.sh"
D=$ROOT/deploy/kubernetes
OUT=$TMP/out
ERR=$TMP/err

run() {
	timeout 120 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

begin "kustomize renders the overlay"
if need_tools kubectl; then
	if kubectl kustomize "$D" >"$TMP/rendered.yaml" 2>"$ERR"; then
		ok "kubectl kustomize"
	else
		fail "kubectl kustomize: $(head -c 400 "$ERR")"
	fi
	for kind in Namespace ServiceAccount DaemonSet Service ServiceMonitor; do
		has "$TMP/rendered.yaml" "renders a $kind" "kind: $kind"
	done
	if grep -qE '^kind: (Cluster)?Role(Binding)?$' "$TMP/rendered.yaml"; then
		fail "RBAC rendered: the observer uses no API"
	else
		ok "no RBAC"
	fi
	[ "$(grep -c '^  namespace: capdiet-system$' "$TMP/rendered.yaml")" -eq 4 ] &&
		ok "every namespaced resource in capdiet-system" ||
		fail "namespaces: $(grep -n 'namespace:' "$TMP/rendered.yaml")"
fi

begin "the gate: within the allowlist"
if need_tools kubectl; then
	run check --render --fail-stale --allowlist "$D/allowlist.yaml" "$D"
	expect_rc "allowlist, no stale exception" 0
	# The observer's learned set, as its profile says.
	CAPS=$(caps_of "$D/observer.profile.yaml" | tr ',' ' ')
	N=$(wc -w <<<"$CAPS")
	has_text "$OUT" "the observer's set is excepted, with the reason" \
		"DaemonSet/capdiet-observer container observer: capability BPF excepted by"
	# the render's DaemonSet: daemonset.yaml is a resource of the kustomization
	has_text "$OUT" "summary" "1 container: 0 violations; $N excepted"
	run check --render "$D"
	expect_rc "without the allowlist" 1
	for cap in $CAPS; do
		has_text "$OUT" "$cap reported" "DaemonSet/capdiet-observer container observer: capability $cap is not in the allowlist"
	done
	run check --allowlist "$D/allowlist.yaml" "$TMP/rendered.yaml"
	expect_rc "the rendered file, as CI would check kubectl kustomize's output" 0
fi

begin "the observer's profile reads as a profile"
run report "$D/observer.profile.yaml"
expect_rc "report" 0
has_text "$OUT" "named" "# Capability justification: capdiet-observer"

finish
