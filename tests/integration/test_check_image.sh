#!/bin/bash
# capdiet check on container images built here from local files (no
# registry): an OCI layout directory, a docker-archive and an OCI archive,
# each made with GNU tar (pax, security.capability xattrs), jq and
# sha256sum; a clean image, one with a labelled capability, one with a
# file-capability binary, one with a setuid-root binary, whiteouts across
# layers, and hostile inputs, each a one-line error with exit 2 and nothing
# written to disk.  With Podman (always in CI): `podman import` + LABEL,
# checked with --engine podman and as a `podman save` tarball.
. "$(dirname "$0")/lib.sh"
OUT=$TMP/out
ERR=$TMP/err
WORK=$TMP/work       # where images are built
RUNDIR=$TMP/cwd      # capdiet's working directory: must stay empty
SCRATCH=$TMP/tmpdir  # capdiet's TMPDIR: must stay empty
PODMAN_IMAGES=()
mkdir -p "$WORK" "$RUNDIR" "$SCRATCH"

cleanup_images() {
	local img
	for img in "${PODMAN_IMAGES[@]}"; do
		podman rmi -f "$img" >/dev/null 2>&1
	done
	cleanup_all
}
trap cleanup_images EXIT

# run ARGS...: capdiet in an empty directory with an empty TMPDIR; sets RC.
run() {
	(cd "$RUNDIR" && TMPDIR=$SCRATCH timeout 60 "$CAPDIET" "$@") >"$OUT" 2>"$ERR"
	RC=$?
}


# Nothing may appear in capdiet's working directory or TMPDIR.
nothing_written() {
	if [ -z "$(ls -A "$RUNDIR" "$SCRATCH" 2>/dev/null | grep -v ':$' | grep -v '^$')" ]; then
		ok "$1: nothing written to disk"
	else
		fail "$1: files appeared: $(ls -AR "$RUNDIR" "$SCRATCH" | head -c 300)"
	fi
}

# hostile WHAT INPUT TEXT: exit 2, one line on stderr naming the problem, nothing written.
hostile() {
	run check "$2"
	expect_rc "$1" 2
	if [ "$(grep -c '' "$ERR")" -eq 1 ] && grep -qF -- "$3" "$ERR"; then
		ok "$1: one line: $(cat "$ERR")"
	else
		fail "$1: want one line with '$3', got: $(head -c 600 "$ERR")"
	fi
	nothing_written "$1"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# layer ROOT OUT: ROOT as a layer: pax, file capabilities kept, owned by root.
layer() {
	tar --xattrs --xattrs-include='security.capability' --format=pax --numeric-owner \
		--owner=0 --group=0 --sort=name --mtime=@0 -C "$1" -cf "$2" .
}

# config LABEL DIFF_ID...: an image config; LABEL "" for none.
config() {
	local label=$1
	shift
	jq -cn --arg lbl "$label" '{architecture: "amd64", os: "linux",
		config: (if $lbl == "" then {User: "1000"} else {User: "1000", Labels: {"io.containers.capabilities": $lbl}} end),
		rootfs: {type: "layers", diff_ids: [$ARGS.positional[] | "sha256:" + .]}}' --args "$@"
}

# blob DIR FILE: copies FILE into DIR/blobs/sha256 and prints its digest.
blob() {
	local h
	h=$(sha "$2")
	mkdir -p "$1/blobs/sha256"
	cp "$2" "$1/blobs/sha256/$h"
	echo "$h"
}

# oci_layout DIR NAME LABEL LAYER...: an OCI layout; layers gzip'd as Podman writes them.
oci_layout() {
	local dir=$1 name=$2 label=$3 l ids=() descs=() h c m
	shift 3
	mkdir -p "$dir"
	for l in "$@"; do
		ids+=("$(sha "$l")")
		gzip -n -c "$l" > "$l.gz"
		h=$(blob "$dir" "$l.gz")
		descs+=("$(jq -cn --arg d "sha256:$h" --argjson s "$(stat -c %s "$l.gz")" \
			'{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}')")
	done
	config "$label" "${ids[@]}" > "$dir.config"
	c=$(blob "$dir" "$dir.config")
	jq -cn --arg c "sha256:$c" --argjson s "$(stat -c %s "$dir.config")" \
		--argjson layers "[$(IFS=,; echo "${descs[*]}")]" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $s},
		  layers: $layers}' > "$dir.manifest"
	m=$(blob "$dir" "$dir.manifest")
	jq -cn --arg m "sha256:$m" --arg name "$name" --argjson s "$(stat -c %s "$dir.manifest")" \
		'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		  digest: $m, size: $s, annotations: {"org.opencontainers.image.ref.name": $name}}]}' \
		> "$dir/index.json"
	echo '{"imageLayoutVersion": "1.0.0"}' > "$dir/oci-layout"
	rm -f "$dir.config" "$dir.manifest"
}

