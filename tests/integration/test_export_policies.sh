#!/bin/bash
# capdiet export as cluster policies and as files that paste straight in:
# every one of them passes capdiet check; the Kubernetes patch, applied by
# kubectl to a privileged workload of each kind, keeps its kind and makes it
# pass; the Compose override, merged onto a privileged base file, makes it
# pass; strings a YAML 1.1 reader would take for numbers reach kubectl as
# strings.  Needs no root and no cluster (kubectl runs offline: patch
# --local, label --local).
. "$(dirname "$0")/lib.sh"
OUT=$TMP/out
ERR=$TMP/err
SET=SETGID,SETUID,NET_BIND_SERVICE

# run ARGS...: runs capdiet with a time limit; sets RC, output in $OUT/$ERR.
run() {
	timeout 30 "$CAPDIET" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

cat > "$TMP/web.yaml" <<'YAML'
capdiet_profile: 1
name: web
user: null
caps: [SETUID, SETGID, NET_BIND_SERVICE]
YAML
sed 's/^caps: .*/caps: [SYS_ADMIN]/' "$TMP/web.yaml" > "$TMP/admin.yaml"
{ cat "$TMP/web.yaml"; echo "complete: false"; } > "$TMP/incomplete.yaml"
cat > "$TMP/allow.yaml" <<'YAML'
default: [NET_BIND_SERVICE]
exceptions:
  - container: web
    add: [SETUID, SETGID]
    reason: "drops to www-data"
  - kind: Deployment
    name: ping
    add: [NET_RAW]
    reason: "ping"
YAML
cat > "$TMP/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: web}
  template:
    metadata:
      labels: {app.kubernetes.io/name: web}
    spec:
      containers:
      - name: web
        image: registry.example/web:1
        securityContext:
          privileged: true
          capabilities:
            add: [SYS_ADMIN, NET_ADMIN]
YAML
cat > "$TMP/compose.yaml" <<'YAML'
services:
  web:
    image: registry.example/web:1
    privileged: true
    cap_add: [SYS_ADMIN, NET_ADMIN]
YAML

# A patch is no manifest (no apiVersion or kind: a strategic-merge patch
# would set them); what it makes of one is checked below, through kubectl.
begin "every export of a profile passes capdiet check with its set"
for args in "securitycontext" "compose" "kyverno" "kyverno --mutate --audit --namespace prod" \
	"gatekeeper" "gatekeeper --selector app=web" "psa --namespace web"; do
	# shellcheck disable=SC2086
	run export --format $args "$TMP/web.yaml"
	if [ "$RC" -ne 0 ] || [ ! -s "$OUT" ]; then
		fail "export --format $args: exit $RC ($(head -c 300 "$ERR"))"
		continue
	fi
	cp "$OUT" "$TMP/exported.yaml"
	run check --allow "$SET" "$TMP/exported.yaml"
	if [ "$RC" -eq 0 ]; then ok "$args"; else fail "$args: check exit $RC: $(head -c 400 "$OUT" "$ERR")"; fi
done

# A namespace's level must admit every exception: NET_RAW is beyond baseline.
sed '/kind: Deployment/,$d' "$TMP/allow.yaml" > "$TMP/allow-baseline.yaml"

begin "the policies of an allowlist pass capdiet check"
for f in kyverno gatekeeper "psa --namespace team"; do
	allow=$TMP/allow.yaml
	[ "$f" = "${f#psa}" ] || allow=$TMP/allow-baseline.yaml
	# shellcheck disable=SC2086
	run export --format $f --allowlist "$allow"
	cp "$OUT" "$TMP/exported.yaml"
	if [ "$RC" -ne 0 ]; then fail "$f: export exit $RC ($(head -c 300 "$ERR"))"; continue; fi
	run check --allowlist "$allow" "$TMP/exported.yaml"
	if [ "$RC" -eq 0 ]; then ok "$f"; else fail "$f: check exit $RC"; fi
done
run export --format kyverno --allowlist "$TMP/allow.yaml"
has_text "$OUT" "the workload exception is named as left out" \
	"# left out: exception Deployment/ping container *"
has_text "$ERR" "and said on stderr" "1 exception of $TMP/allow.yaml cannot be a Pod's rule"

begin "the k8s patch makes a privileged Deployment pass"
run check --allow "$SET" "$TMP/deploy.yaml"
expect_rc "the Deployment alone" 1
"$CAPDIET" export --format k8s "$TMP/web.yaml" > "$TMP/patch.yaml"
check "the patch names no kind (kubectl would set it)" sh -c "! grep -q '^kind:\|^apiVersion:' '$TMP/patch.yaml'"
has_text "$TMP/patch.yaml" "and says what it leaves alone" "initContainers and the other containers keep what they have"
# kubectl_patch FILE PATCH: kubectl patch --local into $TMP/patched.yaml; sets RC.
kubectl_patch() {
	timeout 60 kubectl patch --local -f "$1" --type strategic -p "$(cat "$2")" -o yaml \
		> "$TMP/patched.yaml" 2> "$ERR"
	RC=$?
}
if need_tools kubectl; then
	kubectl_patch "$TMP/deploy.yaml" "$TMP/patch.yaml"
	expect_rc "kubectl patch --local accepts it" 0
	run check --allow "$SET" "$TMP/patched.yaml"
	expect_rc "the patched Deployment passes check" 0
	run check --allow SETGID,SETUID "$TMP/patched.yaml"
	expect_rc "and fails with one capability less" 1
	has_text "$TMP/patched.yaml" "privileged: true is undone" "privileged: false"
	"$CAPDIET" export --format psa --namespace web "$TMP/web.yaml" > "$TMP/ns.yaml"
	timeout 60 kubectl label --local -f "$TMP/ns.yaml" checked=yes -o yaml > "$OUT" 2> "$ERR"
	RC=$?
	expect_rc "kubectl reads the psa Namespace" 0
	has "$OUT" "with its enforce label" "    pod-security.kubernetes.io/enforce: baseline"
fi

# manifest KIND: a privileged workload of that kind (container web, init
# container setup) in $TMP/KIND.yaml.
manifest() {
	local api=apps/v1 head indent="    "
	case $1 in Job|CronJob) api=batch/v1 ;; Pod|ReplicationController) api=v1 ;; esac
	case $1 in
	Pod) head="" indent="" ;;
	CronJob) head='spec:\n  schedule: "@daily"\n  jobTemplate:\n    spec:\n      template:\n'
		indent="        " ;;
	Job) head='spec:\n  template:\n' ;;
	*) head='spec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n' ;;
	esac
	{
		printf 'apiVersion: %s\nkind: %s\nmetadata:\n  name: web\n' "$api" "$1"
		printf '%b' "$head"
		sed "s/^/$indent/" <<'YAML'
spec:
  initContainers:
  - name: setup
    image: registry.example/setup:1
    securityContext: {capabilities: {drop: [ALL]}}
  containers:
  - name: web
    image: registry.example/web:1
    securityContext:
      privileged: true
      capabilities: {add: [SYS_ADMIN, NET_ADMIN]}
YAML
	} > "$TMP/$1.yaml"
}

