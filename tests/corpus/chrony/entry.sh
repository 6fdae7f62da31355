# chronyd 4.3 (Debian 12) with -x (no control of the system clock, so it
# keeps no SYS_TIME) and -u _chrony: drops root with libcap, keeping
# NET_BIND_SERVICE for the NTP port.
#
# What strace -f shows:
#   as root: write the pid file into the root-owned $WORK/pid, open the NTP
#   socket on 127.0.0.1:923 (NET_BIND_SERVICE), prctl(PR_SET_KEEPCAPS, 1),
#   setgroups(0), setgid(105), setuid(102),
#   capset(effective=permitted=NET_BIND_SERVICE).
#   - Without NET_BIND_SERVICE the bind only warns ("Could not open NTP
#     socket on 127.0.0.1:923") and chronyd goes on, but its capset then
#     fails with EPERM and no capability check ("cap_set_proc() failed",
#     fatal).
#   - The command socket is a Unix socket in $WORK/run (owned by _chrony;
#     chronyc -h PATH talks to it), so no UDP command port.
#   - On SIGTERM (as _chrony): "Could not remove $WORK/pid/chronyd.pid:
#     Permission denied": shutdown-time denial, with every capability too.
# Expected set: NET_BIND_SERVICE, SETGID, SETUID.
# Oracle (41 trials, 16.4 s here): SETGID,SETUID,NET_BIND_SERVICE.
# shellcheck disable=SC1091 # lib.sh is beside the entries
. "$HERE/../lib.sh"
W=$(corpus_q "$WORK")   # $WORK quoted, for PROBE and BEFORE_EACH
DESCRIPTION="chronyd -x -u _chrony serving NTP on 127.0.0.1:923: drops root with libcap keeping NET_BIND_SERVICE; pid file left at stop"
PACKAGES="chrony"
CMD=(/usr/sbin/chronyd -x -d -u _chrony -f "$WORK/chrony.conf")
PROBE="timeout 3 chronyc -h $W/run/chronyd.sock -n tracking | grep -q '^Reference ID'"
BEFORE_EACH="rm -f $W/pid/chronyd.pid $W/run/chronyd.sock"
TIMEOUT=5
IN_CI=0

prepare() (
    set -e
    corpus_open_work
    mkdir -p "$WORK/run" "$WORK/lib" "$WORK/pid"
    chown _chrony:_chrony "$WORK/run" "$WORK/lib"
    chmod 0750 "$WORK/run"
    cat > "$WORK/chrony.conf" <<CONF
pidfile $WORK/pid/chronyd.pid
driftfile $WORK/lib/chrony.drift
bindaddress 127.0.0.1
port 923
allow 127.0.0.1
local stratum 10
cmdport 0
bindcmdaddress $WORK/run/chronyd.sock
CONF
)
