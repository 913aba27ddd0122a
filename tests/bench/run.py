#!/usr/bin/env python3
"""Time tlsdiag against the bare libpcap loop and, where installed, tshark, ssldump and ndpiReader.

usage: run.py --tlsdiag BIN --floor BIN --timeit BIN --cacert PEM [--baseline BIN] [--runs N]
              [--slow-runs M] [--quic-conns N] KIND=FILE...

KIND is bulk, handshake, quic or idle.  For bulk and handshake captures the page cache is warmed
first; then each round runs every tool once, in turn, so that a noisy machine (other jobs, a
fuzzing campaign) weighs on all of them alike.  Reported: the median wall time of the rounds
(and min..max), the median CPU time (user + system), the peak RSS, the ratio to the floor, and
how many times faster tlsdiag is; then the targets.  An idle capture (a million connections
opened and left silent) is run once, by tlsdiag alone, for its peak RSS.  Every tool's output
goes to /dev/null.  Slow tools (tshark, ssldump) run --slow-runs rounds only.  --baseline adds
another tlsdiag build (an older commit) to every round, so that old and new are compared on the
same machine in the same minutes.

The per-connection targets (issue 13), as measured here:
  time: (tlsdiag's median CPU time (user + system) on the handshake capture - the libpcap floor's)
        / connections, the work tlsdiag does beyond reading the packets, per connection, < 3 us.
        CPU time rather than wall time: on a shared machine wall time also counts the time spent
        waiting for a core.  The wall-time figure is printed beside it;
  memory: (tlsdiag's peak RSS on the idle capture - its peak RSS on an empty capture) /
        connections, what one open connection that carries no byte costs, < 512 bytes.

A quic capture (gencap quic: N replays of a real Chromium <-> ngtcp2 connection, each followed by
K short-header datagrams each way) is timed with the floor, tlsdiag (no key log, no --cacert:
no certificate is visible) and tshark (-Y quic, slow runs only).  Before the timing, tlsdiag's
JSON on it is checked: --quic-conns connections, every one QUIC and "ok", and every packet of
the file counted in one of them; otherwise run.py stops (exit 1): a bench of a broken parse is
worth nothing.  Printed for it: CPU time per connection beyond the floor's, as for the handshake
capture, and the ratio to the floor.  At the end, from the same run: packets per second per core
(packets / tlsdiag's median CPU time: offline tlsdiag runs on one core) for every bulk, handshake
and quic capture, side by side, and the CPU time a packet beyond the floor's.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

US_PER_CONN = 3.0      # handshake capture: CPU time beyond the floor's per connection, microseconds (issue 26)
IDLE_BYTES = 512       # idle capture: peak RSS beyond an empty capture's per open connection
EMPTY_PCAP = bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000")  # header only, Ethernet

TARGETS = {  # capture kind -> ((tool, wanted ratio), ...); for "floor" the ratio is an upper bound
    "bulk": (("floor", 1.5), ("pagecache", 1.5), ("ndpiReader", 5.0), ("tshark", 50.0)),
    "handshake": (("ndpiReader", 2.0), ("tshark", 30.0)),
}


def tools(args, path, kind):
    if kind == "quic":
        t = [
            ("floor", "libpcap loop (floor)", [args.floor, path], False),
            ("tlsdiag", "tlsdiag", [args.tlsdiag, "--json", "-o", "/dev/null", "-r", path], False),
        ]
        if args.baseline:
            t.append(("baseline", "tlsdiag baseline", [args.baseline, "--json", "-o", "/dev/null", "-r", path], False))
        if shutil.which("tshark"):
            # QUIC dissection (Initials decrypted, CRYPTO frames reassembled, TLS handshake read),
            # every packet dissected to evaluate the filter; the summary lines go to /dev/null.
            t.append(("tshark", "tshark (QUIC dissection)", ["tshark", "-n", "-r", path, "-Y", "quic"], True))
        return t
    t = [
        ("floor", "libpcap loop (floor)", [args.floor, path], False),
    ]
    if args.pagecache:      # the file read from the page cache, 1 MiB at a time, each page touched
        t.append(("pagecache", "page-cache read", [args.pagecache, path], False))
    t += [
        ("tlsdiag", "tlsdiag", [args.tlsdiag, "--json", "--cacert", args.cacert, "-o", "/dev/null", "-r", path], False),
    ]
    if args.baseline:
        t.append(("baseline", "tlsdiag baseline",
                  [args.baseline, "--json", "--cacert", args.cacert, "-o", "/dev/null", "-r", path], False))
    if shutil.which("ndpiReader"):
        t.append(("ndpiReader", "ndpiReader", ["ndpiReader", "-i", path], False))
    if shutil.which("ssldump"):
        t.append(("ssldump", "ssldump", ["ssldump", "-n", "-r", path], True))
    if shutil.which("tshark"):
        # TLS dissection on, TCP and TLS reassembly on (the defaults, made explicit): every
        # packet is dissected to evaluate the filter; printed are the facts tlsdiag reports per
        # connection: message types, versions, cipher suites, SNI, alerts, certificate names.
        t.append(("tshark", "tshark (TLS dissection)",
                  ["tshark", "-n", "-r", path, "-o", "tcp.desegment_tcp_streams:TRUE",
                   "-o", "tls.desegment_ssl_records:TRUE", "-Y", "tls.handshake or tls.alert_message",
                   "-T", "fields", "-e", "tcp.stream", "-e", "tls.handshake.type",
                   "-e", "tls.handshake.version", "-e", "tls.handshake.ciphersuite",
                   "-e", "tls.handshake.extensions_server_name", "-e", "tls.alert_message.desc",
                   "-e", "x509sat.printableString", "-e", "x509ce.dNSName"], True))
    return t


def run_once(timeit, cmd):
    """Wall and CPU seconds, peak RSS (MB), exit status and stderr of one run of cmd."""
    p = subprocess.run([timeit] + cmd, capture_output=True)
    try:
        wall, cpu, rss, rc = p.stdout.split()
        return float(wall), float(cpu), int(rss) / 1024.0, int(rc), p.stderr
    except ValueError:
        return float("nan"), float("nan"), 0.0, 127, p.stderr + p.stdout


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 22):
            pass


def empty_rss(timeit, tlsdiag, cacert):
    """tlsdiag's peak RSS (MB) on a capture without packets: what is not per connection."""
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".pcap") as f:
        f.write(EMPTY_PCAP)
        f.flush()
        return min(run_once(timeit, [tlsdiag, "--json", "--cacert", cacert, "-o", "/dev/null", "-r", f.name])[2]
                   for _ in range(3))


