#!/bin/sh
# tests/layers.sh [BUILD] - the folders are layers and imports run one way: tools/check_layers.py
# on the tree and BUILD's objects ("ok layers"), then proof that the check can fail, each in a copy
# of the tree (analyzer/ dissectors/ include/ tools/ and BUILD's objects) with one violation
# planted: an upward include, another folder's internal header, an upward call, a circle of files.
# BUILD: the first argument, else $BUILD (tests/run.sh exports it), else build.  Needs python3 and
# nm (cc for the planted calls); prints "skip layers: why" without them.
BUILD=${1:-${BUILD:-build}}
for tool in python3 nm; do
    command -v $tool >/dev/null 2>&1 || { echo "skip layers: $tool is not installed"; exit 0; }
done
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The real tree.
if out=$(python3 tools/check_layers.py --objects "$BUILD" 2>&1); then
    echo "ok layers"
else
    echo "not ok layers: $(printf '%s\n' "$out" | head -1)"
    printf '%s\n' "$out" | sed -n '2,20p' | cut -c1-300 | sed 's/^/    /'
fi

# The copy the plants go into, and what the check says of it unplanted: a plant must add its line.
base=$tmp/base
mkdir -p "$base/objs"
{ cp -R analyzer dissectors include tools "$base/" &&
    cp -R "$BUILD/analyzer" "$BUILD/dissectors" "$base/objs/"; } 2>"$tmp/cp.err" ||
    { echo "not ok layers-catches: cannot copy the tree and $BUILD's objects: $(head -c 200 "$tmp/cp.err" | tr "\n" " ")"; exit 0; }
check() { python3 "$1/tools/check_layers.py" --root "$1" --objects "$1/objs" 2>&1; }
check "$base" | sort > "$tmp/base.out"

# catches NAME PATTERN: the plant in $case made the check fail with a new line matching PATTERN.
catches() {
    out=$(check "$case"); rc=$?
    new=$(printf '%s\n' "$out" | sort | comm -13 "$tmp/base.out" -)
    if [ $rc -ne 0 ] && printf '%s\n' "$new" | grep -q -- "$2"; then
        echo "ok layers-catches-$1: $(printf '%s\n' "$new" | grep -- "$2" | head -1 | cut -c1-200)"
    else
        echo "not ok layers-catches-$1: exit status $rc, no new line matching \"$2\"; new lines:"
        printf '%s\n' "$new" | head -5 | cut -c1-300 | sed 's/^/    /'
    fi
}
fresh() { case=$tmp/$1; rm -rf "$case"; cp -R "$base" "$case"; }
plant_c() {   # plant_c FILE TEXT: a planted C file and its object, compiled into the copy's objects
    printf '%s\n' "$2" > "$case/$1"
    mkdir -p "$(dirname "$case/objs/$1")"
    $CC -c -o "$case/objs/${1%.c}.o" "$case/$1" 2>"$tmp/cc.err"
}

# (a) An upward include: a dissector includes a header of analyzer/app or analyzer/run.
fresh upward-include
hdr=$(cd "$base" && ls analyzer/app/*.h analyzer/run/*.h 2>/dev/null | head -1)
dst=$(cd "$base" && ls dissectors/decode/*.c | head -1)
if [ -z "$hdr" ] || [ -z "$dst" ]; then
    echo "skip layers-catches-upward-include: no header in analyzer/app or analyzer/run, or no dissectors/decode/*.c"
else
    printf '#include "%s"\n' "$hdr" >> "$case/$dst"
    catches upward-include "^$dst: includes \"$hdr\" .*higher layer"
fi

# (b) Another folder's internal header, included from the top layer (analyzer/app): an include
# downward, so that the internal header is all that is wrong with it.
fresh internal-header
int=$(cd "$base" && find analyzer dissectors -name '*_int.h' ! -path 'analyzer/app/*' | sort | head -1)
dst=$(cd "$base" && ls analyzer/app/*.c | head -1)
if [ -z "$int" ] || [ -z "$dst" ]; then
    echo "skip layers-catches-internal-header: no *_int.h below analyzer/app, or no analyzer/app/*.c"
else
    printf '#include "%s"\n' "$int" >> "$case/$dst"
    catches internal-header "^$dst: includes \"$int\".*internal header"
fi

# (c) An upward call: a planted dissector calls the command line's td_parse_options (analyzer/app/cli.c).
# (d) A circle: two planted files in one folder that call each other.
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "skip layers-catches-upward-call: $CC is not installed"
    echo "skip layers-catches-circle: $CC is not installed"
    exit 0
fi
fresh upward-call
if plant_c dissectors/decode/zz_planted_call.c \
    '/* zz_planted_call.c - planted by tests/layers.sh: a dissector that calls the command line. */
int td_parse_options(int argc, char **argv, void *o);
int zz_planted_call(void);
int zz_planted_call(void) { return td_parse_options(0, 0, 0); }'; then
    catches upward-call "^dissectors/decode/zz_planted_call.c: calls td_parse_options in analyzer/app/"
else
    echo "not ok layers-catches-upward-call: cannot compile the planted file: $(head -c 200 "$tmp/cc.err")"
fi

fresh circle
if plant_c dissectors/decode/zz_planted_a.c \
    '/* zz_planted_a.c - planted by tests/layers.sh: calls zz_planted_b, which calls it back. */
int zz_planted_a(int n);
int zz_planted_b(int n);
int zz_planted_a(int n) { return n ? zz_planted_b(n - 1) : 0; }' &&
    plant_c dissectors/decode/zz_planted_b.c \
    '/* zz_planted_b.c - planted by tests/layers.sh: calls zz_planted_a, which calls it back. */
int zz_planted_a(int n);
int zz_planted_b(int n);
int zz_planted_b(int n) { return n ? zz_planted_a(n - 1) : 1; }'; then
    catches circle "^dissectors/decode/zz_planted_a.c: a circle of files.*zz_planted_b.c"
else
    echo "not ok layers-catches-circle: cannot compile the planted files: $(head -c 200 "$tmp/cc.err")"
fi
