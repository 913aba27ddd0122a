#!/usr/bin/env python3
"""tlsdiag's decryption against tshark's: the same capture and key log, the same messages.

usage: keylog_tshark.py [--tlsdiag BIN] [--keyless] [--jobs N] [--verbose] PATH...

PATH is a capture or a directory of them (not recursive).  Each capture X.pcap / X.pcapng is paired
with X.keylog beside it or keylog/X.keylog in its directory; captures without a key log are
skipped.  For each pair:

  tshark -r X -o tls.keylog_file:K -T fields ...   the handshake types and the alerts (level,
                                                   description) of every frame, clear or decrypted
  tlsdiag --keylog K -v --json -A -r X             the "ladder" of every connection: its
                                                   "handshake" entries (sub = type) and "alert"
                                                   entries (level and code from the entry, else
                                                   from tls.alerts[sub])

Connections are matched by client port (and order of appearance, if a port is reused).  For each
connection and direction, the ordered list of handshake types and the ordered list of alerts must
be equal.  One line per capture: "ok keylog-tshark FILE" or "not ok keylog-tshark FILE: the first
difference"; the last line counts them ("# N captures compared, ...").

tlsdiag's ladder calls a HelloRetryRequest handshake type 6 (RFC 8446's reserved slot); on the wire,
and for tshark, it is a ServerHello (2), so 6 is compared as 2.

--keyless   run tlsdiag without --keylog (what it sees today: TLS 1.3 handshakes, TLS 1.2
            Finished and encrypted alerts are hidden); shows that the comparison can fail.
--no-keys   run both without keys (tshark gets an empty key log): a check of the comparison
            itself, which must then agree on the messages and alerts sent in clear (except in a
            pcapng with a Decryption Secrets Block, which tshark decrypts anyway).
exit status: 0 every capture agrees, 1 some differ, 2 usage error or tshark missing."""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keylog_truth import keylog_for  # noqa: E402  (one rule for where a key log lies)
from keylog_truth import find_captures as keylog_truth_find  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_cached  # noqa: E402  (tshark's answers kept between the suite's two passes)

HS_HELLO_RETRY = 6          # tlsdiag's ladder type for a HelloRetryRequest
HS_SERVER_HELLO = 2
LEVELS = {"warning": 1, "fatal": 2}


def find_captures(paths):
    return keylog_truth_find(paths, who="keylog_tshark", strict=True)


def new_conn():
    return {"c2s": {"hs": [], "alerts": []}, "s2c": {"hs": [], "alerts": []}}


def ints(field):
    """A tshark field with all occurrences ("1,2,11") -> [1, 2, 11]; non-numbers are dropped."""
    out = []
    for x in field.split(",") if field else []:
        try:
            out.append(int(x, 0))
        except ValueError:
            pass
    return out

# ----------------------------------------------------------------------------------------------
# tshark: one decrypting pass; per frame the TCP ports, SYN flags and every handshake type and
# alert it holds (after reassembly, in order).

TSHARK_FIELDS = ["tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack",
                 "tls.handshake.type", "tls.alert_message.level", "tls.alert_message.desc"]


