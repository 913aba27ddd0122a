#!/usr/bin/env python3
"""check_layers.py - the folders are the architecture: fails on an import that runs upward.

Usage: tools/check_layers.py [--root DIR] [--objects BUILD_DIR]

The layers, top to bottom (a file may use its own folder and any folder below it):
"""
import os
import re
import subprocess
import sys

# Top to bottom.  docs/DESIGN.md draws the same picture; change both together.
LAYERS = [
    'analyzer/app',        # main, the command line
    'analyzer/live',       # live capture: the loop, the workers, the clock
    'analyzer/run',        # one run: files through the engine, each result classified and reported
    'analyzer/report',     # text, JSON Lines, HTML, the per-server roll-up
    'analyzer/diagnose',   # facts, evidence, the rule table, findings, verdicts
    'analyzer/flow',       # the engine: flow table, TCP, reassembly, reorder heap, ports
    'analyzer/capture',    # capture files and interfaces, pcapng secrets, key-log files
    'dissectors/quic',     # QUIC packets, protection, frames, CRYPTO reassembly, one connection
    'dissectors/tls',      # record layer, handshake, SSLv2, STARTTLS, decryption, key schedule
    'dissectors/starttls', # the plaintext dialogues before STARTTLS (SMTP, IMAP, POP3, FTP, XMPP)
    'dissectors/x509',     # certificates
    'dissectors/decode',   # link, IP, TCP, UDP headers
    'dissectors',          # what every dissector shares: the byte cursor, the dissectors' API
    'include',             # the vocabulary of every layer: the transcript
]
__doc__ += '\n'.join('  ' + l for l in LAYERS) + '\n' + """
Checks, each failure one line "FILE: why":
  - an #include "PATH" of a header in a higher layer (an upward include), or of another folder's
    internal header (NAME_int.h is included only inside its own folder);
  - an include that does not name its path from the project's root;
  - with --objects: a call (a symbol an object file uses, nm's U) into a higher layer, and a
    circle of files that call each other (within a folder too).
Exit status 0 when all hold, 1 otherwise.
"""

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    d = os.path.dirname(path)
    return LAYERS.index(d) if d in LAYERS else None


def sources(root):
    out = []
    for top in ('analyzer', 'dissectors', 'include'):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in names:
                if n.endswith(('.c', '.h')):
                    out.append(os.path.relpath(os.path.join(dirpath, n), root))
    return sorted(out)


def check_includes(root, files, problems):
    for f in files:
        lf = layer_of(f)
        if lf is None:
            problems.append('%s: its folder is not a layer (tools/check_layers.py LAYERS)' % f)
            continue
        text = open(os.path.join(root, f), encoding='utf-8', errors='replace').read()
        for m in INCLUDE.finditer(text):
            inc = m.group(1)
            if not os.path.exists(os.path.join(root, inc)):
                problems.append('%s: includes "%s", which is not a path from the project root' % (f, inc))
                continue
            li = layer_of(inc)
            if li is None:
                problems.append('%s: includes "%s", outside every layer' % (f, inc))
            elif li < lf:
                problems.append('%s: includes "%s" from %s, a higher layer than %s' %
                                (f, inc, LAYERS[li], LAYERS[lf]))
            elif inc.endswith('_int.h') and os.path.dirname(inc) != os.path.dirname(f):
                problems.append('%s: includes "%s", the internal header of another folder' % (f, inc))


def nm_symbols(objs):
    """{object: (defined globals, undefined symbols)}, from two runs of nm over all the objects."""
    out = {o: (set(), set()) for o in objs}
    for args, slot in ((['--defined-only', '-g'], 0), (['-u'], 1)):
        text = subprocess.run(['nm', '-A'] + args + list(objs), capture_output=True, text=True).stdout
        for line in text.splitlines():
            obj, _, rest = line.partition(':')
            words = rest.split()
            if obj in out and words and (slot == 1 or len(words) == 3):
                out[obj][slot].add(words[-1])
    return out


def check_calls(root, build, files, problems):
    owner, uses, objs = {}, {}, {}
    for f in files:
        if not f.endswith('.c'):
            continue
        obj = os.path.join(build, f[:-2] + '.o')
        if not os.path.exists(obj):
            problems.append('%s: no object file %s (build first)' % (f, obj))
            continue
        objs[obj] = f
    symbols = nm_symbols(sorted(objs))
    for obj, f in sorted(objs.items(), key=lambda x: x[1]):
        defined, used = symbols[obj]
        for s in defined:
            owner[s] = f
        uses[f] = used
    edges = {f: set() for f in uses}
    for f, used in uses.items():
        for s in used:
            g = owner.get(s)
            if g is None or g == f:
                continue
            edges[f].add(g)
            lf, lg = layer_of(f), layer_of(g)
            if lf is not None and lg is not None and lg < lf:
                problems.append('%s: calls %s in %s, a higher layer than %s' % (f, s, g, LAYERS[lf]))
    # Circles: strongly connected components of more than one file (Tarjan).
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in comps:
        ties = []
        for a in comp:
            for b in comp:
                if b in edges[a]:
                    names = sorted(s for s in uses[a] if owner.get(s) == b)
                    ties.append('%s -> %s (%s)' % (a, b, ', '.join(names[:3])))
        problems.append('%s: a circle of files that call each other: %s' % (comp[0], '; '.join(ties)))


def main(argv):
    root, build = '.', None
    i = 1
    while i < len(argv):
        if argv[i] == '--root' and i + 1 < len(argv):
            root = argv[i + 1]
            i += 2
        elif argv[i] == '--objects' and i + 1 < len(argv):
            build = argv[i + 1]
            i += 2
        else:
            print(__doc__, file=sys.stderr)
            return 2
    files = sources(root)
    problems = []
    check_includes(root, files, problems)
    if build:
        check_calls(root, build, files, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