def capture_facts(tlsdiag, cacert, path):
    """Packets and connections, from tlsdiag's own summary line."""
    import json
    out = subprocess.run([tlsdiag, "--json", "-q", "--cacert", cacert, "-r", path],
                         capture_output=True, text=True).stdout
    for line in reversed(out.splitlines()):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") == "summary":
            return o.get("packets", 0), o.get("connections", 0), o.get("verdicts", {})
    return 0, 0, {}


def check_quic(tlsdiag, path, want_conns):
    """tlsdiag's JSON on the quic capture: want_conns QUIC connections, all ok, every packet in one.
    Returns (packets, connections, verdicts) like capture_facts; exits when the parse is broken."""
    import collections
    import json
    p = subprocess.run([tlsdiag, "--json", "-r", path], capture_output=True, text=True)
    conns, verdicts, transports, shapes = 0, collections.Counter(), collections.Counter(), collections.Counter()
    in_conns, summary = 0, None
    for line in p.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") == "connection":
            conns += 1
            verdicts[o.get("verdict")] += 1
            transports[o.get("transport")] += 1
            q = o.get("quic") or {}
            d = q.get("datagrams") or [0, 0]
            in_conns += sum(d)
            shapes[(tuple(d), tuple(q.get("1rtt_packets") or ()), bool(q.get("migrated")))] += 1
        elif o.get("type") == "summary":
            summary = o
    packets = summary.get("packets", 0) if summary else 0
    problems = []
    if p.returncode not in (0, 1):
        problems.append(f"exit status {p.returncode}: {p.stderr.strip()[:200]}")
    if want_conns is None:
        problems.append("--quic-conns not given: the number of connections the capture holds")
    elif conns != want_conns:
        problems.append(f"{conns} connections reported, the capture holds {want_conns}")
    if verdicts.get("ok", 0) != conns:
        problems.append("verdicts " + ", ".join(f"{v}: {n}" for v, n in verdicts.most_common()) + " (all must be ok)")
    if transports.get("quic", 0) != conns:
        problems.append("transports " + ", ".join(f"{t}: {n}" for t, n in transports.most_common()))
    if not summary or in_conns != packets:
        problems.append(f"{in_conns} datagrams in the connections, {packets} packets in the file")
    if not shapes:
        problems.append("no connection at all")
    elif len(shapes) > 1 or any(m for _, _, m in shapes):
        problems.append("connections differ (datagrams, 1-RTT packets, migrated): " +
                        "; ".join(f"{k}: {n}" for k, n in shapes.most_common(4)))
    if problems:
        print(f"quic capture {path}: tlsdiag's reading is wrong, not timing it:", file=sys.stderr)
        for m in problems:
            print(f"  {m}", file=sys.stderr)
        sys.exit(1)
    d, one, _ = next(iter(shapes))
    print(f"  checked: {conns} QUIC connections, all ok, every packet in one; each "
          f"{'+'.join(map(str, d))} datagrams, {'+'.join(map(str, one))} 1-RTT packets (client+server)")
    return packets, conns, dict(verdicts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsdiag", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--cacert", required=True)
    ap.add_argument("--timeit", required=True, help="the tests/bench/timeit.c binary")
    ap.add_argument("--pagecache", help="the tests/bench/pagecache.c binary: a page-cache read of the file")
    ap.add_argument("--baseline", help="another tlsdiag (an older build) to run in the same rounds")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slow-runs", type=int, default=3)
    ap.add_argument("--quic-conns", type=int, help="connections in the quic capture (gencap quic -n)")
    ap.add_argument("captures", nargs="+", metavar="NAME=FILE")
    args = ap.parse_args()

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores ({os.sched_getaffinity(0).__len__()} usable), "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")
    versions = []
    for name, cmd in (("tshark", ["tshark", "-v"]), ("ndpiReader", ["ndpiReader", "-h"])):
        if shutil.which(name):
            first = subprocess.run(cmd, capture_output=True, text=True)
            text = (first.stdout + first.stderr).strip().splitlines()
            versions.append(text[0] if text else name)
    if versions:
        print("tools: " + "; ".join(versions))
    verdict = True
    shown = set()
    rates = []                      # (kind, packets, connections, tlsdiag CPU s, floor CPU s) for the end
    for spec in args.captures:
        kind, path = spec.split("=", 1)
        size = os.path.getsize(path)
        warm(path)
        if kind == "quic":
            print()
            packets, conns, verdicts = check_quic(args.tlsdiag, path, args.quic_conns)
        else:
            packets, conns, verdicts = capture_facts(args.tlsdiag, args.cacert, path)
        failing = conns - verdicts.get("ok", 0)
        if kind != "quic":
            print()
        print(f"== {kind}: {path}: {size / 1e6:.1f} MB, {packets} packets, {conns} connections "
              f"({failing} not ok)")
        ts = tools(args, path, kind)
        if kind == "idle":
            ts = [t for t in ts if t[0] in ("tlsdiag", "baseline")]
        for key, label, cmd, slow in ts:
            if (key, kind == "quic") not in shown:
                shown.add((key, kind == "quic"))
                print(f"  {label}: " + " ".join(cmd).replace(path, "FILE"))
        results = {k: [] for k, _, _, _ in ts}
        notes = {}
        for r in range(1 if kind == "idle" else args.runs):
            for key, label, cmd, slow in ts:
                if slow and r >= args.slow_runs:
                    continue
                wall, cpu, rss, rc, err = run_once(args.timeit, cmd)
                ok_rc = (0, 1) if key in ("tlsdiag", "baseline") else (0,)
                if rc not in ok_rc or wall != wall:
                    notes[key] = f"exit status {rc}: {err.decode(errors='replace').strip()[:120]}"
                results[key].append((wall, cpu, rss))
        mine = statistics.median(w for w, _, _ in results["tlsdiag"])
        floor = statistics.median(w for w, _, _ in results["floor"]) if "floor" in results else None
        print(f"{'tool':26} {'runs':>4} {'wall (median)':>13} {'min..max':>15} {'CPU s':>7} "
              f"{'peak RSS':>9} {'x floor':>8} {'tlsdiag faster':>15}")
        for key, label, cmd, slow in ts:
            rs = results[key]
            if not rs:                      # a slow tool with --slow-runs 0
                print(f"{label:26} {0:4d}   not run (--slow-runs {args.slow_runs})")
                continue
            walls = [w for w, _, _ in rs]
            med = statistics.median(walls)
            cpu = statistics.median(c for _, c, _ in rs)
            rss = max(m for _, _, m in rs)
            faster = "" if key in ("floor", "pagecache", "tlsdiag", "baseline") else f"{med / mine:.1f}x"
            xfloor = f"{med / floor:7.2f}x" if floor else f"{'-':>8}"
            print(f"{label:26} {len(rs):4d} {med:11.3f} s {min(walls):6.3f}..{max(walls):6.3f} {cpu:7.2f} "
                  f"{rss:7.0f} MB {xfloor} {faster:>15}")
        for key, note in sorted(notes.items()):
            print(f"  note: {key}: {note}")
        peaks = [(lbl, max(m for _, _, m in results[k])) for k, lbl in (("tlsdiag", "tlsdiag"), ("baseline", "baseline"))
                 if results.get(k)]
        if peaks:
            print("  peak memory: " + ", ".join(f"{lbl} {mb:.1f} MB" for lbl, mb in peaks) +
                  f" (peak RSS, the largest of the runs; {size / 1e6:.0f} MB capture, {conns} connections)")
        if kind == "idle":
            rss = max(m for _, _, m in results["tlsdiag"])
            ok = rss <= 1024
            print(f"  target: peak RSS <= 1 GB with {conns} connections open at once: {rss:.0f} MB "
                  f"({rss * 1048576 / max(conns, 1):.0f} bytes a connection)  {'holds' if ok else 'MISSED'}")
            verdict = verdict and ok
            empty = empty_rss(args.timeit, args.tlsdiag, args.cacert)
            per = (rss - empty) * 1048576 / max(conns, 1)
            ok = per < IDLE_BYTES
            print(f"  target: < {IDLE_BYTES} bytes per idle connection: ({rss:.1f} MB - {empty:.1f} MB on an "
                  f"empty capture) / {conns} = {per:.0f} bytes  {'holds' if ok else 'MISSED'}")
            verdict = verdict and ok
            if "baseline" in results:
                base = max(m for _, _, m in results["baseline"])
                bempty = empty_rss(args.timeit, args.baseline, args.cacert)
                print(f"  baseline: {(base - bempty) * 1048576 / max(conns, 1):.0f} bytes per idle connection")
        if kind == "handshake" and floor:
            def cpu(key):
                return statistics.median(c for _, c, _ in results[key])
            n = max(conns, 1)
            us = (cpu("tlsdiag") - cpu("floor")) * 1e6 / n
            ok = us < US_PER_CONN
            print(f"  target: < {US_PER_CONN:g} us per connection: (CPU {cpu('tlsdiag'):.3f} s - floor's "
                  f"{cpu('floor'):.3f} s) / {conns} = {us:.2f} us  {'holds' if ok else 'MISSED'}"
                  f"  (wall: {(mine - floor) * 1e6 / n:.2f} us)")
            verdict = verdict and ok
            if "baseline" in results:
                base = statistics.median(w for w, _, _ in results["baseline"])
                print(f"  baseline: {(cpu('baseline') - cpu('floor')) * 1e6 / n:.2f} us per connection "
                      f"(wall: {(base - floor) * 1e6 / n:.2f} us)")
        if kind == "quic" and floor:
            def cpu(key):
                return statistics.median(c for _, c, _ in results[key])
            n = max(conns, 1)
            us = (cpu("tlsdiag") - cpu("floor")) * 1e6 / n
            print(f"  per connection: (CPU {cpu('tlsdiag'):.3f} s - floor's {cpu('floor'):.3f} s) / {conns} = "
                  f"{us:.2f} us beyond the floor (wall: {(mine - floor) * 1e6 / n:.2f} us); tlsdiag "
                  f"{cpu('tlsdiag') / cpu('floor'):.2f}x the floor's CPU time ({mine / floor:.2f}x its wall time)")
            if "baseline" in results:
                base = statistics.median(w for w, _, _ in results["baseline"])
                print(f"  baseline: {(cpu('baseline') - cpu('floor')) * 1e6 / n:.2f} us per connection "
                      f"(wall: {(base - floor) * 1e6 / n:.2f} us)")
        if kind in ("bulk", "handshake", "quic") and "floor" in results:
            rates.append((kind, os.path.basename(path), packets, conns, statistics.median(c for _, c, _ in results["tlsdiag"]),
                          statistics.median(c for _, c, _ in results["floor"])))
        if floor and "baseline" in results:
            base = statistics.median(w for w, _, _ in results["baseline"])
            print(f"  tlsdiag vs baseline: {mine / floor:.2f}x against {base / floor:.2f}x the floor "
                  f"({mine / base:.3f} of the baseline's time)")
        for tool, want in TARGETS.get(kind, ()):
            if tool not in results or not results[tool]:
                why = "not installed" if tool not in results else f"--slow-runs {args.slow_runs}"
                print(f"  target: >= {want:g}x faster than {tool}: not measured ({why})")
                continue
            med = statistics.median(w for w, _, _ in results[tool])
            if tool in ("floor", "pagecache"):
                got = mine / med
                ok = got <= want
                if tool == "floor":
                    print(f"  target: tlsdiag <= {want:g}x the libpcap loop: {got:.2f}x  {'holds' if ok else 'MISSED'}")
                else:
                    cpu_x = (statistics.median(c for _, c, _ in results["tlsdiag"]) /
                             max(statistics.median(c for _, c, _ in results[tool]), 1e-9))
                    print(f"  target: tlsdiag <= {want:g}x a page-cache read of the file: {got:.2f}x  "
                          f"{'holds' if ok else 'MISSED'}  (CPU time: {cpu_x:.2f}x)")
            else:
                got = med / mine
                ok = got >= want
                print(f"  target: tlsdiag >= {want:g}x faster than {tool}: {got:.1f}x  {'holds' if ok else 'MISSED'}")
            verdict = verdict and ok
    if rates:
        print()
        print("== packets per second per core, this run (packets / median CPU time; offline tlsdiag uses one core)")
        print(f"{'capture':10} {'packets':>9} {'conns':>6} {'tlsdiag CPU':>11} {'tlsdiag pkt/s':>13} "
              f"{'floor pkt/s':>12} {'x floor':>8} {'ns/pkt beyond floor':>20}  file")
        for kind, name, packets, conns, cpu, fcpu in rates:
            rate = packets / cpu if cpu > 0 else float("nan")
            frate = packets / fcpu if fcpu > 0 else float("nan")
            beyond = (cpu - fcpu) * 1e9 / max(packets, 1)
            print(f"{kind:10} {packets:9d} {conns:6d} {cpu:9.3f} s {rate / 1e6:10.3f} M {frate / 1e6:9.3f} M "
                  f"{cpu / fcpu if fcpu > 0 else float('nan'):7.2f}x {beyond:17.0f} ns  {name}")
    print()
    print("all targets hold" if verdict else "some targets missed (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
