# tests/lib/netns.sh - sourced by the live-capture tests (tests/live.sh, tests/live_workers.sh,
# tests/keylog_clients.sh):
# what they share to run in network namespaces of their own and leave none behind.

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
