#!/usr/bin/env python3
"""Ground truth for tlsdiag's keyless inference of TLS 1.3 encrypted records, from key logs.

The truth comes from tlsdiag's own decryption (--truth tlsdiag, the default: `tlsdiag --keylog K
-v --json` lists every record it opened) or from tshark's (--truth tshark, an independent
cross-check; tshark must be installed).  The description below says "tshark" for either.

usage: keylog_truth.py [options] PATH...

PATH is a capture (X.pcap, X.pcapng) or a directory of them.  Each capture X is paired with the
key log X.keylog in its own directory or in a sibling keylog/ directory; captures without one are
skipped.  For each pair, tshark decrypts the capture once and every TLS record with outer type 23
(in TLS 1.3 every encrypted record) gets its true label, from its inner content:

  server-flight               s2c, holds EncryptedExtensions, Certificate, CertificateRequest,
                              CertificateVerify or Finished, before the client's Finished
  client-certificate          c2s Certificate with certificates
  client-empty-certificate    c2s Certificate with an empty certificate_list
  client-certificate-verify   c2s CertificateVerify
  client-finished             c2s Finished
  client-flight               one c2s record holding several of Certificate/CertificateVerify/Finished
  end-of-early-data           c2s EndOfEarlyData (0-RTT accepted)
  new-session-ticket, key-update, alert, appdata
  unknown                     tshark could not decrypt it (skipped in the comparison)

and each connection its true facts (handshake_complete, client_certificate, server_aborted,
client_aborted, first post-handshake record each way, first HTTP/1.x status line).  Then
`TLSDIAG --json -v -A [--cacert CA] -r X` is run and its "ladder" (events "encrypted", each with
"infer" and "count") and "inference" are compared with the truth: the n-th true record of a
direction against the n-th encrypted record tlsdiag lists for it.  A true client-flight that
tlsdiag calls client-finished counts as a partial agreement (the flight holds a Finished).
TLS 1.2 connections get only their facts compared.

options:
  --truth tlsdiag|tshark where the truth comes from (default: tlsdiag's own decryption)
  --tlsdiag BIN          the binary (default: $TLSDIAG or ./tlsdiag)
  --cacert FILE          passed to tlsdiag (default: ca/test-root-ca.pem beside or above the capture)
  --tlsdiag-json CAP=FILE  read tlsdiag's JSON Lines for capture CAP from FILE instead of running it
  --dump-truth           print the true record sequences and facts; tlsdiag is not run
  --stack-stats          per stack, what a size-based inference must handle (record lengths of each
                         kind, padding, coalesced flights, ticket timing); tlsdiag is not run
  --tap                  one line per capture: "ok keylog-truth FILE" or "not ok keylog-truth FILE: why"
                         (the facts must agree)
  --strict               exit 1 if any per-connection fact disagrees
  --min-record-rate R    exit 1 if the overall record label agreement is below R (0..1, or a percent)
  --max-list N           list at most N record disagreements (default 200; 0: all)
exit status: 0, 1 (a --strict or --min-record-rate check failed), 2 (usage; --truth tshark
without tshark)."""
import json, os, re, shutil, subprocess, sys
from collections import OrderedDict, defaultdict
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_cached  # noqa: E402  (tshark's answers kept between the suite's two passes)

# ----------------------------------------------------------------------------------------------
# Grouping of captures into "stacks" for the tables.  Change this function to group differently.

def stack_of(capture, meta):
    """The stack a capture belongs to.  meta: {basename: comment} from an expected.txt beside the
    capture: its '#' comment on the capture's line, "SERVER / CLIENT / VERSION; ..." or with
    'server=... client=...' in it.  Without one: the capture's name up to the first '-'."""
    base = os.path.basename(capture)
    comment = meta.get(base) or meta.get(strip_ext(base))
    if comment:
        m = re.match(r"\s*([^/;#]+?)\s*/\s*([^/;#]+?)\s*(/|;|$)", comment)    # "server / client / TLS1.3; ..."
        if m:
            return "%s/%s" % (m.group(1), m.group(2))
        srv = re.search(r"\bserver[=:]\s*([^\s,;]+)", comment)
        cli = re.search(r"\bclient[=:]\s*([^\s,;]+)", comment)
        if srv or cli:
            return "%s/%s" % (srv.group(1) if srv else "?", cli.group(1) if cli else "?")
        return comment.strip()
    return strip_ext(base).split("-")[0]


def read_meta(directory):
    """expected.txt in a capture directory: lines 'NAME[.pcap] ... # comment'."""
    meta = {}
    path = os.path.join(directory, "expected.txt")
    if not os.path.isfile(path):
        return meta
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name = line.split()[0]
            if "#" in line:
                meta[name] = line.split("#", 1)[1].strip()
    return meta

# ----------------------------------------------------------------------------------------------
# Finding captures and their key logs.

CAP_EXTS = (".pcapng", ".pcap")

def strip_ext(name):
    for e in CAP_EXTS:
        if name.endswith(e):
            return name[: -len(e)]
    return name


def keylog_for(capture):
    d, base = os.path.split(capture)
    stem = strip_ext(base)
    for k in (os.path.join(d, stem + ".keylog"), os.path.join(d, "keylog", stem + ".keylog")):
        if os.path.isfile(k):
            return k
    return None


