#!/bin/sh
# Prepares the nginx-proxy example (run with full privileges, idempotent):
# builds the go-http backend and creates RUN_DIR (default
# /tmp/capdiet-nginx-proxy) so that nginx's root master, on a capability
# diet, needs neither CAP_CHOWN nor CAP_DAC_OVERRIDE to start:
#   RUN_DIR, logs/, tmp/   root:root 0755 (the master writes as their owner)
#   tmp/<temp path>        www-data 0700  (what nginx would chown them to)
set -eu
prog='nginx-proxy/prepare.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"
# shellcheck source=SCRIPTDIR/layout.sh
. "$here/layout.sh"

[ "$(id -u)" -eq 0 ] || die 1 "must run as root (it creates directories owned by $worker_user)"
[ -x "$nginx" ] || die 1 "$nginx not found: install nginx-light (scripts/setup.sh) or set NGINX"
id -u "$worker_user" >/dev/null 2>&1 ||
	die 1 "user $worker_user does not exist: install nginx-light, which creates it"
"$here/../go-http/prepare.sh"

mkdir -p "$run_dir/logs" "$run_dir/tmp"
chown root:root "$run_dir" "$run_dir/logs" "$run_dir/tmp"
chmod 0755 "$run_dir" "$run_dir/logs" "$run_dir/tmp"
for d in $temp_dirs; do
	mkdir -p "$run_dir/tmp/$d"
	chown "$worker_user:" "$run_dir/tmp/$d"
	chmod 0700 "$run_dir/tmp/$d"
done
# Workers (www-data) must reach their temp paths through every parent.
setpriv --reuid="$worker_user" --regid="$worker_user" --clear-groups \
	test -w "$run_dir/tmp/proxy" ||
	die 1 "$worker_user cannot reach $run_dir/tmp: make its parent directories searchable (chmod o+x) or choose another RUN_DIR"
render_conf
"$nginx" -q -t -p "$run_dir" -c "$conf" -e "$error_log" ||
	die 1 "nginx rejects $conf (see its message above)"
# nginx -t leaves an empty pid file, which would look like a stale nginx.
[ -s "$run_dir/nginx.pid" ] || rm -f "$run_dir/nginx.pid"