def tshark_conns(capture, keylog):
    cmd = ["tshark", "-n", "-r", capture, "-o", "tls.keylog_file:" + keylog,
           "-o", "tls.desegment_ssl_records:TRUE", "-o", "tcp.desegment_tcp_streams:TRUE",
           # TLS on any port (tlsdiag is run with -A), as tlsdiag finds it
           "-d", "tcp.port==1-65535,tls",
           "-Y", "tcp", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
           "-E", "separator=\t"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    r = tshark_cached.command(cmd)
    if r.returncode != 0:
        last = r.stderr.strip().splitlines()[-1:] or ["exit status %d" % r.returncode]
        raise RuntimeError("tshark failed: " + last[0])
    streams = {}         # tcp.stream -> {"client": port, "server": port, "conn": ...}
    order = []
    for line in r.stdout.splitlines():
        f = line.split("\t")
        f += [""] * (len(TSHARK_FIELDS) - len(f))
        stream, sport, dport, syn, ack, hs, alevel, adesc = f[:8]
        sport, dport = int(sport), int(dport)
        s = streams.get(stream)
        if s is None:
            # The client is the side of the first SYN, else of the first ClientHello, else the one
            # sending to the lower port.
            if syn == "1" and ack == "0":
                client = sport
            elif syn == "1":
                client = dport
            elif 1 in ints(hs):
                client = sport
            else:
                client = sport if sport > dport else dport
            s = {"client": client, "conn": new_conn()}
            streams[stream] = s
            order.append(stream)
        d = s["conn"]["c2s" if sport == s["client"] else "s2c"]
        d["hs"] += ints(hs)
        levels, descs = ints(alevel), ints(adesc)
        for i, desc in enumerate(descs):
            d["alerts"].append((levels[i] if i < len(levels) else None, desc))
    return [(streams[k]["client"], streams[k]["conn"]) for k in order]

# ----------------------------------------------------------------------------------------------
# tlsdiag: the ladder of each connection.


def tlsdiag_conns(binary, capture, keylog, keyless):
    cmd = [binary, "--json", "-v", "-A"]
    if not keyless:
        cmd += ["--keylog", keylog]
    cmd += ["-r", capture]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise RuntimeError("tlsdiag exited with status %d: %s" % (r.returncode, r.stderr.strip()[:200]))
    out = []
    for line in r.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") != "connection":
            continue
        alerts = (o.get("tls") or {}).get("alerts") or []
        conn = new_conn()
        for e in o.get("ladder") or []:
            d = conn.get(e.get("dir"))
            if d is None:
                continue
            n = max(1, int(e.get("count", 1)))
            if e.get("event") == "handshake":
                t = int(e.get("sub", -1))
                d["hs"] += [HS_SERVER_HELLO if t == HS_HELLO_RETRY else t] * n
            elif e.get("event") == "alert":
                a = alert_of(e, alerts)
                if a is not None:           # an alert nobody could read, as tshark leaves it out
                    d["alerts"] += [a] * n
        port = ((o.get("client") or {}).get("port"))
        out.append((port, conn))
    return out


def alert_of(e, alerts):
    """(level, description code) of a ladder alert entry: its own fields if it has them, else the
    connection's tls.alerts[sub]; None for an alert still encrypted (code null)."""
    src = e if ("code" in e or "description" in e) else None
    if src is None:
        i = int(e.get("sub", 255))
        src = alerts[i] if 0 <= i < len(alerts) else {}
    level = src.get("level")
    level = LEVELS.get(level, level) if isinstance(level, str) else level
    code = src.get("code")
    return None if code is None else (level, code)

# ----------------------------------------------------------------------------------------------
# The comparison.

HS_NAMES = {0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket",
            5: "EndOfEarlyData", 8: "EncryptedExtensions", 11: "Certificate",
            12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone",
            15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished",
            22: "CertificateStatus", 24: "KeyUpdate"}


def hs_list(xs):
    return "[" + " ".join(HS_NAMES.get(x, str(x)) for x in xs) + "]"


def keyed(conns):
    """[(port, conn)] -> {(port, n): conn}, n counting earlier connections of the same port."""
    seen, out = {}, {}
    for port, conn in conns:
        n = seen.get(port, 0)
        seen[port] = n + 1
        out[(port, n)] = conn
    return out


def first_difference(ts, td):
    ts_k, td_k = keyed(ts), keyed(td)
    keys = sorted(set(ts_k) | set(td_k), key=lambda k: (k[0] is None, k[0] or 0, k[1]))
    empty = new_conn()
    for k in keys:
        a, b = ts_k.get(k, empty), td_k.get(k, empty)
        where = "client port %s%s" % (k[0], " (#%d)" % (k[1] + 1) if k[1] else "")
        for d in ("c2s", "s2c"):
            if a[d]["hs"] != b[d]["hs"]:
                return "%s %s handshake: tshark %s, tlsdiag %s" % (where, d, hs_list(a[d]["hs"]), hs_list(b[d]["hs"]))
            if a[d]["alerts"] != b[d]["alerts"]:
                return "%s %s alerts (level, description): tshark %s, tlsdiag %s" % (
                    where, d, a[d]["alerts"], b[d]["alerts"])
    return None


def compare(binary, capture, keylog, keyless, tshark_keylog=None):
    try:
        ts = tshark_conns(capture, tshark_keylog or keylog)
        td = tlsdiag_conns(binary, capture, keylog, keyless)
    except (RuntimeError, OSError, ValueError) as e:
        return "not ok keylog-tshark %s: %s" % (capture, e), False
    diff = first_difference(ts, td)
    if diff:
        return "not ok keylog-tshark %s: %s" % (capture, diff), False
    return "ok keylog-tshark %s" % capture, True


def main(argv):
    binary = os.environ.get("TLSDIAG", "./tlsdiag")
    keyless, no_keys, jobs, paths = False, False, 2, []
    it = iter(argv)
    for a in it:
        if a == "--tlsdiag":
            binary = next(it, binary)
        elif a == "--keyless":
            keyless = True
        elif a == "--no-keys":
            keyless = no_keys = True
        elif a == "--jobs":
            jobs = max(1, int(next(it, "2")))
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("-"):
            print("keylog_tshark: unknown option %s" % a, file=sys.stderr)
            return 2
        else:
            paths.append(a)
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    if not shutil.which("tshark"):
        print("skip keylog-tshark: tshark not installed")
        return 0
    pairs = [(c, keylog_for(c)) for c in find_captures(paths)]
    pairs = [(c, k) for c, k in pairs if k]
    ok = 0
    tshark_keylog = os.devnull if no_keys else None
    # tshark's start-up dominates; two at a time (the machine is shared).
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for line, good in pool.map(lambda p: compare(binary, p[0], p[1], keyless, tshark_keylog), pairs):
            print(line, flush=True)
            ok += good
    print("# %d captures with a key log compared%s: %d agree, %d differ" % (
        len(pairs), " (tshark and tlsdiag without keys)" if no_keys else " (tlsdiag without --keylog)" if keyless else "", ok, len(pairs) - ok))
    return 0 if ok == len(pairs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
