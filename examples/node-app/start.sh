#!/bin/sh
# Runs the node-app example in the foreground (capdiet's service under test).
#   PORT  port on 127.0.0.1 (default 3000)
set -eu
prog='node-app/start.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"

PORT=${PORT:-3000}
check_port PORT "$PORT"
export PORT
need_cmd node "install Debian's nodejs (scripts/setup.sh), then run $here/prepare.sh"
exec node "$here/app.js"
