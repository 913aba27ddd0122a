#!/bin/sh
# tlsdiag's decryption against tshark's: for every capture with a key log (samples/keylog/,
# samples/matrix/, samples/keylog-suites/), the handshake messages (ordered, per direction) and
# alerts that tshark decrypts must be the ones in tlsdiag's --keylog -v --json ladder.  One
# "ok keylog-tshark FILE" / "not ok keylog-tshark FILE: first difference" per capture
# (tests/crosscheck/keylog_tshark.py; its --keyless and --no-keys modes check the check).
BIN=${TLSDIAG:-./tlsdiag}
if ! command -v tshark >/dev/null 2>&1; then echo "skip keylog-tshark: tshark not installed"; exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then echo "skip keylog-tshark: python3 not installed"; exit 0; fi
if ! "$BIN" --help 2>&1 | grep -q -- '--keylog'; then
    echo "skip keylog-tshark: tlsdiag has no --keylog yet"
    exit 0
fi
dirs=
for d in samples samples/matrix samples/keylog-suites; do
    [ -d "$d" ] && dirs="$dirs $d"
done
python3 tests/crosscheck/keylog_tshark.py --tlsdiag "$BIN" $dirs
exit 0
