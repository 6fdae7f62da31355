#!/bin/bash
# capdiet trace -o FILE: the result goes to FILE, so the traced program's
# stdout is its own (trace --json | jq works with a chatty program); FILE
# is written whole when the trace ends; a FILE that cannot be written is
# refused before CMD runs.  Needs root and BPF.
. "$(dirname "$0")/lib.sh"

begin "trace -o: bad input"
"$CAPDIET" trace -o 2>"$TMP/err"; rc=$?
check "a missing FILE exits 2" [ "$rc" -eq 2 ]
"$CAPDIET" trace -o "$TMP/no/such/dir/t.json" -- touch "$TMP/ran" >/dev/null 2>"$TMP/err"; rc=$?
check "a FILE in a missing directory exits 2" [ "$rc" -eq 2 ]
check "and says where" grep -q "cannot write in $TMP/no/such/dir/" "$TMP/err"
check "before CMD ran" [ ! -e "$TMP/ran" ]

need_bpf || { finish; exit; }

begin "trace --json -o FILE"
touch "$TMP/victim"
"$CAPDIET" trace --json -o "$TMP/t.json" -- sh -c 'echo "{\"not\": \"capdiet\"}"; chown 1:1 "$1"' \
	sh "$TMP/victim" >"$TMP/stdout" 2>"$TMP/err"; rc=$?
check "exit status is CMD's (chown fails without CHOWN)" [ "$rc" -eq 1 ]
check "stdout holds only CMD's output" [ "$(cat "$TMP/stdout")" = '{"not": "capdiet"}' ]
check "FILE is one JSON document" jq -e 'type == "object"' "$TMP/t.json"
check "with the denied CHOWN" \
	jq -e '[.decisions[] | select(.capability == "CHOWN" and .verdict == "denied")] | length == 1' \
	"$TMP/t.json"
check "and CMD's exit status" jq -e '.exit_status == 1' "$TMP/t.json"
check "FILE is 0644, as every file capdiet writes" [ "$(stat -c %a "$TMP/t.json")" = 644 ]
check "no temporary file is left beside it" [ "$(ls "$TMP" | grep -c '^t\.json')" -eq 1 ]

begin "trace -o FILE (table), replacing FILE"
echo stale >"$TMP/t.txt"
"$CAPDIET" trace --caps CHOWN --output "$TMP/t.txt" -- chown 1:1 "$TMP/t.json" \
	>"$TMP/stdout" 2>"$TMP/err"; rc=$?
check "exit status 0" [ "$rc" -eq 0 ]
check "nothing on stdout" [ ! -s "$TMP/stdout" ]
check "the table replaced FILE" grep -Eq '^CHOWN +granted +granted' "$TMP/t.txt"
check "all of it" [ "$(grep -c stale "$TMP/t.txt")" -eq 0 ]

begin "trace -o: a symlink is not followed"
ln -s "$TMP/target" "$TMP/link.json"
"$CAPDIET" trace -o "$TMP/link.json" -- true >/dev/null 2>"$TMP/err"; rc=$?
check "exits 2" [ "$rc" -eq 2 ]
check "says why" grep -q "a symlink, which capdiet does not follow" "$TMP/err"
check "nothing was written through it" [ ! -e "$TMP/target" ]

finish
