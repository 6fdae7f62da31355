#!/bin/bash
# capdiet run --unit: services described by systemd units, started as systemd
# starts them (command, user, directory, environment, no_new_privs), held
# within the unit's bounding set; the exported drop-in checked with
# systemd-analyze, the containers.conf and label exports with Podman.  Root
# and BPF; systemd-analyze and Podman parts skip off-CI where missing.
. "$(dirname "$0")/lib.sh"
PROBE_BIN="$ROOT/${BUILD:-build}/tests/helpers/capprobe"
PORT=611 # privileged, and used by no other test
IMAGE="localhost/capdiet-unit-test-$$:1"
PODMAN_RUN=(podman run --rm --runtime runc --network=host
	--ulimit "nofile=1024:$(ulimit -Hn)" --ulimit nproc=1024:1024)

trap 'podman rmi -f "$IMAGE" >/dev/null 2>&1; cleanup_all' EXIT

# unit NAME BODY: writes $TMP/units/NAME.service with [Service] BODY.
unit() {
	mkdir -p "$TMP/units"
	printf '[Unit]\nDescription=capdiet test %s\n\n[Service]\n%s\n' "$1" "$2" \
		> "$TMP/units/$1.service"
}

chmod 755 "$TMP"
mkdir -p "$TMP/www" "$TMP/work" "$TMP/out"
chmod 1777 "$TMP/out"
echo "served from the unit's directory" > "$TMP/www/index.html"

begin "run --unit: bad units are usage errors naming FILE:LINE"
unit noexec "Type=oneshot"
"$CAPDIET" run --unit "$TMP/units/noexec.service" 2>"$TMP/err"
check "no ExecStart=: exit 2" [ $? -eq 2 ]
check "and says so" grep -q "noexec.service: no ExecStart= in \[Service\]" "$TMP/err"
unit spec "ExecStart=/bin/true %i"
"$CAPDIET" run --unit "$TMP/units/spec.service" 2>"$TMP/err"
check "a specifier: exit 2" [ $? -eq 2 ]
check "named with file and line" grep -q "spec.service:5: the specifier '%i'" "$TMP/err"
unit badcap "ExecStart=/bin/true
CapabilityBoundingSet=CAP_NET_BIND_SERVCE"
"$CAPDIET" run --unit "$TMP/units/badcap.service" 2>"$TMP/err"
check "a misspelt capability: exit 2" [ $? -eq 2 ]
check "named with file and line" grep -q "badcap.service:6: CapabilityBoundingSet=: 'CAP_NET_BIND_SERVCE'" "$TMP/err"
unit plus "ExecStart=+/bin/true"
"$CAPDIET" run --unit "$TMP/units/plus.service" 2>"$TMP/err"
check "ExecStart=+: exit 2" [ $? -eq 2 ]
unit nouser "ExecStart=/bin/true
User=no-such-user-xyz"
"$CAPDIET" run --unit "$TMP/units/nouser.service" 2>"$TMP/err"
check "an unknown User=: exit 2" [ $? -eq 2 ]
check "and names it" grep -q "User=no-such-user-xyz does not exist" "$TMP/err"
"$CAPDIET" run --unit "$TMP/units/plus.service" -- true 2>"$TMP/err"
check "--unit with -- CMD: exit 2" [ $? -eq 2 ]
"$CAPDIET" run --unit "$TMP/units/plus.service" --user nobody 2>"$TMP/err"
check "--unit with --user: exit 2" [ $? -eq 2 ]
# A bare name systemd would not find: refused, though capdiet's PATH has it.
mkdir -p "$TMP/bin"
printf '#!/bin/sh\ntouch %s/out/ran\n' "$TMP" > "$TMP/bin/capdiet-only-here"
chmod 755 "$TMP/bin/capdiet-only-here"
unit bare "Type=oneshot
ExecStart=capdiet-only-here"
PATH="$TMP/bin:$PATH" "$CAPDIET" run --unit "$TMP/units/bare.service" 2>"$TMP/err"
check "a bare name only in capdiet's PATH: exit 2" [ $? -eq 2 ]
check "systemd would not find it, with file and line" \
	grep -q "bare.service:6: ExecStart=capdiet-only-here: not in systemd's search path.*would not find it" "$TMP/err"
