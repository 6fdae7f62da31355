# redis-server 7.0 (Debian 12) on 127.0.0.1:6390, as root, no user switch,
# under an open-file hard limit of 4096 set by prlimit(1) (which then execs
# redis-server in the same process).
#
# What strace -f shows: maxclients 10000 wants 10032 descriptors; redis calls
# setrlimit(RLIMIT_NOFILE, 10032) and, on EPERM, again 16 lower each time
# (about 370 calls, each a CAP_SYS_RESOURCE check), then logs "Server can't
# set maximum open files to 10032 ... maxclients has been reduced to 4064"
# and serves.  This machine's root lacks SYS_RESOURCE in its bounding set,
# so the check is denied in every trial, the reference with every
# capability too; on a machine that has it, the reference raises the limit
# and a diet trial falls back.  Either way the service works without it.
# Nothing else: unprivileged port, state in $WORK (no RDB/AOF saves).
# Expected set: none (SYS_RESOURCE denied, tolerated, cannot be granted here).
# Oracle (41 trials, 19.8 s here): none.
DESCRIPTION="redis-server on 127.0.0.1:6390 under a 4096 open-file hard limit: tries to raise RLIMIT_NOFILE for maxclients, warns and falls back"
PACKAGES="redis-server redis-tools util-linux"
CMD=(/usr/bin/prlimit --nofile=1024:4096 -- /usr/bin/redis-server "$WORK/redis.conf")
PROBE="timeout 3 redis-cli -h 127.0.0.1 -p 6390 ping | grep -qx PONG"
TIMEOUT=5
IN_CI=1

prepare() (
    set -e
    mkdir -p "$WORK/data"
    cat > "$WORK/redis.conf" <<CONF
bind 127.0.0.1
port 6390
protected-mode yes
daemonize no
supervised no
dir $WORK/data
logfile ""
save ""
appendonly no
maxclients 10000
CONF
)