begin "the k8s patch, per kind: kubectl keeps the kind, and the result passes check"
if need_tools kubectl; then
	for kind in Deployment StatefulSet DaemonSet ReplicaSet Job CronJob ReplicationController Pod; do
		manifest "$kind"
		"$CAPDIET" export --format k8s --kind "$kind" "$TMP/web.yaml" > "$TMP/patch.yaml"
		kubectl_patch "$TMP/$kind.yaml" "$TMP/patch.yaml"
		if [ "$RC" -ne 0 ]; then fail "$kind: kubectl patch exit $RC: $(head -c 300 "$ERR")"; continue; fi
		if grep -q "^kind: $kind\$" "$TMP/patched.yaml"; then ok "$kind: still a $kind"; else fail "$kind: became $(grep '^kind:' "$TMP/patched.yaml")"; fi
		run check --allow "$SET" "$TMP/patched.yaml"
		if [ "$RC" -eq 0 ]; then ok "$kind: passes check"; else fail "$kind: check exit $RC: $(head -c 400 "$OUT" "$ERR")"; fi
		if grep -q "name: setup" "$TMP/patched.yaml"; then ok "$kind: its init container kept"; else fail "$kind: init container lost"; fi
		# A patch for a container the manifest lacks would add one, with a securityContext.
		if [ "$(grep -c "securityContext:" "$TMP/patched.yaml")" -eq 2 ]; then
			ok "$kind: no container added"
		else
			fail "$kind: $(grep -c "securityContext:" "$TMP/patched.yaml") securityContexts"
		fi
	done
	# The reviewer's case: the Deployment patch onto a StatefulSet.
	manifest StatefulSet
	"$CAPDIET" export --format k8s "$TMP/web.yaml" > "$TMP/patch.yaml"
	kubectl_patch "$TMP/StatefulSet.yaml" "$TMP/patch.yaml"
	has "$TMP/patched.yaml" "a Deployment's patch leaves a StatefulSet one" "kind: StatefulSet"
