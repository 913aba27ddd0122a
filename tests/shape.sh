#!/bin/sh
# tests/shape.sh - the house's shape (tools/check_shape.py): every source file, the unit tests and
# fuzz harnesses too, opens with a one-sentence summary naming it, has at most 700 lines, and no
# function over 80 lines.  Then the
# check is shown to fail on a planted file of each kind.  Needs python3.
set -u
command -v python3 >/dev/null 2>&1 || { echo "skip shape: python3 is not installed"; exit 0; }
out=$(python3 tools/check_shape.py 2>&1)
if [ $? -eq 0 ]; then echo "ok shape"; else echo "not ok shape: $(echo "$out" | head -1) ($(echo "$out" | wc -l) problems)"; fi

T=$(mktemp -d /tmp/tlsdiag-shape.XXXXXX) || exit 0
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/analyzer/app"
plant() {  # NAME EXPECTED-WORDS: check_shape on the planted tree must fail, saying EXPECTED-WORDS
    got=$(python3 tools/check_shape.py --root "$T" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] && echo "$got" | grep -q "$2"; then echo "ok shape-catches-$1"
    else echo "not ok shape-catches-$1: status $rc, output: $(echo "$got" | head -1)"; fi
    rm -f "$T"/analyzer/app/*
}
printf '/* planted.c - a file of the right shape. */\nint planted(void)\n{\n    return 0;\n}\n' > "$T/analyzer/app/planted.c"
if python3 tools/check_shape.py --root "$T" >/dev/null 2>&1; then echo "ok shape-passes-planted-good"
else echo "not ok shape-passes-planted-good: $(python3 tools/check_shape.py --root "$T" | head -1)"; fi
rm -f "$T"/analyzer/app/*
printf '#include <stdio.h>\n/* no summary first */\n' > "$T/analyzer/app/nosummary.c"
plant missing-summary 'does not open with'
{ echo '/* long.c - a file too long. */'; i=0; while [ $i -lt 720 ]; do echo "int v$i;"; i=$((i + 1)); done; } > "$T/analyzer/app/long.c"
plant long-file '721 lines (at most 700)'
{ printf '/* longfn.c - a function too long. */\nint longfn(int x)\n{\n'; i=0; while [ $i -lt 85 ]; do echo "    x += $i;"; i=$((i + 1)); done; printf '    return x;\n}\n'; } > "$T/analyzer/app/longfn.c"
plant long-function 'function longfn is 89 lines'

# No merge left half done: conflict markers in a tracked file.
if command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
    left=$(git grep -n -I -e '^<<<<<<< ' -e '^>>>>>>> ' -- . 2>/dev/null | head -3)
    if [ -z "$left" ]; then echo "ok shape-no-merge-markers"; else echo "not ok shape-no-merge-markers: $left"; fi
else
    echo "skip shape-no-merge-markers: not a git checkout"
fi
