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

# ns_down NS...: end what runs in each namespace (TERM, then KILL), then delete it.  Not a way to
# stop a capture: stop it by its pid (SIGINT) and wait for it, so that it writes what it has.
ns_down() {
    for ns in "$@"; do
        ip netns list 2>/dev/null | grep -q "^$ns\\b" || continue
        nd_pids=$(ip netns pids "$ns" 2>/dev/null)
        for p in $nd_pids; do kill "$p" 2>/dev/null; done
        # shellcheck disable=SC2086
        wait_gone 2 $nd_pids
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

# ---- waiting on events rather than sleeping (tests/udp_note.sh, tests/keylog_*.sh, tests/live*.sh) --
# Every wait below is a bounded poll: when the event never comes the caller goes on, and its own
# checks say what is missing.

# wait_port NS tcp|udp PORT SECONDS: wait until a socket in namespace NS listens on (TCP) or is
# bound to (UDP) PORT; status 1 if none does in time.
wait_port() {
    case $2 in udp) wp_o=-Hlun ;; *) wp_o=-Hltn ;; esac
    n=$(($4 * 10))
    while [ "$n" -gt 0 ]; do
        [ -n "$(ip netns exec "$1" ss $wp_o "sport = :$3" 2>/dev/null)" ] && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# wait_grep_re SECONDS FILE ERE: like wait_grep, for an extended regular expression.
wait_grep_re() {
    n=$(($1 * 10))
    while [ "$n" -gt 0 ]; do
        grep -Eq -- "$3" "$2" 2>/dev/null && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# pcap_count FILE [FILTER]: how many packets (matching FILTER) FILE holds so far (a capture being
# written with -U may end in half a packet: what is whole is counted).
pcap_count() {
    pc_f=$1
    shift
    tcpdump -nn -r "$pc_f" "$@" 2>/dev/null | wc -l
}

# wait_pcap SECONDS FILE COUNT [FILTER]: wait until FILE holds at least COUNT packets (matching
# FILTER); status 1 if it never does.
wait_pcap() {
    n=$(($1 * 10)) wp_f=$2 wp_c=$3
    shift 3
    while [ "$n" -gt 0 ]; do
        [ "$(pcap_count "$wp_f" "$@")" -ge "$wp_c" ] && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# alive PID: running, and not a zombie waiting to be reaped (kill -0 succeeds on those).
alive() {
    st=$(sed -n 's/^[0-9]* (.*) \(.\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ]
}

# wait_gone SECONDS PID...: wait until every PID has ended; status 1 if one still runs.
wait_gone() {
    n=$(($1 * 10))
    shift
    for wg_p in "$@"; do
        while alive "$wg_p"; do
            [ "$n" -gt 0 ] || return 1
            sleep 0.1
            n=$((n - 1))
        done
    done
    return 0
}

# child_of PID: the (first) child process of PID, e.g. the tcpdump a `timeout` runs.
child_of() {
    n=50
    while [ "$n" -gt 0 ]; do
        co=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
        [ -n "$co" ] && { echo "${co%% *}"; return 0; }
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# tcpdump_synced SECONDS PID LOG: wait until the tcpdump PID (whose standard error goes to LOG)
# has written every packet the kernel handed it: SIGUSR1 makes it print its counts, and
# "N packets captured" equals "N packets received by filter" once nothing waits in its buffer.
# Not for -i lo (there the kernel counts each packet twice, outgoing and incoming, and libpcap
# keeps one): there wait for the packets themselves (wait_pcap).  Status 1 if never in time.
tcpdump_synced() {
    n=$(($1 * 10)) ts_p=$2 ts_log=$3
    while [ "$n" -gt 0 ]; do
        ts_before=$(grep -c 'packets\{0,1\} captured, ' "$ts_log" 2>/dev/null)
        kill -USR1 "$ts_p" 2>/dev/null || return 1
        m=20
        while [ "$m" -gt 0 ] && [ "$(grep -c 'packets\{0,1\} captured, ' "$ts_log" 2>/dev/null)" -le "$ts_before" ]; do
            sleep 0.05
            m=$((m - 1))
        done
        # shellcheck disable=SC2046 # the three numbers, one word each
        set -- $(grep 'packets\{0,1\} captured, ' "$ts_log" | tail -n 1 | sed 's/[^0-9 ]//g')
        [ $# -ge 2 ] && [ "$1" = "$2" ] && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
