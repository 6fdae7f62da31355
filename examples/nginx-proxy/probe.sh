#!/bin/sh
# Exit 0 (printing the body) when the proxy passes /healthz through to
# go-http and go-http's "ok" comes back.
#   LISTEN_ADDR  where nginx listens (default 127.0.0.1:80)
set -eu
prog='nginx-proxy/probe.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"

addr=${LISTEN_ADDR:-127.0.0.1:80}
check_addr LISTEN_ADDR "$addr"
body=$(curl -sf --max-time 2 "http://$addr/healthz") || exit 1
printf '%s\n' "$body"
[ "$body" = ok ]
