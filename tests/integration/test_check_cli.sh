#!/bin/bash
# capdiet check on the fixtures in tests/fixtures/check: exit codes, the
# violation lines and the summary.  Needs no root.
. "$(dirname "$0")/lib.sh"
F=$ROOT/tests/fixtures/check
OUT=$TMP/out
ERR=$TMP/err

# run ARGS...: runs capdiet with a time limit; sets RC, output in $OUT/$ERR.
run() {
	timeout 30 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

begin "clean Pod (multi-document, ConfigMap skipped)"
run check "$F/k8s/restricted-pod.yaml"
expect_rc "restricted pod" 0
has "$OUT" "summary" "checked 1 file, 2 containers: 0 violations"

begin "Deployment with SETUID/SETGID"
run check "$F/k8s/nginx-deployment.yaml"
expect_rc "nginx" 1
has "$OUT" "SETUID at its add item" \
	"$F/k8s/nginx-deployment.yaml:28:19: Deployment/nginx container nginx: capability SETUID is not in the allowlist"
has "$OUT" "SETGID at its add item" \
	"$F/k8s/nginx-deployment.yaml:29:19: Deployment/nginx container nginx: capability SETGID is not in the allowlist"
has "$OUT" "summary" "checked 1 file, 1 container: 2 violations in 1 container (SETGID, SETUID)"

begin "allowlist exceptions"
run check --allowlist "$F/allowlist.yaml" "$F/k8s/nginx-deployment.yaml" "$F/k8s/backup-cronjob.yaml"
expect_rc "nginx and backup excepted" 0
has "$OUT" "summary" "checked 2 files, 2 containers: 0 violations; 3 excepted"
has "$OUT" "excepted findings are listed with their exception" \
	"$F/k8s/nginx-deployment.yaml:28:19: Deployment/nginx container nginx: capability SETUID excepted by $F/allowlist.yaml:4: \"master drops to www-data workers\""
run check --allowlist "$F/allowlist.yaml" "$F/k8s"
expect_rc "privileged DaemonSet still fails" 1
if [ "$(grep -c 'is not in the allowlist\|grants every capability' "$OUT")" -eq 1 ]; then
	ok "the privileged container is one finding, and the only failing one"
else
	fail "want one DaemonSet line, got: $(head -c 400 "$OUT")"
fi
has_text "$OUT" "privileged line" \
	"$F/k8s/node-agent-daemonset.yaml:17:25: DaemonSet/node-agent container agent: privileged: true grants every capability ("
has "$OUT" "summary" "checked 4 files, 5 containers: 1 violation in 1 container (privileged); 3 excepted"
run check --allowlist "$F/bad/allowlist-no-reason.yaml" "$F/k8s"
expect_rc "exception without reason" 2
has_text "$ERR" "names file:line" "allowlist-no-reason.yaml:3: exception for Deployment/nginx"

begin "--allow"
run check --allow 'NET_BIND_SERVICE,setuid,CAP_SETGID' "$F/k8s/nginx-deployment.yaml"
expect_rc "allowed by list" 0
run check --allow '' "$F/k8s/restricted-pod.yaml"
expect_rc "--allow '' allows nothing" 1
has_text "$OUT" "NET_BIND_SERVICE reported" "Pod/api container api: capability NET_BIND_SERVICE is not in the allowlist"
run check --allow NONE "$F/k8s/restricted-pod.yaml"
expect_rc "--allow NONE allows nothing too" 1
run check --allow none,CHOWN "$F/k8s/restricted-pod.yaml"
expect_rc "NONE among names is a typo" 2
run check --allow NET_BIND_SERVCE "$F/k8s/restricted-pod.yaml"
expect_rc "typo in --allow" 2
has_text "$ERR" "names the typo" "NET_BIND_SERVCE"

begin "Compose (merge key, defaults without cap_drop)"
run check "$F/compose/docker-compose.yml"
expect_rc "compose" 1
has "$OUT" "web: CHOWN at its cap_add item" \
	"$F/compose/docker-compose.yml:12:9: compose/web container web: capability CHOWN is not in the allowlist"
has "$OUT" "worker: a Docker default at the service line" \
	"$F/compose/docker-compose.yml:13:3: compose/worker container worker: capability NET_RAW is not in the allowlist"
has_text "$OUT" "summary" "checked 1 file, 2 containers: 14 violations in 2 containers (CHOWN, DAC_OVERRIDE, "

begin "OCI config.json (union of the five sets)"
run check "$F/oci/web/config.json"
expect_rc "oci" 1
has "$OUT" "inheritable-only NET_RAW" \
	"$F/oci/web/config.json:29:5: oci/web container web: capability NET_RAW is not in the allowlist"
has "$OUT" "summary" "checked 1 file, 1 container: 3 violations in 1 container (KILL, NET_RAW, AUDIT_WRITE)"

begin "capdiet profile"
run check --allow NET_BIND_SERVICE,CHOWN "$F/profile"
expect_rc "profile" 1
has "$OUT" "SETUID" "$F/profile/nginx.capdiet.yaml:9:5: Profile/nginx container nginx: capability SETUID is not in the allowlist"
has "$OUT" "summary" "checked 1 file, 1 container: 2 violations in 1 container (SETGID, SETUID)"

begin "JSON output"
run check --format json "$F/k8s/nginx-deployment.yaml" "$F/compose"
expect_rc "json" 1
if command -v python3 >/dev/null; then
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["violation_count"] == len(d["violations"]) == 16, d["violation_count"]
assert d["files"] == 2 and d["containers"] == 3
v = d["violations"][0]
assert (v["kind"], v["name"], v["container"], v["capability"], v["line"]) == ("Deployment", "nginx", "nginx", "SETUID", 28), v' "$OUT" 2>"$ERR"; then
		ok "parses, counts and fields match"
	else
		fail "JSON: $(cat "$ERR")"
	fi
else
	skip "python3 not installed (JSON parse is also covered by test_check)"
fi

begin "stdin"
RC=0
timeout 30 "$CAPDIET" check - <"$F/k8s/nginx-deployment.yaml" >"$OUT" 2>"$ERR" || RC=$?
expect_rc "stdin" 1
has_text "$OUT" "named <stdin>" "<stdin>:28:19: Deployment/nginx container nginx: capability SETUID"

begin "bad input"
run check "$F/bad/typo-cap.yaml"
expect_rc "typo" 2
has_text "$ERR" "typo with file:line" "typo-cap.yaml:12: unknown capability 'NET_BIND_SERVCE'"
run check "$F/bad/broken.yaml"
expect_rc "broken YAML" 2
has_text "$ERR" "libyaml mark as file:line" "broken.yaml:8: did not find expected"
run check "$F/k8s/nginx-deployment.yaml" "$F/bad/broken.yaml"
expect_rc "one broken file among good ones" 2
has_text "$OUT" "still reports the good file" "nginx-deployment.yaml:28:19:"
run check "$TMP/does-not-exist.yaml"
expect_rc "missing path" 2
has_text "$ERR" "says why" "No such file or directory"

begin "hostile input"
head -c 100000 /dev/zero | tr '\0' '[' >"$TMP/deep.yaml"
{
	echo 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'
	prev=a
	for l in b c d e f g h i; do
		echo "$l: &$l [*$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev]"
		prev=$l
	done
} >"$TMP/bomb.yaml"
printf 'kind: Pod\n\0\1\2\3' >"$TMP/binary.yaml"
truncate -s 17M "$TMP/huge.yaml"
# An empty file is no hostile input: test_check_small.sh.
for f in deep:nesting bomb:aliases binary:binary huge:'larger than'; do
	run check "$TMP/${f%%:*}.yaml"
	expect_rc "${f%%:*}" 2
	has_text "$ERR" "${f%%:*} explained" "${f#*:}"
done

begin "usage"
run check --help
expect_rc "--help" 0
has_text "$OUT" "help on stdout" "usage: capdiet check"
run check
expect_rc "no path" 2
run check --allow CHOWN --allowlist "$F/allowlist.yaml" "$F/k8s"
expect_rc "--allow with --allowlist" 2
run check --format xml "$F/k8s"
expect_rc "--format xml" 2
has_text "$ERR" "names the format" "'xml'"

begin "pre-commit hook"
if command -v git >/dev/null; then
	repo=$TMP/repo
	git init -q "$repo" && git -C "$repo" config user.email t@example.com &&
		git -C "$repo" config user.name test
	cp "$F/k8s/restricted-pod.yaml" "$repo/pod.yaml"
	git -C "$repo" add pod.yaml
	(cd "$repo" && CAPDIET=$CAPDIET "$ROOT/scripts/pre-commit-capdiet-check") >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "clean staged manifest" 0
	cp "$F/k8s/nginx-deployment.yaml" "$repo/nginx.yaml"
	git -C "$repo" add nginx.yaml
	cp "$F/k8s/restricted-pod.yaml" "$repo/nginx.yaml" # the index, not the work tree, counts
	(cd "$repo" && CAPDIET=$CAPDIET "$ROOT/scripts/pre-commit-capdiet-check") >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "staged violation blocks the commit" 1
	has_text "$OUT" "reports the staged file" "nginx.yaml:28:19: Deployment/nginx container nginx: capability SETUID"
	cp "$F/allowlist.yaml" "$repo/.capdiet-allowlist.yaml"
	(cd "$repo" && CAPDIET=$CAPDIET "$ROOT/scripts/pre-commit-capdiet-check") >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "repository allowlist applies" 0
else
	skip "git not installed"
fi

finish