def find_captures(paths, who="keylog_truth", strict=False):
    """The captures named, or in the directories named.  A missing path is said (strict: and
    ends the run)."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                full = os.path.join(p, name)
                if os.path.isfile(full) and name.endswith(CAP_EXTS):
                    out.append(full)
        elif os.path.isfile(p):
            out.append(p)
        elif strict:
            raise SystemExit("%s: no such file or directory: %s" % (who, p))
        else:
            print("%s: no such file or directory: %s" % (who, p), file=sys.stderr)
    return out

# ----------------------------------------------------------------------------------------------
# tshark: one decrypting pass, -T json walked with duplicate keys kept (a frame's records and a
# record's handshake messages are repeated keys).

HRR_RANDOM = "cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c"
# Protocols that would take the decrypted application data away from the plain "data" dissector
# (which gives us the bytes, for the HTTP/1.x first line): by ALPN or as heuristics on TLS.  The
# port table is overridden with a decode-as; STARTTLS protocols (smtp, imap, ...) stay enabled, as
# they are what finds the TLS inside their streams.
APP_PROTOS = ["http", "http2", "fix", "rdpmt", "mq", "credssp", "5gli", "aim"]


def pairs(x):
    return x if isinstance(x, list) else []


def get(p, key, default=None):
    for k, v in pairs(p):
        if k == key:
            return v
    return default


def get_all(p, key):
    return [v for k, v in pairs(p) if k == key]


def find_deep(p, key):
    """Every value of key anywhere below p."""
    out = []
    for k, v in pairs(p):
        if k == key:
            out.append(v)
        if isinstance(v, list):
            out.extend(find_deep(v, key))
    return out


def to_int(s, default=None):
    if s is None or isinstance(s, list):
        return default
    try:
        return int(s, 0)
    except ValueError:
        return default


def run_tshark(capture, keylog):
    cmd = ["tshark", "-n", "-r", capture, "-o", "tls.keylog_file:" + keylog,
           "-o", "tls.desegment_ssl_records:TRUE", "-o", "tls.desegment_ssl_application_data:FALSE",
           "-o", "tcp.desegment_tcp_streams:TRUE"]
    for proto in APP_PROTOS:
        cmd += ["--disable-protocol", proto]
    cmd += ["-d", "tls.port==1-65535,data"]     # and on any port, not only the known ones
    cmd += ["-Y", "tls", "-T", "json", "-J", "frame ip ipv6 tcp tls data"]
    r = tshark_cached.command(cmd)
    if r.returncode != 0 and not r.stdout.strip():
        raise RuntimeError("tshark failed: " + r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "tshark failed")
    text = r.stdout.strip()
    if not text:
        return []
    return json.loads(text, object_pairs_hook=lambda p: p)


def parse_handshake(h):
    """One handshake message subtree -> dict, or None for an opaque (still encrypted) one."""
    if not isinstance(h, list):
        return {"type": None, "encrypted": True}
    t = to_int(get(h, "tls.handshake.type"))
    m = {"type": t, "length": to_int(get(h, "tls.handshake.length"))}
    if t is None:
        m["fragment"] = get(h, "tls.handshake.fragments") is not None or \
            get(h, "tls.handshake.reassembled_in") is not None or get(h, "tls.handshake.fragment") is not None
        m["encrypted"] = not m["fragment"]
    if t == 11:
        m["certs_len"] = to_int(get(h, "tls.handshake.certificates_length"))
    if t == 2:
        sv = [to_int(v) for v in find_deep(h, "tls.handshake.extensions.supported_version")]
        m["version"] = sv[-1] if sv else to_int(get(h, "tls.handshake.version"))
        m["hrr"] = (get(h, "tls.handshake.random") or "").lower() == HRR_RANDOM
        m["cipher"] = to_int(get(h, "tls.handshake.ciphersuite"))
    return m


def parse_record(rec):
    r = {"outer": None, "inner": None, "length": to_int(get(rec, "tls.record.length")),
         "hs": [], "alert": None, "appdata": False}
    opaque = to_int(get(rec, "tls.record.opaque_type"))
    ct = to_int(get(rec, "tls.record.content_type"))
    if opaque is not None:          # TLS 1.3: opaque_type is the outer type, content_type the inner
        r["outer"], r["inner"], r["decrypted"] = opaque, ct, ct is not None     # none: not decrypted
    else:
        r["outer"], r["inner"], r["decrypted"] = ct, ct, None
    for k, v in pairs(rec):
        if k == "tls.handshake":
            h = parse_handshake(v)
            if opaque is not None and ct is not None and not isinstance(v, list):
                h = {"type": None, "fragment": True}     # decrypted, but only part of a message
            r["hs"].append(h)
        elif k == "tls.alert_message":
            if isinstance(v, list):
                r["alert"] = (to_int(get(v, "tls.alert_message.level")), to_int(get(v, "tls.alert_message.desc")))
            else:
                r["alert"] = (None, None)       # "Encrypted Alert"
        elif k == "tls.app_data":
            r["appdata"] = True
    return r


def frame_records(layers):
    """(frame info, [records]) of one packet, records in wire order, decrypted app data attached."""
    frame = get(layers, "frame")
    fn = to_int(get(frame, "frame.number"))
    t = float(get(frame, "frame.time_epoch") or get(frame, "frame.time_relative") or 0)
    ips = get_all(layers, "ip") or get_all(layers, "ipv6")
    ip = ips[-1] if ips else []
    src = get(ip, "ip.src") or get(ip, "ipv6.src")
    dst = get(ip, "ip.dst") or get(ip, "ipv6.dst")
    tcps = get_all(layers, "tcp")
    tcp = tcps[-1] if tcps else []
    analysis = get(tcp, "tcp.analysis")
    retrans = any(find_deep(analysis, f) for f in ("tcp.analysis.retransmission",
                                                         "tcp.analysis.spurious_retransmission"))
    info = {"frame": fn, "retrans": retrans, "time": t, "stream": to_int(get(tcp, "tcp.stream")), "src": src,
            "sport": to_int(get(tcp, "tcp.srcport")), "dst": dst, "dport": to_int(get(tcp, "tcp.dstport"))}
    recs = []
    for tls in get_all(layers, "tls"):
        for rec in get_all(tls, "tls.record"):
            if isinstance(rec, list):
                recs.append(parse_record(rec))
    # decrypted application data goes to the "data" dissector, one layer per record, in order
    datas = [d for d in get_all(layers, "data") if isinstance(d, list)]
    want = [r for r in recs if r["inner"] == 23 and r["appdata"] and r["decrypted"] is not False]
    for r, d in zip(want, datas):
        hexs = get(d, "data.data") or ""
        try:
            r["plain"] = bytes.fromhex(hexs.replace(":", ""))[:200]
        except ValueError:
            pass
        r["plain_len"] = to_int(get(d, "data.len"))
        if r["decrypted"] is None:
            r["decrypted"] = True
    return info, recs


def truth_connections(packets):
    """tshark packets -> list of connection truths, in order of first record."""
    streams = OrderedDict()
    for p in packets:
        layers = get(get(p, "_source"), "layers")
        info, recs = frame_records(layers)
        if info["stream"] is None or not recs:
            continue
        if info["retrans"]:
            continue                # the same records again (the original was dissected)
        s = streams.setdefault(info["stream"], {"stream": info["stream"], "records": [], "client": None})
        for i, r in enumerate(recs):
            r.update(frame=info["frame"], idx=i, time=info["time"], src=(info["src"], info["sport"]),
                     dst=(info["dst"], info["dport"]))
            s["records"].append(r)
            if s["client"] is None and any(h.get("type") == 1 for h in r["hs"]):
                s["client"], s["server"] = r["src"], r["dst"]
    conns = []
    for s in streams.values():
        if s["client"] is None:
            continue
        s["records"].sort(key=lambda r: (r["frame"], r["idx"]))
        conns.append(build_truth(s))
    return conns


def is_fatal(version, level, desc):
    if version == 0x304:            # RFC 8446 6: severity is implied by the type
        return desc not in (0, 90) if desc is not None else None
    return level == 2 if level is not None else None


def single_label(t, certs_len):
    return {11: "client-empty-certificate" if certs_len == 0 else "client-certificate",
            15: "client-certificate-verify", 20: "client-finished", 24: "key-update",
            4: "new-session-ticket", 5: "end-of-early-data"}.get(t, "client-handshake-%s" % t)


def build_truth(s):
    recs = s["records"]
    client, server = s["client"], s["server"]
    version, hrr, cipher = None, False, None
    for r in recs:
        for h in r["hs"]:
            if h.get("type") == 2 and r["src"] == server:
                if h.get("hrr"):
                    hrr = True
                else:
                    version, cipher = h.get("version"), h.get("cipher")
    tls13 = version == 0x304
    c = {"stream": s["stream"], "client": client, "server": server, "version": version, "hrr": hrr, "cipher": cipher,
         "t0": recs[0]["time"], "c2s": [], "s2c": []}
    # the client's Finished, in wire order (frame, index)
    cfin = None
    for n, r in enumerate(recs):
        r["dir"] = "c2s" if r["src"] == client else "s2c"
        r["order"] = n
        types = [h.get("type") for h in r["hs"]]
        if r["dir"] == "c2s" and 20 in types and cfin is None:
            cfin = n
    # TLS 1.2: a still encrypted handshake record after the CCS is the Finished
    if cfin is None and not tls13:
        ccs = False
        for n, r in enumerate(recs):
            if r["dir"] != "c2s":
                continue
            if r["outer"] == 20:
                ccs = True
            elif ccs and r["outer"] == 22 and r["hs"] and all(h.get("encrypted") for h in r["hs"]):
                cfin = n
                break
    cr_seen = any(r["dir"] == "s2c" and 13 in [h.get("type") for h in r["hs"]] and (cfin is None or n < cfin)
                  for n, r in enumerate(recs))
    # labels of the outer-23 records
    for n, r in enumerate(recs):
        if r["outer"] != 23:
            continue
        types = [h.get("type") for h in r["hs"]]
        before_cfin = cfin is None or n < cfin
        detail = ""
        if tls13 and not r["decrypted"]:
            lab = "unknown"
        elif not tls13:
            lab = "appdata"         # TLS 1.2: the outer type is the truth
        elif r["inner"] == 21:
            lab = "alert"
            if r["alert"]:
                detail = "level=%s desc=%s" % r["alert"]
        elif r["inner"] == 23:
            lab = "appdata"
        elif r["inner"] == 22:
            real = [t for t in types if t is not None]
            if not real:
                lab = "fragment"    # resolved below
            elif r["dir"] == "s2c":
                if before_cfin and set(real) & {8, 11, 13, 15, 20}:
                    lab = "server-flight"
                elif 4 in real:
                    lab = "new-session-ticket"
                elif 24 in real:
                    lab = "key-update"
                else:
                    lab = "server-handshake-" + "+".join(map(str, real))
            else:
                fl = [t for t in real if t in (11, 15, 20)]
                if len(fl) >= 2:
                    lab = "client-flight"
                else:
                    certs = [h.get("certs_len") for h in r["hs"] if h.get("type") == 11]
                    lab = single_label(real[0] if not fl else fl[0], certs[0] if certs else None)
            detail = "+".join(hs_name(h) for h in r["hs"])
        else:
            lab = "inner-%s" % r["inner"]
        r["label"], r["detail"] = lab, detail
        c[r["dir"]].append(r)
    # a record holding only a fragment of a handshake message gets the label of the message: the
    # one the next handshake record of that direction completes
    for d in ("c2s", "s2c"):
        lst = c[d]
        for i, r in enumerate(lst):
            if r["label"] != "fragment":
                continue
            nxt = next((x for x in lst[i + 1:] if x["label"] not in ("fragment", "unknown") and x["hs"]), None)
            if d == "s2c" and (cfin is None or r["order"] < cfin):
                r["label"] = "server-flight"
            elif nxt:
                t = next((h.get("type") for h in nxt["hs"] if h.get("type") is not None), None)
                certs = [h.get("certs_len") for h in nxt["hs"] if h.get("type") == 11]
                r["label"] = single_label(t, certs[0] if certs else None) if d == "c2s" else nxt["label"]
            else:
                r["label"] = "unknown"
            r["detail"] = "fragment"
    # facts
    alerts = []
    for n, r in enumerate(recs):
        if r["alert"] is not None or (r["outer"] == 21 and r["inner"] == 21):
            lvl, desc = r["alert"] or (None, None)
            alerts.append((n, r["dir"], lvl, desc, is_fatal(version, lvl, desc)))
    fatal_before = any(f for n, d, l, de, f in alerts if cfin is not None and n < cfin)
    undecrypted = {d: any(r["label"] == "unknown" for r in c[d]) for d in ("c2s", "s2c")}
    # Complete means both sides accepted it: the client sent its Finished, and no fatal alert came
    # before it, nor from the server in answer to it (a refused client Certificate) before any
    # application data of the server's.
    def server_refused():
        for n, d, l, de, f in alerts:
            if f and d == "s2c" and n > cfin:
                return not any(r["dir"] == "s2c" and r.get("label", "appdata" if r.get("inner") == 23 else "") == "appdata" and r["order"] < n for r in recs)
        return False
    if cfin is not None:
        hc = not fatal_before and not server_refused()
    else:
        hc = None if undecrypted["c2s"] else False
    if not cr_seen:
        hidden = any(r["label"] == "unknown" and (cfin is None or r["order"] < cfin) for r in c["s2c"])
        cc = None if hidden else "not-requested"
    else:
        certs = [h.get("certs_len") for r in recs if r["dir"] == "c2s" for h in r["hs"] if h.get("type") == 11]
        cc = None if not certs or certs[0] is None else ("empty" if certs[0] == 0 else "sent")

    def aborted(d):
        fs = [f for n, dd, l, de, f in alerts if dd == d]
        if any(fs):
            return True
        return None if (undecrypted[d] or None in fs) else False

    # end of the server's handshake flight: its Finished
    sfin = next((n for n, r in enumerate(recs) if r["dir"] == "s2c" and 20 in [h.get("type") for h in r["hs"]]), None)

    def first_post(d, after):
        if after is None:
            return None
        for r in c[d] if tls13 else [x for x in recs if x["dir"] == d]:
            if r["order"] <= after:
                continue
            if tls13:
                if r["label"] == "unknown":
                    return None
                if r["label"] in ("appdata", "alert"):
                    return r["label"]
            elif r["outer"] in (21, 23):
                return "alert" if r["outer"] == 21 else "appdata"
        return None

    def first_line(d):
        for r in recs:
            if r["dir"] == d and r.get("plain") is not None and r["inner"] == 23:
                line = r["plain"].split(b"\r\n", 1)[0].split(b"\n", 1)[0].decode("latin-1")
                if (d == "s2c" and re.match(r"HTTP/1\.[01] \d{3}", line)) or \
                   (d == "c2s" and re.match(r"[A-Z]+ \S+ HTTP/1\.[01]$", line)):
                    return line
                return None
        return None

    c["facts"] = OrderedDict([
        ("handshake_complete", hc),
        ("client_certificate", cc),
        ("server_aborted", aborted("s2c")),
        ("client_aborted", aborted("c2s")),
        ("first_post_c2s", first_post("c2s", cfin)),
        ("first_post_s2c", first_post("s2c", sfin if sfin is not None else cfin)),
        ("http_status", first_line("s2c")),
    ])
    c["http_request"] = first_line("c2s")
    c["certificate_request_seen"] = cr_seen
    c["alerts"] = [(d, l, de) for n, d, l, de, f in alerts]
    c["tls13"] = tls13
    c["ccs"] = {d: any(r["dir"] == d and r["outer"] == 20 for r in recs) for d in ("c2s", "s2c")}
    c["cfin"] = cfin
    c["t_cfin"] = recs[cfin]["time"] if cfin is not None else None
    return c


HS_NAMES = {1: "CH", 2: "SH", 4: "NST", 5: "EOED", 8: "EE", 11: "Cert", 13: "CR", 15: "CV", 20: "Fin",
            24: "KU", 254: "MH"}


def hs_name(h):
    t = h.get("type")
    if t is None:
        return "frag" if h.get("fragment") else "?"
    n = HS_NAMES.get(t, str(t))
    if t == 11 and h.get("certs_len") == 0:
        n += "(empty)"
    return n

# ----------------------------------------------------------------------------------------------
# The truth from tlsdiag's own decryption (--truth tlsdiag, the default): `tlsdiag --json -v -A
# --keylog K -r X` lists every record it opened ("decrypted_record_list": outer and inner type,
# length, the ladder entries it produced); with the clear hellos, ChangeCipherSpecs and alerts of
# the ladder, that gives build_truth() the records tshark would have given.

VERSIONS = {"SSL3": 0x300, "TLS1.0": 0x301, "TLS1.1": 0x302, "TLS1.2": 0x303, "TLS1.3": 0x304}


def tlsdiag_truth(binary, capture, keylog, cacert):
    cmd = [binary, "--json", "-v", "-A", "--keylog", keylog]
    ca = cacert or find_cacert(capture)
    if ca:
        cmd += ["--cacert", ca]
    p = subprocess.run(cmd + ["-r", capture], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise RuntimeError("tlsdiag --keylog failed (exit %d): %s" % (p.returncode, p.stderr.strip()[:200]))
    conns = []
    for line in p.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") != "connection" or not o.get("tls", {}).get("client_hello"):
            continue
        conns.append(truth_from_tlsdiag_conn(o))
    return conns


def truth_from_tlsdiag_conn(o):
    tls, ladder = o["tls"], o.get("ladder") or []
    client = (o["client"]["ip"], o["client"]["port"])
    server = (o["server"]["ip"], o["server"]["port"])
    version = VERSIONS.get(tls.get("version") or "")
    cipher = tls.get("cipher_id")
    alerts = tls.get("alerts") or []
    firsts = {"c2s": o.get("app_first_c2s"), "s2c": o.get("app_first_s2c")}
    owned = {}                                  # ladder index -> decrypted record number
    drecs = o.get("decrypted_record_list") or []
    for n, r in enumerate(drecs):
        for i in range(r["events"][0], r["events"][1]):
            owned[i] = n

    def hs_of(ev):
        t = ev["sub"]
        h = {"type": 2 if t == 6 else t, "length": ev["len"]}
        if t in (2, 6):
            h.update(version=version, cipher=cipher, hrr=t == 6)
        if t == 11:
            h["certs_len"] = 0 if ev["len"] <= (4 if version == 0x304 else 3) else ev["len"]
        return h

    def alert_of(ev):
        a = alerts[ev["sub"]] if ev["sub"] < len(alerts) else None
        if not a or a.get("encrypted"):
            return (None, None)
        return ({"warning": 1, "fatal": 2}.get(a.get("level"), 0), a.get("code"))

    records, done = [], set()
    seen_first = set()
    for i, ev in enumerate(ladder):
        d = ev["dir"]
        src, dst = (client, server) if d == "c2s" else (server, client)
        base = {"frame": ev["packet"], "time": ev["packet"], "src": src, "dst": dst, "hs": [], "alert": None,
                "appdata": False, "length": ev["len"]}
        if i in owned:
            n = owned[i]
            if n in done:
                continue
            done.add(n)
            # records opened before this one that produced no entry of their own: application
            # data coalesced into the entry before, or part of a handshake message
            for m in range(n):
                if m not in done and drecs[m]["events"][0] == drecs[m]["events"][1]:
                    done.add(m)
                    fr = drecs[m]
                    fs, fd = (client, server) if fr["dir"] == "c2s" else (server, client)
                    records.append(dict(base, frame=fr["packet"], time=fr["packet"], outer=fr["outer"],
                                        inner=fr["inner"], decrypted=True, length=fr["len"], src=fs, dst=fd,
                                        appdata=fr["inner"] == 23,
                                        hs=[{"type": None, "fragment": True}] if fr["inner"] == 22 else []))
            r = drecs[n]
            rec = dict(base, frame=r["packet"], time=r["packet"], outer=r["outer"], inner=r["inner"],
                       decrypted=True, length=r["len"])
            for j in range(r["events"][0], r["events"][1]):
                e = ladder[j]
                if e["event"] == "handshake":
                    rec["hs"].append(hs_of(e))
                elif e["event"] == "alert":
                    rec["alert"] = alert_of(e)
                elif e["event"] == "appdata":
                    rec["appdata"] = True
                    if d not in seen_first and firsts[d]:
                        seen_first.add(d)
                        rec["plain"] = firsts[d].encode("latin-1", "replace")
            records.append(rec)
        elif ev["event"] == "handshake":
            records.append(dict(base, outer=22, inner=22, decrypted=None, hs=[hs_of(ev)]))
        elif ev["event"] == "ccs":
            records.append(dict(base, outer=20, inner=20, decrypted=None))
        elif ev["event"] == "alert":
            a = alert_of(ev)
            records.append(dict(base, outer=21, inner=21 if a[0] is not None else None,
                                decrypted=None if a[0] is not None else False, alert=a))
        elif ev["event"] in ("encrypted", "appdata", "encrypted-handshake"):
            # a protected record tlsdiag could not open
            records.append(dict(base, outer=23 if ev["event"] != "encrypted-handshake" else 22, inner=None,
                                decrypted=False, hs=[{"type": None, "encrypted": True}] if ev["event"] == "encrypted-handshake" else []))
    for m, fr in enumerate(drecs):                 # coalesced into the last entry: nothing came after
        if m not in done:
            fs, fd = (client, server) if fr["dir"] == "c2s" else (server, client)
            records.append({"frame": fr["packet"], "time": fr["packet"], "src": fs, "dst": fd, "hs": [],
                            "alert": None, "appdata": fr["inner"] == 23, "length": fr["len"],
                            "outer": fr["outer"], "inner": fr["inner"], "decrypted": True})
    records.sort(key=lambda r: r["frame"])         # stable: the ladder's order within a packet
    for k, r in enumerate(records):
        r["idx"] = k
    s = {"stream": o.get("id", 0), "records": records, "client": client, "server": server}
    return build_truth(s)

# ----------------------------------------------------------------------------------------------
# tlsdiag side

def find_cacert(capture):
    d = os.path.dirname(os.path.abspath(capture))
    for _ in range(3):
        p = os.path.join(d, "ca", "test-root-ca.pem")
        if os.path.isfile(p):
            return p
        d = os.path.dirname(d)
    return None


def tlsdiag_lines(binary, capture, cacert, json_file=None):
    if json_file:
        with open(json_file) as f:
            text = f.read()
    else:
        cmd = [binary, "--json", "-v", "-A"]
        ca = cacert or find_cacert(capture)
        if ca:
            cmd += ["--cacert", ca]
        cmd += ["-r", capture]
        text = subprocess.run(cmd, capture_output=True, text=True).stdout
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if isinstance(o, dict) and o.get("type") == "connection":
            out.append(o)
    return out


def tlsdiag_conn(o):
    """A tlsdiag connection object -> its per-direction expanded encrypted labels and facts."""
    recs = {"c2s": [], "s2c": []}
    for ev in o.get("ladder") or []:
        if ev.get("event") != "encrypted":
            continue
        d = ev.get("dir")
        if d not in recs:
            continue
        cnt = ev.get("count") or 1
        for k in range(int(cnt)):
            recs[d].append({"label": ev.get("infer") or "unknown", "len": ev.get("len"),
                            "count": cnt, "packet": ev.get("packet"), "k": k})
    return recs, o.get("inference") or {}

# ----------------------------------------------------------------------------------------------
# comparison

FACTS = ["handshake_complete", "client_certificate", "server_aborted", "client_aborted",
         "first_post_c2s", "first_post_s2c", "http_status"]


def label_match(tr, inferred):
    """tr: a true record.  "exact", "partial" (a client flight holding the Finished, called
    client-finished) or None."""
    if tr["label"] == inferred:
        return "exact"
    if tr["label"] == "client-flight" and inferred == "client-finished" and \
            any(h.get("type") == 20 for h in tr["hs"]):
        return "partial"
    return None


def key_of(ep):
    return (str(ep[0]), int(ep[1]))


class Tally:
    def __init__(self):
        self.files = set()
        self.conns = 0
        self.rec = self.agree = self.partial = self.skipped = self.extra = 0
        self.fact = self.fact_agree = self.fact_abstain = 0

    def rate(self):
        return self.agree / self.rec if self.rec else None

    def frate(self):
        return self.fact_agree / self.fact if self.fact else None


def compare_file(capture, truths, td_objs, tally, rec_dis, fact_dis, notes):
    """Compare one capture; returns the list of fact problems (for --tap)."""
    problems = []
    by_key = defaultdict(list)
    for o in td_objs:
        try:
            k = (key_of((o["client"]["ip"], o["client"]["port"])), key_of((o["server"]["ip"], o["server"]["port"])))
        except (KeyError, TypeError, ValueError):
            continue
        by_key[k].append(o)
    for t in truths:
        k = (key_of(t["client"]), key_of(t["server"]))
        cand = by_key.get(k) or by_key.get((k[1], k[0]))
        if not cand:
            problems.append("stream %d %s:%s -> %s:%s: no tlsdiag connection" % (
                t["stream"], t["client"][0], t["client"][1], t["server"][0], t["server"][1]))
            fact_dis.append((capture, "-", "connection", "present", "missing"))
            continue
        o = cand.pop(0)
        cid = o.get("id", "?")
        tally.conns += 1
        tally.files.add(capture)
        recs, inf = tlsdiag_conn(o)
        if t["tls13"]:
            for d in ("c2s", "s2c"):
                tl, il = t[d], recs[d]
                for i, tr in enumerate(tl):
                    if tr["label"] == "unknown":
                        tally.skipped += 1
                        continue
                    tally.rec += 1
                    got = il[i]["label"] if i < len(il) else "(none)"
                    m = label_match(tr, got)
                    if m:
                        tally.agree += 1
                        tally.partial += m == "partial"
                    else:
                        rec_dis.append((capture, cid, d, i + 1, tr["frame"], tr["length"], tr["label"], tr["detail"], got))
                    if i < len(il) and il[i]["count"] == 1 and il[i]["len"] not in (None, tr["length"], tr["length"] + 5):
                        notes.append("%s conn %s %s #%d: tlsdiag len %s, record length %s (misaligned?)" % (
                            capture, cid, d, i + 1, il[i]["len"], tr["length"]))
                if len(il) > len(tl):
                    tally.extra += len(il) - len(tl)
                    notes.append("%s conn %s %s: tlsdiag lists %d encrypted records, tshark %d" % (
                        capture, cid, d, len(il), len(tl)))
        for f in FACTS:
            if f not in inf:
                continue            # tlsdiag does not report this fact
            want, got = t["facts"][f], inf[f]
            if want is None:
                continue            # truth unknown (records not decrypted)
            tally.fact += 1
            if got is None:
                tally.fact_abstain += 1
                notes.append("%s conn %s: %s: tlsdiag abstains (truth %s)" % (capture, cid, f, jv(want)))
            elif got == want:
                tally.fact_agree += 1
            else:
                fact_dis.append((capture, cid, f, jv(want), jv(got)))
                problems.append("conn %s %s: truth %s, tlsdiag %s" % (cid, f, jv(want), jv(got)))
    return problems


def jv(v):
    return json.dumps(v)

# ----------------------------------------------------------------------------------------------
# output

def dump_truth(capture, keylog, truths):
    print("== %s (key log %s)" % (capture, keylog))
    if not truths:
        print("   no TLS connection")
    for t in truths:
        v = {0x304: "TLS1.3", 0x303: "TLS1.2", 0x302: "TLS1.1", 0x301: "TLS1.0"}.get(t["version"], str(t["version"]))
        print("  stream %d  %s:%s -> %s:%s  %s%s%s%s" % (t["stream"], t["client"][0], t["client"][1], t["server"][0],
              t["server"][1], v, " 0x%04x" % t["cipher"] if t["cipher"] is not None else "", " HRR" if t["hrr"] else "", "  CertificateRequest" if t["certificate_request_seen"] else ""))
        print("    facts: " + ", ".join("%s=%s" % (k, jv(x)) for k, x in t["facts"].items()))
        if t["http_request"]:
            print("    first request: %s" % t["http_request"])
        if t["alerts"]:
            print("    alerts: " + ", ".join("%s level=%s desc=%s" % a for a in t["alerts"]))
        for d in ("c2s", "s2c"):
            print("    %s:" % d)
            for i, r in enumerate(t[d]):
                inner = inner_len(r)
                pad = "" if inner is None else "  inner=%d overhead=%d" % (inner, r["length"] - inner)
                first = ""
                if r.get("plain") and r["label"] == "appdata":
                    first = "  %r" % r["plain"][:40].split(b"\r\n")[0].decode("latin-1")
                print("      %2d frame %-4d +%8.3fms len %-5d %-26s %s%s%s" % (
                    i + 1, r["frame"], (r["time"] - t["t0"]) * 1000, r["length"], r["label"], r["detail"], pad, first))


def stack_stats(stacks):
    """What a size-based inference has to cope with, per stack: {stack: [truth connections]}."""
    def rng(xs):
        xs = sorted(set(x for x in xs if x is not None))
        if not xs:
            return "-"
        if len(xs) <= 4:
            return ",".join(str(x) for x in xs)
        return "%s..%s (%d values)" % (xs[0], xs[-1], len(xs))

    def ms(xs):
        xs = sorted(x for x in xs if x is not None)
        if not xs:
            return "-"
        return "%.1f..%.1fms" % (xs[0], xs[-1]) if len(xs) > 1 and xs[0] != xs[-1] else "%.1fms" % xs[0]

    for stack in sorted(stacks):
        conns = [c for c in stacks[stack] if c["tls13"]]
        n12 = len(stacks[stack]) - len(conns)
        print("== %s: %d TLS 1.3 connections%s" % (stack, len(conns), ", %d older" % n12 if n12 else ""))
        if not conns:
            continue
        recs = {d: [r for c in conns for r in c[d]] for d in ("c2s", "s2c")}
        by = lambda d, lab: [r for r in recs[d] if r["label"] == lab]
        ov = defaultdict(set)
        for d in ("c2s", "s2c"):
            for r in recs[d]:
                il = inner_len(r)
                if il is not None:
                    ov[d].add(r["length"] - il)
        sf_counts = [len([r for r in c["s2c"] if r["label"] == "server-flight"]) for c in conns]
        sf_multi = [r["detail"] for r in by("s2c", "server-flight") if "+" in r["detail"]]
        print("  server flight: %s records per connection; record lengths %s; coalesced records: %s" % (
            rng(sf_counts), rng(r["length"] for r in by("s2c", "server-flight")),
            rng(sf_multi) if sf_multi else "none (one message per record)"))
        for lab in ("client-finished", "client-flight", "client-certificate", "client-empty-certificate",
                    "client-certificate-verify"):
            rs = by("c2s", lab)
            if rs:
                extra = ""
                if lab == "client-finished":
                    per = defaultdict(set)
                    for c in conns:
                        for r in c["c2s"]:
                            if r["label"] == lab and c["cipher"] is not None:
                                per[c["cipher"]].add(r["length"])
                    extra = "  (" + ", ".join("0x%04x: %s" % (k, rng(v)) for k, v in sorted(per.items())) + ")"
                if lab == "client-flight":
                    extra = "  holds " + rng(r["detail"] for r in rs)
                print("  %-26s %3d records, lengths %s%s" % (lab, len(rs), rng(r["length"] for r in rs), extra))
        nst_n = [len([r for r in c["s2c"] if r["label"] == "new-session-ticket"]) for c in conns]
        nst_msgs = [len([h for h in r["hs"] if h.get("type") == 4]) for r in by("s2c", "new-session-ticket")]
        delays = [(r["time"] - c["t_cfin"]) * 1000 for c in conns if c["t_cfin"] is not None
                  for r in c["s2c"] if r["label"] == "new-session-ticket"]
        before = sum(1 for c in conns for r in c["s2c"] if c["cfin"] is not None and r["order"] < c["cfin"]
                     and any(h.get("type") == 4 for h in r["hs"]))
        print("  new-session-ticket: %s records per connection, lengths %s, %s tickets per record, "
              "%s after the client Finished%s" % (rng(nst_n), rng(r["length"] for r in by("s2c", "new-session-ticket")),
              rng(nst_msgs), ms(delays), "; %d tickets BEFORE the client Finished" % before if before else ""))
        # what the server sends right after the client Finished: tickets or data first?
        first_after = defaultdict(int)
        for c in conns:
            if c["cfin"] is None:
                continue
            nxt = next((r["label"] for r in c["s2c"] if r["order"] > c["cfin"]), "nothing")
            first_after[nxt] += 1
        same = sum(1 for c in conns if c["cfin"] is not None and any(
            r["label"] == "appdata" and r["frame"] == next(x["frame"] for x in c["c2s"] if x["order"] == c["cfin"])
            for r in c["c2s"]))
        print("  client Finished and first appdata in one TCP segment: %d/%d" % (
            same, sum(1 for c in conns if c["cfin"] is not None)))
        print("  first s2c record after the client Finished: " + ", ".join("%s x%d" % kv for kv in sorted(first_after.items())))
        for d in ("c2s", "s2c"):
            al = [r for r in by(d, "alert")]
            if al:
                print("  %s alerts: lengths %s (%s)" % (d, rng(r["length"] for r in al), rng(r["detail"] for r in al)))
            ku = by(d, "key-update")
            if ku:
                print("  %s key-update: lengths %s" % (d, rng(r["length"] for r in ku)))
            ad = by(d, "appdata")
            if ad:
                print("  %s appdata: %d records, smallest %d" % (d, len(ad), min(r["length"] for r in ad)))
        print("  record overhead (length - content; 17 = tag 16 + type byte, more = padding): c2s %s, s2c %s" % (
            rng(ov["c2s"]), rng(ov["s2c"])))
        print("  middlebox ChangeCipherSpec: client %d/%d, server %d/%d; HelloRetryRequest %d" % (
            sum(c["ccs"]["c2s"] for c in conns), len(conns), sum(c["ccs"]["s2c"] for c in conns), len(conns),
            sum(c["hrr"] for c in conns)))
        un = sum(1 for d in recs for r in recs[d] if r["label"] == "unknown")
        if un:
            print("  %d records tshark could not decrypt" % un)


def inner_len(r):
    """Length of the record's plaintext content (without type byte, padding, tag), when known."""
    if not r.get("decrypted"):
        return None
    if r["inner"] == 22 and r["hs"] and all(h.get("length") is not None for h in r["hs"]):
        return sum(4 + h["length"] for h in r["hs"])
    if r["inner"] == 21:
        return 2
    if r["inner"] == 23 and r.get("plain_len") is not None:
        return r["plain_len"]
    return None