check "and it never ran" [ ! -e "$TMP/out/ran" ]
unit noenv "ExecStart=/bin/true
EnvironmentFile=$TMP/env.none/*.env"
"$CAPDIET" run --unit "$TMP/units/noenv.service" 2>"$TMP/err"
check "an EnvironmentFile= pattern matching nothing: exit 2" [ $? -eq 2 ]
check "and says so" grep -q "EnvironmentFile=$TMP/env.none/\*.env: no file matches" "$TMP/err"
cp "$TMP/units/plus.service" "$TMP/units/plus.conf"
"$CAPDIET" run --unit "$TMP/units/plus.conf" 2>"$TMP/err"
check "not a .service file: exit 2" [ $? -eq 2 ]

need_bpf || { finish; exit; }

begin "run --unit: started as systemd starts it"
printf '# from the file\nPORT=2\nQUOTED="a \\"b\\""\n' > "$TMP/unit.env"
mkdir -p "$TMP/env.d"
echo "PORT=4" > "$TMP/env.d/b.env"
echo "PORT=3" > "$TMP/env.d/a.env"
unit seen "Type=oneshot
User=nobody
WorkingDirectory=$TMP/work
Environment=\"GREETING=hello world\" PORT=1
EnvironmentFile=$TMP/unit.env
EnvironmentFile=-$TMP/missing.env
EnvironmentFile=$TMP/env.d/*.env
NoNewPrivileges=yes
ExecStart=/bin/sh -c 'echo \"\$\$PWD|\$\$GREETING|\$\$PORT|\$\$QUOTED|\$\$(id -u)|\$\$USER|\$\$PATH\" \\
    > $TMP/out/seen; grep NoNewPrivs /proc/self/status >> $TMP/out/seen'"
"$CAPDIET" run --unit "$TMP/units/seen.service" -o "$TMP/seen.yaml" 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
want="$TMP/work|hello world|4|a \"b\"|65534|nobody|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
check "directory, Environment=, EnvironmentFile= (files win; a pattern's in order), User=, systemd's PATH" \
	[ "$(head -1 "$TMP/out/seen")" = "$want" ]
check "NoNewPrivileges=yes: no_new_privs set" grep -q "^NoNewPrivs:.1" "$TMP/out/seen"
check "needs nothing" [ -z "$(caps_of "$TMP/seen.yaml")" ]
check "the profile names the unit" grep -q "^unit: $TMP/units/seen.service$" "$TMP/seen.yaml"
check "and its user" grep -q "^user: nobody$" "$TMP/seen.yaml"
check "named after the unit" grep -q "^name: seen$" "$TMP/seen.yaml"
check "no bounding set, nothing excluded" sh -c "! grep -q '^unit_excludes' '$TMP/seen.yaml'"
unit nnp "Type=oneshot
ExecStart=/bin/sh -c 'grep NoNewPrivs /proc/self/status > $TMP/out/nnp'"
"$CAPDIET" run --unit "$TMP/units/nnp.service" -o "$TMP/nnp.yaml" 2>"$TMP/err"
check "systemd's default: new privileges allowed" grep -q "^NoNewPrivs:.0" "$TMP/out/nnp"

begin "run --unit: a web server held within its bounding set"
wait_port_free $PORT
unit web "WorkingDirectory=$TMP/www
Environment=PORT=$PORT
ExecStart=/bin/busybox httpd -f -p 127.0.0.1:\${PORT} -h .
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID
CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE
NoNewPrivileges=yes"
probe="curl -sf --max-time 2 http://127.0.0.1:$PORT/index.html | grep -q \"unit's directory\""
"$CAPDIET" run --unit "$TMP/units/web.service" --probe "$probe" -o "$TMP/web.yaml" 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
check "learns NET_BIND_SERVICE" [ "$(caps_of "$TMP/web.yaml")" = NET_BIND_SERVICE ]
check "says every trial was held within the unit's set" \
	grep -q "held within the unit's CapabilityBoundingSet= (it allows only CHOWN,DAC_OVERRIDE,SETGID,SETUID,NET_BIND_SERVICE)" "$TMP/err"
check "the profile lists what the unit leaves out" \
	sh -c "grep '^unit_excludes:' '$TMP/web.yaml' | grep -q 'SYS_ADMIN' && ! grep '^unit_excludes:' '$TMP/web.yaml' | grep -q 'NET_BIND_SERVICE'"
"$CAPDIET" report "$TMP/web.yaml" > "$TMP/web.md"
check "the report says so" grep -q "Held within the unit's CapabilityBoundingSet=" "$TMP/web.md"
# What the service really needs: the same command with the learned set
# serves; with nothing it cannot bind.
wait_port_free $PORT
"$CAPDIET" exec --caps NONE -- /bin/busybox httpd -f -p 127.0.0.1:$PORT -h "$TMP/www" 2>"$TMP/err"
check "with no capability the server cannot start" [ $? -ne 0 ]
"$CAPDIET" exec --profile "$TMP/web.yaml" -- /bin/busybox httpd -f -p 127.0.0.1:$PORT \
	-h "$TMP/www" 2>"$TMP/err" &
server=$!
track_pid $server
served=1
for _ in $(seq 20); do
	sh -c "$probe" && { served=0; break; }
	sleep 0.1
done
check "with the learned set it serves" [ "$served" -eq 0 ]
kill -TERM $server 2>/dev/null
wait $server 2>/dev/null

begin "run --unit: the bounding set is a limit, ~ lists too"
wait_port_free $PORT
unit tight "WorkingDirectory=$TMP/www
ExecStart=/bin/busybox httpd -f -p 127.0.0.1:$PORT -h .
CapabilityBoundingSet=~CAP_NET_BIND_SERVICE CAP_SYS_ADMIN"
"$CAPDIET" run --unit "$TMP/units/tight.service" --probe "$probe" --timeout 3 \
	-o "$TMP/tight.yaml" 2>"$TMP/err"
check "a service its unit forbids what it needs: exit 1" [ $? -eq 1 ]
check "says the unit's bounding set held it" grep -q "held within the unit's CapabilityBoundingSet=" "$TMP/err"
check "no profile" [ ! -e "$TMP/tight.yaml" ]

begin "run --unit: a non-root User= gets the set as ambient"
cp "$PROBE_BIN" "$TMP/capprobe"
wait_port_free $PORT
# daemon, not nobody: systemd-analyze warns that nobody is not safe.
unit bind "Type=oneshot
User=daemon
Group=daemon
ExecStart=$TMP/capprobe bind $PORT"
"$CAPDIET" run --unit "$TMP/units/bind.service" -o "$TMP/bind.yaml" 2>"$TMP/err"
check "exits 0" [ $? -eq 0 ]
check "learns NET_BIND_SERVICE" [ "$(caps_of "$TMP/bind.yaml")" = NET_BIND_SERVICE ]
check "as daemon:daemon" grep -q "^user: 'daemon:daemon'$\|^user: daemon:daemon$" "$TMP/bind.yaml"

begin "export --format systemd: a drop-in the unit takes as is"
mkdir -p "$TMP/units/web.service.d" "$TMP/units/bind.service.d"
"$CAPDIET" export --format systemd -o "$TMP/units/web.service.d/capdiet.conf" "$TMP/web.yaml"
check "exit 0" [ $? -eq 0 ]
check "names the drop-in path" grep -q "^#   /etc/systemd/system/web.service.d/capdiet.conf " \
	"$TMP/units/web.service.d/capdiet.conf"
check "resets, then sets the bounding set" \
	sh -c "grep -A1 '^CapabilityBoundingSet=$' '$TMP/units/web.service.d/capdiet.conf' | grep -q '^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$'"
"$CAPDIET" export --format systemd -o "$TMP/units/bind.service.d/capdiet.conf" "$TMP/bind.yaml"
check "non-root: the ambient set" grep -q "^AmbientCapabilities=CAP_NET_BIND_SERVICE$" \
	"$TMP/units/bind.service.d/capdiet.conf"
sed 's/^name: .*/name: "web\\nExecStartPre=\/bin\/evil"/; s/^user: .*/user: "www\\nExecStartPre=\/bin\/evil"/' \
	"$TMP/bind.yaml" > "$TMP/evil.yaml"
