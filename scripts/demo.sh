#!/bin/sh
# The main job on the bundled example: puts the nginx reverse proxy
# (examples/nginx-proxy) on a capability diet and shows the result.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT="$BUILD/demo"
CAPDIET="$BUILD/capdiet"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (capdiet's eBPF recorder needs it): sudo make demo" >&2
	exit 2
fi
mkdir -p "$OUT"
examples/nginx-proxy/prepare.sh >/dev/null

echo "== capdiet run: a baseline with every capability, then trials from --cap-drop=ALL (progress on stderr)"
"$CAPDIET" run --name nginx-proxy \
	--probe examples/nginx-proxy/probe.sh -o "$OUT/nginx-proxy.yaml" \
	-- examples/nginx-proxy/start.sh
"$CAPDIET" report "$OUT/nginx-proxy.yaml" -o "$OUT/nginx-proxy.md"

echo
echo "minimum set:  $(sed -n 's/^caps: \[\(.*\)\]$/\1/p' "$OUT/nginx-proxy.yaml")"
echo "profile:      $OUT/nginx-proxy.yaml"
echo "report:       $OUT/nginx-proxy.md"
echo "docker flags: $("$CAPDIET" export --format docker "$OUT/nginx-proxy.yaml")"
