#!/bin/bash
# capdiet check on what teams keep: Helm charts and Kustomize overlays
# (detected, reported as not checked, or rendered with --render by the real
# helm and kubectl/kustomize) and Compose projects (-f files merged, extends,
# !reset).  Needs no root; --render needs helm and kubectl (scripts/setup.sh).
. "$(dirname "$0")/lib.sh"
F=$ROOT/tests/fixtures/check/render
OUT=$TMP/out
ERR=$TMP/err

TIMEOUT=$(command -v timeout) # by path: a test below runs with an empty PATH
run() {
	"$TIMEOUT" 120 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# lacks FILE WHAT TEXT: FILE does not contain TEXT.
lacks() {
	if grep -qF -- "$3" "$1"; then fail "$2: '$3' in: $(head -c 600 "$1")"; else ok "$2"; fi
}

begin "a chart without --render: not checked, exit 2"
run check "$F/chart"
expect_rc "chart dir" 2
has "$ERR" "the render hint" \
	"capdiet: $F/chart/web: a Helm chart, not checked; render it: helm template $F/chart/web | capdiet check -  (or capdiet check --render)"
lacks "$ERR" "templates are not read as manifests" "templates/"
# the files beside templates/ (Chart.yaml, values*.yaml, the subchart's Chart.yaml) are read as they are
has "$OUT" "only the chart's plain files counted" "checked 4 files, 0 containers: 0 violations; 1 error"
run check "$F/chart/web"
expect_rc "the chart given directly" 2
if [ "$(grep -c 'a Helm chart' "$ERR")" -eq 1 ]; then ok "its subchart (charts/cache) belongs to it: one error"; else fail "want one chart error, got: $(cat "$ERR")"; fi
run check --helm-values "$F/chart/web/values.yaml" "$F/chart"
expect_rc "--helm-values without --render" 2
has_text "$ERR" "says to add --render" "add --render"

begin "a chart with --render, helm missing"
mkdir -p "$TMP/empty-path"
PATH=$TMP/empty-path run check --render "$F/chart/web"
expect_rc "helm not on PATH" 2
has_text "$ERR" "names the tool and how to install it" \
	"$F/chart/web: a Helm chart, and helm is not installed (not on PATH): install Helm 3 or later"

begin "a chart rendered with helm template"
if need_tools helm; then
	run check --render "$F/chart/web"
	expect_rc "default values: hardened" 0
	has "$OUT" "both containers (the subchart's too); the render and 4 plain files" \
		"checked 5 files, 2 containers: 0 violations"
	run check --render --helm-values "$F/chart/web/values-privileged.yaml" "$F/chart/web"
	expect_rc "--helm-values privileged: true" 1
	# the line is the rendered output's, as helm prints it with the same values
	line=$(helm template web "$F/chart/web" -f "$F/chart/web/values-privileged.yaml" |
		grep -n 'privileged: true' | cut -d: -f1)
	has_text "$OUT" "at the rendered output's line $line" \
		"$F/chart/web (helm template):$line:25: Deployment/web-web container web: privileged: true grants every capability"
	run check --render "$F/broken/chart"
	expect_rc "a failing render" 2
	has_text "$ERR" "its stderr" "$F/broken/chart: helm template failed (exit 1): Error: execution error at (broken/templates/pod.yaml:1:4): no image.tag\\x1b[2K"
	if grep -q $'\x1b' "$ERR" || grep -qx 'checked 0 files, 0 containers: 0 violations' "$ERR"; then
		fail "an escape sequence or a forged line of the chart's reached the log: $(cat -v "$ERR")"
	else
		ok "the chart's message is escaped and stays on its line"
	fi
fi

begin "a Kustomize overlay"
run check "$F/kustomize/overlay"
expect_rc "without --render" 2
has "$ERR" "the render hint" \
	"capdiet: $F/kustomize/overlay: a Kustomize overlay, not checked; render it: kubectl kustomize $F/kustomize/overlay | capdiet check -  (or capdiet check --render)"
lacks "$ERR" "the patch is not read as a manifest" "privileged.yaml"
if need_tools kubectl; then
	run check --render "$F/kustomize/base"
	expect_rc "the base, rendered: hardened" 0
	run check --render "$F/kustomize/overlay"
	expect_rc "the overlay, rendered: its privileged patch is found" 1
	tool=$(command -v kustomize >/dev/null && echo "kustomize build" || echo "kubectl kustomize")
	render() { if command -v kustomize >/dev/null; then kustomize build "$1"; else kubectl kustomize "$1"; fi; }
	line=$(render "$F/kustomize/overlay" 2>/dev/null | grep -n 'privileged: true' | cut -d: -f1)
	has_text "$OUT" "at the rendered output's line $line" \
		"$F/kustomize/overlay ($tool):$line:"
	has_text "$OUT" "the patched Deployment" "Deployment/web container web: privileged: true grants every capability"
	run check --render "$F/kustomize"
	expect_rc "the walk renders base and overlay, each once" 1
	# two renders; what the kustomizations name is read through them only
	has_text "$OUT" "two renders" "checked 2 files, 2 containers: 1 violation"
	if grep -q "overlay/privileged.yaml:" "$OUT"; then
		fail "the patch the overlay names was judged alone: $(head -c 300 "$OUT")"
	else
		ok "the patch the overlay names is judged through the render only"
	fi
	run check --render "$F/broken/overlay"
	expect_rc "a failing render" 2
	has_text "$ERR" "its stderr" "$F/broken/overlay: $tool failed (exit 1): "
	has_text "$ERR" "names the missing resource" "missing.yaml"
fi

begin "Compose: -f files are one project"
C=$F/compose
run check -f "$C/compose.yml"
expect_rc "the base alone: worker's CHOWN" 1
run check --allow NET_BIND_SERVICE,CHOWN -f "$C/compose.yml"
expect_rc "the base, CHOWN allowed" 0
run check --allow NET_BIND_SERVICE,CHOWN -f "$C/compose.yml" -f "$C/compose.admin.yml"
expect_rc "the override adds SYS_ADMIN" 1
has "$OUT" "at the override's line" \
	"$C/compose.admin.yml:5:9: compose/web container web: capability SYS_ADMIN is not in the allowlist"
has "$OUT" "one project: 2 files, 2 services" "checked 2 files, 2 containers: 1 violation in 1 container (SYS_ADMIN)"
run check -f "$C/compose.yml" -f "$C/compose.reset.yml"
expect_rc "!reset removes the base's cap_add" 0
run check -f "$C/compose.yml" -f "$C/compose.admin.yml" "$F/kustomize/base/deployment.yaml"
expect_rc "-f with PATHs" 1
has_text "$OUT" "both counted" "checked 3 files, 3 containers"
run check -f "$C/compose.yml" -f "$C/missing.yml"
expect_rc "a missing -f file" 2
has_text "$ERR" "names it" "$C/missing.yml: cannot read"

begin "Compose: extends"
run check "$C/app.yml"
expect_rc "a service extending a privileged one is privileged" 1
has "$OUT" "at the base file's line" \
	"$C/common/agent.yml:4:17: compose/api container api: privileged: true grants every capability (40 outside the allowlist)"
run check --allow NET_BIND_SERVICE,NET_RAW "$C/short.yml"
expect_rc "extends: NAME within the file" 0
run check "$C/short.yml"
expect_rc "the base's NET_RAW, inherited" 1
has "$OUT" "web's NET_RAW at the base's line" \
	"$C/short.yml:6:9: compose/web container web: capability NET_RAW is not in the allowlist"
run check "$C/cycle/a.yml"
expect_rc "a cycle is refused" 2
has_text "$ERR" "names the cycle" "$C/cycle/b.yml:3: extends cycle: $C/cycle/a.yml service web -> $C/cycle/b.yml service base -> $C/cycle/a.yml service web"

finish
