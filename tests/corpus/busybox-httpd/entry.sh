# busybox httpd (Debian 12, busybox 1.35) on 127.0.0.1:8099 serving $WORK/www,
# as root, in the foreground.
#
# What strace -f shows: no setuid, setgid, chroot, capset or prlimit; an
# unprivileged port and files root owns.  A root service that needs no
# capability: the diet's best case, and a check that the tool does not
# invent one (every exec still makes a noaudit SYS_ADMIN check from the
# memory-overcommit reserve, which must not count).
# The probe bounds busybox wget with timeout(1): busybox 1.35's own
# "wget -T SECS" crashes with SIGSEGV here.
# Expected set: none.
# Oracle (41 trials, 13.8 s here): none.
DESCRIPTION="busybox httpd on 127.0.0.1:8099 serving \$WORK/www as root: a service that needs no capability"
PACKAGES="busybox-static"
CMD=(/bin/busybox httpd -f -vv -p 127.0.0.1:8099 -h "$WORK/www")
PROBE="timeout 3 busybox wget -q -O - http://127.0.0.1:8099/index.html | grep -qx hello"
TIMEOUT=5
IN_CI=0

prepare() (
    set -e
    mkdir -p "$WORK/www"
    echo hello > "$WORK/www/index.html"
)
