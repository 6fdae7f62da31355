#!/bin/sh
# Runs the go-http example in the foreground (capdiet's service under test).
#   ADDR  host:port to listen on (default 127.0.0.1:8080)
# Never builds: building on a capability diet is not what is being measured,
# so prepare.sh does it beforehand.
set -eu
prog='go-http/start.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"

addr=${ADDR:-127.0.0.1:8080}
check_addr ADDR "$addr"
[ -x "$go_http_bin" ] ||
	die 1 "$go_http_bin is missing: run $here/prepare.sh first (it builds the server)"
is_newer "$go_http_bin" "$here/main.go" ||
	warn "$go_http_bin is older than main.go: run $here/prepare.sh to rebuild"
exec "$go_http_bin" -addr "$addr"
