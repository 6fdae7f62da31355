#!/bin/bash
# make check-layers: the real tree passes, and a scratch copy fails on an
# upward include, a sibling include and a circle of headers.
. "$(dirname "$0")/lib.sh"

LAYERS="core observe profile learn+policy cli"
layers() { CHECK_LAYERS_ROOT=$1 "$ROOT/scripts/check-layers.sh" $LAYERS; }

scratch() {
	rm -rf "$TMP/tree"
	mkdir -p "$TMP/tree"
	cp -r "$ROOT/src" "$ROOT/include" "$ROOT/bpf" "$TMP/tree/"
	mkdir -p "$TMP/tree/tests"
}

begin "check-layers"
layers "$ROOT" >"$TMP/out" 2>&1
check "the tree passes" [ $? -eq 0 ]
check "and says so" grep -q '^check-layers: ok' "$TMP/out"

scratch
printf '#include "capdiet/cli/cli.h"\n' >> "$TMP/tree/src/core/caps.c"
layers "$TMP/tree" >"$TMP/out" 2>&1
check "an upward include fails" [ $? -eq 1 ]
check "naming the file and the layer" grep -q 'src/core/caps.c (core) includes capdiet/cli/cli.h: cli is a higher layer' "$TMP/out"

scratch
printf '#include "capdiet/policy/check.h"\n' >> "$TMP/tree/src/learn/learn.c"
layers "$TMP/tree" >"$TMP/out" 2>&1
check "a sibling include fails" [ $? -eq 1 ]
check "and says why" grep -q 'policy is a sibling layer' "$TMP/out"

scratch
printf '#include "capdiet/core/caps.h"\n' >> "$TMP/tree/include/capdiet/core/log.h"
printf '#include "capdiet/core/log.h"\n' >> "$TMP/tree/include/capdiet/core/caps.h"
layers "$TMP/tree" >"$TMP/out" 2>&1
check "a circle of headers fails" [ $? -eq 1 ]
check "and is named" grep -q 'circular includes' "$TMP/out"

scratch
printf '#include "capdiet/caps.h"\n' >> "$TMP/tree/src/core/log.c"
layers "$TMP/tree" >"$TMP/out" 2>&1
check "a header outside the layer folders fails" [ $? -eq 1 ]
finish
