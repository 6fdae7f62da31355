#!/bin/bash
# Learns the observer's own minimum capabilities with capdiet run, and writes
# them as observer.profile.yaml and its justification observer.report.md
# next to this script; the DaemonSet's add list and allowlist.yaml's
# exception must then say the same (tests/policy/test_deploy.c).
#
#   sudo deploy/kubernetes/learn-observer.sh [path/to/capdiet]
#
# The trial: a Podman container (busybox httpd, Podman's 11 default
# capabilities) runs while `capdiet observe --duration 2` watches the node;
# the observer works when its JSON line for that container says it held 11
# capabilities, used none and can drop all 11.  Container names come from
# the runtime's CLI, which is not the observer's to need: the container is
# found by its id.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
capdiet=$(realpath "${1:-$here/../../build/capdiet}")
image=localhost/capdiet-learn-observer:$$
name=capdiet-learn-observer-$$
work=$(mktemp -d)
cleanup() {
	podman rm -f "$name" >/dev/null 2>&1 || true
	podman rmi -f "$image" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/rootfs/bin"
cp "$(command -v busybox)" "$work/rootfs/bin/busybox"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
podman import -q "$work/rootfs.tar" "$image" >/dev/null
id=$(podman run -d --name "$name" --runtime runc --network=host \
	--ulimit=nofile=1024:1024 --ulimit=nproc=1024:1024 "$image" /bin/busybox sleep 600)

cat >"$work/probe.sh" <<PROBE
#!/bin/sh
out=\$(mktemp)
"$capdiet" observe --duration 2 --interval 1 >"\$out" || { rm -f "\$out"; exit 1; }
jq -e --arg id "$id" 'select(.id == \$id)
	| select((.held | length) == 11 and .used == [] and (.unused | length) == 11)' \
	"\$out" >/dev/null
rc=\$?
rm -f "\$out"
exit \$rc
PROBE
chmod 755 "$work/probe.sh"

"$capdiet" run --name capdiet-observer -o "$work/observer.profile.yaml" -- "$work/probe.sh"
"$capdiet" report -o "$work/observer.report.md" "$work/observer.profile.yaml"
mv "$work/observer.profile.yaml" "$here/observer.profile.yaml"
mv "$work/observer.report.md" "$here/observer.report.md"
echo "learned: $(sed -n 's/^caps: //p' "$here/observer.profile.yaml")" >&2
