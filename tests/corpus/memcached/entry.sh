# memcached 1.6.18 (Debian 12) on 127.0.0.1:11299 (TCP only), started as root
# with -u memcache and -k (mlockall), under RLIMIT_MEMLOCK 64 KiB set by
# prlimit(1) (which execs memcached in the same process).
#
# What strace -f shows: setrlimit(RLIMIT_NOFILE, 1024) (a lowering: no
# capability), setgroups(0), setgid(106), setuid(103); no capset, so after
# the switch it holds nothing.  Then mlockall(MCL_CURRENT|MCL_FUTURE) fails
# with ENOMEM (more than 64 KiB mapped, an IPC_LOCK check denied: the
# process is no longer root), and memcached prints "warning: -k invalid,
# mlockall() failed: Cannot allocate memory" and serves.  That failure
# happens with every capability too: not a need.
#   none: "failed to drop supplementary groups: Operation not permitted".
# Expected set: SETGID, SETUID.
# Oracle (41 trials, 40 s here): SETGID,SETUID.  Slow for its size because
# memcached notices SIGTERM only on its once-a-second clock tick, so every
# trial takes up to a second to stop.
DESCRIPTION="memcached -u memcache -k on 127.0.0.1:11299: user switch without keeping capabilities, mlockall under a low RLIMIT_MEMLOCK that warns and carries on"
PACKAGES="memcached busybox-static util-linux"
CMD=(/usr/bin/prlimit --memlock=65536:65536 -- /usr/bin/memcached -u memcache -l 127.0.0.1 -p 11299 -U 0 -m 64 -c 1024 -k)
PROBE="printf 'version\r\nquit\r\n' | busybox nc -w 2 127.0.0.1 11299 | grep -q '^VERSION'"
TIMEOUT=5
IN_CI=0
