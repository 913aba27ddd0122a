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
# Files of many windows (the first read, then the read-ahead thread's: analyzer/capture/read_ahead.c):
# a generated bulk capture of 4 MB and 600 handshakes, as pcap and (with editcap) pcapng, and each
# cut in the middle of a record of a later window, so that the end comes with a record half there.
if cc -std=c17 -D_GNU_SOURCE -O1 -o "$tmp/gencap" tests/bench/gencap.c $(pkg-config --cflags --libs openssl 2>/dev/null || echo -lcrypto) -lm 2>"$tmp/cc.err" &&
    "$tmp/gencap" bulk --size-mb 4 -s 5 --keys tests/bench/keys --ca "$tmp/ca.pem" -o "$tmp/bulk.pcap" 2>/dev/null &&
    "$tmp/gencap" handshake -n 600 -s 5 --keys tests/bench/keys --ca "$tmp/ca.pem" -o "$tmp/hs.pcap" 2>/dev/null; then
    big="$tmp/bulk.pcap $tmp/hs.pcap"
    if command -v editcap >/dev/null 2>&1; then
        editcap -F pcapng "$tmp/bulk.pcap" "$tmp/bulk.pcapng" && editcap -F pcapng "$tmp/hs.pcap" "$tmp/hs.pcapng" &&
            big="$big $tmp/bulk.pcapng $tmp/hs.pcapng"
    else
        echo "skip reader paths pcapng windows: editcap is absent"
    fi
    for f in $big; do
        head -c 2000777 "$f" >"$f.cut"
        for g in "$f" "$f.cut"; do
            runs=$((runs + 1)); files=$((files + 1))
            same --json -v --cacert "$tmp/ca.pem" -r "$g" && continue
            bad=$((bad + 1))
            echo "not ok reader paths windows $(basename "$g"): the in-place readers and libpcap differ"
            { diff "$tmp/pcap" "$tmp/map"; diff "$tmp/pcap" "$tmp/mmap"; } | head -8 | sed 's/^/    /'
        done
    done
    grep -q "truncated" "$tmp/map" ||
        { bad=$((bad + 1)); echo "not ok reader paths windows: a file cut mid-record is not called truncated"; sed 's/^/    /' "$tmp/map" | tail -3; }
else
    bad=$((bad + 1))
    echo "not ok reader paths windows: cannot build or run tests/bench/gencap.c: $(head -c 300 "$tmp/cc.err")"
fi
if [ $bad -eq 0 ]; then
    echo "ok reader paths: $files captures in $runs runs each way, the in-place readers' reports equal libpcap's"
else
    echo "not ok reader paths: $bad differences"
fi