def pct(x):
    return "   -  " if x is None else "%5.1f%%" % (100 * x)


def report(tallies, rec_dis, fact_dis, notes, max_list):
    total = Tally()
    w = max([len(s) for s in tallies] + [5])
    print("%-*s %5s %5s %8s %8s %7s %7s %7s %6s %6s %7s" % (w, "stack", "files", "conns", "records", "agreed",
          "partial", "rate", "skipped", "facts", "agreed", "rate"))
    for s in sorted(tallies):
        t = tallies[s]
        print("%-*s %5d %5d %8d %8d %7d %7s %7d %6d %6d %7s" % (w, s, len(t.files), t.conns, t.rec, t.agree,
              t.partial, pct(t.rate()), t.skipped, t.fact, t.fact_agree, pct(t.frate())))
        for a in ("conns", "rec", "agree", "partial", "skipped", "extra", "fact", "fact_agree", "fact_abstain"):
            setattr(total, a, getattr(total, a) + getattr(t, a))
        total.files |= t.files
    print("%-*s %5d %5d %8d %8d %7d %7s %7d %6d %6d %7s" % (w, "all", len(total.files), total.conns, total.rec,
          total.agree, total.partial, pct(total.rate()), total.skipped, total.fact, total.fact_agree, pct(total.frate())))
    if total.fact_abstain:
        print("(tlsdiag abstained (null) on %d facts; counted as not agreed)" % total.fact_abstain)
    if fact_dis:
        print("\nfact disagreements (file, conn, fact: truth vs tlsdiag):")
        for f, cid, fact, want, got in fact_dis:
            print("  %s conn %s %s: %s vs %s" % (f, cid, fact, want, got))
    if rec_dis:
        print("\nrecord disagreements (file, conn, dir, index, frame, length: truth vs inferred):")
        for n, (f, cid, d, i, fr, ln, lab, det, got) in enumerate(rec_dis):
            if max_list and n >= max_list:
                print("  ... %d more" % (len(rec_dis) - n))
                break
            print("  %s conn %s %s #%d frame %d len %d: %s%s vs %s" % (f, cid, d, i, fr, ln, lab,
                  " (%s)" % det if det else "", got))
    if notes:
        print("\nnotes:")
        for n in notes[: max_list or None]:
            print("  " + n)
    return total


