#!/bin/sh
# Builds the go-http example into build/examples/go-http/go-http under the
# repository root.  Standard library only and GOPROXY=off, so it works
# offline; every Go cache lives under build/, so nothing lands in $HOME.
# Does nothing when the binary is newer than its sources.
set -eu
prog='go-http/build.sh'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../common.sh
. "$here/../common.sh"

out=$go_http_bin
up_to_date() {
	[ -x "$out" ] || return 1
	for src in "$here/main.go" "$here/go.mod"; do
		is_newer "$out" "$src" || return 1
	done
}
up_to_date && exit 0

need_cmd go "install Debian's golang-go (scripts/setup.sh)"
cache=$repo_root/build/examples/go-http
mkdir -p "$(dirname -- "$out")" "$cache"
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
# -buildvcs=false: stamping VCS data runs git, which refuses a repository
# owned by another user when we build as root.
(
	cd "$here"
	CGO_ENABLED=0 GOPROXY=off GOFLAGS='' GOENV=off \
		GOCACHE="$cache/gocache" GOPATH="$cache/gopath" \
		go build -trimpath -buildvcs=false -o "$tmp" .
) || die 1 "go build failed (see the compiler's messages above)"
mv -f "$tmp" "$out"
