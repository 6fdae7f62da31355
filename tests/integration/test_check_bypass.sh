#!/bin/bash
# capdiet check against hostile pull requests: manifests that a cluster
# reads one way and a lenient gate another.  Each case below passed the
# gate (exit 0) before it was fixed.  Needs no root; the --render cases
# need kubectl and helm (scripts/setup.sh).
. "$(dirname "$0")/lib.sh"
OUT=$TMP/out
ERR=$TMP/err
W=$TMP/work
mkdir -p "$W"

run() {
	timeout 60 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# pod FILE SECURITY_CONTEXT: a Pod whose one container has that securityContext (flow YAML).
pod() {
	mkdir -p "$(dirname "$1")"
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext: %s\n' "$2" > "$1"
}

PRIV='{privileged: true}'
HARD='{capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}'

begin "Kubernetes drop: spelled as the runtime reads it"
pod "$W/drop-cap-all.yaml" '{capabilities: {drop: [CAP_ALL]}}'
run check "$W/drop-cap-all.yaml"
expect_rc "drop: [CAP_ALL] drops nothing on containerd" 2
has_text "$ERR" "FILE:LINE and what to write" \
	"$W/drop-cap-all.yaml:8: drop entry 'CAP_ALL' of Pod/p container c: Kubernetes runtimes add CAP_ themselves and take the name as written, so this drops nothing; write ALL"
pod "$W/drop-blank.yaml" '{capabilities: {drop: [" all "]}}'
run check "$W/drop-blank.yaml"
expect_rc "drop: [\" all \"]" 2
has_text "$ERR" "a blank is no part of the name" "drop entry ' all ' of Pod/p container c"
pod "$W/drop-prefixed.yaml" '{capabilities: {drop: [ALL, cap_net_raw]}}'
run check "$W/drop-prefixed.yaml"
expect_rc "drop: [cap_net_raw], any case" 2
has_text "$ERR" "says the bare name" "so this drops nothing; write NET_RAW"
pod "$W/drop-lower.yaml" '{capabilities: {drop: [all], add: [CAP_NET_BIND_SERVICE]}}'
run check "$W/drop-lower.yaml"
expect_rc "drop: [all] (case is the runtime's) and an add with CAP_ (lenient)" 0
printf 'services:\n  web:\n    image: nginx\n    cap_drop: [CAP_ALL]\n    cap_add: [CAP_NET_BIND_SERVICE]\n' > "$W/compose.yaml"
run check "$W/compose.yaml"
expect_rc "Compose reads CAP_ as Docker does" 0

begin "YAML merge keys: where readers disagree, refused"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext: {capabilities: {drop: [ALL]}, privileged: false, <<: {privileged: true}}\n' > "$W/merge-after.yaml"
run check "$W/merge-after.yaml"
expect_rc "a key written before the '<<' that brings it (kubectl: privileged)" 2
has_text "$ERR" "FILE:LINE" "$W/merge-after.yaml:8: merge key '<<' brings 'privileged', written before it at line 8"
cat > "$W/merge-two.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: nginx
      securityContext:
        capabilities: {drop: [ALL]}
        <<: {privileged: false}
        <<: {privileged: true}
YAML
run check "$W/merge-two.yaml"
expect_rc "two '<<' in one mapping (kubectl: the later)" 2
has_text "$ERR" "FILE:LINE" "$W/merge-two.yaml:11: a second merge key '<<' in one mapping (the first at line 10)"
cat > "$W/merge-ok.yaml" <<'YAML'
x-defaults: &defaults
  privileged: true
  capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: nginx
      securityContext: &sc
        <<: {privileged: true, capabilities: {drop: [ALL]}}
        privileged: false
    - name: d
      image: nginx
      securityContext: *sc
YAML
run check "$W/merge-ok.yaml"
expect_rc "'<<' first, then the override: one meaning, still read" 0
has "$OUT" "both containers" "checked 1 file, 2 containers: 0 violations"

begin "tags: only what every reader reads alike"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext:\n        capabilities: {drop: [ALL]}\n        !!binary cHJpdmlsZWdlZA==: true\n' > "$W/binary.yaml"
run check "$W/binary.yaml"
expect_rc "!!binary privileged (kubectl decodes it)" 2
has_text "$ERR" "FILE:LINE" "$W/binary.yaml:10: tag !!binary is not allowed in a manifest"
pod "$W/local-tag.yaml" '{capabilities: {drop: !strange [ALL]}}'
run check "$W/local-tag.yaml"
expect_rc "a local tag in a manifest" 2
has_text "$ERR" "names it" "$W/local-tag.yaml:8: tag !strange is not allowed in a manifest"
printf 'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Ref Name}\n' > "$W/cloudformation.yaml"
run check "$W/cloudformation.yaml"
expect_rc "a CloudFormation template (no manifest) keeps its !Ref" 0
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: !!str p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext: {privileged: !!bool false, capabilities: !!map {drop: !!seq [ALL]}}\n' > "$W/core-tags.yaml"
run check "$W/core-tags.yaml"
expect_rc "core tags are fine" 0

begin "a chart or overlay beside plain manifests"
mkdir -p "$W/kust"
printf 'resources: []\n' > "$W/kust/Kustomization"
pod "$W/kust/deploy.yaml" "$PRIV"
run check "$W/kust"
expect_rc "without --render: not checked" 2
has_text "$OUT" "the file beside it is checked all the same" "$W/kust/deploy.yaml:8:"
mkdir -p "$W/chart/templates"
printf 'apiVersion: v2\nname: chart\nversion: 0.1.0\n' > "$W/chart/Chart.yaml"
printf '{{ if .Values.on }}\n' > "$W/chart/templates/broken.yaml"
pod "$W/chart/deploy.yaml" "$PRIV"
if need_tools kubectl; then
	run check --render "$W/kust"
	expect_rc "an overlay that renders nothing, beside a privileged Pod" 1
	has_text "$OUT" "the Pod is found" "$W/kust/deploy.yaml:8:37: Pod/p container c: privileged: true grants every capability"
fi
if need_tools helm; then
	rm "$W/chart/templates/broken.yaml"
	run check --render "$W/chart"
	expect_rc "a chart without templates, beside a privileged Pod" 1
	has_text "$OUT" "the Pod is found" "$W/chart/deploy.yaml:8:37: Pod/p container c: privileged: true grants every capability"
fi
printf '{{ if .Values.on }}\n' > "$W/chart/templates/broken.yaml"
run check "$W/chart"
expect_rc "templates/ are still the chart's own" 2
if grep -q "broken.yaml" "$ERR"; then fail "a template was read as YAML: $(cat "$ERR")"; else ok "templates/ not read as manifests"; fi

begin "hidden files are read (kubectl apply -f reads them)"
mkdir -p "$W/hidden/.x" "$W/hidden/.git"
pod "$W/hidden/app.yaml" "$HARD"
pod "$W/hidden/.evil.yaml" "$PRIV"
pod "$W/hidden/.x/evil.yaml" "$PRIV"
pod "$W/hidden/.git/config.yaml" "$PRIV"
run check "$W/hidden"
expect_rc "hidden privileged Pods" 1
has_text "$OUT" ".evil.yaml" "$W/hidden/.evil.yaml:8:37: Pod/p container c: privileged"
has_text "$OUT" ".x/evil.yaml" "$W/hidden/.x/evil.yaml:8:37: Pod/p container c: privileged"
has "$OUT" ".git is left out" "checked 3 files, 3 containers: 2 violations in 2 containers (privileged)"

begin "an OCI layout directory with manifests beside it"
if need_tools jq; then
	L=$W/layout
	mkdir -p "$L/blobs/sha256" "$W/rootfs"
	tar --format=pax --owner=0 --group=0 -C "$W/rootfs" -cf "$W/layer.tar" .
	blob() { local h; h=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$L/blobs/sha256/$h"; echo "$h"; }
	lh=$(blob "$W/layer.tar")
	jq -cn --arg d "sha256:$lh" '{architecture: "amd64", os: "linux", config: {User: "1000"},
		rootfs: {type: "layers", diff_ids: [$d]}}' > "$W/config.json"
	ch=$(blob "$W/config.json")
	jq -cn --arg c "sha256:$ch" --arg l "sha256:$lh" --argjson cs "$(stat -c %s "$W/config.json")" \
		--argjson ls "$(stat -c %s "$W/layer.tar")" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' > "$W/manifest.json"
	mh=$(blob "$W/manifest.json")
	jq -cn --arg m "sha256:$mh" --argjson s "$(stat -c %s "$W/manifest.json")" '{schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $s,
		annotations: {"org.opencontainers.image.ref.name": "localhost/x:1"}}]}' > "$L/index.json"
	echo '{"imageLayoutVersion": "1.0.0"}' > "$L/oci-layout"
	run check "$L"
	expect_rc "the image alone is clean" 0
	pod "$L/deploy.yaml" "$PRIV"
	run check "$L"
	expect_rc "the privileged Pod beside it" 1
	has_text "$OUT" "found" "$L/deploy.yaml:8:37: Pod/p container c: privileged: true grants every capability"
