#!/bin/sh
# Matrix tests: every capture listed in samples/matrix/expected.txt (made by
# samples/matrix/make-matrix.sh with many real TLS servers and clients) must get the verdicts and
# confidences written there, one per connection, in order.  The expectations are the truth of
# what happened in each capture (from its scenario and the decrypted capture), not what tlsdiag
# printed when they were written.
#   TLSDIAG=path/to/tlsdiag sh tests/matrix.sh
BIN=${TLSDIAG:-./tlsdiag}
DIR=samples/matrix
if [ ! -f "$DIR/expected.txt" ]; then
    echo "skip matrix: $DIR/expected.txt is absent"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "skip matrix: python3 is not installed"
    exit 0
fi
pass=0 fail=0
# FILE VERDICTS CONFIDENCES  # comment
while read -r file verdicts confs rest; do
    case $file in ''|'#'*) continue ;; esac
    if [ ! -f "$DIR/$file" ]; then
        echo "not ok matrix $file: file missing"
        fail=$((fail + 1))
        continue
    fi
    got=$("$BIN" --json --cacert "$DIR/ca/root.pem" -r "$DIR/$file" 2>/dev/null | python3 -c '
import json, sys
v, c = [], []
for line in sys.stdin:
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("type") == "connection":
        v.append(str(o.get("verdict")))
        c.append(str(o.get("confidence")))
print(",".join(v) or "-", ",".join(c) or "-")
')
    want="$verdicts $confs"
    # A verdict tlsdiag gives on purpose although the truth differs (what the wire cannot show
    # without keys) is listed in arguable.txt with the reason; it must match that exactly.
    known=$(awk -v f="$file" '$1 == f { print $2 " " $3 }' "$DIR/arguable.txt" 2>/dev/null)
    if [ "$got" = "$want" ] && [ -n "$known" ]; then
        # The truth is met: an arguable line left for it would excuse a later regression.
        echo "not ok matrix $file: matches the truth, but samples/matrix/arguable.txt still lists it ($known)"
        fail=$((fail + 1))
    elif [ "$got" = "$want" ]; then
        echo "ok matrix $file"
        pass=$((pass + 1))
    elif [ -n "$known" ] && [ "$got" = "$known" ]; then
        echo "ok matrix $file (arguable: the truth is $want; see samples/matrix/arguable.txt)"
        pass=$((pass + 1))
    else
        echo "not ok matrix $file: want $want got $got"
        fail=$((fail + 1))
    fi
done < "$DIR/expected.txt"
echo "matrix: $pass passed, $fail failed"
