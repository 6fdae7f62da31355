#!/bin/sh
# Prepares the go-http example (run with full privileges, idempotent):
# builds the server.  It writes no file at run time, so it needs no run
# directory.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
exec "$here/build.sh"
