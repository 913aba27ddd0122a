#!/usr/bin/env python3
"""mxcheck: does a matrix capture show what its scenario intends?

mxcheck.py PCAP KEYLOG|- CLIENTLOG VERDICTS [FLAGS]
VERDICTS: comma-separated, one per TCP connection, in order.
FLAGS: comma-separated: resumed (the last connection resumes a session), noreq (no HTTP request).
Prints one line: "PASS CONFIDENCES | NOTE" or "FAIL reason | NOTE".  Exit 0 on PASS.
Runs tshark twice: without keys (what is in clear) and with the key log (what happened).
"""
import re, subprocess, sys

ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
          42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
          45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
          48: "unknown_ca", 49: "access_denied", 50: "decode_error", 51: "decrypt_error",
          70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
          86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension",
          110: "unsupported_extension", 112: "unrecognized_name", 116: "certificate_required",
          120: "no_application_protocol"}
F = ["frame.number", "tcp.stream", "ip.src", "tcp.flags.syn", "tcp.flags.fin", "tcp.flags.reset",
     "tcp.len", "tls.record.content_type", "tls.record.opaque_type", "tls.record.length",
     "tls.handshake.type", "tls.alert_message.level", "tls.alert_message.desc",
     "tls.handshake.extensions.supported_version", "tls.handshake.version",
     "tls.handshake.certificates_length", "tls.handshake.extension.type",
     "http.response.code", "http2.headers.status", "http.request.method"]


