# lighttpd 1.4.69 (Debian 12): a root server on a privileged port whose one
# process switches to www-data, and then cannot remove its pid file at stop.
#
# What strace -f shows (capset,prctl,setuid,setgid,setgroups,chroot,unlink):
#   as root: bind 127.0.0.1:85 (NET_BIND_SERVICE), write the pid file into the
#   root-owned $WORK/run; then setgid(33), setgroups(0), setgroups([33]),
#   setuid(33).  No capset: after setuid it is a plain uid-33 process.  The
#   error log is opened after the switch, so $WORK/log belongs to www-data.
#   On SIGTERM: ftruncate(pidfile) works (its fd was opened as root), then
#   unlink(pidfile) fails with EACCES: the directory is root's and uid 33 has
#   no capability left.  lighttpd ignores EACCES there.  This denial
#   (DAC_OVERRIDE, from may_delete) happens with every capability granted, so
#   it must not count as a need: shutdown-time denial.
# Expected set: NET_BIND_SERVICE, SETGID, SETUID.
#   none: "can't bind to socket: 127.0.0.1:85: Permission denied";
#   +NET_BIND_SERVICE: "setgid(): Operation not permitted".
# Oracle (41 trials, 13.6 s here): SETGID,SETUID,NET_BIND_SERVICE.
# shellcheck disable=SC1091 # lib.sh is beside the entries
. "$HERE/../lib.sh"
W=$(corpus_q "$WORK")   # $WORK quoted, for PROBE and BEFORE_EACH
DESCRIPTION="lighttpd on 127.0.0.1:85 as www-data: privileged port, user switch, pid file it cannot remove at stop"
PACKAGES="lighttpd curl"
CMD=(/usr/sbin/lighttpd -D -f "$WORK/lighttpd.conf")
PROBE="curl -sf --max-time 2 -o /dev/null http://127.0.0.1:85/index.html"
# The truncated pid file is left behind by every trial.
BEFORE_EACH="rm -f $W/run/lighttpd.pid"
TIMEOUT=5
IN_CI=1

prepare() (
    set -e
    corpus_open_work
    mkdir -p "$WORK/htdocs" "$WORK/run" "$WORK/log"
    chown www-data:www-data "$WORK/log"
    echo hello > "$WORK/htdocs/index.html"
    cat > "$WORK/lighttpd.conf" <<CONF
server.modules       = ()
server.document-root = "$WORK/htdocs"
server.bind          = "127.0.0.1"
server.port          = 85
server.username      = "www-data"
server.groupname     = "www-data"
server.pid-file      = "$WORK/run/lighttpd.pid"
server.errorlog      = "$WORK/log/error.log"
server.upload-dirs   = ( "$WORK/log" )
index-file.names     = ( "index.html" )
CONF
)
