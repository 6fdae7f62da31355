#!/bin/sh
# Exit 0 (printing the body) when node-app answers /healthz with "ok".
#   PORT  port on 127.0.0.1 (default 3000)
set -eu
prog='node-app/probe.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"

port=${PORT:-3000}
check_port PORT "$port"
body=$(curl -sf --max-time 2 "http://127.0.0.1:$port/healthz") || exit 1
printf '%s\n' "$body"
[ "$body" = ok ]