def run(pcap, keylog):
    cmd = ["tshark", "-r", pcap, "-o", "http.desegment_body:FALSE", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    for f in F:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        v = line.split("\t")
        v += [""] * (len(F) - len(v))
        rows.append(dict(zip(F, v)))
    return rows


def ints(s):
    return [int(x, 0) for x in s.split(",") if x != ""]


def main():
    pcap, keylog, clog, verdicts = sys.argv[1:5]
    flags = set(sys.argv[5].split(",")) if len(sys.argv) > 5 else set()
    keylog = None if keylog == "-" else keylog
    try:
        clienttext = open(clog, errors="replace").read()
    except OSError:
        clienttext = ""
    clear = run(pcap, None)
    full = run(pcap, keylog) if keylog else clear
    server_ip = None
    for r in clear:
        if r["tcp.flags.syn"] == "1" and r["tcp.flags.fin"] != "1":
            server_ip = r["ip.src"] if server_ip is None and False else server_ip
    # the client sends the first SYN
    cli_ip = next((r["ip.src"] for r in clear if r["tcp.flags.syn"] == "1"), None)
    streams = []
    for r in full:
        if r["tcp.stream"] and int(r["tcp.stream"]) not in streams:
            streams.append(int(r["tcp.stream"]))
    want = verdicts.split(",")
    if "repeat" in flags and len(want) == 1:
        # a browser may open more than one connection (a speculative one, a retry): the one
        # verdict applies to each of them; for "ok", one connection must carry the 200 and the
        # others must complete their handshake
        want = want * max(1, len(streams))
    notes, confs, problems = [], [], []
    if len(streams) != len(want):
        problems.append("%d connections, want %d" % (len(streams), len(want)))
    clear_alerts = {}
    for r in clear:
        for d in ints(r["tls.alert_message.desc"]):
            clear_alerts.setdefault((int(r["tcp.stream"]), r["ip.src"] == cli_ip), []).append(d)
    for i, st in enumerate(streams):
        rows = [r for r in full if r["tcp.stream"] == str(st)]
        v = want[i] if i < len(want) else "?"
        ev = {"version": None, "sh": 0, "hrr": False, "psk": False, "srv_cert": False,
              "certreq": False, "cli_cert": None, "cli_fin": False, "alerts": [], "http": [],
              "req": False, "rst_s": False, "rst_c": False, "cli_data": 0, "srv_data": 0, "seq": []}
        for r in rows:
            fromc = r["ip.src"] == cli_ip
            ht = ints(r["tls.handshake.type"])
            if r["tcp.flags.fin"] == "1" and not fromc and not ev["sh"] and not ev.get("fin_s"):
                ev["fin_s"] = True
                ev["seq"].append("no ServerHello; server FIN")
            if r["tcp.flags.reset"] == "1":
                ev["rst_c" if fromc else "rst_s"] = True
                ev["seq"].append(("client" if fromc else "server") + " RST")
            if not fromc and 2 in ht:
                ev["sh"] += 1
                sv = ints(r["tls.handshake.extensions.supported_version"])
                hv = ints(r["tls.handshake.version"])
                ev["version"] = "1.3" if 0x0304 in sv else ("1.2" if 0x0303 in hv else "?")
                if 41 in ints(r["tls.handshake.extension.type"]):
                    ev["psk"] = True
            if not fromc and 11 in ht:
                ev["srv_cert"] = True
            if not fromc and 13 in ht:
                ev["certreq"] = True
                ev["seq"].append("CertificateRequest")
            if fromc and 11 in ht:
                cl = ints(r["tls.handshake.certificates_length"])
                ev["cli_cert"] = (cl[0] if cl else 0)
                ev["seq"].append("empty client Certificate" if ev["cli_cert"] == 0 else "client Certificate sent")
            if fromc and 20 in ht:
                ev["cli_fin"] = True
            if 21 in ints(r["tls.record.content_type"]) and not ints(r["tls.alert_message.desc"]):
                # an alert after ChangeCipherSpec that the key log (if any) does not open
                ev["enc_alert"] = True
                ev["seq"].append(("client" if fromc else "server") + " alert (encrypted, not decrypted)")
            for lvl, d in zip(ints(r["tls.alert_message.level"]) or [0] * 9, ints(r["tls.alert_message.desc"])):
                ev["alerts"].append(("client" if fromc else "server", d))
                ev["seq"].append(("alert", "client" if fromc else "server", d))
            for c in ints(r["http.response.code"]) + ints(r["http2.headers.status"]):
                ev["http"].append(c)
                ev["seq"].append("HTTP %d inside TLS" % c)
            if fromc and r["http.request.method"]:
                ev["req"] = True
            ct = ints(r["tls.record.content_type"])
            if 23 in ct or (ev["version"] == "1.3" and ints(r["tls.record.opaque_type"])):
                if fromc:
                    ev["cli_data"] += 1
                else:
                    ev["srv_data"] += 1
        # what was in clear
        ca = clear_alerts.get((st, True), [])
        sa = clear_alerts.get((st, False), [])
        # note
        parts = []
        parts.append("TLS" + (ev["version"] or " none"))
        if ev["psk"]:
            parts.append("resumed (PSK)")
        if ev["version"] == "1.2" and ev["sh"] and not ev["srv_cert"]:
            parts.append("resumed (no Certificate)")
        fatal = []
        seen_alert = {"client": list(ca), "server": list(sa)}
        for e in ev["seq"]:
            if isinstance(e, tuple):
                _, who, d = e
                incl = d in seen_alert[who]
                if incl:
                    seen_alert[who].remove(d)
                if d == 0:
                    parts.append("%s close_notify" % who)
                    continue
                parts.append("%s alert %s(%d) %s" % (who, ALERTS.get(d, "?"), d, "in clear" if incl else "encrypted"))
                fatal.append((who, d, incl))
            else:
                parts.append(e)
        if not keylog and ev["cli_data"] and ev["srv_data"]:
            parts.append("application data both ways, not decrypted (no key log)")
        elif not ev["alerts"] and not ev["http"] and ev["sh"] and not ev.get("enc_alert"):
            parts.append("no alert, no HTTP answer")
        notes.append("; ".join(p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]))
        # checks
        ok200 = any(200 <= c < 300 for c in ev["http"])
        refused_http = [c for c in ev["http"] if c >= 400]
        if v == "ok":
            confs.append("certain")
            if fatal:
                problems.append("conn %d: fatal alert in an ok scenario" % i)
            if "repeat" in flags and len(streams) > 1 and not ok200:
                if not ev["cli_fin"]:
                    problems.append("conn %d: no client Finished" % i)
            elif "noreq" in flags or ("noreq0" in flags and i == 0):
                if not ev["cli_fin"] and keylog:
                    problems.append("conn %d: no client Finished" % i)
                if ev["req"]:
                    problems.append("conn %d: a request in a noreq scenario" % i)
            elif keylog:
                if not ok200:
                    problems.append("conn %d: no HTTP 2xx" % i)
            else:
                if not ev["srv_data"] or not re.search(r"HTTPSTATUS 200|mx-hello|HTTP/1\.[01] 200", clienttext):
                    problems.append("conn %d: no sign of a 200 (no key log)" % i)
            if "resumed" in flags and i == len(streams) - 1 and i > 0:
                if not (ev["psk"] or (ev["version"] == "1.2" and not ev["srv_cert"])):
                    problems.append("last connection not resumed")
        else:
            confs.append("certain" if any(incl for _, _, incl in fatal) else "likely")
            if ok200:
                problems.append("conn %d: HTTP 2xx in a %s scenario" % (i, v))
            if not keylog and re.search(r"HTTPSTATUS 200|mx-hello|HTTP/1\.[01] 200", clienttext):
                problems.append("conn %d: the client got a 200 (its log) in a %s scenario" % (i, v))
            if v in ("client-cert-missing", "client-cert-rejected"):
                if keylog and not ev["certreq"]:
                    problems.append("conn %d: no CertificateRequest" % i)
                if keylog and v == "client-cert-missing" and ev["cli_cert"] not in (None, 0):
                    problems.append("conn %d: client sent a certificate" % i)
                if keylog and v == "client-cert-rejected" and not ev["cli_cert"]:
                    problems.append("conn %d: client sent no certificate" % i)
                if not (any(w == "server" for w, _, _ in fatal) or refused_http or ev["rst_s"]
                        or (ev["sh"] and not ev["http"])):
                    problems.append("conn %d: no refusal seen" % i)
                if refused_http:
                    confs[-1] = "likely"
            elif v == "protocol-mismatch":
                if ev["cli_fin"]:
                    problems.append("conn %d: handshake completed" % i)
                if not fatal and ev["sh"]:
                    problems.append("conn %d: ServerHello and no alert" % i)
            else:   # the client refuses the server's certificate
                if not ev["sh"]:
                    problems.append("conn %d: no ServerHello" % i)
                if any(w == "server" and d != 0 for w, d, _ in fatal):
                    problems.append("conn %d: the server sent a fatal alert" % i)
                if ev["req"]:
                    problems.append("conn %d: the client sent a request anyway" % i)
                # a client alert about certificates is what decides "certain"
                confs[-1] = "certain" if any(w == "client" and incl for w, _, incl in fatal) else "likely"
                if ev["version"] == "1.3" and not any(w == "client" and incl for w, _, incl in fatal):
                    confs[-1] = "likely"
    if "repeat" in flags and want[0] == "ok" and keylog and not any("HTTP 200" in n for n in notes):
        problems.append("no connection carries an HTTP 200")
    note = " | ".join(notes)
    if problems:
        print("FAIL " + "; ".join(problems) + " | " + note)
        return 1
    print("PASS " + ",".join(want) + " " + ",".join(confs) + " | " + note)
    return 0


sys.exit(main())
