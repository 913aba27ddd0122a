#!/bin/sh
# --html in a real browser: headless Chromium loads the page of every sample, the DOM must hold
# every connection and the script must have run (data-ready), with no console errors; a page with
# a script error must be caught (the check can fail); a screenshot is taken.
BIN=${TLSDIAG:-./tlsdiag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CHR=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHR" ]; then echo "skip html: chromium not installed (tools/install-deps.sh test installs it)"; exit 0; fi
run() { timeout 60 "$CHR" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/prof" --enable-logging=stderr --v=0 "$@"; }
"$BIN" --cacert samples/ca/test-root-ca.pem -r samples/*.pcap --html "$tmp/r.html" > /dev/null
want=$("$BIN" --json --cacert samples/ca/test-root-ca.pem -r samples/*.pcap | grep -c '"type":"connection"')
run --dump-dom "file://$tmp/r.html" > "$tmp/dom" 2> "$tmp/err"
got=$(grep -o '<article class="conn[^>]*id="conn-[0-9]*"' "$tmp/dom" | sort -u | wc -l)
if [ "$got" -eq "$want" ] && [ "$want" -gt 0 ]; then echo "ok html every connection in the DOM ($got)"; else echo "not ok html DOM holds $got of $want connections"; fi
if grep -q 'data-ready="1"' "$tmp/dom"; then echo "ok html script ran"; else echo "not ok html script did not run"; fi
if grep -q 'CONSOLE' "$tmp/err"; then echo "not ok html console messages: $(grep CONSOLE "$tmp/err" | head -3)"; else echo "ok html no console errors"; fi
if grep -Eiq '(src|href)="(https?:)?//' "$tmp/r.html"; then echo "not ok html page fetches from the network"; else echo "ok html self-contained"; fi
# A server name that is markup (tests/gen/hostile_sni_pcap.py) stays text: no element, no script.
python3 tests/gen/hostile_sni_pcap.py "$tmp/h.pcap" && "$BIN" -r "$tmp/h.pcap" --html "$tmp/h.html" > /dev/null
if [ -s "$tmp/h.html" ]; then
    run --dump-dom "file://$tmp/h.html" > "$tmp/hdom" 2> "$tmp/herr"
    if grep -q 'data-ready="1"' "$tmp/hdom" && ! grep -qi '<img' "$tmp/hdom" && ! grep -q 'id="pwned"' "$tmp/hdom" &&
        ! grep -q '<title>pwned' "$tmp/hdom" && ! grep -q CONSOLE "$tmp/herr" &&
        grep -q '&lt;img id=pwned src=x onerror=' "$tmp/hdom"; then
        echo "ok html a hostile server name is shown as text"
    else
        echo "not ok html a hostile server name became markup: $(grep -io '<img[^>]*>' "$tmp/hdom" | head -1)"
    fi
else
    echo "not ok html cannot make or read the hostile-SNI capture"
fi
printf '<html><body><script>nosuchfn();</script></body></html>' > "$tmp/bad.html"
run --dump-dom "file://$tmp/bad.html" > /dev/null 2> "$tmp/err2"
if grep -q CONSOLE "$tmp/err2"; then echo "ok html a script error is caught"; else echo "not ok html a script error went unnoticed"; fi
run --hide-scrollbars --window-size=1000,1400 --screenshot="$tmp/shot.png" "file://$tmp/r.html" > /dev/null 2>&1
if [ -s "$tmp/shot.png" ]; then echo "ok html screenshot"; else echo "not ok html no screenshot"; fi
