#!/bin/bash
# capdiet check's reviewed exceptions: expires dates, stale exceptions,
# inline capdiet.io/allow annotations, --baseline / --write-baseline and
# --exclude, on the fixtures in tests/fixtures/check/exceptions.  Needs no root.
. "$(dirname "$0")/lib.sh"
F=$ROOT/tests/fixtures/check/exceptions
OUT=$TMP/out
ERR=$TMP/err

# run ARGS...: runs capdiet with a time limit; sets RC, output in $OUT/$ERR.
run() {
	timeout 30 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# json_is WHAT FILTER VALUE: jq FILTER on $OUT gives VALUE.
json_is() {
	local got
	got=$(jq -c "$2" "$OUT" 2>&1)
	if [ "$got" = "$3" ]; then ok "$1"; else fail "$1: $2 is $got, want $3"; fi
}

# lines_matching FILE TEXT: how many lines of FILE contain TEXT.
lines_matching() { grep -cF -- "$2" "$1"; }

begin "expires"
run check --allowlist "$F/allowlist-expires.yaml" "$F/manifests/web.yaml"
expect_rc "an expired exception fails again" 1
has_text "$OUT" "the expired one names its date" \
	"capability SETUID is not in the allowlist: its exception expired on 2020-01-31"
has_text "$OUT" "the live one is listed, not hidden" \
	"Deployment/web container app: capability NET_RAW excepted by $F/allowlist-expires.yaml:11"
has_text "$OUT" "SYS_ADMIN still fails" "capability SYS_ADMIN is not in the allowlist"
run check --format json --allowlist "$F/allowlist-expires.yaml" "$F/manifests/web.yaml"
expect_rc "json" 1
json_is "expired in json" '[.violations[] | select(.outcome == "expired") | .exception.expires]' '["2020-01-31"]'
json_is "excepted in json" '[.excepted[] | .capability, .exception.reason]' '["NET_RAW","health check pings the gateway"]'
run check --allowlist "$F/allowlist-bad-date.yaml" "$F/manifests/web.yaml"
expect_rc "2026-02-30 is not a date" 2
has_text "$ERR" "FILE:LINE" "allowlist-bad-date.yaml:5: expires must be a date as YYYY-MM-DD (e.g. 2026-12-31), not '2026-02-30'"

begin "stale"
run check --allowlist "$F/allowlist-expires.yaml" "$F/manifests/web.yaml"
has_text "$OUT" "an exception that matched nothing is reported" \
	"$F/allowlist-expires.yaml:16: exception for Deployment/retired container * matched nothing"
run check --format json --allowlist "$F/allowlist-expires.yaml" "$F/manifests/web.yaml"
json_is "stale in json" '[.stale_count, .stale[0].name, .stale[0].line]' '[1,"retired",16]'
run check --allowlist "$F/allowlist-expires.yaml" "$ROOT/tests/fixtures/check/k8s/restricted-pod.yaml"
expect_rc "stale alone does not fail the gate" 0
if [ "$(lines_matching "$OUT" "matched nothing")" -eq 3 ]; then ok "all three stale"; else fail "want 3 stale lines: $(cat "$OUT")"; fi
run check --fail-stale --allowlist "$F/allowlist-expires.yaml" "$ROOT/tests/fixtures/check/k8s/restricted-pod.yaml"
expect_rc "--fail-stale fails on them" 1

begin "inline annotations"
run check --allowlist "$F/allowlist-no-inline.yaml" "$F/manifests"
expect_rc "not permitted: the findings stay violations" 1
for at in "web.yaml:9" "compose.yml:7" "compose.yml:12"; do
	has_text "$ERR" "ignored, and said so ($at)" \
		"$F/manifests/$at: capdiet.io/allow ignored: the allowlist does not permit inline exceptions (inline_exceptions: true)"
done
if [ "$(lines_matching "$ERR" "capdiet.io/allow ignored")" -eq 3 ]; then ok "once per annotation"; else fail "$(cat "$ERR")"; fi
run check --allow NET_BIND_SERVICE "$F/manifests/web.yaml"
expect_rc "--allow permits no inline exception" 1
has_text "$ERR" "said so" "web.yaml:9: capdiet.io/allow ignored"
run check --allowlist "$F/allowlist-inline.yaml" "$F/manifests"
expect_rc "permitted: the rest still fails" 1
has_text "$OUT" "NET_RAW excepted by the annotation" \
	"Deployment/web container app: capability NET_RAW excepted by annotation capdiet.io/allow at $F/manifests/web.yaml:9: \"health check pings the gateway\""
has_text "$OUT" "compose label too" \
	"compose/pinger container pinger: capability NET_RAW excepted by annotation capdiet.io/allow at $F/manifests/compose.yml:7"
has_text "$OUT" "SETUID is not in the annotation" "Deployment/web container app: capability SETUID is not in the allowlist"
has_text "$OUT" "SYS_ADMIN is beyond inline_max" "Deployment/web container app: capability SYS_ADMIN is not in the allowlist"
has_text "$ERR" "inline_max named" \
	"$F/manifests/web.yaml:9: capdiet.io/allow ignored for SYS_ADMIN: more than the allowlist lets an annotation allow (inline_max); add a reviewed exception to the allowlist"
has_text "$OUT" "privileged still fails" "compose/agent container agent: privileged: true grants every capability"
has_text "$ERR" "and says why" "compose.yml:12: capdiet.io/allow cannot excuse privileged: true"
run check --allowlist "$F/allowlist-inline.yaml" "$F/bad-annotation.yaml"
expect_rc "an annotation without a reason is bad input" 2
has_text "$ERR" "FILE:LINE" "bad-annotation.yaml:6: capdiet.io/allow item 'NET_RAW' has no reason"

begin "baseline"
W=$TMP/work
mkdir -p "$W/k8s"
cp "$F/manifests/web.yaml" "$F/tree/k8s/app.yaml" "$W/k8s/"
cp "$F/tree/testdata/privileged.yaml" "$W/k8s/"
cd "$W" || exit 1
run check --allowlist "$F/allowlist-expires.yaml" k8s
expect_rc "today's check fails" 1
run check --allowlist "$F/allowlist-expires.yaml" --write-baseline base.yaml k8s
expect_rc "--write-baseline exits 0" 0
has "$ERR" "says how many" "recorded 3 violations in base.yaml"
has_text "$ERR" "the expired one is not renewed" "1 finding is not recorded: an allowlist exception for it expired"
has_text base.yaml "a header" "# capdiet check baseline: the violations of $(date -u +%F) (UTC)"
has base.yaml "dated (quoted: a plain date is a YAML 1.1 timestamp)" "date: \"$(date -u +%F)\""
has base.yaml "privileged as one entry" \
	"- {file: k8s/privileged.yaml, kind: Pod, name: bad, container: c, privileged: true}"
has base.yaml "a capability, no line" \
	"- {file: k8s/web.yaml, kind: Deployment, name: web, container: app, capability: SYS_ADMIN}"
if [ ! -s "$OUT" ]; then ok "nothing on stdout"; else fail "stdout: $(cat "$OUT")"; fi
run check --allowlist "$F/allowlist-expires.yaml" --baseline base.yaml k8s
expect_rc "the expired exception still fails" 1
if [ "$(grep -vc -e '^checked' -e 'excepted by' -e 'matched nothing' "$OUT")" -eq 1 ]; then
	ok "only the expired finding fails"
else
	fail "want one failing line: $(cat "$OUT")"
fi
run check --allow NET_RAW,SETUID --baseline base.yaml k8s
expect_rc "with the baseline, yesterday's violations pass" 0
has_text "$OUT" "listed as excepted by the baseline" \
	"capability SYS_ADMIN excepted by baseline base.yaml:"
has_text "$OUT" "with its reason" "\"recorded in baseline base.yaml on $(date -u +%F)\""
# Lines move, a capability is added, one is fixed.
sed -i -e '1i # moved down a line' -e 's/add: \[NET_RAW, SETUID, SYS_ADMIN\]/add: [NET_RAW, SETUID, SYS_ADMIN, KILL]/' k8s/web.yaml
sed -i 's/add: \[CHOWN\]/add: []/' k8s/app.yaml
run check --allow NET_RAW,SETUID --baseline base.yaml ./k8s
expect_rc "a new finding still fails" 1
has_text "$OUT" "the new one" "k8s/web.yaml:18:"
has_text "$OUT" "KILL" "Deployment/web container app: capability KILL is not in the allowlist"
if [ "$(grep -c 'is not in the allowlist' "$OUT")" -eq 1 ]; then ok "and only it"; else fail "$(cat "$OUT")"; fi
has_text "$OUT" "the fixed one is stale" \
	"base.yaml:8: exception for Pod/app container app capability CHOWN matched nothing (stale): fixed since the baseline; regenerate it"
run check --baseline base.yaml --write-baseline other.yaml k8s
expect_rc "--baseline with --write-baseline" 2
printf 'capdiet_baseline: 1\ndate: 2026-01-01\nfindings:\n  - {file: a, kind: Pod, name: p, container: c, capabilty: KILL}\n' > bad.yaml
run check --baseline bad.yaml k8s
expect_rc "a typo in a baseline" 2
has_text "$ERR" "FILE:LINE" "bad.yaml:4: unknown key 'capabilty' in a baseline entry"
run check --write-baseline partial.yaml k8s "$F/bad-annotation.yaml"
expect_rc "no baseline from a check with errors" 2
if [ ! -e partial.yaml ]; then ok "nothing written"; else fail "partial.yaml written"; fi
cd "$ROOT" || exit 1

begin "--exclude"
cd "$F/tree" || exit 1
run check .
expect_rc "the template is not YAML" 2
run check --exclude 'charts/*' --exclude testdata .
expect_rc "left out, the rest is checked" 1
has "$ERR" "the chart's directory is named" "excluded: ./charts/web (--exclude charts/*)"
has "$ERR" "by its basename" "excluded: ./testdata (--exclude testdata)"
has_text "$OUT" "the rest" "k8s/app.yaml:11:"
has_text "$OUT" "counted in the summary" "; 2 excluded"
run check --format json --exclude 'charts/*' --exclude testdata .
json_is "counted in json" '[.excluded, .files]' '[2,1]'
run check --exclude '*.yaml' k8s/app.yaml
expect_rc "an explicit path" 0
has "$ERR" "is named too" "excluded: k8s/app.yaml (--exclude *.yaml)"
cd "$ROOT" || exit 1

finish
