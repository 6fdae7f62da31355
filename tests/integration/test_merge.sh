#!/bin/bash
# capdiet merge on the observed profiles in tests/fixtures/observe: three
# replicas of shop/web (two on node-a, one on node-b), another workload and a
# trial-learned profile.  Exit codes, the merged sets and counts, a merge of
# merges, the refusals, and the report of the result.  Needs no root.
. "$(dirname "$0")/lib.sh"
F=$ROOT/tests/fixtures/observe
A1=$F/web-node-a-x2x4z.yaml
A2=$F/web-node-a-zz9w2.yaml
B1=$F/web-node-b-k8p2q.yaml
OUT=$TMP/out
ERR=$TMP/err

run() {
	timeout 30 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# one_line WHAT: stderr is exactly one line.
one_line() {
	if [ "$(wc -l <"$ERR")" -eq 1 ]; then ok "$1: one line"; else fail "$1: $(cat "$ERR")"; fi
}

begin "three replicas on two nodes"
run merge "$A1" "$A2" "$B1"
expect_rc "merge" 0
has "$OUT" "caps: the union of what any replica used" "caps: [CHOWN, SETGID, SETUID, NET_BIND_SERVICE]"
has "$OUT" "used" "  used: [CHOWN, SETGID, SETUID, NET_BIND_SERVICE]"
has "$OUT" "denied" "  denied: [SYS_ADMIN]"
has "$OUT" "unused: held minus what any replica used or was denied" \
	"  unused: [DAC_OVERRIDE, FOWNER, FSETID, KILL, SETPCAP, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP]"
has "$OUT" "counts added" "  counts: {CHOWN: 1, SETGID: 4, SETUID: 4, NET_BIND_SERVICE: 6, SYS_ADMIN: 2}"
has "$OUT" "checks added" "  checks: 17"
has "$OUT" "earliest start (quoted: YAML 1.1 reads a plain one as a timestamp)" '  start: "2026-11-29T12:00:00Z"'
has "$OUT" "latest end" '  end: "2026-11-29T14:00:00Z"'
has "$OUT" "node-a: two replicas, their container ids" \
	'  - {node: node-a, replicas: 2, checks: 11, seconds: 5400.00, ids: ["3f9a1c0d2b7e4f61a8c5d9e0b1f2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4", "8e7d6c5b4a392817a8c5d9e0b1f2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4"]}'
has "$OUT" "node-b: one replica" \
	'  - {node: node-b, replicas: 1, checks: 6, seconds: 5400.00, ids: [c0ffee00d2b7e4f61a8c5d9e0b1f2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4]}'
has "$OUT" "pods differ: unknown" "  pod: null"
has "$OUT" "the workload they share" "  workload: web"
has "$OUT" "named after the workload" "name: shop.web.nginx"
has "$OUT" "node-b lost decisions: incomplete" "complete: false"
cp "$OUT" "$TMP/whole.yaml"

begin "-o FILE, and a merge of merges is the cluster view"
run merge -o "$TMP/node-a.yaml" "$A1" "$A2"
expect_rc "node-a" 0
if [ ! -s "$OUT" ] && [ -s "$TMP/node-a.yaml" ]; then ok "written to the file, not stdout"; else fail "stdout: $(head -c 200 "$OUT")"; fi
has "$TMP/node-a.yaml" "one node: its name kept" "  node: node-a"
run merge "$B1" --name shop.web.nginx -o "$TMP/node-b.yaml"
expect_rc "node-b, options after a profile" 0
run merge "$TMP/node-a.yaml" "$TMP/node-b.yaml"
expect_rc "cluster" 0
if cmp -s "$OUT" "$TMP/whole.yaml"; then ok "the same profile as merging the replicas at once"; else fail "differs: $(diff "$OUT" "$TMP/whole.yaml" | head -c 600)"; fi
run merge "$TMP/node-a.yaml" "$B1"
expect_rc "a node view with another node's replica" 0
has "$OUT" "the merge's workload is kept" "  workload: web"

begin "the same bytes whatever the inputs' order"
run merge "$B1" "$A2" "$A1"
expect_rc "backward" 0
if cmp -s "$OUT" "$TMP/whole.yaml"; then ok "merge C B A is merge A B C"; else fail "differs: $(diff "$OUT" "$TMP/whole.yaml" | head -c 600)"; fi
# Replicas that say different things: another reason, another order.
sed -e 's/^  reason: bind to a port below 1024$/  reason: accept on port 80/' \
	-e 's/^  args: \["0.0.0.0:80"\]$/  args: ["[::1]:80", "0.0.0.0:80"]/' "$A2" > "$TMP/a2-odd.yaml"
run merge "$A1" "$TMP/a2-odd.yaml" "$B1"
cp "$OUT" "$TMP/odd-forward.yaml"
run merge "$B1" "$TMP/a2-odd.yaml" "$A1"
if cmp -s "$OUT" "$TMP/odd-forward.yaml"; then ok "also when the replicas disagree"; else fail "differs: $(diff "$OUT" "$TMP/odd-forward.yaml" | head -c 600)"; fi
has "$OUT" "of equal classes, the first reason in text order" "  reason: accept on port 80"
has "$OUT" "arguments sorted" '  args: ["0.0.0.0:80", "[::1]:80", "[::]:80"]'

begin "one container's profile twice is one container"
# The observer rewrites it every interval, from when it first saw it.
sed 's/^  end: .*/  end: "2026-11-29T13:30:00Z"/' "$A1" > "$TMP/a1-later.yaml"
run merge "$A1" "$TMP/a1-later.yaml"
expect_rc "two copies of one container, overlapping windows" 2
one_line "two copies"
has_text "$ERR" "names both files and the container" \
	"a1-later.yaml: the same container as $A1 (node node-a, id 3f9a1c0d2b7e) in an overlapping window"
run merge "$TMP/node-a.yaml" "$A1"
expect_rc "a node view with one of its own replicas again" 2
has_text "$ERR" "caught through the merge's ids" "the same container as $TMP/node-a.yaml"
sed -e 's/^  start: .*/  start: "2026-11-29T13:00:00Z"/' -e 's/^  end: .*/  end: "2026-11-29T14:00:00Z"/' \
	"$A1" > "$TMP/a1-next.yaml"
run merge "$A1" "$TMP/a1-next.yaml"
expect_rc "the same container in the next window (observer restarted)" 0

begin "refusals (exit 2, one line)"
run merge "$A1" "$F/trial-learned.yaml"
expect_rc "trial-learned" 2
one_line "trial-learned"
has_text "$ERR" "names the file and why" "trial-learned.yaml: not an observed profile (learned by trials)"
run merge "$A1" "$F/api-node-b-q2w4r.yaml"
expect_rc "another workload" 2
one_line "another workload"
has_text "$ERR" "says which" "another workload (namespace shop, workload api, container api)"
run merge --name shop-all "$A1" "$F/api-node-b-q2w4r.yaml"
expect_rc "--name merges them anyway" 0
has "$OUT" "named" "name: shop-all"
has "$OUT" "containers differ: unknown" "  container: null"
run merge "$A1" "$B1" "$A1"
expect_rc "the same profile twice" 2
has_text "$ERR" "says so" "the same container as"
run merge "$TMP/missing.yaml"
expect_rc "missing file" 2
run merge
expect_rc "no profile" 2
run merge --bogus "$A1"
expect_rc "unknown option" 2
run merge --name 'two words' "$A1"
expect_rc "a name that is not one word" 2

begin "bad observed profiles (FILE:LINE)"
sed 's/^  unused: \[CHOWN, /  unused: [SETGID, CHOWN, /' "$A1" >"$TMP/bad-unused.yaml"
run merge "$TMP/bad-unused.yaml"
expect_rc "unused that was used" 2
has_text "$ERR" "names file:line" "bad-unused.yaml:32: observation: unused: only what was held and never checked"
sed 's/^  start: .*/  start: 2026-11-29 12:00/' "$A1" >"$TMP/bad-time.yaml"
run merge "$TMP/bad-time.yaml"
expect_rc "a time that is not UTC ISO 8601" 2
has_text "$ERR" "names file:line" "bad-time.yaml:25: start: expected a UTC time"
sed 's/^  counts: .*/  counts: {SETGID: 4, SETGUID: 4}/' "$A1" >"$TMP/bad-counts.yaml"
run merge "$TMP/bad-counts.yaml"
expect_rc "a typo in counts" 2
has_text "$ERR" "names it" "bad-counts.yaml:33: counts: 'SETGUID' is not a capability name"

begin "output file is atomic and never a symlink"
ln -s "$TMP/target" "$TMP/link.yaml"
echo keep >"$TMP/target"
run merge -o "$TMP/link.yaml" "$A1"
expect_rc "symlink refused" 1
has "$TMP/target" "its target untouched" "keep"

begin "report and check read the merged profile"
run report "$TMP/whole.yaml"
expect_rc "report" 0
has_text "$OUT" "shown as observed" "# Observed capability use: shop.web.nginx"
has_text "$OUT" "says what observation cannot" "not what is needed: a capability used only on a rare path may be missing"
has_text "$OUT" "nodes" "| Nodes | \`node-a\` (2 replicas), \`node-b\` (1 replica) |"
run check --allow CHOWN,SETGID,SETUID,NET_BIND_SERVICE "$TMP/whole.yaml"
expect_rc "the gate takes what was used" 0
run check "$TMP/whole.yaml"
expect_rc "and fails it against the default allowlist" 1

finish
