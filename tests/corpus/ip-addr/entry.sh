# ip from iproute2 (Debian 12): adds 127.0.0.77/32 to lo, checks it is there,
# deletes it.  Netlink: RTM_NEWADDR goes out with sendmsg(2), which succeeds;
# the kernel checks NET_ADMIN while it processes the message and the EPERM
# comes back in the NLMSG_ERROR ack ("RTNETLINK answers: Operation not
# permitted", exit 2).  The syscall's return value says nothing.
#
# State: a trial stopped between add and del leaves the address on lo;
# BEFORE_EACH and cleanup delete it (and succeed when it is absent).
# Expected set: NET_ADMIN.
# Oracle (41 trials, 1.3 s here): NET_ADMIN.
DESCRIPTION="ip addr add/del 127.0.0.77/32 on lo (iproute2): netlink, NET_ADMIN checked while sendmsg succeeds"
PACKAGES="iproute2"
CMD=(/bin/sh -c 'ip addr add 127.0.0.77/32 dev lo && ip -4 addr show dev lo | grep -q "inet 127\.0\.0\.77/32" && ip addr del 127.0.0.77/32 dev lo')
BEFORE_EACH="ip addr del 127.0.0.77/32 dev lo 2>/dev/null; true"
TIMEOUT=10
IN_CI=1

cleanup() {
    ip addr del 127.0.0.77/32 dev lo 2>/dev/null
    return 0
}