fi

# What go-yaml v2 (kubectl, Kubernetes, Kyverno) reads as YAML 1.1: a plain
# 0b101 is the number 5, 1_000 is 1000.
begin "strings a YAML 1.1 reader would take for numbers stay strings through kubectl"
if need_tools kubectl jq; then
	manifest Deployment
	sed -i 's/- name: web$/- name: "0b101"/' "$TMP/Deployment.yaml"
	"$CAPDIET" export --format k8s --container 0b101 "$TMP/web.yaml" > "$TMP/patch.yaml"
	timeout 60 kubectl patch --local -f "$TMP/Deployment.yaml" --type strategic \
		-p "$(cat "$TMP/patch.yaml")" -o json > "$OUT" 2> "$ERR"
	RC=$?
	expect_rc "kubectl patch --local, container 0b101" 0
	names=$(jq -c '[.spec.template.spec.containers[].name]' "$OUT")
	check "the container 0b101 is patched, none named 5 added ($names)" [ "$names" = '["0b101"]' ]
	check "and it gets the set" [ "$(jq -c '.spec.template.spec.containers[0].securityContext.capabilities.add' "$OUT")" = '["SETGID","SETUID","NET_BIND_SERVICE"]' ]
	for value in 1_000 0x_1 1_0.5 0o17 1e3 0b101; do
		"$CAPDIET" export --format gatekeeper --selector "app=$value" "$TMP/web.yaml" |
			sed -n '/^---$/,$p' | sed 1d > "$TMP/constraint.yaml"
		got=$(timeout 60 kubectl label --local -f "$TMP/constraint.yaml" x=y -o json 2> "$ERR" |
			jq -c '.spec.match.labelSelector.matchLabels.app')
		check "gatekeeper matchLabels app=$value reads back as the string ($got)" [ "$got" = "\"$value\"" ]
		"$CAPDIET" export --format kyverno --selector "app=$value" "$TMP/web.yaml" > "$TMP/kyverno.yaml"
		got=$(timeout 60 kubectl label --local -f "$TMP/kyverno.yaml" x=y -o json 2> "$ERR" |
			jq -c '[.spec.rules[0].preconditions.all[] | select(.key | test("labels")) | .value][0]')
		check "kyverno precondition value $value reads back as the string ($got)" [ "$got" = "\"$value\"" ]
	done
fi

begin "admission policies leave kube-system and capdiet-system alone"
run export --format gatekeeper --allowlist "$TMP/allow.yaml"
expect_rc "gatekeeper from an allowlist" 0
has "$OUT" "excludedNamespaces, by default" "    excludedNamespaces: [kube-system, capdiet-system]"
has_text "$OUT" "and says so" "kube-system and capdiet-system are left out by default"
run export --format kyverno --allowlist "$TMP/allow.yaml" --exclude-namespace monitoring
expect_rc "kyverno, --exclude-namespace monitoring" 0
check "every rule excludes the three" [ "$(grep -c '^          namespaces: \[monitoring, kube-system, capdiet-system\]$' "$OUT")" -eq 3 ]
run export --format gatekeeper --allowlist "$TMP/allow.yaml" --no-default-excludes
has_not() { if grep -qF -- "$2" "$1"; then fail "$3"; else ok "$3"; fi; }
has_not "$OUT" "excludedNamespaces" "--no-default-excludes: none left out"
run export --format gatekeeper --allowlist "$TMP/allow.yaml" --namespace team
has_not "$OUT" "excludedNamespaces" "--namespace team: nothing to leave out"
run export --format gatekeeper --allowlist "$TMP/allow.yaml" --exclude-namespace Kube_System
expect_rc "a namespace name Kubernetes refuses" 2
run export --format psa --namespace web --exclude-namespace x "$TMP/web.yaml"
expect_rc "--exclude-namespace with psa" 2
run export --format kyverno --mutate --allowlist "$TMP/allow.yaml"
expect_rc "--mutate from an allowlist, for every pod" 2
check "one line naming --selector and --namespace" sh -c "[ \$(wc -l < '$ERR') -eq 1 ] && grep -q -- '--selector KEY=VALUE or --namespace NS' '$ERR'"
check "nothing on stdout" [ ! -s "$OUT" ]
run export --format kyverno --mutate --allowlist "$TMP/allow.yaml" --selector app=web
expect_rc "--mutate from an allowlist with --selector" 0

