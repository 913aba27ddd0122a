# tests/lib/replay_lab.sh - sourced by the live tests that replay samples/matrix into a veth pair
# (tests/live_workers.sh, tests/live_defaults.sh), after they set LAB (their name, for the output
# lines), NS_R/IF_R (the replaying end) and NS_C/IF_C (the capturing end) and TLSDIAG.  It gives
# skip, ok, notok and check; checks what the tests need (root, ip, tcpreplay, python3, the
# binary, the matrix); makes $T and the two namespaces joined by the pair (MTU 9000: the
# matrix's largest frames); cleans up on any exit (TD_LIVE_KEEP=1 keeps $T); and gives start,
# listening, stop and conns for tlsdiag runs in the capturing namespace.

skip() { echo "skip $LAB: $*"; exit 0; }
ok() { echo "ok $LAB $1"; }
notok() { echo "not ok $LAB $1: $2"; }
check() {  # NAME WHY CONDITION...
    name=$1 why=$2
    shift 2
    if "$@" >/dev/null 2>&1; then ok "$name"; else notok "$name" "$why"; fi
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces and packet capture)"
for tool in ip tcpreplay python3; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
[ -x "$TLSDIAG" ] || skip "no tlsdiag binary at $TLSDIAG"
ls samples/matrix/*.pcap >/dev/null 2>&1 || skip "no samples/matrix captures"

T=$(mktemp -d "/tmp/tlsdiag-$LAB.XXXXXX") || skip "cannot make a temporary directory"
PIDS=""
. "$(dirname "$0")/lib/netns.sh"           # ns_down, wait_grep, wait_gone
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    ns_down "$NS_R" "$NS_C"
    if [ -n "${TD_LIVE_KEEP:-}" ]; then echo "# $LAB: outputs kept in $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE   # PIPE: e.g. piped into head; the EXIT trap still cleans up

ip netns add "$NS_R" && ip netns add "$NS_C" || skip "cannot make network namespaces"
ip link add "$IF_R" netns "$NS_R" type veth peer name "$IF_C" netns "$NS_C" || skip "cannot make a veth pair"
for ns in "$NS_R:$IF_R" "$NS_C:$IF_C"; do
    ip -n "${ns%%:*}" link set "${ns#*:}" mtu 9000 up
    ip -n "${ns%%:*}" link set lo up
done

# start NAME ARGS...: tlsdiag in the capture namespace, JSON to $T/NAME.json, stderr to .err
start() {
    name=$1
    shift
    # ip netns exec execs tlsdiag: $! is tlsdiag itself, which the signals must reach.
    # --duration: a time limit should a check go wrong (a later one on the line wins).
    # --no-siblings: the replay merges hundreds of captures that share their addresses, so their
    # connections would pass for siblings, and what siblings lend depends on the order in which
    # connections end, which differs between one worker, two and the offline read.
    ip netns exec "$NS_C" "$TLSDIAG" -i "$IF_C" --json --no-siblings -Z root --duration 60 "$@" >"$T/$name.json" 2>"$T/$name.err" &
    eval "pid_$name=$!"
    PIDS="$PIDS $!"
}
listening() { wait_grep 10 "$T/$1.err" "listening on"; }
stop() {  # NAME [SIGNAL]: end it and wait; its exit status in $T/NAME.rc
    eval "p=\$pid_$1"
    kill -"${2:-INT}" "$p" 2>/dev/null
    wait "$p"
    echo $? >"$T/$1.rc"
}
conns() { grep -c '"type":"connection"' "$1" 2>/dev/null; }
