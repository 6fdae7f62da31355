#!/bin/bash
# capdiet check --format text|json|sarif|junit|github on tests/fixtures/check:
# the exit codes of each, what CI systems read from each (SARIF as GitHub
# code scanning does, JUnit as GitLab does, workflow commands), hostile file
# names (no workflow command from a name, on stdout or stderr), options
# given twice, and the pre-commit recipe of docs/ci.md run for real, with
# files named like options committed beside a privileged manifest.  Needs
# no root; python3 parses JSON, SARIF and XML, pre-commit runs the hook.
. "$(dirname "$0")/lib.sh"
F=$ROOT/tests/fixtures/check
OUT=$TMP/out
ERR=$TMP/err

# run ARGS...: runs capdiet with a time limit; sets RC, output in $OUT/$ERR.
run() {
	timeout 30 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# py WHAT SCRIPT FILE: passes when the python3 SCRIPT's asserts hold for FILE.
py() {
	if python3 -c "$2" "$3" 2>"$TMP/py.err"; then ok "$1"; else fail "$1: $(tail -3 "$TMP/py.err")"; fi
}

begin "exit codes of every format"
for fmt in text json sarif junit github; do
	run check --format "$fmt" "$F/k8s/restricted-pod.yaml"
	expect_rc "$fmt, clean" 0
	run check --format "$fmt" "$F/k8s"
	expect_rc "$fmt, violations" 1
	run check --format "$fmt" --allowlist "$F/allowlist.yaml" "$F/k8s/nginx-deployment.yaml"
	expect_rc "$fmt, excepted only" 0
	run check --format "$fmt" "$F/k8s/nginx-deployment.yaml" "$F/bad/broken.yaml"
	expect_rc "$fmt, a broken file" 2
	has_text "$ERR" "$fmt: the problem still goes to stderr" "broken.yaml:8: did not find expected"
done
run check --format sarif2 "$F/k8s"
expect_rc "unknown format" 2
if [ "$(wc -l <"$ERR")" -eq 1 ] && grep -q "'sarif2'" "$ERR" && [ ! -s "$OUT" ]; then
	ok "unknown format: one line naming it, nothing on stdout"
else
	fail "unknown format: $(cat "$ERR")"
fi

begin "text"
run check --allowlist "$F/allowlist.yaml" "$F/k8s"
has "$OUT" "column of the add item" \
	"$F/k8s/nginx-deployment.yaml:28:19: Deployment/nginx container nginx: capability SETUID excepted by $F/allowlist.yaml:4: \"master drops to www-data workers\""
has_text "$OUT" "privileged: one finding at its line and column" \
	"$F/k8s/node-agent-daemonset.yaml:17:25: DaemonSet/node-agent container agent: privileged: true grants every capability ("
has "$OUT" "summary counts containers and capabilities" \
	"checked 4 files, 5 containers: 1 violation in 1 container (privileged); 3 excepted"

if ! need_tools python3; then
	finish
	exit
fi

begin "json"
run check --format json --allowlist "$F/allowlist.yaml" "$F/k8s" "$F/bad/broken.yaml"
expect_rc "json with a broken file" 2
py "violations, excepted and problems" 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["violation_count"] == len(d["violations"]) == 1, d["violations"]
v = d["violations"][0]
assert v["outcome"] == "violation" and v["privileged"] == "true" and v["column"] == 25, v
assert d["excepted_count"] == len(d["excepted"]) == 3
e = [x for x in d["excepted"] if x["name"] == "nginx" and x["capability"] == "SETUID"][0]
assert (e["line"], e["column"], e["outcome"]) == (28, 19, "excepted"), e
assert e["exception"]["origin"] == "allowlist" and e["exception"]["line"] == 4, e
assert e["exception"]["reason"] == "master drops to www-data workers"
assert d["stale"] == [] and d["stale_count"] == 0
assert d["errors"] == len(d["problems"]) == 1, d["problems"]
p = d["problems"][0]
assert p["file"].endswith("bad/broken.yaml") and p["line"] == 8, p
assert p["message"].startswith("did not find expected"), p' "$OUT"

begin "sarif"
SARIF_CHECK='import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0" and "sarif-2.1.0" in d["$schema"]
assert len(d["runs"]) == 1
run = d["runs"][0]
driver = run["tool"]["driver"]
assert driver["name"] == "capdiet" and driver["version"]
rules = driver["rules"]
ids = [r["id"] for r in rules]
assert len(ids) == len(set(ids)) >= 7, ids
for r in rules:
    assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
    assert r["help"]["text"] and r["defaultConfiguration"]["level"] == "error"
assert run["results"], "no results"
for x in run["results"]:
    assert rules[x["ruleIndex"]]["id"] == x["ruleId"], x
    assert x["level"] in ("error", "warning", "note", "none") and x["message"]["text"]
    loc = x["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] and loc["region"]["startLine"] >= 1, loc
    assert x["partialFingerprints"], x
inv = run["invocations"][0]
assert inv["executionSuccessful"] is (not inv["toolExecutionNotifications"])
'
# As in CI: relative paths from the checkout, so GitHub finds the files.
(cd "$ROOT" && timeout 30 "$CAPDIET" check --format sarif --allowlist tests/fixtures/check/allowlist.yaml \
	tests/fixtures/check/k8s tests/fixtures/check/compose) >"$OUT" 2>"$ERR"
RC=$?
expect_rc "sarif" 1
py "every property SARIF 2.1.0 requires and code scanning reads" "$SARIF_CHECK" "$OUT"
py "results: where, rule, suppressions" "$SARIF_CHECK"'
res = run["results"]
def loc(x): return x["locations"][0]["physicalLocation"]
priv = [x for x in res if x["ruleId"] == "privileged"]
assert len(priv) == 1, priv
setuid = [x for x in res if "nginx" in x["message"]["text"] and "SETUID" in x["message"]["text"]][0]
l = loc(setuid)
assert l["artifactLocation"] == {"uri": "tests/fixtures/check/k8s/nginx-deployment.yaml", "uriBaseId": "%SRCROOT%"}, l
assert (l["region"]["startLine"], l["region"]["startColumn"]) == (28, 19), l
assert setuid["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "master drops to www-data workers"}]
failing = [x for x in res if "suppressions" not in x]
assert len(failing) == 15 and len(res) == 18, (len(failing), len(res))
assert len({json.dumps(x["partialFingerprints"]) for x in res}) == len(res)' "$OUT"
run check --format sarif "$F/k8s/nginx-deployment.yaml" "$F/bad/broken.yaml"
py "problems as tool execution notifications, absolute paths as file URIs" "$SARIF_CHECK"'
n = inv["toolExecutionNotifications"]
assert inv["executionSuccessful"] is False and len(n) == 1, inv
l = n[0]["locations"][0]["physicalLocation"]
assert l["artifactLocation"]["uri"].startswith("file:///") and l["artifactLocation"]["uri"].endswith("/bad/broken.yaml"), l
assert "uriBaseId" not in l["artifactLocation"] and l["region"]["startLine"] == 8' "$OUT"

begin "sarif: stdin and rendered charts, placed on files code scanning has"
(cd "$ROOT" && timeout 30 "$CAPDIET" check --format sarif - \
	<tests/fixtures/check/k8s/node-agent-daemonset.yaml) >"$OUT" 2>"$ERR"
RC=$?
expect_rc "stdin" 1
py "stdin: uri stdin, not under %SRCROOT%, described" "$SARIF_CHECK"'
a = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
assert a["uri"] == "stdin" and "uriBaseId" not in a, a
assert "standard input" in a["description"]["text"], a' "$OUT"
if need_tools helm; then
	(cd "$ROOT" && timeout 120 "$CAPDIET" check --format sarif --render --helm-values \
		tests/fixtures/check/render/chart/web/values-privileged.yaml tests/fixtures/check/render/chart/web) \
		>"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "a rendered chart" 1
	py "a rendered chart: its Chart.yaml, line 1, the rendered line described" "$SARIF_CHECK"'
locs = [x["locations"][0]["physicalLocation"] for x in run["results"]]
assert locs, run["results"]
for l in locs:
    a = l["artifactLocation"]
    assert a["uri"] == "tests/fixtures/check/render/chart/web/Chart.yaml", a
    assert a["uriBaseId"] == "%SRCROOT%" and l["region"] == {"startLine": 1}, l
    assert a["description"]["text"].startswith("tests/fixtures/check/render/chart/web (helm template): line "), a' "$OUT"
fi

begin "junit"
run check --format junit --allowlist "$F/allowlist.yaml" "$F/k8s" "$F/compose" "$F/bad/broken.yaml"
expect_rc "junit with a broken file" 2
py "parses; a suite per file, a case per container, counts add up" 'import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites"
suites = root.findall("testsuite")
for attr in ("tests", "failures", "errors", "skipped"):
    assert int(root.get(attr)) == sum(int(s.get(attr)) for s in suites), attr
for s in suites:
    cases = s.findall("testcase")
    assert int(s.get("tests")) == len(cases), s.get("name")
    assert int(s.get("failures")) == len([c for c in cases if c.find("failure") is not None])
    assert int(s.get("errors")) == len([c for c in cases if c.find("error") is not None])
    assert all(c.get("classname") == s.get("name") for c in cases)
names = {c.get("name"): c for s in suites for c in s.findall("testcase")}
assert names["compose/worker container worker"].find("failure").get("type") == "capability-not-allowed"
agent = names["DaemonSet/node-agent container agent"].find("failure")
assert agent.get("type") == "privileged" and agent.text.count("\n") == 1, agent.text
nginx = names["Deployment/nginx container nginx"]
assert nginx.find("failure") is None and "excepted by" in nginx.find("system-out").text
assert int(root.get("tests")) == 8 and int(root.get("failures")) == 3 and int(root.get("errors")) == 1
err = [c for c in names.values() if c.find("error") is not None][0]
assert err.find("error").get("message").startswith("did not find expected")' "$OUT"

begin "github"
run check --format github --allowlist "$F/allowlist.yaml" "$F/k8s" "$F/bad/broken.yaml"
expect_rc "github with a broken file" 2
has "$OUT" "privileged: an error annotation at line and column" \
	"::error file=$F/k8s/node-agent-daemonset.yaml,line=17,col=25,title=capdiet privileged::DaemonSet/node-agent container agent: privileged: true grants every capability ($(grep -o '([0-9]* outside' "$OUT" | tr -dc 0-9) outside the allowlist)"
has_text "$OUT" "excepted: a notice" \
	"::notice file=$F/k8s/nginx-deployment.yaml,line=28,col=19,title=capdiet capability-not-allowed::"
has_text "$OUT" "problem: an error at the file" "::error file=$F/bad/broken.yaml,line=8,title=capdiet input-error::did not find expected"
if [ "$(tail -1 "$OUT")" = "checked 5 files, 5 containers: 1 violation in 1 container (privileged); 3 excepted; 1 error" ] &&
	[ "$(grep -vc '^::' "$OUT")" -eq 1 ]; then
	ok "every line a workflow command, then the summary"
else
	fail "github output: $(head -c 600 "$OUT")"
fi

begin "hostile file names"
hostile=$TMP/$'a,b:c%\n\e[2Kchecked 0 files.yaml'
cp "$F/k8s/node-agent-daemonset.yaml" "$hostile"
run check --format github "$hostile"
expect_rc "github" 1
has_text "$OUT" "escaped as GitHub unescapes it" "a%2Cb%3Ac%25%0A%1B[2Kchecked 0 files.yaml,line=17,col=25,"
for fmt in text json sarif junit github; do
	run check --format "$fmt" "$hostile"
	if grep -q $'\e' "$OUT" || grep -q '^checked 0 files' "$OUT"; then
		fail "$fmt: a raw escape or a forged line: $(head -c 300 "$OUT" | od -c | head -5)"
	else
		ok "$fmt: no raw ESC, no forged line"
	fi
done

# no_command WHAT FILE...: passes when no line of the files could be a
# GitHub Actions workflow command: "##[" nowhere, no line starting "::".
no_command() {
	local what=$1
	shift
	if grep -q '##\[' "$@" || grep -Eq '^[[:space:]]*::' "$@"; then
		fail "$what: $(grep -Eh '##\[|^[[:space:]]*::' "$@" | head -3)"
	else
		ok "$what"
	fi
}

begin "no workflow command from a name (text output and stderr)"
wc=$TMP/wc
mkdir -p "$wc/##[warning]empty"
cat >"$wc/::stop-commands::x.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: "web##[add-mask]x"}
spec:
  containers:
    - name: "a##[stop-commands]tok"
      securityContext: {capabilities: {drop: [ALL], add: [NET_RAW]}}
EOF
printf 'kind: Pod\nmetadata: {name: [\n' >"$wc/##[error]broken.yaml"
(cd "$wc" && timeout 30 "$CAPDIET" check '::stop-commands::x.yaml' '##[error]broken.yaml' \
	'##[add-mask]missing.yaml') >"$OUT" 2>"$ERR"
RC=$?
expect_rc "a broken and a missing file" 2
no_command "stdout" "$OUT"
no_command "stderr" "$ERR"
has "$OUT" "the finding, its names escaped" \
	'\x3a:stop-commands::x.yaml:7:59: Pod/web#\x23[add-mask]x container a#\x23[stop-commands]tok: capability NET_RAW is not in the allowlist'
has_text "$ERR" "the broken file, escaped" '#\x23[error]broken.yaml:'
has_text "$ERR" "the missing file, escaped" '#\x23[add-mask]missing.yaml'
(cd "$wc" && timeout 30 "$CAPDIET" check '##[warning]empty') >"$OUT" 2>"$ERR"
has_text "$ERR" "a directory without manifests, escaped" '#\x23[warning]empty: no *.yaml'
no_command "its warning" "$ERR"
run check '--##[add-mask]x' "$wc"
expect_rc "an unknown option named by a file" 2
no_command "getopt's words escaped too" "$ERR"

begin "an option that takes one value, given twice"
for args in "--allow NONE --allow=ALL" "--allowlist $F/allowlist.yaml --allowlist=/dev/null" \
	"--format text --format=json" "--baseline $TMP/a --baseline=$TMP/b" \
	"--write-baseline $TMP/a --write-baseline=$TMP/b"; do
	# shellcheck disable=SC2086 # the words of $args are the options
	run check $args "$F/k8s/node-agent-daemonset.yaml"
	opt=${args%% *}
	if [ "$RC" -eq 2 ] && grep -q -- "$opt given twice" "$ERR" && [ ! -s "$OUT" ]; then
		ok "$opt: exit 2, said so, nothing checked"
	else
		fail "$opt: exit $RC, $(cat "$ERR")"
	fi
done
run check --allowlist "$F/allowlist.yaml" -- --allowlist=x.yaml "$F/k8s/restricted-pod.yaml"
expect_rc "after --, --allowlist=x.yaml is a file (missing: exit 2)" 2
has_text "$ERR" "named as a file" "--allowlist=x.yaml"

begin "pre-commit hook (docs/ci.md, run for real)"
# The recipe as docs/ci.md gives it: the first yaml block after "## pre-commit".
recipe=$(awk '/^## pre-commit/ { p = 1 } p && /^```yaml/ { y = 1; next } y && /^```/ { exit } y' \
	"$ROOT/docs/ci.md")
if [ -z "$recipe" ]; then
	fail "no pre-commit recipe in docs/ci.md"
elif need_tools pre-commit git; then
	repo=$TMP/pc
	mkdir -p "$repo/k8s"
	git init -q "$repo"
	printf '%s\n' "$recipe" >"$repo/.pre-commit-config.yaml"
	cp "$F/k8s/node-agent-daemonset.yaml" "$repo/k8s/agent.yaml"
	git -C "$repo" add -A
	pc() {
		(cd "$repo" && PATH="$(dirname "$CAPDIET"):$PATH" PRE_COMMIT_HOME=$TMP/pc-home \
			timeout 120 pre-commit run --all-files) >"$OUT" 2>"$ERR"
		RC=$?
	}
	pc
	expect_rc "a privileged manifest fails the hook" 1
	has_text "$OUT" "capdiet's finding in the hook's output" \
		"k8s/agent.yaml:17:25: DaemonSet/node-agent container agent: privileged: true grants every capability"
	# Files named like options, committed beside it: still files, not options.
	printf 'default: [ALL]\n' >"$repo/al.yaml"
	: >"$repo/--allowlist=al.yaml"
	: >"$repo/--exclude=*.yaml"
	git -C "$repo" add -A
	pc
	expect_rc "--allowlist=al.yaml and --exclude=*.yaml files: the hook still fails" 1
	has_text "$OUT" "the finding is still reported" \
		"k8s/agent.yaml:17:25: DaemonSet/node-agent container agent: privileged: true grants every capability"
	# The recipe with a reviewed allowlist, as docs/ci.md words it.
	entry=$(grep -o 'entry: capdiet check --allowlist .capdiet-allowlist.yaml --' "$ROOT/docs/ci.md" | head -1)
	printf 'default: [NET_BIND_SERVICE]\n' >"$repo/.capdiet-allowlist.yaml"
	printf '%s\n' "$recipe" | sed "s|entry: .*|$entry|" >"$repo/.pre-commit-config.yaml"
	git -C "$repo" add -A
	if [ -n "$entry" ]; then
		pc
		expect_rc "with the allowlist in entry: the hook still fails" 1
		has_text "$OUT" "its finding" "k8s/agent.yaml:17:25: DaemonSet/node-agent container agent: privileged"
	else
		fail "docs/ci.md has no 'entry: capdiet check --allowlist .capdiet-allowlist.yaml --'"
	fi
	cp "$F/k8s/restricted-pod.yaml" "$repo/k8s/agent.yaml"
	git -C "$repo" add -A
	pc
	expect_rc "a clean manifest passes" 0
	has_text "$OUT" "the hook ran" "capdiet check (Linux capabilities)"
fi

finish
