# vsftpd 3.0.3 (Debian 12) standalone on 127.0.0.1:2121, anonymous login,
# passive mode on 21210-21219.
#
# What strace -f shows, for one connection:
#   the listener stays root; the per-session process forks an unprivileged
#   helper that does setgroups(0), chroot(".") into secure_chroot_dir
#   ($WORK/empty), RLIMIT_NOFILE 0, setgid(65534), setuid(65534); the
#   anonymous login does setgroups([107]), chroot(".") into anon_root
#   ($WORK/ftp), setgid(107), setuid(104) (user ftp).  After each switch a
#   deliberate self-check: access("/", W_OK) must fail ("refusing to run with
#   writable root inside chroot()" otherwise); it fails with EACCES, a
#   DAC_OVERRIDE check denied in every trial, with every capability too.
# Expected set: SETGID, SETUID, SYS_CHROOT.  Without them the listener keeps
# running and each session dies: only the probe tells.
# Oracle (41 trials, 28.6 s here): SETGID,SETUID,SYS_CHROOT.
DESCRIPTION="vsftpd on 127.0.0.1:2121, anonymous login: per-session chroot and user switch, then a check that the chroot is not writable"
PACKAGES="vsftpd curl"
CMD=(/usr/sbin/vsftpd "$WORK/vsftpd.conf")
PROBE="curl -sf --max-time 3 ftp://127.0.0.1:2121/hello.txt | grep -q hello"
TIMEOUT=5
IN_CI=0

prepare() (
    set -e
    # shellcheck disable=SC1091
    . "$HERE/../lib.sh"
    corpus_open_work
    mkdir -p "$WORK/ftp" "$WORK/empty"
    chmod 0755 "$WORK/ftp" "$WORK/empty"
    echo hello > "$WORK/ftp/hello.txt"
    # vsftpd wants its config file owned by root when it runs as root.
    cat > "$WORK/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=2121
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$WORK/ftp
local_enable=NO
write_enable=NO
ftp_username=ftp
nopriv_user=nobody
secure_chroot_dir=$WORK/empty
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=21210
pasv_max_port=21219
connect_from_port_20=NO
xferlog_enable=NO
dirmessage_enable=NO
ssl_enable=NO
vsftpd_log_file=$WORK/vsftpd.log
CONF
)