"$CAPDIET" export --format systemd "$TMP/evil.yaml" > "$TMP/evil.out" 2>"$TMP/err"
check "a user that would inject a line: exit 2" [ $? -eq 2 ]
check "nothing written" [ ! -s "$TMP/evil.out" ]
# The profile reader refuses it before any exporter sees it.
check "one line saying what is wrong" [ "$(wc -l < "$TMP/err")" -eq 1 ]
check "and where" grep -q "evil.yaml:[0-9]*: name: 1 to 128 letters" "$TMP/err"
if need_tools systemd-analyze; then
	systemd-analyze verify "$TMP/units/web.service" > "$TMP/verify" 2>&1
	check "systemd-analyze verify: unit + drop-in, exit 0" [ $? -eq 0 ]
	check "with nothing to say" [ ! -s "$TMP/verify" ]
	systemd-analyze verify "$TMP/units/bind.service" > "$TMP/verify" 2>&1
	check "the non-root one too" [ $? -eq 0 -a ! -s "$TMP/verify" ]
	# It reads the drop-in beside the unit: a bad key there is reported.
	cp -r "$TMP/units/web.service.d" "$TMP/keep.d"
	echo "NoSuchKey=1" >> "$TMP/units/web.service.d/capdiet.conf"
	systemd-analyze verify "$TMP/units/web.service" > "$TMP/verify" 2>&1
	check "(the drop-in is read: a bad key in it is named)" \
		grep -q "web.service.d/capdiet.conf:.*NoSuchKey" "$TMP/verify"
	rm -rf "$TMP/units/web.service.d" && mv "$TMP/keep.d" "$TMP/units/web.service.d"
	systemd-analyze security --offline=true "$TMP/units/web.service" > "$TMP/sec" 2>&1
	check "in effect: no SETUID/SETGID left" \
		grep -q "✓ CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)" "$TMP/sec"
	check "only the networking one" \
		grep -q "✗ CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)" "$TMP/sec"
