# tests/lib/netns.sh - sourced by the live-capture tests (tests/live.sh, tests/live_workers.sh,
# tests/keylog_live.sh, tests/keylog_clients.sh): what they share to run in network namespaces of
# their own and leave none behind.

# ns_pair NS_A IF_A IP_A NS_B IF_B IP_B: two new namespaces joined by a veth pair, a /24 address
# on each end, every link up (loopback too).  Status 1, with why on standard error, otherwise.
ns_pair() {
    ip netns add "$1" && ip netns add "$4" &&
        ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
        ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$4" addr add "$6/24" dev "$5" &&
        ip -n "$1" link set lo up && ip -n "$4" link set lo up &&
        ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

# ns_down NS...: end what runs in each namespace (TERM, then KILL), then delete it.
ns_down() {
    for ns in "$@"; do
        ip netns list 2>/dev/null | grep -q "^$ns\\b" || continue
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
        sleep 0.1
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
}

# wait_grep SECONDS FILE STRING: wait until FILE contains STRING; status 1 if it never does.
wait_grep() {
    n=$(($1 * 10))
    while [ "$n" -gt 0 ]; do
        grep -qF -- "$3" "$2" 2>/dev/null && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
