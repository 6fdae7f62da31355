#!/bin/sh
# Runs the nginx-proxy example in the foreground (capdiet's service under
# test): nginx on LISTEN_ADDR (default 127.0.0.1:80) proxying to go-http on
# BACKEND_ADDR (default 127.0.0.1:8080).  A backend already answering there
# is used as is; otherwise one is started here, in this process tree, and
# it exits with nginx.  RUN_DIR must have been made by prepare.sh.
set -eu
prog='nginx-proxy/start.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"
# shellcheck source=SCRIPTDIR/layout.sh
. "$here/layout.sh"

backend_healthy() {
	[ "$(curl -sf --max-time 1 "http://$backend_addr/healthz" 2>/dev/null)" = ok ]
}

# start_backend: go-http in the background, watching our pid (which
# becomes nginx's master on exec) so it never outlives the proxy.
start_backend() {
	[ -x "$go_http_bin" ] ||
		die 1 "$go_http_bin is missing: run $here/prepare.sh first (it builds the backend)"
	"$go_http_bin" -addr "$backend_addr" -parent $$ </dev/null &
	backend=$!
	tries=0
	until backend_healthy; do
		kill -0 "$backend" 2>/dev/null ||
			die 1 "the go-http backend exited (its message is above); is $backend_addr taken by another server?"
		tries=$((tries + 1))
		if [ "$tries" -ge 50 ]; then
			kill "$backend" 2>/dev/null || true
			die 1 "the go-http backend did not answer on $backend_addr within 5 s"
		fi
		sleep 0.1
	done
}

[ -x "$nginx" ] || die 1 "$nginx not found: install nginx-light (scripts/setup.sh) or set NGINX"
check_layout
render_conf
backend_healthy || start_backend
exec "$nginx" -p "$run_dir" -c "$conf" -e "$error_log"