fi

begin "custom resources: every container in them"
cat > "$W/volcano.yaml" <<'YAML'
apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: train}
spec:
  tasks:
    - name: worker
      template:
        spec:
          containers:
            - name: trainer
              image: trainer
              securityContext: {privileged: true}
YAML
run check "$W/volcano.yaml"
expect_rc "a Volcano Job is not batch's Job" 1
has_text "$OUT" "its container, by kind" "$W/volcano.yaml:12:45: Job/train container trainer: privileged: true grants every capability"
cat > "$W/tekton.yaml" <<'YAML'
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: build}
spec:
  steps:
    - name: docker
      image: docker
      securityContext:
        privileged: true
YAML
run check "$W/tekton.yaml"
expect_rc "a Tekton step's securityContext" 1
has_text "$OUT" "the step as a container" "$W/tekton.yaml:9:21: Task/build container docker: privileged: true grants every capability"
cat > "$W/kindless.yaml" <<'YAML'
apiVersion: apps/v1
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx
          securityContext: {privileged: true}
YAML
run check "$W/kindless.yaml"
expect_rc "apiVersion and a pod spec, no kind" 2
has_text "$ERR" "says to add kind" "$W/kindless.yaml:1: an object without kind, with a container at line 7: add kind"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n' > "$W/configmap.yaml"
run check "$W/configmap.yaml"
expect_rc "a ConfigMap has no containers" 0

finish
