# unshare(1) from util-linux (Debian 12): a new mount namespace
# (unshare(CLONE_NEWNS), then mount --make-rprivate /), and in it a tmpfs
# mounted on $WORK/mnt, written to and unmounted.  Both unshare(2) and
# mount(2) check SYS_ADMIN:
#   none: "unshare: unshare failed: Operation not permitted".
# State: the mount lives only in the private namespace and goes away with
# it; nothing is left on the host even when a trial is killed.
# Expected set: SYS_ADMIN.
# Oracle (41 trials, 0.5 s here): SYS_ADMIN.
DESCRIPTION="unshare -m then mount a tmpfs on \$WORK/mnt (util-linux): batch; new mount namespace and mount(2), SYS_ADMIN"
PACKAGES="util-linux mount"
CMD=(/usr/bin/unshare -m --propagation private -- /bin/sh -c 'mount -t tmpfs -o size=1m capdiet-corpus "$1" && touch "$1/x" && umount "$1"' mount-ns "$WORK/mnt")
TIMEOUT=10
IN_CI=0

prepare() {
    mkdir -p "$WORK/mnt"
}
