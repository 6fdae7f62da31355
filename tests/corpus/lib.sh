# tests/corpus/lib.sh — helpers shared by corpus entries.
# An entry sources it with:  . "$HERE/../lib.sh"
# Nothing here runs anything at source time; it only defines functions.

# corpus_q STRING: STRING quoted for a shell command line, so that paths under
# $WORK can be baked into PROBE and BEFORE_EACH (which are run by sh -c and do
# not see the entry's variables).
corpus_q() { printf '%q' "$1"; }

# corpus_open_work: let unprivileged service users reach $WORK.  The runner
# creates $WORK with mode 0700 (mktemp -d); a service that switches to
# www-data, postgres, ... must be able to traverse it.  Fails with a message
# when a parent directory is not traversable by others.
corpus_open_work() {
    chmod 0755 "$WORK" || return 1
    local d=$WORK
    while [ "$d" != / ] && [ -n "$d" ]; do
        d=$(dirname "$d")
        if [ "$(( $(stat -c '0%a' "$d") & 1 ))" = 0 ]; then
            echo "corpus: $d is not traversable by others; unprivileged service users cannot reach $WORK" >&2
            return 1
        fi
    done
}
