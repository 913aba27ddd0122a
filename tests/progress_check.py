#!/usr/bin/env python3
"""tests/progress_check.py BIN CAPTURE CACERT - the progress line on stderr (analyzer/run/progress.c).

It must appear while a file is read for more than a second and stderr is a terminal, say how far
the reading got, be gone before any report line is written (the report may share the terminal),
and never appear in a pipe, under CI=1 or on a dumb terminal.  Real terminals (pseudo-terminals
from os.openpty) and real slowness: a terminal that is read slowly makes tlsdiag wait on its
report writes, and a stdin fed with a pause makes it wait on its input.  Prints "ok progress ..."
or "not ok progress ...: why" per check."""
import os
import re
import select
import subprocess
import sys
import threading
import time
import tty

BIN, CAPTURE, CACERT = sys.argv[1:4]
ARGS = [BIN, "--color", "never", "--cacert", CACERT]
DRAW = re.compile(rb"\r([^\r\n\x1b]+)\x1b\[K")           # one drawing of the line
CLEAR = b"\r\x1b[K"
WITH_SIZE = re.compile(r"^(\S+): [\d.]+ [MG]B of [\d.]+ [MG]B \((\d+)%\), (\d+) packets, (\d+) connections, "
                       r"[\d.]+ [MG]B/s(, \d+:\d\d left)?$")
NO_SIZE = re.compile(r"^stdin: [\d.]+ [MG]B, (\d+) packets, (\d+) connections, [\d.]+ [MG]B/s$")
TIMEOUT = 120
failed = 0


def result(name, why):
    global failed
    if why:
        failed += 1
        print(f"not ok progress {name}: {why}")
    else:
        print(f"ok progress {name}")


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM")}
    e["TERM"] = "xterm"
    e.update(extra)
    return e


def slow_feed(proc, data, pause):
    """Write the first megabyte, wait `pause` seconds, write the rest."""
    def run():
        try:
            proc.stdin.write(data[:1 << 20])
            proc.stdin.flush()
            time.sleep(pause)
            proc.stdin.write(data[1 << 20:])
        except BrokenPipeError:
            pass
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def read_terminal(master, proc, slow_until_drawn):
    """Everything written to the terminal until the process ends.  While slow_until_drawn and
    no progress line has been drawn yet, read 1 KB every 2 ms, so that tlsdiag blocks on its
    report writes and its reading takes more than a second."""
    out = bytearray()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        slow = slow_until_drawn and not DRAW.search(out)
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                chunk = os.read(master, 1024 if slow else 65536)
            except OSError:                 # EIO: the child side is closed
                break
            if not chunk:
                break
            out += chunk
            if slow:
                time.sleep(0.002)
        elif proc.poll() is not None:
            # The child has exited; take what is left without waiting.
            r, _, _ = select.select([master], [], [], 0.2)
            if not r:
                break
    else:
        proc.kill()
    proc.wait(timeout=10)
    return bytes(out)


def plain_report(extra_args, stdin_data=None):
    p = subprocess.run(ARGS + extra_args, input=stdin_data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env(), timeout=TIMEOUT)
    return p.stdout, p.stderr


def timeless(report):
    """The report without the run's elapsed time (the summary's "..., 0.42 s")."""
    return re.sub(rb"(Summary: [^\n]*), [\d.]+ s\n", rb"\1, T s\n", bytes(report))


def strip_progress(raw):
    """The terminal's bytes without the progress drawings and clearings; and whether every
    drawing started at the beginning of a line and was cleared (or redrawn) before anything else
    was written and before the end (never spliced into report text, never left on the screen)."""
    clean = True
    pos = 0
    kept = bytearray()
    while pos < len(raw):
        m = DRAW.match(raw, pos)
        if m or raw.startswith(CLEAR, pos):
            if m and kept and not kept.endswith(b"\n"):
                clean = False                  # drawn in the middle of a report line
            pos = m.end() if m else pos + len(CLEAR)
            if m and not DRAW.match(raw, pos) and not raw.startswith(CLEAR, pos):
                clean = False                  # report text after it on its line, or left at the end
            continue
        kept.append(raw[pos])
        pos += 1
    return bytes(kept), clean