fi

begin "export --format containers-conf and label: Podman applies them"
"$CAPDIET" export --format containers-conf -o "$TMP/containers.conf" "$TMP/web.yaml"
check "exit 0" [ $? -eq 0 ]
"$CAPDIET" export --format label "$TMP/web.yaml" > "$TMP/label" 2>"$TMP/err"
check "label: exit 0" [ $? -eq 0 ]
check "one LABEL line" [ "$(grep -c '^LABEL io.containers.capabilities="CAP_NET_BIND_SERVICE"$' "$TMP/label")" -eq 1 ]
if need_tools podman; then
	mkdir -p "$TMP/rootfs/bin"
	cp /bin/busybox "$TMP/rootfs/bin/" && ln -s busybox "$TMP/rootfs/bin/grep"
	tar -C "$TMP/rootfs" -cf "$TMP/rootfs.tar" .
	if podman import -q --change "$(grep '^LABEL' "$TMP/label")" "$TMP/rootfs.tar" "$IMAGE" \
		>/dev/null 2>"$TMP/err"; then
		CONTAINERS_CONF="$TMP/containers.conf" podman info >/dev/null 2>"$TMP/err"
		check "podman info reads the containers.conf fragment" [ $? -eq 0 ]
		eff=$(CONTAINERS_CONF="$TMP/containers.conf" "${PODMAN_RUN[@]}" \
			"$IMAGE" /bin/grep CapEff /proc/self/status 2>"$TMP/err")
		check "its default_capabilities is the container's set" \
			[ "$(echo "$eff" | tr -d ' \t')" = "CapEff:0000000000000400" ]
		eff=$("${PODMAN_RUN[@]}" "$IMAGE" /bin/grep CapEff /proc/self/status 2>"$TMP/err")
		check "the image's label alone gives the same" \
			[ "$(echo "$eff" | tr -d ' \t')" = "CapEff:0000000000000400" ]
		podman rmi -f "$IMAGE" >/dev/null 2>&1
		check "the image is removed" sh -c "! podman image exists '$IMAGE'"
	else
		fail "podman import: $(cat "$TMP/err")"
	fi
fi

finish
