#!/bin/sh
# Fails when a file includes a header of a higher layer, of a sibling layer
# of the same rank, or when includes go in a circle.
#   scripts/check-layers.sh LAYER...   (lowest first; `make check-layers`)
# A LAYER of the form a+b gives two folders the same rank: neither may use
# the other.  Sources under src/L, include/capdiet/L and tests/L belong to L;
# bpf/ belongs to observe.  One line per violation, exit 1 if any.
# CHECK_LAYERS_ROOT points it at another tree (the tests use a scratch copy).
set -eu
root=${CHECK_LAYERS_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
[ $# -gt 0 ] || { echo "usage: check-layers.sh LAYER... (lowest first)" >&2; exit 2; }

ranks=
rank=0
for spec in "$@"; do
	for l in $(echo "$spec" | tr + ' '); do
		ranks="$ranks $l=$rank"
	done
	rank=$((rank + 1))
done

layer_of() {
	case $1 in
	bpf/*) echo observe ;;
	src/*/* | tests/*/* ) echo "$1" | cut -d/ -f2 ;;
	include/capdiet/*/*) echo "$1" | cut -d/ -f3 ;;
	*) echo "" ;;
	esac
}

files=$(find src include bpf tests -type f \( -name '*.c' -o -name '*.h' \) \
	! -path 'tests/fuzz/*' ! -path 'tests/helpers/*' ! -path 'tests/oracle/*' \
	! -path 'tests/corpus/*' ! -path 'tests/fixtures/*' 2>/dev/null | sort)
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
bad=0
for f in $files; do
	from=$(layer_of "$f")
	if [ -z "$from" ]; then
		echo "check-layers: $f is outside every layer folder (move it under src/LAYER/)"
		bad=1
		continue
	fi
	from_rank=$(echo "$ranks" | tr ' ' '\n' | sed -n "s/^$from=//p")
	if [ -z "$from_rank" ]; then
		echo "check-layers: $f is in folder '$from', which is not a layer ($*)"
		bad=1
		continue
	fi
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		case $inc in
		capdiet/*/*) to=$(echo "$inc" | cut -d/ -f2)
			echo "include/$inc $f" >> "$edges" ;;
		capdiet/*) echo "check-layers: $f includes $inc: headers live in include/capdiet/LAYER/"
			bad=1; continue ;;
		*) continue ;; # a private header beside the source, or generated
		esac
		to_rank=$(echo "$ranks" | tr ' ' '\n' | sed -n "s/^$to=//p")
		if [ -z "$to_rank" ]; then
			echo "check-layers: $f includes $inc from '$to', which is not a layer"
			bad=1
		elif [ "$to_rank" -gt "$from_rank" ]; then
			echo "check-layers: $f ($from) includes $inc: $to is a higher layer"
			bad=1
		elif [ "$to_rank" -eq "$from_rank" ] && [ "$to" != "$from" ]; then
			echo "check-layers: $f ($from) includes $inc: $to is a sibling layer, neither may use the other"
			bad=1
		fi
	done
done
# tsort names a loop in the header graph (it still prints an order).
if ! tsort "$edges" >/dev/null 2>"$edges.err"; then
	echo "check-layers: circular includes:"
	sed 's/^tsort: /  /' "$edges.err"
	bad=1
fi
rm -f "$edges.err"
[ "$bad" -eq 0 ] && echo "check-layers: ok ($*)"
exit "$bad"
