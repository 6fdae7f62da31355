# OpenSSH 9.2 sshd (Debian 12, openssh-server) on 127.0.0.1:2222 with its own
# host key and config in $WORK.  The probe's key exchange makes sshd fork its
# pre-authentication privilege-separation child.
#
# What strace -f shows:
#   the listener stays root and re-executes itself for each connection
#   (sshd ... -R); the preauth child: chroot("/run/sshd") (SYS_CHROOT),
#   setgroups([65534]), setresgid(65534), setresuid(105) (SETGID, SETUID),
#   then a deliberate self-check that root cannot come back: setgid(0),
#   setresgid(-1, 0, -1), setuid(0), setresuid(-1, 0, -1) all fail with EPERM
#   (CAP_SETGID/CAP_SETUID denied in every trial, with every capability too),
#   then rlimits to 0, no_new_privs and a seccomp filter.
#   - Without SYS_CHROOT: 'chroot("/run/sshd"): Operation not permitted
#     [preauth]' and the connection is dropped; the listener keeps running,
#     so only the probe tells.  Without SETGID: "setgroups: Operation not
#     permitted [preauth]".
#   - When the connection ends the monitor kills the preauth child (uid 105):
#     without KILL "cleanup_exit: kill(PID): Operation not permitted", logged
#     and harmless: not a need.
# Expected set: SETGID, SETUID, SYS_CHROOT.
# /run/sshd is compiled in; Debian creates it from the unit file, which does
# not run here, so prepare creates it when missing and cleanup removes it.
# Oracle (41 trials, 32 s here: the 3 failing trials wait out TIMEOUT, since
# the listener itself never fails): SETGID,SETUID,SYS_CHROOT.
# shellcheck disable=SC1091 # lib.sh is beside the entries
. "$HERE/../lib.sh"
W=$(corpus_q "$WORK")   # $WORK quoted, for PROBE and BEFORE_EACH
DESCRIPTION="OpenSSH sshd on 127.0.0.1:2222: privsep child chroots to /run/sshd, switches to user sshd, then checks it cannot regain root"
PACKAGES="openssh-server openssh-client"
CMD=(/usr/sbin/sshd -D -e -f "$WORK/sshd_config")
PROBE="ssh-keyscan -T 3 -t ed25519 -p 2222 127.0.0.1 2>/dev/null | grep -q ssh-ed25519"
BEFORE_EACH="rm -f $W/sshd.pid"
TIMEOUT=5
IN_CI=1

prepare() (
    set -e
    if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd
        touch "$WORK/.made-run-sshd"
    fi
    ssh-keygen -q -t ed25519 -N '' -C capdiet-corpus -f "$WORK/ssh_host_ed25519_key"
    cat > "$WORK/sshd_config" <<CONF
Port 2222
ListenAddress 127.0.0.1
HostKey $WORK/ssh_host_ed25519_key
PidFile $WORK/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
PermitRootLogin no
LogLevel INFO
CONF
)

cleanup() {
    if [ -e "$WORK/.made-run-sshd" ]; then
        rmdir /run/sshd 2>/dev/null
    fi
    return 0
}
