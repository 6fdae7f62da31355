# Sourced by the nginx-proxy scripts: where things live and the checks
# prepare.sh and start.sh share.  The caller sets $here and $prog and has
# sourced ../common.sh.

# shellcheck shell=sh disable=SC2034 # the variables are for the callers
: "${here:?set by the calling script}"

run_dir=${RUN_DIR:-/tmp/capdiet-nginx-proxy}
listen_addr=${LISTEN_ADDR:-127.0.0.1:80}
backend_addr=${BACKEND_ADDR:-127.0.0.1:8080}
nginx=${NGINX:-/usr/sbin/nginx}
worker_user=www-data
temp_dirs="client_body proxy fastcgi uwsgi scgi"

check_run_dir "$run_dir"
check_addr LISTEN_ADDR "$listen_addr"
check_addr BACKEND_ADDR "$backend_addr"
conf=$run_dir/nginx.conf
error_log=$run_dir/logs/error.log

# render_conf: RUN_DIR/nginx.conf from the template, via a temp file and
# rename so nginx never reads half a file.  The values were checked above
# and hold no character sed or nginx would interpret.
render_conf() {
	sed -e "s|@RUN_DIR@|$run_dir|g" \
		-e "s|@LISTEN_ADDR@|$listen_addr|g" \
		-e "s|@BACKEND_ADDR@|$backend_addr|g" \
		"$here/nginx.conf" >"$conf.tmp.$$" &&
		mv -f "$conf.tmp.$$" "$conf"
}

# check_layout: what prepare.sh made is still there.  Without it nginx
# would mkdir and chown the temp paths itself and the diet would find
# CAP_CHOWN, a need of the setup rather than of the service.
check_layout() {
	[ -d "$run_dir/logs" ] ||
		die 1 "$run_dir/logs is missing: run $here/prepare.sh first (with full privileges)"
	for d in $temp_dirs; do
		[ "$(stat -c %U "$run_dir/tmp/$d" 2>/dev/null)" = "$worker_user" ] ||
			die 1 "$run_dir/tmp/$d is missing or not owned by $worker_user: run $here/prepare.sh first (with full privileges)"
	done
}
