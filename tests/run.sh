#!/bin/sh
# tests/run.sh BUILD BIN [TIER...] - run the tests that tests/TESTLIST lists in the tiers named
# (unit, golden, cli, live, keylog, crosscheck, browser, fuzz, bench); with no tier named, every
# tier but fuzz and bench (what `make test` runs).  Prints "# TIER TEST" before each test's output,
# every line but the "ok" ones, and ends with "N passed, N failed, N skipped";
# exits non-zero when anything failed.  Each test prints "ok NAME", "not ok NAME" or "skip NAME: why";
# this script counts them.  The tests find TLSDIAG=BIN and BUILD in their environment.  It also
# checks the list itself: every tests/*.sh but this one is listed exactly once, and every test
# listed is there ("ok testlist" / "not ok testlist ...").
#
# Tests run TEST_JOBS at a time (default: the online cores), each with its output kept apart and
# printed whole when it ends.  The live tier runs one test at a time (each has namespaces of its
# own, but two at once would measure each other's load) and make: entries run alone (make has jobs
# of its own).  The longest tests start first: each test's time is kept in BUILD/test-times, and
# tests/test-times.txt seeds it on a fresh clone (a stale time only changes the order).
# TEST_JOBS=1 runs them one after another.
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

# The entries to run, in list order: "INDEX TIER TEST" a line.
list=$(entries | awk '{ print $1 ":" $2 }')
todo=$(mktemp)
n=0
set -f
for e in $list; do
    case " $want " in *" ${e%%:*} "*) n=$((n + 1)); echo "$n ${e%%:*} ${e#*:}" >>"$todo" ;; esac
done
set +f

jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in ''|*[!0-9]*|0) jobs=1 ;; esac
work=$(mktemp -d)
trap 'rm -f "$out" "$todo"; rm -rf "$work"' EXIT
times=$BUILD/test-times
mkdir -p "$BUILD" 2>/dev/null

# python3 reached through a version manager's shim (pyenv's is a shell script) takes 0.3 s more to
# start than the interpreter it resolves to, and the tests start python3 hundreds of times: they get
# that interpreter itself, first on their PATH.
if py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$py" ] &&
   [ "$(readlink -f "$py")" != "$(readlink -f "$(command -v python3)")" ]; then
    mkdir -p "$work/bin" && ln -s "$py" "$work/bin/python3" && PATH="$work/bin:$PATH" && export PATH
fi

# The start order: longest known time first (BUILD/test-times over tests/test-times.txt), unknown
# ones first of all, in list order (a new test might be long).
order=$(for f in tests/test-times.txt "$times"; do [ -f "$f" ] && grep -v '^#' "$f"; done |
        awk -v todo="$todo" '{ t[$1] = $2 } END { while ((getline l < todo) > 0) { split(l, e, " ");
                                                   print (e[3] in t ? t[e[3]] : 1e9), e[1] } }' |
        sort -k1,1gr -k2,2n -s | awk '{ print $2 }')
[ -n "$order" ] || order=$(awk '{ print $1 }' "$todo")

# start INDEX: run that entry in the background; its output goes to work/INDEX.out, then
# work/INDEX.done holds its time in seconds.
start() {
    set -f      # TEST may be a pattern (tests/unit/test_*.c): run_test expands it
    set -- $(awk -v i="$1" '$1 == i { print $1, $2, $3; exit }' "$todo")
    set +f
    t0=$(date +%s)
    ( run_test "$2" "$3" >"$work/$1.out" 2>&1 </dev/null
      echo "$3 $(( $(date +%s) - t0 ))" >"$work/$1.done.tmp"; mv "$work/$1.done.tmp" "$work/$1.done" ) &
}

kind() { awk -v i="$1" '$1 == i { print ($3 ~ /^make:/ ? "alone" : ($2 == "live" ? "live" : "any")); exit }' "$todo"; }

{
    check_list
    running=""     # INDEX:KIND of the tests started and not done
    pending=$order
    while [ -n "$pending" ] || [ -n "$running" ]; do
        # Print the finished ones, whole, as they finish.
        still=""
        for r in $running; do
            if [ -f "$work/${r%%:*}.done" ]; then
                cat "$work/${r%%:*}.out"
                cat "$work/${r%%:*}.done" >>"$work/times"
            else still="$still $r"; fi
        done
        running=$still
        # Start what may start: the first pending entry that fits beside the ones running.
        nrun=$(echo $running | wc -w)
        case " $running " in *":alone "*) blocked_all=1 ;; *) blocked_all=0 ;; esac
        case " $running " in *":live "*) live_running=1 ;; *) live_running=0 ;; esac
        left=""
        for i in $pending; do
            k=$(kind "$i")
            if [ $blocked_all = 0 ] && [ "$nrun" -lt "$jobs" ] &&
               { [ $k != alone ] || [ "$nrun" -eq 0 ]; } && { [ $k != live ] || [ $live_running = 0 ]; }; then
                start "$i"
                running="$running $i:$k"
                nrun=$((nrun + 1))
                [ $k = alone ] && blocked_all=1
                [ $k = live ] && live_running=1
            else
                left="$left $i"
            fi
        done
        pending=$left
        [ -n "$running" ] && sleep 0.2
    done
} | tee "$out" | grep -v '^ok '
# Keep the times for the next run's order: the old ones updated by this run's.
if [ -f "$work/times" ]; then
    { [ -f "$times" ] && cat "$times"; cat "$work/times"; } |
        awk '{ t[$1] = $2 } END { for (k in t) print k, t[k] }' | sort >"$work/times.new" &&
        cp "$work/times.new" "$times" 2>/dev/null
fi
passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^not ok ' "$out")
skipped=$(grep -c '^skip ' "$out")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
