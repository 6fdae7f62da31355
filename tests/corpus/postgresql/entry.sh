# PostgreSQL 15 (Debian 12) postmaster, run as user postgres (RUN_USER) on
# 127.0.0.1:5433 with its data directory, sockets and dynamic shared memory
# (mmap files in the data dir, not /dev/shm) under $WORK.
#
# What strace -f shows: no setuid, setgid, chroot or capset at all; the
# postmaster forks its checkpointer, walwriter, autovacuum and so on as the
# same user.  It is the data directory's owner and listens on an
# unprivileged port, so it needs nothing; the ambient set the launcher gives
# it goes unused.  The slowest to become ready in the corpus: initdb runs
# once in prepare (a few seconds), then every start replays a shutdown
# checkpoint and refuses connections ("the database system is starting up")
# for a moment; the probe waits for a real query, not only pg_isready.
# Expected set: none.
# Oracle (41 trials, 21.8 s here): none.
DESCRIPTION="PostgreSQL postmaster as user postgres on 127.0.0.1:5433: slow-starting non-root database, data dir in \$WORK, needs nothing"
PACKAGES="postgresql"
for PG_BIN in /usr/lib/postgresql/*/bin; do :; done
CMD=("$PG_BIN/postgres" -D "$WORK/data" -k "$WORK/sock" -p 5433 -c listen_addresses=127.0.0.1
     -c logging_collector=off -c dynamic_shared_memory_type=mmap)
PROBE="pg_isready -t 3 -q -U postgres -d postgres -h 127.0.0.1 -p 5433 && timeout 5 psql -h 127.0.0.1 -p 5433 -U postgres -d postgres -tAc 'select 42' | grep -qx 42"
RUN_USER=postgres
TIMEOUT=20
IN_CI=0

prepare() (
    set -e
    # shellcheck disable=SC1091
    . "$HERE/../lib.sh"
    corpus_open_work
    mkdir -p "$WORK/data" "$WORK/sock"
    chown postgres:postgres "$WORK/data" "$WORK/sock"
    chmod 0700 "$WORK/data"
    setpriv --reuid=postgres --regid=postgres --init-groups -- \
        "$PG_BIN/initdb" -D "$WORK/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
        >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
)

cleanup() {
    # A postmaster killed with SIGKILL leaves its System V shared memory
    # segment (line 7 of postmaster.pid: key and id); remove it when nothing
    # is attached any more.
    local id
    [ -f "$WORK/data/postmaster.pid" ] || return 0
    id=$(sed -n '7p' "$WORK/data/postmaster.pid" | awk '{print $2}')
    case $id in ''|*[!0-9]*) return 0 ;; esac
    if ipcs -m | awk -v id="$id" '$2 == id && $6 == 0 { f = 1 } END { exit !f }'; then
        ipcrm -m "$id"
    fi
    return 0
}
