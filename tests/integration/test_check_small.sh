#!/bin/bash
# capdiet check and issue 13's smaller defects, through the binary: options
# after a PATH, -- before one that looks like an option, an empty placeholder
# file, the node limit per document and --max-nodes, JSON's surrogate pairs,
# capability names from capdiet's own table.  Needs no root.
. "$(dirname "$0")/lib.sh"
F=$ROOT/tests/fixtures/check
OUT=$TMP/out
ERR=$TMP/err

# run ARGS...: runs capdiet with a time limit; sets RC, output in $OUT/$ERR.
run() {
	timeout 60 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

begin "an option after a PATH"
run check "$F/k8s/nginx-deployment.yaml" --format json
expect_rc "check FILE --format json" 1
check "the output is JSON" jq -e '.violations | length == 2' "$OUT"
run check "$F/k8s/restricted-pod.yaml" --allow NONE "$F/compose" --format json
expect_rc "options between PATHs" 1
check "both PATHs were read, with --allow NONE" jq -e '.files >= 2 and .violation_count > 0' "$OUT"
run check "$F/k8s/restricted-pod.yaml" --format yaml
expect_rc "a bad option after a PATH is still refused" 2
has_text "$ERR" "and named" "--format takes"

begin "-- before a PATH that looks like an option"
mkdir -p "$TMP/dash"
cp "$F/k8s/nginx-deployment.yaml" "$TMP/dash/--x.yaml"
(cd "$TMP/dash" && timeout 30 "$CAPDIET" check -- --x.yaml >"$OUT" 2>"$ERR"); RC=$?
expect_rc "check -- --x.yaml" 1
has_text "$OUT" "the file was checked" "--x.yaml:28:19: Deployment/nginx container nginx: capability SETUID"
(cd "$TMP/dash" && timeout 30 "$CAPDIET" check --x.yaml >"$OUT" 2>"$ERR"); RC=$?
expect_rc "without --, --x.yaml is an unknown option" 2

begin "an empty placeholder file"
mkdir -p "$TMP/repo/k8s"
: >"$TMP/repo/k8s/placeholder.yaml"
printf '# nothing yet\n\n' >"$TMP/repo/k8s/comments.yml"
cp "$F/k8s/restricted-pod.yaml" "$TMP/repo/k8s/"
run check "$TMP/repo"
expect_rc "a repository with an empty YAML passes" 0
has "$OUT" "counted as files, with no containers" "checked 3 files, 2 containers: 0 violations"
run check "$TMP/repo/k8s/placeholder.yaml"
expect_rc "the empty file alone" 0
: | timeout 30 "$CAPDIET" check - >"$OUT" 2>"$ERR"; RC=$?
expect_rc "nothing on stdin (the command before the pipe failed)" 2
has_text "$ERR" "says so" "<stdin>: no input (0 bytes)"
printf 'kind: Pod\n\0' >"$TMP/binary.yaml"
run check "$TMP/binary.yaml"
expect_rc "a binary file is still refused" 2

begin "the node limit is per document"
# 4000 Deployments of about 330 nodes each: 1.3 million nodes in one file,
# as a long `helm template` holds; each document is far under the limit.
env=$(for i in $(seq 60); do printf '{name: E%d, value: v}, ' "$i"; done)
for i in $(seq 4000); do
	printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web%d}\n' "$i"
	printf 'spec:\n  template:\n    spec:\n      containers:\n      - name: c\n'
	printf '        securityContext: {capabilities: {drop: [ALL]}}\n'
	printf '        env: [%s]\n' "${env%, }"
done >"$TMP/many.yaml"
run check "$TMP/many.yaml"
expect_rc "a long multi-document file" 0
has "$OUT" "every document read" "checked 1 file, 4000 containers: 0 violations"
run check --max-nodes 100 "$TMP/many.yaml"
expect_rc "--max-nodes 100" 2
has_text "$ERR" "the limit, per document, and the flag" \
	"many.yaml:11: more than 100 nodes in one document; if it is genuine, raise the limit with --max-nodes N"
run check "$TMP/many.yaml" --max-nodes 400
expect_rc "--max-nodes 400, after the PATH" 0
run check --max-nodes 0 "$TMP/many.yaml"
expect_rc "--max-nodes 0" 2
has_text "$ERR" "the range" "--max-nodes needs a whole number from 1 to 100000000, not '0'"
# A billion laughs split over documents that each fit: still refused.
{
	for d in 1 2 3; do
		echo '---'
		echo 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'
		prev=a
		for l in b c d e f; do
			echo "$l: &$l [*$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev, *$prev]"
			prev=$l
		done
	done
} >"$TMP/laughs.yaml"
run check "$TMP/laughs.yaml"
expect_rc "aliases over several documents" 2
has_text "$ERR" "counted for the whole file" "aliases expand to more than 1000000 nodes in this input"

begin "JSON surrogate pairs"
cat >"$TMP/emoji.json" <<'EOF'
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web\ud83d\ude00"},
 "spec": {"containers": [{"name": "c", "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}}}]}}
EOF
run check --format json "$TMP/emoji.json"
expect_rc "a pair is read" 1
check "as U+1F600" jq -e '.violations[0].name == "web\ud83d\ude00"' "$OUT"
printf '{"kind": "Pod", "metadata": {"name": "\\ud83d"}}\n' >"$TMP/half.json"
run check "$TMP/half.json"
expect_rc "half a pair" 2
has_text "$ERR" "is named" "half.json:1: U+D83D is half a UTF-16 surrogate pair"

begin "capability names from capdiet's table"
printf 'services:\n  a:\n    cap_drop: [ALL]\n    cap_add: [CHECKPOINT_RESTORE, BPF, PERFMON]\n' \
	>"$TMP/compose.yaml"
run check --format json "$TMP/compose.yaml"
expect_rc "the newest names, on any kernel" 1
check "judged by name" jq -e '[.violations[].capability] | sort == ["BPF", "CHECKPOINT_RESTORE", "PERFMON"]' "$OUT"
printf 'services:\n  a:\n    cap_add: [cap_41]\n' >"$TMP/numbered.yaml"
run check "$TMP/numbered.yaml"
expect_rc "a number is no name" 2

finish
