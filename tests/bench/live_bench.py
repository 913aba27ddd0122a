#!/usr/bin/env python3
"""Live capture at a ladder of rates: tlsdiag -i with its defaults against tcpdump -w /dev/null.

usage: live_bench.py --tlsdiag BIN --cacert PEM [--rates 0.5,1,1.5,2,2.5,top] [--workers auto,1]
                     [--repeats N] [--buffer-kib K] [--baseline OLD-BIN] KIND=FILE...

Two network namespaces joined by a veth pair: tcpreplay sends each capture into one end at each
rate of the ladder (Gb/s, or "top" for --topspeed), while one captor at a time listens on the
other end: tcpdump -w /dev/null (its default 2 MiB buffer, as an administrator runs it), then
tlsdiag -i --json for each entry of --workers: "auto" is tlsdiag's defaults (no --workers, no -B:
the workers from the CPUs, the ring from the link speed and memory), a number N is --workers N
with the default ring.  Every captor gets the same replay of the same bytes, one after the other,
at every rate.  The last line per capture is the top-speed comparison: the drops of tcpdump and of
each tlsdiag, worst of the repeats, in the same run.  --baseline OLD-BIN adds another tlsdiag
binary with its own defaults, in the same rounds (before/after a change).  Reported per rate
and captor: the kernel's drop count and, for tlsdiag, the connections reported (of how many the
offline run of the same file reports), how many are marked capture-drops, and the captor's CPU
time (user + system, from wait4) for the whole replay; then the highest
rate each captor held with zero drops, and the verdict counts live against offline at that rate.
--buffer-kib K gives every captor the same kernel buffer (tcpdump -B K, tlsdiag -B K): a small one
shows who reads the ring faster when the replay alone cannot outrun them.

The namespaces are removed on every exit; every process has a time limit.  Needs root, ip,
tcpreplay and tcpdump; prints "skip live bench: why" otherwise.  With the default ladder the two
bench captures (bulk 450 MB, handshake 100 MB) take about three minutes.
"""
import argparse
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

NS_R, NS_C = "tdb-r-%d" % os.getpid(), "tdb-c-%d" % os.getpid()
IF_R, IF_C = "tdbr%d" % os.getpid(), "tdbc%d" % os.getpid()
FILTER = "tcp and (port 443)"          # what tlsdiag installs by default; tcpdump gets the same
SETTLE_S = 1.5                          # after the replay: closed connections linger 1 s


def sh(*cmd, check=True, timeout=30):
    return subprocess.run(cmd, check=check, timeout=timeout, capture_output=True, text=True)