def main(argv):
    opts = {"tlsdiag": os.environ.get("TLSDIAG", "./tlsdiag"), "cacert": None, "dump": False, "tap": False,
            "strict": False, "min_rate": None, "max_list": 200, "stats": False, "truth": "tlsdiag"}
    json_files = {}
    paths = []
    i = 0
    try:
        while i < len(argv):
            a = argv[i]
            if a in ("-h", "--help"):
                print(__doc__)
                return 0
            if a == "--tlsdiag":
                i += 1; opts["tlsdiag"] = argv[i]
            elif a == "--cacert":
                i += 1; opts["cacert"] = argv[i]
            elif a == "--tlsdiag-json":
                i += 1; cap, _, f = argv[i].partition("=")
                json_files[os.path.normpath(cap)] = f
            elif a == "--dump-truth":
                opts["dump"] = True
            elif a == "--stack-stats":
                opts["stats"] = True
            elif a == "--tap":
                opts["tap"] = True
            elif a == "--strict":
                opts["strict"] = True
            elif a == "--min-record-rate":
                i += 1; r = float(argv[i]); opts["min_rate"] = r / 100 if r > 1 else r
            elif a == "--truth":
                i += 1; opts["truth"] = argv[i]
                if opts["truth"] not in ("tlsdiag", "tshark"):
                    raise ValueError("--truth takes tlsdiag or tshark")
            elif a == "--max-list":
                i += 1; opts["max_list"] = int(argv[i])
            elif a.startswith("-") and a != "-":
                raise ValueError("unknown option " + a)
            else:
                paths.append(a)
            i += 1
    except (IndexError, ValueError) as e:
        print("keylog_truth: %s\n%s" % (e, __doc__.split("\n\n")[0]), file=sys.stderr)
        return 2
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    if opts["truth"] == "tshark" and not shutil.which("tshark"):
        print("skip keylog-truth: tshark not installed" if opts["tap"] else "keylog_truth: tshark not installed")
        return 0 if opts["tap"] else 2
    captures = find_captures(paths)
    metas = {}
    tallies = defaultdict(Tally)
    stats = defaultdict(list)
    rec_dis, fact_dis, notes = [], [], []
    fact_failed = False
    no_keylog = []
    for cap in captures:
        kl = keylog_for(cap)
        if not kl:
            no_keylog.append(cap)
            continue
        try:
            if opts["truth"] == "tshark":
                truths = truth_connections(run_tshark(cap, kl))
            else:
                truths = tlsdiag_truth(opts["tlsdiag"], cap, kl, opts["cacert"])
        except (RuntimeError, ValueError) as e:
            if opts["tap"]:
                print("not ok keylog-truth %s: %s" % (cap, e))
            else:
                print("keylog_truth: %s: %s" % (cap, e), file=sys.stderr)
            fact_failed = True
            continue
        d = os.path.dirname(cap)
        if d not in metas:
            metas[d] = read_meta(d)
        stack = stack_of(cap, metas[d])
        if opts["dump"] or opts["stats"]:
            if opts["dump"]:
                dump_truth(cap, kl, truths)
            stats[stack].extend(truths)
            continue
        td = tlsdiag_lines(opts["tlsdiag"], cap, opts["cacert"], json_files.get(os.path.normpath(cap)))
        n_fd = len(fact_dis)
        problems = compare_file(cap, truths, td, tallies[stack], rec_dis, fact_dis, notes)
        if len(fact_dis) > n_fd:
            fact_failed = True
        if opts["tap"]:
            if problems:
                print("not ok keylog-truth %s: %s" % (cap, "; ".join(problems)))
            else:
                print("ok keylog-truth %s" % cap)
    if opts["stats"]:
        stack_stats(stats)
    if opts["dump"] or opts["stats"]:
        if no_keylog:
            print("# no key log, skipped: " + " ".join(no_keylog))
        return 0
    if opts["tap"]:
        if no_keylog:
            print("# keylog-truth: %d captures without a key log skipped" % len(no_keylog))
        for line in report_lines(tallies, rec_dis, fact_dis, notes, opts["max_list"]):
            print("# " + line)
        total = sum_tally(tallies)
    else:
        total = report(tallies, rec_dis, fact_dis, notes, opts["max_list"])
        if no_keylog:
            print("\n%d captures without a key log skipped" % len(no_keylog))
    rc = 0
    if opts["strict"] and fact_failed:
        rc = 1
    if opts["min_rate"] is not None:
        r = total.rate()
        if r is None or r < opts["min_rate"]:
            print("%srecord label agreement %s is below %s" % ("# " if opts["tap"] else "", pct(r).strip(),
                  pct(opts["min_rate"]).strip()))
            rc = 1
    return rc


def sum_tally(tallies):
    total = Tally()
    for t in tallies.values():
        for a in ("conns", "rec", "agree", "partial", "skipped", "extra", "fact", "fact_agree", "fact_abstain"):
            setattr(total, a, getattr(total, a) + getattr(t, a))
        total.files |= t.files
    return total


def report_lines(tallies, rec_dis, fact_dis, notes, max_list):
    import io, contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        report(tallies, rec_dis, fact_dis, notes, max_list)
    return buf.getvalue().splitlines()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
