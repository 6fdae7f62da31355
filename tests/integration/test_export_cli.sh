#!/bin/bash
# capdiet export / report from the command line: exit codes, messages, -o.
. "$(dirname "$0")/lib.sh"

cat > "$TMP/web.yaml" <<'YAML'
capdiet_profile: 1
name: web
command: [nginx, -g, "daemon off;"]
probe: null
user: null
caps: [SETUID, NET_BIND_SERVICE]
needed:
  - {cap: NET_BIND_SERVICE, count: 2, trial: 0, syscalls: [bind]}
YAML
printf 'capdiet_profile: 1\nname: web\ncaps: [CHOWN,\n  SETUDI]\n' > "$TMP/typo.yaml"

begin "export docker prints one line of flags"
out=$("$CAPDIET" export --format docker "$TMP/web.yaml")
check "exact flags" [ "$out" = "--cap-drop=ALL --cap-add=SETUID --cap-add=NET_BIND_SERVICE --security-opt=no-new-privileges" ]

begin "export, every format"
for f in docker podman compose k8s oci systemd label containers-conf securitycontext kyverno gatekeeper; do
	if "$CAPDIET" export --format "$f" "$TMP/web.yaml" > "$TMP/out.$f" 2> "$TMP/err.$f" &&
		[ -s "$TMP/out.$f" ] && [ ! -s "$TMP/err.$f" ]; then
		ok "$f"
	else
		fail "$f: $(cat "$TMP/err.$f")"
	fi
done

begin "export oci is JSON"
if command -v jq >/dev/null; then
	check "jq reads bounding" [ "$(jq -r '.bounding | join(",")' "$TMP/out.oci")" = "CAP_SETUID,CAP_NET_BIND_SERVICE" ]
else
	skip "needs jq (scripts/setup.sh installs it)"
fi

begin "export label and containers-conf"
check "label: one LABEL line" \
	[ "$(grep -c '^LABEL io.containers.capabilities="CAP_SETUID,CAP_NET_BIND_SERVICE"$' "$TMP/out.label")" -eq 1 ]
check "label: the rest are comments" [ "$(grep -vc '^#' "$TMP/out.label")" -eq 1 ]
check "containers-conf: a [containers] table" grep -q '^\[containers\]$' "$TMP/out.containers-conf"
check "containers-conf: full names" grep -q '^  "CAP_NET_BIND_SERVICE",$' "$TMP/out.containers-conf"

begin "export systemd refuses what would break a line"
sed 's/^user: null/user: "www\\nExecStartPre=\/bin\/sh"/' "$TMP/web.yaml" > "$TMP/bad-user.yaml"
"$CAPDIET" export --format systemd "$TMP/bad-user.yaml" > "$TMP/o" 2> "$TMP/e"; rc=$?
check "exit 2" [ "$rc" -eq 2 ]
check "nothing on stdout" [ ! -s "$TMP/o" ]
check "one line on stderr" [ "$(wc -l < "$TMP/e")" -eq 1 ]
"$CAPDIET" export --format systemd -o "$TMP/drop.conf" "$TMP/bad-user.yaml" 2> "$TMP/e"; rc=$?
check "with -o: exit 2, no file" [ "$rc" -eq 2 -a ! -e "$TMP/drop.conf" ]

begin "export unknown format"
"$CAPDIET" export --format helm "$TMP/web.yaml" > "$TMP/o" 2> "$TMP/e"; rc=$?
check "exit 2" [ "$rc" -eq 2 ]
check "lists the formats" grep -q "docker, podman, compose, k8s, oci, systemd" "$TMP/e"
check "nothing on stdout" [ ! -s "$TMP/o" ]

begin "bad profile names file and line"
for cmd in "export --format docker" report; do
	# shellcheck disable=SC2086
	"$CAPDIET" $cmd "$TMP/typo.yaml" > "$TMP/o" 2> "$TMP/e"; rc=$?
	check "$cmd: exit 2" [ "$rc" -eq 2 ]
	check "$cmd: file:line" grep -q "typo.yaml:4: caps: 'SETUDI' is not a capability name" "$TMP/e"
	check "$cmd: one line" [ "$(wc -l < "$TMP/e")" -eq 1 ]
done
"$CAPDIET" report "$TMP/missing.yaml" 2> "$TMP/e"; rc=$?
check "missing profile: exit 2" [ "$rc" -eq 2 ]

begin "usage errors"
"$CAPDIET" export "$TMP/web.yaml" 2>/dev/null; check "no --format: exit 2" [ $? -eq 2 ]
"$CAPDIET" report 2>/dev/null; check "no PROFILE: exit 2" [ $? -eq 2 ]
"$CAPDIET" report "$TMP/web.yaml" "$TMP/web.yaml" 2>/dev/null; check "two PROFILEs: exit 2" [ $? -eq 2 ]
"$CAPDIET" report --bogus 2>/dev/null; check "unknown option: exit 2" [ $? -eq 2 ]
out=$("$CAPDIET" export --help); rc=$?
check "--help: exit 0, usage on stdout" [ "$rc" -eq 0 -a -n "$out" ]

begin "report: names from the cluster never reach the terminal as escapes"
# YAML's own escapes put ESC, BEL, CR and a C1 CSI into the observation's names.
sed -e 's|^  pod: .*|  pod: "web\\e[2J\\e]0;pwned\\a"|' -e 's|^  node: .*|  node: "node-a\\rforged\\x9b31m"|' \
	"$ROOT/tests/fixtures/observe/web-node-a-x2x4z.yaml" > "$TMP/hostile.yaml"
"$CAPDIET" report "$TMP/hostile.yaml" > "$TMP/o" 2> "$TMP/e"; rc=$?
check "exit 0" [ "$rc" -eq 0 ]
check "no ESC, BEL or CR in the report" sh -c "! LC_ALL=C grep -q \"\$(printf '[\\033\\007\\r]')\" '$TMP/o'"
check "no C1 control (U+009B) either" sh -c "! grep -q \"\$(printf '\\302\\233')\" '$TMP/o'"
check "the pod's name, escaped" grep -qF 'web\x1b[2J\x1b]0;pwned\x07' "$TMP/o"
check "the node's name, escaped" grep -qF 'node-a forged\xc2\x9b31m' "$TMP/o"

begin "-o writes atomically, never through a symlink"
"$CAPDIET" report "$TMP/web.yaml" -o "$TMP/web.md"
check "report written" grep -q "^# Capability justification: web" "$TMP/web.md"
check "mode 0644" [ "$(stat -c %a "$TMP/web.md")" = 644 ]
echo precious > "$TMP/target"
ln -s "$TMP/target" "$TMP/link"
"$CAPDIET" export --format k8s -o "$TMP/link" "$TMP/web.yaml" 2> "$TMP/e"; rc=$?
check "symlink refused: exit 1" [ "$rc" -eq 1 ]
check "target untouched" [ "$(cat "$TMP/target")" = precious ]
check "no temp file left" [ "$(find "$TMP" -name '.link.*' | wc -l)" -eq 0 ]

finish
