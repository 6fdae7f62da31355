# Sourced by the example scripts (POSIX sh).  The caller sets $here to its
# own directory and $prog to its name before sourcing.
#
# The start scripts run under capdiet with every capability dropped, so
# nothing here may need one: no chown, no writes outside directories root
# owns, no reliance on a login environment (capdiet may clear it).

# shellcheck shell=sh disable=SC2034 # the variables are for the callers
: "${here:?set by the calling script}" "${prog:?set by the calling script}"

PATH=${PATH:-/usr/sbin:/usr/bin:/sbin:/bin}
examples_dir=$(CDPATH='' cd -- "$here/.." && pwd)
repo_root=$(dirname -- "$examples_dir")
# Fixed on purpose: prepare.sh (full privileges) and start.sh (on a diet)
# must agree on it without sharing an environment.
go_http_bin=${GO_HTTP_BIN:-$repo_root/build/examples/go-http/go-http}

# is_newer A B: file A was modified after file B (test -nt is not POSIX).
is_newer() { [ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]; }

# die STATUS MESSAGE: one line to stderr, then exit (1 failure, 2 bad input).
die() {
	status=$1
	shift
	printf '%s: %s\n' "$prog" "$*" >&2
	exit "$status"
}

warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }

# need_cmd NAME HINT: fail early, naming the missing tool and its fix.
need_cmd() {
	command -v "$1" >/dev/null 2>&1 || die 1 "'$1' not found: $2"
}

# check_addr VARNAME VALUE: HOST:PORT with characters safe to paste into a
# config file or URL, so no quoting or escaping is ever needed.
check_addr() {
	case $2 in
	*[!A-Za-z0-9.:-]* | '' | *: | :*)
		die 2 "$1='$2' is not HOST:PORT (e.g. 127.0.0.1:8080)" ;;
	*:*) ;;
	*) die 2 "$1='$2' has no port: use HOST:PORT (e.g. 127.0.0.1:8080)" ;;
	esac
}

# check_port VARNAME VALUE: a decimal TCP port 1-65535.
check_port() {
	case $2 in
	'' | *[!0-9]* | 0* | ??????*)
		die 2 "$1='$2' is not a port number (1-65535)" ;;
	esac
	[ "$2" -le 65535 ] || die 2 "$1='$2' is not a port number (1-65535)"
}

# check_run_dir VALUE: absolute, and only characters nginx and sed take
# literally.
check_run_dir() {
	case $1 in
	/*) ;;
	*) die 2 "RUN_DIR='$1' must be an absolute path" ;;
	esac
	case $1 in
	*[!A-Za-z0-9._/-]*)
		die 2 "RUN_DIR='$1' may hold only letters, digits and . _ / -" ;;
	esac
}
