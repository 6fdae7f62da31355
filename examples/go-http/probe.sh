#!/bin/sh
# Exit 0 (printing the body) when go-http answers /healthz with "ok".
#   ADDR  host:port it listens on (default 127.0.0.1:8080)
set -eu
prog='go-http/probe.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"

addr=${ADDR:-127.0.0.1:8080}
check_addr ADDR "$addr"
body=$(curl -sf --max-time 2 "http://$addr/healthz") || exit 1
printf '%s\n' "$body"
[ "$body" = ok ]