def check_file_on_terminal():
    """A regular file, stdout and stderr both on a terminal that is read slowly.  With an idle
    timeout the unanswered SYNs end during the reading, so reports keep coming out between the
    drawings (without it they would all wait, in order, behind the first unanswered one)."""
    name = "file, report and progress on one slow terminal"
    args = ["--idle-timeout", "1", "-r", CAPTURE]
    master, slave = os.openpty()
    tty.setraw(slave)                          # no \n -> \r\n: the bytes as tlsdiag wrote them
    proc = subprocess.Popen(ARGS + args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env())
    os.close(slave)
    raw = read_terminal(master, proc, slow_until_drawn=True)
    os.close(master)
    want, want_err = plain_report(args)
    lines = [m.group(1).decode() for m in DRAW.finditer(raw)]
    shaped = [WITH_SIZE.match(line) for line in lines]
    kept, clean = strip_progress(raw)
    if not lines:
        return result(name, "no progress line was drawn")
    if not clean:
        return result(name, "a progress line shares a line with report text or is left on the screen")
    after = [raw[m.end():m.end() + 8] for m in DRAW.finditer(raw)]
    if not any(a.startswith(CLEAR + b"#") for a in after):
        return result(name, "no report was written while a progress line was up: the test proves nothing")
    if not all(shaped):
        return result(name, f"unexpected progress line {lines[shaped.index(None)]!r}")
    percents = [int(m.group(2)) for m in shaped]
    packets = [int(m.group(3)) for m in shaped]
    if any(p > 100 for p in percents) or percents != sorted(percents) or packets != sorted(packets):
        return result(name, f"percent or packet counts go backwards or past 100: {percents} {packets}")
    if not any(m.group(5) for m in shaped):
        return result(name, "no line says how long is left")
    if os.path.basename(CAPTURE) not in shaped[0].group(1):
        return result(name, f"the line does not name the file: {lines[0]!r}")
    if timeless(kept) != timeless(want + want_err):
        return result(name, f"the terminal shows more than the report once the progress lines are taken out "
                            f"({len(kept)} bytes against {len(want) + len(want_err)})")
    result(name, None)


def run_stdin(name, stderr_tty, extra_env, expect_progress):
    """stdin fed with a 1.5 s pause after the first megabyte; the report to a pipe; stderr on a
    terminal or a pipe."""
    with open(CAPTURE, "rb") as f:
        data = f.read()
    want, _ = plain_report(["-r", "-"], stdin_data=data)
    if stderr_tty:
        master, slave = os.openpty()
        tty.setraw(slave)
        err_target = slave
    else:
        err_target = subprocess.PIPE
    proc = subprocess.Popen(ARGS + ["-r", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err_target,
                            env=env(**extra_env))
    feeder = slow_feed(proc, data, 1.5)
    report = bytearray()

    def drain_stdout():
        report.extend(proc.stdout.read())
    reader = threading.Thread(target=drain_stdout, daemon=True)
    reader.start()
    if stderr_tty:
        os.close(slave)
        err = read_terminal(master, proc, slow_until_drawn=False)
        os.close(master)
    else:
        err = proc.stderr.read()
        proc.wait(timeout=TIMEOUT)
    feeder.join(timeout=TIMEOUT)
    reader.join(timeout=TIMEOUT)
    lines = [m.group(1).decode() for m in DRAW.finditer(err)]
    if timeless(report) != timeless(want):
        return result(name, "the report differs from the one written without a pause")
    if not expect_progress:
        if b"\x1b[K" in err or lines:
            return result(name, f"a progress line was written: {err[:120]!r}")
        return result(name, None)
    if not lines:
        return result(name, "no progress line was drawn")
    if not all(NO_SIZE.match(line) for line in lines):
        return result(name, f"unexpected progress line for stdin {lines[0]!r}")
    if not err.endswith(CLEAR):
        return result(name, "the progress line is not cleared at the end")
    # The report goes to a pipe, not to this terminal: taking the line down for each report line
    # would only make it flicker.  It is cleared once, at the end.
    if err.count(CLEAR) != 1:
        return result(name, f"the line was cleared {err.count(CLEAR)} times while the report went to a pipe "
                            f"(it flickers); once, at the end, is right")
    if len(report) == 0:
        return result(name, "no report was written while the line was up: the flicker check proves nothing")
    result(name, None)


check_file_on_terminal()
run_stdin("stdin with a pause, stderr a terminal", True, {}, True)
run_stdin("stdin with a pause, stderr a pipe", False, {}, False)
run_stdin("stdin with a pause, CI=1", True, {"CI": "1"}, False)
run_stdin("stdin with a pause, TERM=dumb", True, {"TERM": "dumb"}, False)
sys.exit(1 if failed else 0)
