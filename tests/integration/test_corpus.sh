#!/bin/bash
# The corpus's CI subset (entries with IN_CI=1): capdiet's set must equal
# the independent oracle's on each real Debian program.  `make corpus` runs
# every entry and writes docs/corpus.md.
. "$(dirname "$0")/lib.sh"

need_bpf || { finish; exit; }

begin "corpus (CI subset)"
ORACLE_BIN="$ROOT/${BUILD:-build}/tests/oracle/oracle"
# Services that switch user (www-data, postgres) must reach their entry's
# WORK under $TMP, which mktemp made 0700.
chmod 755 "$TMP"
TMPDIR="$TMP" "$ROOT/tests/corpus/run.sh" --ci --capdiet "$CAPDIET" --oracle "$ORACLE_BIN" \
	--report "$TMP/corpus.md" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
while read -r verdict name rest; do
	case $verdict in
	ok) ok "$name: $rest" ;;
	MISMATCH | ERROR) fail "$name: $verdict $rest" ;;
	esac
done <"$TMP/out"
check "run.sh exits 0 (rc $rc)" [ "$rc" -eq 0 ]
check "covers at least 5 entries" [ "$(grep -c '^ok ' "$TMP/out")" -ge 5 ]
median=$(sed -n 's/.*capdiet \([0-9.]*\) trials.*/\1/p' "$TMP/corpus.md")
oracle=$(sed -n 's/.*oracle \([0-9.]*\) trials.*/\1/p' "$TMP/corpus.md")
check "capdiet's median trials ($median) are at most a quarter of the oracle's ($oracle)" \
	awk -v c="$median" -v o="$oracle" 'BEGIN { exit !(c > 0 && o > 0 && c * 4 <= o) }'
finish
