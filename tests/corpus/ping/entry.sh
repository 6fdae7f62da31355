# ping from iputils-ping (Debian 12): the binary carries the file capability
# cap_net_raw=ep (getcap /usr/bin/ping), and the kernel's ping_group_range is
# "1 0" (no unprivileged ICMP sockets), so it needs a raw socket.
#
# What strace -f shows, run as root:
#   - When the bounding set lacks NET_RAW, execve(2) itself fails with EPERM
#     (the file asks for a capability it cannot get, and has the effective
#     bit): "failed to execute /usr/bin/ping: Operation not permitted", and
#     no cap_capable call at all.  Only the file's security.capability says
#     NET_RAW.
#   - With NET_RAW: capset(permitted=NET_RAW), prctl(PR_SET_KEEPCAPS, 1),
#     setuid(0) (a CAP_SETUID check, denied on a diet, yet the call succeeds
#     for a process that is already uid 0: tolerated), capset(effective=
#     NET_RAW), socket(SOCK_DGRAM, ICMP) EACCES, socket(SOCK_RAW, ICMP) ok,
#     capset(0, 0, 0).
# Expected set: NET_RAW.
# Oracle (41 trials, 0.5 s here): NET_RAW.
DESCRIPTION="ping -c1 127.0.0.1 (iputils-ping, file capability cap_net_raw=ep): batch; execve refused when the bounding set lacks NET_RAW"
PACKAGES="iputils-ping"
CMD=(/usr/bin/ping -n -c1 -W2 127.0.0.1)
TIMEOUT=10
IN_CI=1
