# nginx 1.22 (Debian 12, nginx-light) on 127.0.0.1:86 with "user www-data",
# all paths (pid, logs, temp dirs) under $WORK; -e keeps it away from the
# package's /var/log/nginx/error.log (www-data-owned, 0640), and -p from
# /var/lib/nginx.
#
# What strace -f shows:
#   master, as root: bind 127.0.0.1:86 (NET_BIND_SERVICE), mkdir its five
#   temp dirs under $WORK/cache and chown them to www-data (CHOWN: nginx
#   does it only when the owner differs, so a second trial on the same dirs
#   would not need it; BEFORE_EACH recreates them: state between trials);
#   workers: setgid(33), setgroups([33]), setuid(33).
#   - Without CHOWN: '[emerg] chown(".../cache/body", 33) failed', exit 1.
#   - Without SETGID or SETUID: each worker logs "setgid(33) failed" and
#     exits "with fatal code 2 and cannot be respawned"; the master keeps
#     the listening socket, so connections are accepted and never answered
#     (the probe needs its --max-time).
# Expected set: CHOWN, NET_BIND_SERVICE, SETGID, SETUID.
# Oracle (41 trials, 23.9 s here): CHOWN,SETGID,SETUID,NET_BIND_SERVICE.
# shellcheck disable=SC1091 # lib.sh is beside the entries
. "$HERE/../lib.sh"
W=$(corpus_q "$WORK")   # $WORK quoted, for PROBE and BEFORE_EACH
DESCRIPTION="nginx (nginx-light) on 127.0.0.1:86 with user www-data: root master on a privileged port chowns its temp dirs, workers switch user"
PACKAGES="nginx-light curl"
CMD=(/usr/sbin/nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/log/error.log" -g 'daemon off;')
PROBE="curl -sf --max-time 2 http://127.0.0.1:86/index.html | grep -qx hello"
BEFORE_EACH="rm -rf $W/cache $W/run/nginx.pid; mkdir -m 0755 $W/cache"
TIMEOUT=5
IN_CI=0

prepare() (
    set -e
    corpus_open_work
    mkdir -p "$WORK/www" "$WORK/log" "$WORK/run" "$WORK/cache"
    echo hello > "$WORK/www/index.html"
    cat > "$WORK/nginx.conf" <<CONF
user www-data;
worker_processes 2;
pid $WORK/run/nginx.pid;
error_log $WORK/log/error.log;
events { worker_connections 64; }
http {
    access_log $WORK/log/access.log;
    client_body_temp_path $WORK/cache/body;
    proxy_temp_path $WORK/cache/proxy;
    fastcgi_temp_path $WORK/cache/fastcgi;
    uwsgi_temp_path $WORK/cache/uwsgi;
    scgi_temp_path $WORK/cache/scgi;
    server {
        listen 127.0.0.1:86;
        root $WORK/www;
    }
}
CONF
)
