#!/usr/bin/env python3
"""tests/terminal_width.py BIN CACERT CAPTURE... - the report wraps to the terminal's width.

With COLUMNS unset and the report on a real terminal (a pseudo-terminal from os.openpty whose
size is set with TIOCSWINSZ, as a terminal emulator does), tlsdiag must read the width with
TIOCGWINSZ: at 60 columns no line is longer than 60 (a single word longer than the line is left
whole; the roll-up table keeps its rows whole), at 200 columns lines longer than the 80 columns of the no-terminal default appear.
Prints "ok report-tty ..." or "not ok report-tty ...: why"."""
import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
import tty

BIN, CACERT = sys.argv[1:3]
CAPTURES = sys.argv[3:]


def report_on_terminal(cols):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    tty.setraw(slave)                        # no \n -> \r\n translation
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "CI")}
    env["TERM"] = "xterm"
    proc = subprocess.Popen([BIN, "-v", "--color", "never", "--cacert", CACERT, "-r"] + CAPTURES,
                            stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:                  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return out.decode("utf-8", "replace").splitlines()


def check(name, why):
    print(f"{'not ok' if why else 'ok'} report-tty {name}{': ' + why if why else ''}")


ROLLUP = re.compile(r"^(Servers|  \S+:\d+ )")
narrow = report_on_terminal(60)
too_long = [l for l in narrow if len(l) > 60 and len(l.split()) > 1 and not ROLLUP.match(l)]
if len(narrow) < 20:
    check("60-column terminal", f"only {len(narrow)} lines were read from the terminal")
elif too_long:
    check("60-column terminal", f"{len(too_long)} lines longer than 60, e.g. {too_long[0]!r}")
else:
    check("60-column terminal", None)

wide = report_on_terminal(200)
longest = max((len(l) for l in wide), default=0)
if longest <= 80:
    check("200-column terminal", f"no line longer than 80 (longest {longest}): the terminal's width was not used")
elif longest > 200:
    check("200-column terminal", f"a line of {longest} on a 200-column terminal")
else:
    check("200-column terminal", None)
