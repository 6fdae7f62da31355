#!/bin/sh
# Prepares the node-app example (run with full privileges, idempotent):
# checks that node is there and app.js parses.  The app writes no file, so
# it needs no run directory.
set -eu
prog='node-app/prepare.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"

need_cmd node "install Debian's nodejs (scripts/setup.sh)"
node --check "$here/app.js" || die 1 "$here/app.js does not parse (see node's message above)"
