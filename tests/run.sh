#!/bin/sh
# tests/run.sh BUILD BIN [TIER...] - run the tests that tests/TESTLIST lists in the tiers named
# (unit, golden, cli, live, keylog, crosscheck, browser, fuzz, bench), in the list's order; with no
# tier named, every tier but fuzz and bench (what `make test` runs).  Prints "# TIER TEST" before
# each test, every line but the "ok" ones, and ends with "N passed, N failed, N skipped"; exits
# non-zero when anything failed.  Each test prints "ok NAME", "not ok NAME" or "skip NAME: why";
# this script counts them.  The tests find TLSDIAG=BIN and BUILD in their environment.  It also
# checks the list itself: every tests/*.sh but this one is listed exactly once, and every test
# listed is there ("ok testlist" / "not ok testlist ...").
BUILD=${1:-build}
BIN=${2:-./tlsdiag}
if [ $# -ge 2 ]; then shift 2; else set --; fi
export TLSDIAG="$BIN" BUILD
LIST=tests/TESTLIST
TIERS="unit golden cli live keylog crosscheck browser fuzz bench"
DEFAULT_TIERS="unit golden cli live keylog crosscheck browser"
want=${*:-$DEFAULT_TIERS}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# The list's entries, "TIER TEST FIELDS" a line (comments and blank lines dropped).
entries() { sed -e 's/#.*//' "$LIST" | awk 'NF { print $1, $2, NF }'; }

# check_list: the list against tests/*.sh; one "not ok testlist ..." per problem, else "ok testlist".
check_list() {
    [ -f "$LIST" ] || { echo "not ok testlist: $LIST is missing"; return; }
    bad=0
    for t in $want; do
        case " $TIERS " in *" $t "*) ;; *) echo "not ok testlist: no tier \"$t\" (tiers: $TIERS)"; bad=1 ;; esac
    done
    problems=$(entries | while read -r tier test nf; do
        [ "$nf" -eq 2 ] || echo "not ok testlist: \"$tier $test ...\": want TIER TEST # comment"
        case " $TIERS " in *" $tier "*) ;; *) echo "not ok testlist $test: no tier \"$tier\"" ;; esac
        case $test in
        make:?*) ;;
        tests/unit/*.c) set -- $test; [ -f "$1" ] || echo "not ok testlist $test: no such file" ;;
        tests/*.sh) [ -f "$test" ] || echo "not ok testlist $test: listed but missing" ;;
        *) echo "not ok testlist $test: not tests/NAME.sh, tests/unit/*.c or make:TARGET" ;;
        esac
    done)
    [ -n "$problems" ] && { printf '%s\n' "$problems"; bad=1; }
    for s in tests/*.sh; do
        [ "$s" = tests/run.sh ] && continue
        [ -f "$s" ] || continue
        n=$(entries | awk -v s="$s" '$2 == s' | wc -l)
        if [ "$n" -eq 0 ]; then echo "not ok testlist $s: not listed in $LIST"; bad=1
        elif [ "$n" -gt 1 ]; then echo "not ok testlist $s: listed $n times in $LIST"; bad=1; fi
    done
    [ $bad = 0 ] && echo "ok testlist: every tests/*.sh listed once in $LIST"
}

# run_test TIER TEST: one entry of the list.
run_test() {
    case $2 in
    make:*)
        echo "# $1 make ${2#make:}"
        if make --no-print-directory "${2#make:}" 2>&1; then echo "ok $1 make ${2#make:}"
        else echo "not ok $1 make ${2#make:}: exit status $?"; fi ;;
    *.c)
        for src in $2; do
            n=$(basename "$src" .c)
            t=$BUILD/tests/$n
            echo "# $1 $t"
            if [ -x "$t" ]; then "$t" 2>&1 || echo "not ok $n exited with status $?"
            else echo "skip $n: $t is not built (make $t)"; fi
        done ;;
    *)
        echo "# $1 $2"
        [ -f "$2" ] && sh "$2" 2>&1 ;;
    esac
}

{
    check_list
    # Read the whole list first: the tests do not get it on their standard input.
    list=$(entries | awk '{ print $1 ":" $2 }')
    set -f
    for e in $list; do
        set +f
        case " $want " in *" ${e%%:*} "*) run_test "${e%%:*}" "${e#*:}" ;; esac
    done
    set +f
} | tee "$out" | grep -v '^ok '
passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^not ok ' "$out")
skipped=$(grep -c '^skip ' "$out")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
