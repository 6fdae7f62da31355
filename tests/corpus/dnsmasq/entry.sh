# dnsmasq 2.90 (Debian 12, dnsmasq-base: the binary without the packaged
# service): keeps one capability across its user switch with
# prctl(PR_SET_KEEPCAPS) + capset(2), then drops it.
#
# What strace -f shows:
#   as root: bind 127.0.0.1:553 UDP+TCP (NET_BIND_SERVICE), unlink + write the
#   pid file and fchown it to dnsmasq (CHOWN), setgroups(0), setgid(65534),
#   capset(effective=permitted=SETUID), prctl(PR_SET_KEEPCAPS, 1),
#   setuid(999), capset(0, 0, 0).
#   - Without SETUID in the trial set, the first capset fails with EPERM and
#     no capability check at all (the new permitted set is not a subset of
#     the old): "setting capabilities failed: Operation not permitted",
#     exit 5.  Only the capset's arguments say SETUID is missing.
#   - Without CHOWN, the fchown of the pid file fails and dnsmasq only logs
#     "chown of PID file ... failed" and carries on: not a need.
#   - On SIGTERM (as uid 999): unlink(pidfile) fails with EACCES in the
#     root-owned $WORK/run, with every capability too: shutdown-time denial.
# Expected set: NET_BIND_SERVICE, SETGID, SETUID (CHOWN tolerated).
# Port 553 rather than 53, so that no local resolver is in the way.
# Oracle (41 trials, 15.2 s here): SETGID,SETUID,NET_BIND_SERVICE.
# shellcheck disable=SC1091 # lib.sh is beside the entries
. "$HERE/../lib.sh"
W=$(corpus_q "$WORK")   # $WORK quoted, for PROBE and BEFORE_EACH
DESCRIPTION="dnsmasq on 127.0.0.1:553 with --user=dnsmasq: keeps SETUID across its user switch with PR_SET_KEEPCAPS+capset, then drops it"
PACKAGES="dnsmasq-base busybox-static"
CMD=(/usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts
     --listen-address=127.0.0.1 --bind-interfaces --port=553
     --user=dnsmasq --group=nogroup --pid-file="$WORK/run/dnsmasq.pid"
     --address=/corpus.test/127.0.0.9 --log-facility=- --log-queries)
PROBE="timeout 3 busybox nslookup corpus.test 127.0.0.1:553 | grep -q 127.0.0.9"
BEFORE_EACH="rm -f $W/run/dnsmasq.pid"
TIMEOUT=5
IN_CI=1

prepare() (
    set -e
    corpus_open_work
    mkdir -p "$WORK/run"
)
