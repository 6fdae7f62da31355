#!/bin/sh
# tests/corpus/stop-services.sh — stops (and, under systemd, disables) the
# Debian services that installing the corpus's packages (packages.txt) may
# start, so that they hold no port and no state the corpus uses.
#
# usage: tests/corpus/stop-services.sh [SERVICE...]   (default: all of them)
#
# Safe to run twice, and when a package or service is absent (exit 0).
# Without a running systemd it stops each service's daemon through the pid
# file the package uses, and only when that pid is a process of the
# package's executable: it never kills by name, so a corpus trial or a test
# that runs the same program with its own pid file is left alone.
set -u

ALL="ssh lighttpd nginx vsftpd chrony postgresql redis-server memcached"

# pidfiles SERVICE: "PIDFILE EXECUTABLE" lines, Debian's defaults.
pidfiles() {
	case $1 in
	ssh) echo "/run/sshd.pid /usr/sbin/sshd" ;;
	lighttpd) echo "/run/lighttpd.pid /usr/sbin/lighttpd" ;;
	nginx) echo "/run/nginx.pid /usr/sbin/nginx" ;;
	vsftpd) echo "/run/vsftpd/vsftpd.pid /usr/sbin/vsftpd" ;;
	chrony) echo "/run/chrony/chronyd.pid /usr/sbin/chronyd" ;;
	postgresql)
		for f in /run/postgresql/*.pid; do
			[ -f "$f" ] || continue
			for b in /usr/lib/postgresql/*/bin/postgres; do
				[ -x "$b" ] && echo "$f $b"
			done
		done ;;
	redis-server) echo "/run/redis/redis-server.pid /usr/bin/redis-server" ;;
	memcached) echo "/run/memcached/memcached.pid /usr/bin/memcached" ;;
	esac
}

# units SERVICE: the systemd units to disable and stop.
units() {
	case $1 in
	ssh) echo "ssh.socket ssh.service" ;;
	postgresql) echo "postgresql.service" ;;	# its instances are PartOf it
	*) echo "$1.service" ;;
	esac
}

# stop_pid PIDFILE EXE: stops the process named in PIDFILE if it runs EXE.
stop_pid() {
	pidfile=$1 exe=$(readlink -f "$2" 2>/dev/null || echo "$2")
	[ -f "$pidfile" ] || return 0
	pid=$(head -n1 "$pidfile" 2>/dev/null | tr -dc 0-9)
	[ -n "$pid" ] || return 0
	[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] || return 0
	sig=TERM
	case $exe in */postgres) sig=INT ;; esac	# PostgreSQL's fast shutdown
	kill -s "$sig" "$pid" 2>/dev/null || return 0
	i=0
	while [ -d "/proc/$pid" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -d "/proc/$pid" ]; then
		echo "stop-services.sh: $exe (pid $pid) did not stop; killing it" >&2
		kill -s KILL "$pid" 2>/dev/null
	fi
	echo "stop-services.sh: stopped $exe (pid $pid, $pidfile)"
	return 0
}

[ "$(id -u)" = 0 ] || { echo "stop-services.sh: must run as root" >&2; exit 2; }
# shellcheck disable=SC2086 # a word list on purpose
[ $# -gt 0 ] || set -- $ALL

for svc in "$@"; do
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		for u in $(units "$svc"); do
			if systemctl list-unit-files "$u" 2>/dev/null | grep -q "^$u"; then
				systemctl disable --now "$u" >/dev/null 2>&1 || true
			fi
		done
	fi
	pidfiles "$svc" | while read -r f e; do
		stop_pid "$f" "$e"
	done
done
exit 0
