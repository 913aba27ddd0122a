#!/bin/sh
# The progress line (analyzer/run/progress.c) on real pseudo-terminals: tests/progress_check.py, on a
# generated capture of 3000 connections (tests/bench/gencap.c), 32 at a time so that it spans 23 s:
# a connection held for its later siblings holds the report behind it for 10 s of capture time (up to
# 4096 connections, analyzer/run/run_connection.c), and the reports must come out while the file is read.
BIN=${TLSDIAG:-./tlsdiag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v python3 >/dev/null 2>&1; then echo "skip progress: python3 not installed"; exit 0; fi
if cc -std=c17 -D_GNU_SOURCE -O1 -o "$tmp/gencap" tests/bench/gencap.c $(pkg-config --cflags --libs openssl 2>/dev/null || echo -lcrypto) -lm 2>"$tmp/cc.err" &&
    "$tmp/gencap" handshake -n 3000 -c 32 -s 11 --keys tests/bench/keys --ca "$tmp/ca.pem" -o "$tmp/g.pcap" 2>/dev/null; then
    python3 tests/progress_check.py "$BIN" "$tmp/g.pcap" "$tmp/ca.pem"
else
    echo "not ok progress generated capture: cannot build or run tests/bench/gencap.c: $(head -c 300 "$tmp/cc.err")"
fi