def ns_up():
    sh("ip", "netns", "add", NS_R)
    sh("ip", "netns", "add", NS_C)
    sh("ip", "link", "add", IF_R, "netns", NS_R, "type", "veth", "peer", "name", IF_C, "netns", NS_C)
    for ns, ifname in ((NS_R, IF_R), (NS_C, IF_C)):
        sh("ip", "-n", ns, "link", "set", ifname, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def ns_down():
    for ns in (NS_R, NS_C):
        pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
        for p in pids:
            try:
                os.kill(int(p), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        sh("ip", "netns", "del", ns, check=False)


def wait_for(path, text, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with open(path, errors="replace") as f:
                if text in f.read():
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return False


def replay(path, rate):
    """Send the file into the veth; the rate tcpreplay reports (Mb/s)."""
    speed = ["--topspeed"] if rate == "top" else ["--mbps", "%g" % (float(rate) * 1000)]
    p = sh("ip", "netns", "exec", NS_R, "tcpreplay", "-q", "-i", IF_R, *speed, path, check=False, timeout=600)
    m = re.search(r"Rated: [\d.]+ Bps, ([\d.]+) Mbps", p.stdout)
    failed = re.search(r"Failed packets:\s+(\d+)", p.stdout)
    return (float(m.group(1)) if m else float("nan")), int(failed.group(1)) if failed else -1


def wait_cpu(p, seconds):
    """Wait for the captor (ip netns exec execs it: p.pid is the captor); its CPU seconds."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return ru.ru_utime + ru.ru_stime
        time.sleep(0.05)
    raise RuntimeError("a captor did not stop within %d s" % seconds)


def run_captor(kind, workers, path, rate, tlsdiag, cacert, tmp, buffer_kib, baseline=None):
    """One replay with one captor listening.  Returns a dict of what it saw."""
    err_path, out_path = os.path.join(tmp, "err"), os.path.join(tmp, "out")
    if kind == "tcpdump":
        cmd = ["tcpdump", "-i", IF_C, "-w", "/dev/null", "-Z", "root"]
        cmd += (["-B", str(buffer_kib)] if buffer_kib else []) + [FILTER]
        ready = "listening on"
    else:
        cmd = [baseline if workers == "baseline" else tlsdiag, "-i", IF_C, "--json", "-Z", "root", "--cacert", cacert,
               "-o", out_path]
        if workers not in ("auto", "baseline"):
            cmd += ["--workers", str(workers)]
        if buffer_kib:
            cmd += ["-B", str(buffer_kib)]
        ready = "listening on"
    with open(err_path, "w") as err:
        p = subprocess.Popen(["ip", "netns", "exec", NS_C] + cmd, stdout=subprocess.DEVNULL, stderr=err)
    try:
        if not wait_for(err_path, ready, 10):
            raise RuntimeError("%s did not start: %s" % (cmd[0], open(err_path).read()[:300]))
        mbps, failed = replay(path, rate)
        time.sleep(SETTLE_S)
        p.send_signal(signal.SIGINT)
        cpu = wait_cpu(p, 120)
    finally:
        if p.poll() is None and p.returncode is None:
            p.kill()
            p.wait()
    res = {"mbps": mbps, "send_failed": failed, "cpu": cpu}
    text = open(err_path, errors="replace").read()
    if kind == "tcpdump":
        m = re.search(r"(\d+) packets captured", text)
        d = re.search(r"(\d+) packets dropped by kernel", text)
        res["received"] = int(m.group(1)) if m else -1
        res["dropped"] = int(d.group(1)) if d else -1
        return res
    conns, summary = [], {}
    for line in open(out_path):
        o = json.loads(line)
        if o.get("type") == "connection":
            conns.append(o)
        elif o.get("type") == "summary":
            summary = o
    started = re.search(r"listening on .*', (buffer .*)", text)
    res["plan"] = started.group(1) if started else "?"
    res["received"] = summary.get("kernel_received", -1)
    res["dropped"] = summary.get("kernel_dropped", -1)
    res["packets"] = summary.get("packets", -1)
    res["connections"] = len(conns)
    res["verdicts"] = collections.Counter(c["verdict"] for c in conns)
    res["marked"] = sum(1 for c in conns if any(f.get("id") == "capture-drops" for f in c.get("findings", []))
                        or c.get("capture_drops"))
    return res


def offline(tlsdiag, cacert, path):
    p = subprocess.run([tlsdiag, "--json", "--cacert", cacert, "-r", path], capture_output=True, text=True,
                       timeout=600)
    conns = [json.loads(l) for l in p.stdout.splitlines() if '"type":"connection"' in l]
    summary = [json.loads(l) for l in p.stdout.splitlines() if '"type":"summary"' in l]
    return collections.Counter(c["verdict"] for c in conns), len(conns), summary[-1]["packets"] if summary else -1


def cell(r, n_off):
    if r is None:
        return "-"
    s = "%d drops, %.2f s CPU" % (r["dropped"], r["cpu"])
    if "connections" in r:
        s += ", %d/%d conns" % (r["connections"], n_off)
        if r["marked"]:
            s += " (%d marked)" % r["marked"]
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tlsdiag", required=True)
    ap.add_argument("--cacert", required=True)
    ap.add_argument("--rates", default="0.5,1,1.5,2,2.5,top")
    ap.add_argument("--workers", default="auto,1", help="tlsdiag captors: auto (its defaults) or --workers N")
    ap.add_argument("--repeats", type=int, default=1, help="replays per rate and captor (the worst counts)")
    ap.add_argument("--baseline", help="another tlsdiag binary, run with its own defaults beside the others")
    ap.add_argument("--buffer-kib", type=int, default=0, help="every captor's kernel buffer (0: their defaults)")
    ap.add_argument("captures", nargs="+", metavar="KIND=FILE")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("skip live bench: needs root (network namespaces and packet capture)")
        return 0
    for tool in ("ip", "tcpreplay", "tcpdump"):
        if not shutil.which(tool):
            print("skip live bench: %s is not installed" % tool)
            return 0
    tlsdiag = os.path.abspath(a.tlsdiag)
    rates = a.rates.split(",")
    captors = [("tcpdump", 1, "tcpdump -w /dev/null")] + \
              [("tlsdiag", w, "tlsdiag -i" + (" (defaults)" if w == "auto" else " --workers %s" % w))
               for w in a.workers.split(",")] + \
              ([("tlsdiag", "baseline", "baseline tlsdiag -i (defaults)")] if a.baseline else [])
    print("\n== live capture: tcpreplay into a veth pair in two namespaces, one captor at a time")
    print("machine: %d cores, load average %s at start" % (os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3])))
    print("ladder (Gb/s): %s; repeats %d; filter '%s'; kernel buffer: %s" % (", ".join(rates), a.repeats, FILTER,
          "%d KiB for every captor" % a.buffer_kib if a.buffer_kib else "defaults (tcpdump 2 MiB, tlsdiag auto)"))
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="tlsdiag-livebench.")
    try:
        ns_down()
        ns_up()
        for spec in a.captures:
            kind, path = spec.split("=", 1)
            verdicts_off, n_off, packets_off = offline(tlsdiag, a.cacert, path)
            print("\n-- %s: %s: %d packets, %d connections offline" % (kind, path, packets_off, n_off))
            print("%-6s %-9s" % ("rate", "sent Gb/s") + "".join("  %-44s" % c[2] for c in captors))
            held = {c[2]: None for c in captors}
            broke = {c[2]: False for c in captors}
            at_held, at_top = {}, {}
            for rate in rates:
                row, sent = [], []
                for kind_c, w, label in captors:
                    worst = None
                    for _ in range(a.repeats):
                        r = run_captor(kind_c, w, path, rate, tlsdiag, a.cacert, tmp, a.buffer_kib,
                                       a.baseline and os.path.abspath(a.baseline))
                        sent.append(r["mbps"])
                        if worst is None or r["dropped"] > worst["dropped"]:
                            worst = r
                    row.append(worst)
                    if rate == "top":
                        at_top[label] = worst
                    if worst["dropped"] == 0 and not broke[label]:
                        held[label] = rate
                        at_held[label] = worst
                    elif worst["dropped"] != 0:
                        broke[label] = True
                print("%-6s %-9s" % (rate, "%.2f" % (min(sent) / 1000.0)) +
                      "".join("  %-44s" % cell(r, n_off) for r in row))
            print("highest rate with zero drops (and none below it):")
            for _, _, label in captors:
                r = at_held.get(label)
                print("  %-28s %s" % (label, "none of the ladder" if r is None else "%s (sent %.2f Gb/s)" % (
                      "top speed" if held[label] == "top" else held[label] + " Gb/s", r["mbps"] / 1000.0)))
            for kind_c, _, label in captors:
                r = at_top.get(label) or at_held.get(label)
                if kind_c == "tlsdiag" and r:
                    print("  %s started with: %s" % (label, r.get("plan", "?") if r.get("plan", "?") != "?" else
                          "(its startup line names no buffer or workers)"))
            if at_top:
                t = [at_top.get(c[2]) for c in captors]
                words = ["%s %d" % ("tcpdump drops" if c[0] == "tcpdump" else "tlsdiag defaults drop" if c[1] == "auto"
                         else "the baseline's defaults drop" if c[1] == "baseline" else "--workers %s drops" % c[1],
                         r["dropped"] if r else -1) for c, r in zip(captors, t)]
                worst_td = max((r["dropped"] for c, r in zip(captors, t) if c[0] == "tlsdiag" and c[1] != "baseline" and r),
                               default=-1)
                print("top speed (sent %.2f Gb/s): %s: %s" % (min(r["mbps"] for r in t if r) / 1000.0, ", ".join(words),
                      "no more than tcpdump" if 0 <= worst_td <= (t[0]["dropped"] if t[0] else -1) else "MORE than tcpdump"))
            for _, _, label in captors:
                r = at_held.get(label)
                if r and "verdicts" in r:
                    same = r["verdicts"] == verdicts_off
                    print("  %s at %s: verdicts %s offline%s" % (label, held[label], "equal to" if same else "DIFFER from",
                          "" if same else ": live %s, offline %s" % (dict(r["verdicts"]), dict(verdicts_off))))
    finally:
        ns_down()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nlive bench: %.0f s; load average %s at the end" % (time.monotonic() - t0,
          " ".join(open("/proc/loadavg").read().split()[:3])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
