# coreutils install, chmod, stat and mknod (Debian 12) as a batch, as root:
#   install -o nobody -g nogroup -m 0640 FILE  → fchown of the new file (CHOWN),
#     then fchmod of a file nobody owns (FOWNER);
#   chmod 0604 on that file                   → FOWNER again;
#   mknod c 1 3                                → MKNOD.
# Each one fails with EPERM on its own capability:
#   none:            "install: cannot change ownership of ...";
#   +CHOWN:          "install: cannot change permissions of ...";
#   +CHOWN,FOWNER:   "mknod: ...: Operation not permitted".
# State: the files are reset by BEFORE_EACH (a chowned file left behind
# would change what the next trial needs).
# Expected set: CHOWN, FOWNER, MKNOD.
# Oracle (41 trials, 1.3 s here): CHOWN,FOWNER,MKNOD.
# shellcheck disable=SC1091 # lib.sh is beside the entries
. "$HERE/../lib.sh"
W=$(corpus_q "$WORK")   # $WORK quoted, for PROBE and BEFORE_EACH
DESCRIPTION="coreutils install -o nobody, chmod of a file root does not own, mknod of a device node: batch file operations (CHOWN, FOWNER, MKNOD)"
PACKAGES="coreutils"
CMD=(/bin/sh -c 'set -e
d=$1
install -d -m 0755 "$d"
install -o nobody -g nogroup -m 0640 /etc/hostname "$d/owned"
chmod 0604 "$d/owned"
mknod -m 0666 "$d/null" c 1 3
test -c "$d/null"
test "$(stat -c %U:%a "$d/owned")" = nobody:604' file-ownership "$WORK/out")
BEFORE_EACH="rm -rf $W/out"
TIMEOUT=10
IN_CI=1
