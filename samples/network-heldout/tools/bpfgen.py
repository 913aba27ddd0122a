#!/usr/bin/env python3
"""Prints classic BPF bytecode for xt_bpf (ip6tables -m bpf --bytecode) from a
pcap filter expression compiled for raw IP packets (no link header): it writes
an empty pcap of link type RAW and lets tcpdump -ddd compile against it.
Usage: bpfgen.py 'EXPRESSION'"""
import os, struct, subprocess, sys, tempfile

fd, path = tempfile.mkstemp(suffix=".pcap")
os.write(fd, struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
os.close(fd)
try:
    out = subprocess.run(["tcpdump", "-r", path, "-ddd", sys.argv[1]], check=True,
                         capture_output=True, text=True).stdout.split("\n")
finally:
    os.unlink(path)
lines = [l.strip() for l in out if l.strip()]
print(",".join([lines[0]] + lines[1:]))