begin "an observed profile's policy names its pods"
OBS=$ROOT/tests/fixtures/observe/web-node-a-x2x4z.yaml
run export --format kyverno "$OBS"
expect_rc "without --selector" 2
check "one line with a hint naming the workload" sh -c "[ \$(wc -l < '$ERR') -eq 1 ] && grep -q -- '--selector app.kubernetes.io/name=web)' '$ERR'"
run export --format gatekeeper --selector app=web "$OBS"
expect_rc "with --selector" 0
has "$OUT" "in the namespace it was observed in" "    namespaces: [shop]"

begin "the Compose override makes a privileged service pass"
"$CAPDIET" export --format compose "$TMP/web.yaml" > "$TMP/override.yaml"
run check --allow "$SET" -f "$TMP/compose.yaml"
if grep -q "unknown option '-f'" "$ERR"; then
	skip_or_fail "capdiet check has no -f (Compose files merged as one project)"
else
	expect_rc "the base file alone" 1
	run check --allow "$SET" -f "$TMP/compose.yaml" -f "$TMP/override.yaml"
	expect_rc "base and override merged" 0
	run check --allow SETGID,SETUID -f "$TMP/compose.yaml" -f "$TMP/override.yaml"
	expect_rc "merged, with one capability less" 1
fi
has_text "$TMP/override.yaml" "cap_add replaces the base's" "cap_add: !override ["

begin "incomplete profiles only with --force"
run export --format k8s "$TMP/incomplete.yaml"
expect_rc "without --force" 2
check "nothing on stdout" [ ! -s "$OUT" ]
check "one line on stderr naming --force" sh -c "[ \$(wc -l < '$ERR') -eq 1 ] && grep -q -- --force '$ERR'"
run export --format kyverno -o "$TMP/pol.yaml" "$TMP/incomplete.yaml"
check "with -o: no file" [ ! -e "$TMP/pol.yaml" ]
run export --format k8s --force "$TMP/incomplete.yaml"
expect_rc "with --force" 0
has_text "$OUT" "the output says so" "# WARNING: exported with --force: profile web is incomplete"

begin "what no Pod Security level holds, and options that do not fit"
run export --format psa --namespace web "$TMP/admin.yaml"
expect_rc "SYS_ADMIN for psa" 2
has_text "$ERR" "names the capability" "SYS_ADMIN is beyond Pod Security's baseline level"
run export --format psa "$TMP/web.yaml"
expect_rc "psa without --namespace" 2
run export --format docker --mutate "$TMP/web.yaml"
expect_rc "--mutate with docker" 2
run export --format kyverno --allowlist "$TMP/allow.yaml" "$TMP/web.yaml"
expect_rc "a profile and an allowlist" 2
run export --format docker --allowlist "$TMP/allow.yaml"
expect_rc "--allowlist with docker" 2
run export --format kyverno --selector 'app={{ request.object }}' "$TMP/web.yaml"
expect_rc "a selector that is no label" 2
run export --format k8s --container 'Web_1' "$TMP/web.yaml"
expect_rc "a container name Kubernetes refuses" 2

begin "help"
run export --help
expect_rc "--help" 0
for word in kyverno gatekeeper psa --allowlist --mutate --force --kind --selector; do
	has_text "$OUT" "mentions $word" "$word"
done

finish