# oci_archive DIR OUT: the layout as one tar.
oci_archive() { tar --format=pax -C "$1" -cf "$2" oci-layout index.json blobs; }

# docker_archive OUT NAME LABEL LAYER...: manifest.json last, as `podman save` writes it.
docker_archive() {
	local out=$1 name=$2 label=$3 l h ids=() d
	shift 3
	d=$(mktemp -d "$WORK/da.XXXXXX")
	for l in "$@"; do
		h=$(sha "$l")
		cp "$l" "$d/$h.tar"
		ids+=("$h")
	done
	config "$label" "${ids[@]}" > "$d/config.json"
	h=$(sha "$d/config.json")
	mv "$d/config.json" "$d/$h.json"
	jq -cn --arg c "$h.json" --arg name "$name" '[{Config: $c, RepoTags: [$name],
		Layers: [$ARGS.positional[] | . + ".tar"]}]' --args "${ids[@]}" > "$d/manifest.json"
	(cd "$d" && tar --format=pax -cf "$out" ./*.tar "$h.json" manifest.json)
}

# A root file system: a copy of true(1) as bin/app, owned by root.
rootfs() {
	mkdir -p "$1/bin" "$1/etc"
	cp /bin/true "$1/bin/app"
	echo "root:x:0:0::/root:/bin/sh" > "$1/etc/passwd"
}

begin "clean image, in each format"
rootfs "$WORK/clean"
layer "$WORK/clean" "$WORK/clean.tar"
oci_layout "$WORK/clean-oci" localhost/capdiet/clean:1 "" "$WORK/clean.tar"
oci_archive "$WORK/clean-oci" "$WORK/clean-oci.tar"
docker_archive "$WORK/clean-docker.tar" localhost/capdiet/clean:1 "" "$WORK/clean.tar"
gzip -n -c "$WORK/clean-docker.tar" > "$WORK/clean-docker.tar.gz"
for input in clean-oci clean-oci.tar clean-docker.tar clean-docker.tar.gz; do
	run check "$WORK/$input"
	expect_rc "$input" 0
	has "$OUT" "$input: summary" "checked 1 image, 0 findings: 0 violations"
done
nothing_written "clean images"
# Content, not the name, tells an image: the archive renamed to .yaml is still one.
cp "$WORK/clean-docker.tar" "$WORK/clean.yaml"
run check "$WORK/clean.yaml"
expect_rc "a docker-archive called .yaml" 0
# A directory that is not a layout is still walked for manifests.
mkdir -p "$WORK/manifests" && cp "$ROOT/tests/fixtures/check/k8s/restricted-pod.yaml" "$WORK/manifests/"
run check "$WORK/manifests"
expect_rc "a manifest directory" 0
has "$OUT" "manifests and images together: manifest summary" "checked 1 file, 2 containers: 0 violations"
run check "$WORK/manifests" "$WORK/clean-oci"
has "$OUT" "manifests and images together" "checked 1 file, 2 containers, 1 image, 0 findings: 0 violations"

begin "labelled capability"
oci_layout "$WORK/label-oci" localhost/capdiet/label:1 "net_raw, CAP_CHOWN" "$WORK/clean.tar"
docker_archive "$WORK/label-docker.tar" localhost/capdiet/label:1 "NET_RAW,CHOWN" "$WORK/clean.tar"
run check "$WORK/label-oci"
expect_rc "label (layout)" 1
has "$OUT" "NET_RAW from the label" \
	"$WORK/label-oci: image localhost/capdiet/label:1 label io.containers.capabilities: capability NET_RAW is not in the allowlist"
has "$OUT" "CHOWN from the label" \
	"$WORK/label-oci: image localhost/capdiet/label:1 label io.containers.capabilities: capability CHOWN is not in the allowlist"
has_text "$OUT" "summary" "checked 1 image, 0 findings: 2 violations"
run check --allow NET_RAW,CHOWN "$WORK/label-docker.tar"
expect_rc "label allowed (docker-archive)" 0
docker_archive "$WORK/label-typo.tar" localhost/capdiet/typo:1 "NET_RAWW" "$WORK/clean.tar"
run check "$WORK/label-typo.tar"
expect_rc "unknown name in the label" 2
has_text "$ERR" "names the typo" "unknown capability 'NET_RAWW'"

begin "file-capability binary"
if need_root; then
	rootfs "$WORK/fcap"
	cp /bin/true "$WORK/fcap/bin/ping"
	if setcap cap_net_raw,cap_net_admin+ep "$WORK/fcap/bin/ping"; then
		layer "$WORK/fcap" "$WORK/fcap.tar"
		oci_layout "$WORK/fcap-oci" localhost/capdiet/fcap:1 "" "$WORK/fcap.tar"
		oci_archive "$WORK/fcap-oci" "$WORK/fcap-oci.tar"
		docker_archive "$WORK/fcap-docker.tar" localhost/capdiet/fcap:1 "" "$WORK/fcap.tar"
		gz=$(sha "$WORK/fcap.tar.gz")
		for input in fcap-oci fcap-oci.tar; do
			run check --allow NET_BIND_SERVICE,NET_ADMIN "$WORK/$input"
			expect_rc "$input" 1
			has "$OUT" "$input: file, layer and capability" \
				"$WORK/$input: image localhost/capdiet/fcap:1 layer sha256:${gz:0:12} file /bin/ping (cap_net_admin,cap_net_raw=ep): capability NET_RAW is not in the allowlist"
		done
		run check --format json "$WORK/fcap-docker.tar"
		expect_rc "fcap-docker.tar (json)" 1
		if jq -e --arg d "sha256:$(sha "$WORK/fcap.tar")" '.violation_count == 2 and
			.images[0].user == "1000" and .images[0].findings[0].path == "/bin/ping" and
			.images[0].findings[0].layer == $d and .images[0].findings[0].source == "file-capabilities" and
			.violations[0].kind == "image" and .violations[0].container == "/bin/ping"' "$OUT" >/dev/null; then
			ok "JSON names the image, the layer's diff_id and the path"
		else
			fail "JSON: $(head -c 800 "$OUT")"
		fi
		cat > "$WORK/allow-ping.yaml" <<-'EOF'
		default: [NET_BIND_SERVICE]
		exceptions:
		  - kind: image
		    name: localhost/capdiet/fcap:1
		    container: /bin/ping
		    add: [NET_RAW, NET_ADMIN]
		    reason: "ping sends raw ICMP"
		EOF
		run check --allowlist "$WORK/allow-ping.yaml" "$WORK/fcap-docker.tar"
		expect_rc "an exception for the path" 0
	else
		fail "setcap failed on $WORK/fcap/bin/ping"
	fi
fi

begin "setuid-root binary"
rootfs "$WORK/suid"
cp /bin/true "$WORK/suid/bin/su" && chmod 4755 "$WORK/suid/bin/su"
cp /bin/true "$WORK/suid/bin/wall" && chmod 2755 "$WORK/suid/bin/wall"
cp /bin/true "$WORK/suid/bin/noexec" && chmod 4644 "$WORK/suid/bin/noexec"
layer "$WORK/suid" "$WORK/suid.tar"
docker_archive "$WORK/suid-docker.tar" localhost/capdiet/suid:1 "" "$WORK/suid.tar"
run check "$WORK/suid-docker.tar"
expect_rc "setuid root" 1
has "$OUT" "setuid root counts as SETUID" \
	"$WORK/suid-docker.tar: image localhost/capdiet/suid:1 layer sha256:$(sha "$WORK/suid.tar" | cut -c1-12) file /bin/su (setuid root, mode 4755): capability SETUID is not in the allowlist"
has_text "$OUT" "setgid root counts as SETGID" "file /bin/wall (setgid root, mode 2755): capability SETGID is not in the allowlist"
if grep -q noexec "$OUT"; then fail "a setuid file nobody can execute is reported"; else ok "a setuid file without execute bits is not"; fi
has_text "$OUT" "summary" "checked 1 image, 2 findings: 2 violations"

begin "whiteouts and replacements across layers"
mkdir -p "$WORK/wh-rm/bin" "$WORK/wh-opq/bin" "$WORK/wh-new/bin"
: > "$WORK/wh-rm/bin/.wh.su"
: > "$WORK/wh-opq/bin/.wh..wh..opq"
cp /bin/true "$WORK/wh-new/bin/su" && chmod 0755 "$WORK/wh-new/bin/su"
for top in wh-rm wh-opq wh-new; do
	layer "$WORK/$top" "$WORK/$top.tar"
	docker_archive "$WORK/$top-docker.tar" "localhost/capdiet/$top:1" "" "$WORK/suid.tar" "$WORK/$top.tar"
	run check --allow SETGID,NET_BIND_SERVICE "$WORK/$top-docker.tar"
	case $top in
	wh-rm | wh-new) expect_rc "$top hides bin/su" 0 ;;
	wh-opq) expect_rc "$top hides all of bin" 0 ;;
	esac
done
# Reversed, the setuid layer comes last and wins.
docker_archive "$WORK/wh-rev.tar" localhost/capdiet/rev:1 "" "$WORK/wh-rm.tar" "$WORK/suid.tar"
run check "$WORK/wh-rev.tar"
expect_rc "a whiteout below the file hides nothing" 1

begin "hostile input"
# A corrupt archive: the first header's checksum no longer matches.
cp "$WORK/suid-docker.tar" "$WORK/corrupt.tar"
printf 'XXXXXXXX' | dd of="$WORK/corrupt.tar" bs=1 seek=148 conv=notrunc status=none
hostile "corrupt tarball" "$WORK/corrupt.tar" "not a readable tar (corrupt or truncated)"
head -c 6000 "$WORK/suid-docker.tar" > "$WORK/truncated.tar"
hostile "truncated tarball" "$WORK/truncated.tar" "corrupt or truncated"
head -c 300 "$WORK/clean-oci.tar" | gzip -n > "$WORK/truncated.tar.gz"
head -c 200 "$WORK/truncated.tar.gz" > "$WORK/truncated2.tar.gz"
hostile "truncated gzip" "$WORK/truncated2.tar.gz" "$WORK/truncated2.tar.gz: "
# A layer whose gzip stream stops halfway.
cp -r "$WORK/fcap-oci" "$WORK/cut-oci" 2>/dev/null || cp -r "$WORK/clean-oci" "$WORK/cut-oci"
for b in "$WORK"/cut-oci/blobs/sha256/*; do
	if gzip -t "$b" 2>/dev/null; then head -c 100 "$b" > "$b.cut" && mv "$b.cut" "$b"; fi
done
hostile "truncated gzip layer" "$WORK/cut-oci" "not a readable tar (corrupt or truncated)"
# Path traversal: a member named ../evil, and one with an absolute name.
mkdir -p "$WORK/trav/in"
echo evil > "$WORK/trav/evil"
(cd "$WORK/trav/in" && tar -P --format=pax -cf "$WORK/trav-dotdot.tar" ../evil)
tar -P --format=pax -cf "$WORK/trav-abs.tar" "$WORK/trav/evil"
docker_archive "$WORK/trav1.tar" localhost/capdiet/trav:1 "" "$WORK/clean.tar" "$WORK/trav-dotdot.tar"
docker_archive "$WORK/trav2.tar" localhost/capdiet/trav:2 "" "$WORK/trav-abs.tar"
hostile "layer entry with ../" "$WORK/trav1.tar" "entry '../evil' has a '..' component (path traversal)"
hostile "layer entry with an absolute path" "$WORK/trav2.tar" "is absolute"
[ ! -e "$RUNDIR/../evil" ] && [ ! -e "$TMP/evil" ] && ok "../evil was not written" || fail "../evil was written"
# A 100 kB security.capability xattr.
mkdir -p "$WORK/huge" && cp /bin/true "$WORK/huge/app"
tar --format=pax --pax-option="SCHILY.xattr.security.capability:=$(head -c 100000 /dev/zero | tr '\0' A)" \
	-C "$WORK/huge" -cf "$WORK/huge-layer.tar" app
docker_archive "$WORK/huge.tar" localhost/capdiet/huge:1 "" "$WORK/huge-layer.tar"
hostile "huge xattr" "$WORK/huge.tar" "/app: capability xattr of 100000 bytes"
# Symlink loops: a blob of the layout, and a layer member of an archive.
cp -r "$WORK/clean-oci" "$WORK/loop-oci"
for b in "$WORK"/loop-oci/blobs/sha256/*; do
	if gzip -t "$b" 2>/dev/null; then rm "$b" && ln -s "$(basename "$b")" "$b"; fi
done
hostile "symlink loop in the layout" "$WORK/loop-oci" "symlink loop"
mkdir -p "$WORK/loop-da/a" "$WORK/loop-da/b"
ln -s ../b/layer.tar "$WORK/loop-da/a/layer.tar"
ln -s ../a/layer.tar "$WORK/loop-da/b/layer.tar"
config "" > "$WORK/loop-da/c.json"
jq -cn '[{Config: "c.json", RepoTags: ["localhost/capdiet/loop:1"], Layers: ["a/layer.tar"]}]' > "$WORK/loop-da/manifest.json"
tar --format=pax -C "$WORK/loop-da" -cf "$WORK/loop-da.tar" a b c.json manifest.json
hostile "symlink loop in the archive" "$WORK/loop-da.tar" "a symlink loop"
ln -s ../../../etc/passwd "$WORK/loop-da/a/escape.tar"
jq -cn '[{Config: "c.json", Layers: ["a/escape.tar"]}]' > "$WORK/loop-da/manifest.json"
tar --format=pax -C "$WORK/loop-da" -cf "$WORK/escape-da.tar" a c.json manifest.json
hostile "a symlink out of the archive" "$WORK/escape-da.tar" "leads outside the archive"
# A manifest that names a blob the layout does not have.
cp -r "$WORK/clean-oci" "$WORK/missing-oci"
for b in "$WORK"/missing-oci/blobs/sha256/*; do
	if gzip -t "$b" 2>/dev/null; then rm "$b"; missing=$(basename "$b"); fi
done
hostile "missing blob" "$WORK/missing-oci" "layer blobs/sha256/$missing is missing"
jq -c '.manifests[0].digest = "sha256:../../../../etc/passwd"' "$WORK/clean-oci/index.json" > "$WORK/idx" &&
	cp -r "$WORK/clean-oci" "$WORK/baddigest-oci" && mv "$WORK/idx" "$WORK/baddigest-oci/index.json"
hostile "a digest that is a path" "$WORK/baddigest-oci" "want sha256:<64 hex digits>"
# A config over 16 MiB.
d=$(mktemp -d "$WORK/big.XXXXXX")
{ printf '{"config": {}, "pad": "'; head -c $((17 << 20)) /dev/zero | tr '\0' a; printf '"}'; } > "$d/c.json"
cp "$WORK/clean.tar" "$d/l.tar"
jq -cn '[{Config: "c.json", Layers: ["l.tar"]}]' > "$d/manifest.json"
tar --format=pax -C "$d" -cf "$WORK/bigconfig.tar" l.tar c.json manifest.json
hostile "config over 16 MiB" "$WORK/bigconfig.tar" "config c.json is larger than 16 MiB"
# A tar that is no image, and a directory with a file called oci-layout that is not one.
hostile "a tar that is not an image" "$WORK/clean.tar" "a tar archive but not an image"
mkdir -p "$WORK/fake-oci" && echo '[]' > "$WORK/fake-oci/oci-layout" && echo '{}' > "$WORK/fake-oci/index.json"
hostile "a fake layout" "$WORK/fake-oci" "oci-layout has no imageLayoutVersion"

begin "hostile names cannot forge a line of the log"
# A tag and a path with CR, LF and an erase-line sequence, as a CI log would show them.
evil=$'x\r\nchecked 0 files, 0 containers: 0 violations\e[2K'
mkdir -p "$WORK/forge/bin"
cp /bin/true "$WORK/forge/bin/$evil" && chmod 4755 "$WORK/forge/bin/$evil"
layer "$WORK/forge" "$WORK/forge.tar"
docker_archive "$WORK/forge-docker.tar" "localhost/web$evil" "" "$WORK/forge.tar"
run check "$WORK/forge-docker.tar"
expect_rc "a tag and a path with control characters" 1
if [ "$(grep -c '' "$OUT")" -eq 2 ] && ! grep -q $'[\r\e]' "$OUT" &&
	! grep -qx 'checked 0 files, 0 containers: 0 violations' "$OUT"; then
	ok "one violation line and the summary, no raw CR or ESC"
else
	fail "forged output: $(od -c "$OUT" | head -20)"
fi
has_text "$OUT" "the tag and the path escaped" \
	'image localhost/webx\x0d\x0achecked 0 files, 0 containers: 0 violations\x1b[2K layer sha256:'
has_text "$OUT" "the path escaped" 'file /bin/x\x0d\x0achecked 0 files, 0 containers: 0 violations\x1b[2K (setuid root, mode 4755)'
# The same in an error: a '..' entry whose name holds a newline.
mkdir -p "$WORK/forge2/in"
evil=$'evil\nchecked 0 files, 0 containers: 0 violations'
echo x > "$WORK/forge2/$evil"
(cd "$WORK/forge2/in" && tar -P --format=pax -cf "$WORK/forge-dotdot.tar" "../$evil")
docker_archive "$WORK/forge-err.tar" localhost/capdiet/forge:2 "" "$WORK/forge-dotdot.tar"
hostile "a '..' entry whose name holds a newline" "$WORK/forge-err.tar" "has a '..' component"
has_text "$ERR" "the newline in the error is escaped" "entry '../evil\\x0achecked 0 files"

begin "an index that lists the same manifest again and again"
cp -r "$WORK/clean-oci" "$WORK/repeat-oci"
jq -c '.manifests = [range(3000) as $i | .manifests[0]]' "$WORK/clean-oci/index.json" > "$WORK/repeat-oci/index.json"
run check "$WORK/repeat-oci"
expect_rc "the same manifest 3000 times" 0
has "$OUT" "read as one image" "checked 1 image, 0 findings: 0 violations"
# 256 images of 17 layers each: more blobs than one input may make capdiet read.
d=$(mktemp -d "$WORK/costly.XXXXXX")
tar -C "$d" -xf "$WORK/clean-docker.tar"
jq -c '[range(256) as $i | .[0] | .Layers = [range(17) as $j | .Layers[0]]]' "$d/manifest.json" > "$d/m" &&
	mv "$d/m" "$d/manifest.json"
(cd "$d" && tar --format=pax -cf "$WORK/costly.tar" ./*.tar ./*.json)
hostile "4352 blobs in one archive" "$WORK/costly.tar" "more than 4096 blobs to read"

begin "--engine usage"
run check --engine docker localhost/x:1
expect_rc "an engine other than podman" 2
has_text "$ERR" "names the engine" "--engine takes podman, not 'docker'"
run check --engine podman
expect_rc "--engine podman without a name" 2

begin "podman: import with a label, --engine podman and podman save"
if command -v podman >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	name="localhost/capdiet-test-image-$$:1"
	base=suid
	[ -f "$WORK/fcap.tar" ] && base=fcap && cp /bin/true "$WORK/fcap/bin/su" && chmod 4755 "$WORK/fcap/bin/su" &&
		layer "$WORK/fcap" "$WORK/fcap-su.tar"
	PODMAN_IMAGES+=("$name")
	if podman import --change "LABEL io.containers.capabilities=NET_RAW" \
		"$WORK/$( [ $base = fcap ] && echo fcap-su || echo suid).tar" "$name" >/dev/null 2>"$ERR"; then
		run check --engine podman "$name"
		expect_rc "--engine podman" 1
		has "$OUT" "label through podman" \
			"$name: image $name label io.containers.capabilities: capability NET_RAW is not in the allowlist"
		has_text "$OUT" "setuid root through podman" "file /bin/su (setuid root, mode 4755): capability SETUID is not in the allowlist"
		if [ $base = fcap ]; then
			has_text "$OUT" "file capabilities through podman" "file /bin/ping (cap_net_admin,cap_net_raw=ep): capability NET_RAW is not in the allowlist"
		fi
		nothing_written "--engine podman"
		podman save -o "$WORK/podman-save.tar" "$name" >/dev/null 2>&1
		run check "$WORK/podman-save.tar"
		expect_rc "podman save tarball" 1
		has_text "$OUT" "label in the saved tarball" "image $name label io.containers.capabilities: capability NET_RAW is not in the allowlist"
		podman save --format oci-archive -o "$WORK/podman-oci.tar" "$name" >/dev/null 2>&1
		run check "$WORK/podman-oci.tar"
		expect_rc "podman save --format oci-archive" 1
		run check --engine podman "localhost/capdiet-no-such-image-$$:1"
		expect_rc "an image podman does not have" 2
		has_text "$ERR" "podman's reason" "image not known"
	else
		fail "podman import: $(head -c 300 "$ERR")"
	fi
elif [ "${CI:-}" = true ]; then
	fail "needs podman as root (scripts/setup.sh installs it; CI must run this test)"
else
	skip "needs podman, as root"
fi

finish
