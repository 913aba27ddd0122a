#!/bin/sh
# The file readers give the same reports: every capture in samples/ and in ../shared/corpus (when
# it is there) read in place (the default: read windows; and TLSDIAG_READER=mmap) and through
# libpcap (TLSDIAG_READER=pcap) gives byte-identical output, messages and exit status (the
# summary's elapsed time aside), also with a BPF filter (pcap_offline_filter on the bytes read).
# The files of a folder go through one run each way; when the runs differ, each file alone.
BIN=${TLSDIAG:-./tlsdiag}
CORPUS=${CORPUS:-../shared/corpus}
ports=443,8443,25,587,143,110,21,3389,465,993,995,80
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
captures() { find "$1" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' -o -name '*.pcapng.gz' \) | sort; }
dirs=$(find samples -type d | sort)
if [ -d "$CORPUS" ]; then
    dirs="$dirs $(find "$CORPUS" -type d | sort)"
else
    echo "skip reader paths corpus: $CORPUS is absent"
fi
# same ARGS...: both readers on the same command line; 0 when they agree.
same() {
    "$BIN" "$@" >"$tmp/map" 2>&1; echo "exit $?" >>"$tmp/map"
    TLSDIAG_READER=mmap "$BIN" "$@" >"$tmp/mmap" 2>&1; echo "exit $?" >>"$tmp/mmap"
    TLSDIAG_READER=pcap "$BIN" "$@" >"$tmp/pcap" 2>&1; echo "exit $?" >>"$tmp/pcap"
    sed -i -e 's/"elapsed_s":[0-9.]*//' -e 's/^\(Summary: .*\), [0-9.]* s$/\1/' "$tmp/map" "$tmp/mmap" "$tmp/pcap"
    ! grep -q -E 'runtime error|ERROR: (Address|Leak)Sanitizer' "$tmp/map" "$tmp/mmap" "$tmp/pcap" &&
        cmp -s "$tmp/map" "$tmp/pcap" && cmp -s "$tmp/mmap" "$tmp/pcap"
}
runs=0; bad=0; files=0
for d in $dirs; do
    list=$(captures "$d")
    [ -n "$list" ] || continue
    files=$((files + $(printf '%s\n' "$list" | wc -l)))
    for mode in json filter; do
        if [ $mode = json ]; then set -- -A -P $ports --json -v; else set -- -A -P $ports -v 'tcp and not port 80'; fi
        runs=$((runs + 1))
        # shellcheck disable=SC2086
        same "$@" -r $list && continue
        for f in $list; do
            if [ $mode = json ]; then same -A -P $ports --json -v -r "$f"; else same -A -P $ports -v -r "$f" 'tcp and not port 80'; fi && continue
            bad=$((bad + 1))
            echo "not ok reader paths $mode $f: the in-place readers and libpcap differ"
            { diff "$tmp/pcap" "$tmp/map"; diff "$tmp/pcap" "$tmp/mmap"; } | head -8 | sed 's/^/    /'
        done
    done
done
# The key logs carried in pcapng files (secrets type "TLSK", either byte order).
for f in $(find samples -name '*.pcapng' | xargs grep -l -e TLSK -e KSLT 2>/dev/null); do
    runs=$((runs + 1))
    same -v -r "$f" || { bad=$((bad + 1)); echo "not ok reader paths secrets $f: the readers differ"; }
done
if [ $bad -eq 0 ]; then
    echo "ok reader paths: $files captures in $runs runs each way, the in-place readers' reports equal libpcap's"
else
    echo "not ok reader paths: $bad differences"
fi
