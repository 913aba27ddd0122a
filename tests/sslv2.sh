#!/bin/sh
# SSLv2 sessions past the hellos, end to end: tests/gen/sslv2_pcap.py synthesises a capture (no
# SSLv2 stack exists to record one), ./tlsdiag reads it, and the JSON must hold the session's
# facts: CLIENT-MASTER-KEY (packet, chosen cipher kind, key lengths), encrypted records both
# ways with the packet of the first each way, and an ERROR in place of a SERVER-HELLO.
BIN=${TLSDIAG:-./tlsdiag}
if ! command -v python3 >/dev/null 2>&1; then echo "skip sslv2: python3 not installed"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 tests/gen/sslv2_pcap.py "$tmp/s.pcap" || { echo "not ok sslv2 generator"; exit 0; }
python3 tests/gen/sslv2_pcap.py "$tmp/e.pcap" --error || { echo "not ok sslv2 generator --error"; exit 0; }
"$BIN" --json -r "$tmp/s.pcap" > "$tmp/s.json" 2>/dev/null
"$BIN" --json -r "$tmp/e.pcap" > "$tmp/e.json" 2>/dev/null
python3 - "$tmp/s.json" "$tmp/e.json" <<'PY'
import json, sys
def conn(path):
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "connection":
            return o
    return None
def check(name, cond):
    print(("ok " if cond else "not ok ") + "sslv2 " + name)
s = conn(sys.argv[1])
check("session: one connection reported", s is not None)
if s:
    t = s["tls"]
    v2 = t.get("sslv2") or {}
    mk = v2.get("master_key") or {}
    check("session: version SSL2", t["version"] == "SSL2")
    check("session: server certificate from SERVER-HELLO", len(t["server_chain"]) == 1)
    check("session: master key in packet 8", mk.get("packet") == 8)
    check("session: chosen cipher kind", mk.get("cipher") == "SSL2_DES_192_EDE3_CBC_WITH_MD5"
          and t["cipher"] == "SSL2_DES_192_EDE3_CBC_WITH_MD5")
    check("session: key lengths", (mk.get("clear_key_length"), mk.get("encrypted_key_length"),
                                   mk.get("key_arg_length")) == (0, 128, 8))
    check("session: encrypted records both ways", v2.get("encrypted_records_c2s") == 3
          and v2.get("encrypted_records_s2c") == 4)
    check("session: first encrypted packet each way", v2.get("first_encrypted_packet_c2s") == 8
          and v2.get("first_encrypted_packet_s2c") == 10)
    check("session: no error", v2.get("error") is None)
    check("session: offered SSLv2 kinds listed", "SSL2_RC4_128_EXPORT40_WITH_MD5" in t["offered_ciphers"])
    check("session: no malformed-tls finding", all(f["id"] != "malformed-tls" for f in s["findings"]))
    check("session: obsolete-protocol finding", any(f["id"] == "obsolete-protocol" for f in s["findings"]))
    # A working SSLv2 session is not an unknown CA: SSLv2 itself is the problem.
    check("session: verdict obsolete-protocol, certain", s["verdict"] == "obsolete-protocol"
          and s["confidence"] == "certain" and "SSL 2.0" in s["summary"])
e = conn(sys.argv[2])
check("error: one connection reported", e is not None)
if e:
    err = (e["tls"].get("sslv2") or {}).get("error") or {}
    check("error: NO-CIPHER from the server in packet 6", err.get("code") == 1 and err.get("from") == "server"
          and err.get("name") == "NO-CIPHER-ERROR" and err.get("packet") == 6)
    check("error: not taken for plaintext", e["tls"]["plaintext_s2c"] is None)
    check("error: verdict protocol-mismatch citing the ERROR", e["verdict"] == "protocol-mismatch"
          and any(ev["packet"] == 6 for ev in e["evidence"]))
PY
