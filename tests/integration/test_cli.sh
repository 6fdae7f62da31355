#!/bin/bash
# The command table, decode and inspect: no root needed.
. "$(dirname "$0")/lib.sh"

begin "cli"
"$CAPDIET" --help >"$TMP/help"
check "--help exits 0 and lists the commands" grep -q '^  run ' "$TMP/help"
"$CAPDIET" --version | grep -q '^capdiet '
check "--version" [ $? -eq 0 ]
"$CAPDIET" runn 2>"$TMP/err"
check "an unknown command exits 2" [ $? -eq 2 ]
check "and names itself" grep -q "'runn' is not a capdiet command" "$TMP/err"
"$CAPDIET" 2>/dev/null
check "no command exits 2" [ $? -eq 2 ]
for cmd in run trace exec export report check decode inspect; do
	"$CAPDIET" $cmd --help >"$TMP/h" 2>&1
	check "$cmd --help exits 0 with usage" sh -c "[ $? -eq 0 ] && grep -qi usage '$TMP/h'"
done

begin "decode"
check "decodes Docker's default mask" sh -c "'$CAPDIET' decode 00000000a80425fb | grep -q '=CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER'"
"$CAPDIET" decode zz 2>"$TMP/err"
check "a bad mask exits 2" [ $? -eq 2 ]
check "with a one-line error" [ "$(wc -l < "$TMP/err")" -eq 1 ]

begin "inspect"
"$CAPDIET" inspect $$ >"$TMP/inspect"
check "prints the five sets of a process" [ "$(grep -cE '^(inheritable|permitted|effective|bounding|ambient) ' "$TMP/inspect")" -eq 5 ]
"$CAPDIET" inspect 999999999 2>/dev/null
check "a missing process exits 1" [ $? -eq 1 ]
"$CAPDIET" inspect abc 2>/dev/null
check "a bad pid exits 2" [ $? -eq 2 ]

finish
