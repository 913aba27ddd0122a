#!/usr/bin/env python3
"""tshark_cached.py - tshark's output for one capture and one set of arguments, kept between runs.

    python3 tests/crosscheck/tshark_cached.py FILE TSHARK-ARGS...   prints `tshark -r FILE ARGS...`'s stdout
    python3 tests/crosscheck/tshark_cached.py --command tshark ARGS...   the command's stdout, stderr
                                                                      and exit status

tshark starts slowly (most of a second) and the suite asks it the same questions in its plain and
its sanitizer pass: the answer is kept under $TMPDIR/tlsdiag-tshark-cache, keyed by the capture's
bytes, the arguments and the tshark binary (path, size, time), so it is never stale.  Also
importable: run(path, args), and command(cmd) for a whole tshark command line (["tshark", ...]),
which returns a subprocess.CompletedProcess like subprocess.run(cmd, capture_output=True, text=True)
and is kept only when tshark succeeded; its key also holds the bytes of every file the command
names (-r FILE, -o tls.keylog_file:FILE, ...), so a changed key log is a new question.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

_version = None


def _tshark_version():
    """Which tshark: its path, size and time (asking it its version costs as much as a run)."""
    global _version
    if _version is None:
        path = shutil.which("tshark") or "tshark"
        try:
            st = os.stat(os.path.realpath(path))
            _version = "%s %d %d" % (path, st.st_size, int(st.st_mtime))
        except OSError:
            _version = path
    return _version


def _cache_dir():
    return os.path.join(os.environ.get("TMPDIR", tempfile.gettempdir()), "tlsdiag-tshark-cache-%d" % os.getuid())


def _hash_file(h, path):
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


def _store(entry, text):
    try:
        os.makedirs(os.path.dirname(entry), exist_ok=True)
        tmp = "%s.%d.%d" % (entry, os.getpid(), id(text))
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, entry)
    except OSError:
        pass


def command(cmd):
    """subprocess.run(cmd, capture_output=True, text=True) for a tshark command, kept between runs."""
    h = hashlib.sha256()
    h.update(b"command\0")
    for a in cmd[1:]:
        h.update(a.encode() + b"\0")
        # a file named by the argument, alone or after the last ':' of a preference (tls.keylog_file:F)
        for f in (a, a.rsplit(":", 1)[-1]):
            if f and os.path.isfile(f):
                h.update(b"file\0")
                _hash_file(h, f)
                break
    h.update(_tshark_version().encode())
    entry = os.path.join(_cache_dir(), h.hexdigest())
    try:
        with open(entry, encoding="utf-8") as f:
            return subprocess.CompletedProcess(cmd, 0, f.read(), "")
    except OSError:
        pass
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 0:
        _store(entry, r.stdout)
    return r


def run(path, args):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    h.update("\0".join([_tshark_version()] + list(args)).encode())
    cache = os.path.join(os.environ.get("TMPDIR", tempfile.gettempdir()), "tlsdiag-tshark-cache-%d" % os.getuid())
    entry = os.path.join(cache, h.hexdigest())
    try:
        with open(entry, encoding="utf-8") as f:
            return f.read()
    except OSError:
        pass
    out = subprocess.run(["tshark", "-r", path] + list(args), capture_output=True, text=True).stdout
    try:
        os.makedirs(cache, exist_ok=True)
        tmp = "%s.%d" % (entry, os.getpid())
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(out)
        os.replace(tmp, entry)
    except OSError:
        pass
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--command":
        if len(sys.argv) < 3 or os.path.basename(sys.argv[2]) != "tshark":
            sys.exit("tshark_cached.py --command: want a tshark command line")
        r = command(sys.argv[2:])
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        sys.exit(r.returncode)
    sys.stdout.write(run(sys.argv[1], sys.argv[2:]))
