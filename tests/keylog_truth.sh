#!/bin/sh
# Ground truth for the keyless inference: tlsdiag's own decryption (--keylog) reads samples/ (and
# samples/matrix/ when it is there) with their key logs, and tlsdiag's keyless per-connection
# inference must agree with what the encrypted records really held.  One "ok keylog-truth FILE" /
# "not ok keylog-truth FILE: why" per capture with a key log; the table of record label agreement
# follows as "#" comment lines.  With tshark installed, the truth of each sample is also taken from
# tshark's decryption and must be the same record for record ("keylog-truth-tshark FILE").
BIN=${TLSDIAG:-./tlsdiag}
if ! command -v python3 >/dev/null 2>&1; then echo "skip keylog-truth: python3 not installed"; exit 0; fi
S=samples/tls13-ok.pcap
if [ ! -f "$S" ]; then echo "skip keylog-truth: samples/ not made yet"; exit 0; fi
out=$("$BIN" --json -v -A --cacert samples/ca/test-root-ca.pem -r "$S" 2>/dev/null)
case $out in
    *'"ladder"'*'"inference"'* | *'"inference"'*'"ladder"'*) ;;
    *) echo "skip keylog-truth: tlsdiag has no ladder inference yet"; exit 0 ;;
esac
# The bundled samples: every capture's facts must agree.
python3 tests/crosscheck/keylog_truth.py --tap --tlsdiag "$BIN" samples
# tshark as an independent cross-check of tlsdiag's decryption: the same truth from both.
if command -v tshark >/dev/null 2>&1; then
    norm() { sed -e 's/^\(  stream\) [0-9]*/\1/' -e 's/frame [0-9]* *//' -e 's/+ *[0-9.]*ms//' -e 's/ inner=[0-9]* overhead=[0-9]*//' -e 's/  */ /g'; }
    for cap in samples/*.pcap samples/*.pcapng; do
        stem=$(basename "$cap"); stem=${stem%.*}
        [ -f "samples/keylog/$stem.keylog" ] || continue
        own=$(python3 tests/crosscheck/keylog_truth.py --dump-truth --tlsdiag "$BIN" "$cap" | norm)
        ref=$(python3 tests/crosscheck/keylog_truth.py --dump-truth --truth tshark "$cap" | norm)
        if [ "$own" = "$ref" ]; then
            echo "ok keylog-truth-tshark $cap"
        else
            echo "not ok keylog-truth-tshark $cap: tlsdiag's decryption and tshark's differ:"
            printf '%s\n' "$own" > /tmp/keylog-truth-own.$$
            printf '%s\n' "$ref" | diff /tmp/keylog-truth-own.$$ - | head -10 | sed 's/^/#   /'
            rm -f /tmp/keylog-truth-own.$$
        fi
    done
else
    echo "skip keylog-truth-tshark: tshark not installed (the cross-check of the decryption)"
fi
# The matrix of stacks: the agreement rates must not fall below what they are (the table, and the
# captures that disagree, are printed as "#" lines; the note of each change explains them).
[ -d samples/matrix ] || { echo "skip keylog-truth matrix: samples/matrix absent"; exit 0; }
# (Facts: 95.9% on the 280 captures before issue 21's additions (95.5% before it); the NSS,
# Erlang, wolfSSL and other clients added then abort TLS 1.3 flights where the inference rightly
# abstains on the client certificate, so the whole matrix stands at 93.4%.)
REC_FLOOR=98.0 FACT_FLOOR=93.0
python3 tests/crosscheck/keylog_truth.py --tlsdiag "$BIN" samples/matrix > /tmp/keylog-truth.$$ 2>&1
sed 's/^/# /' /tmp/keylog-truth.$$
python3 - "$REC_FLOOR" "$FACT_FLOOR" /tmp/keylog-truth.$$ <<'PY'
import sys
rec_floor, fact_floor, path = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
row = [l.split() for l in open(path) if l.startswith("all ")]
if not row:
    print("not ok keylog-truth matrix: no summary row")
    sys.exit(0)
r = row[-1]
rec, facts = float(r[6].rstrip("%")), float(r[10].rstrip("%"))
ok = rec >= rec_floor and facts >= fact_floor
print(("ok" if ok else "not ok") + f" keylog-truth matrix: records {rec}% (floor {rec_floor}%), facts {facts}% (floor {fact_floor}%)")
PY
rm -f /tmp/keylog-truth.$$
exit 0
