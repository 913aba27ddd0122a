#!/usr/bin/env python3
"""tshark_cached.py - tshark's output for one capture and one set of arguments, kept between runs.

    python3 tests/crosscheck/tshark_cached.py FILE TSHARK-ARGS...   prints `tshark -r FILE ARGS...`'s stdout

tshark starts slowly (most of a second) and the suite asks it the same questions in its plain and
its sanitizer pass: the answer is kept under $TMPDIR/tlsdiag-tshark-cache, keyed by the capture's
bytes, the arguments and the tshark binary (path, size, time), so it is never stale.  Also
importable: run(path, args).
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
    sys.stdout.write(run(sys.argv[1], sys.argv[2:]))
