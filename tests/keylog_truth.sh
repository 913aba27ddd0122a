#!/bin/sh
# Ground truth for the keyless inference: tshark decrypts samples/ (and samples/matrix/ when it is
# there) with their key logs, and tlsdiag's per-connection inference must agree with what the
# encrypted records really held.  One "ok keylog-truth FILE" / "not ok keylog-truth FILE: why" per
# capture with a key log; the table of record label agreement follows as "#" comment lines.
BIN=${TLSDIAG:-./tlsdiag}
if ! command -v tshark >/dev/null 2>&1; then echo "skip keylog-truth: tshark not installed"; exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then echo "skip keylog-truth: python3 not installed"; exit 0; fi
S=samples/tls13-ok.pcap
if [ ! -f "$S" ]; then echo "skip keylog-truth: samples/ not made yet"; exit 0; fi
out=$("$BIN" --json -v -A --cacert samples/ca/test-root-ca.pem -r "$S" 2>/dev/null)
case $out in
    *'"ladder"'*'"inference"'* | *'"inference"'*'"ladder"'*) ;;
    *) echo "skip keylog-truth: tlsdiag has no ladder inference yet"; exit 0 ;;
esac
dirs=samples
[ -d samples/matrix ] && dirs="$dirs samples/matrix"
# shellcheck disable=SC2086
python3 tests/crosscheck/keylog_truth.py --tap --tlsdiag "$BIN" $dirs
exit 0
