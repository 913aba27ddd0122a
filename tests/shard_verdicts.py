"""shard_verdicts.py WHOLE SHARD... - every connection judged alike by the whole run and the union
of its --shard runs (tests/shard.sh): its verdict, confidence, evidence and findings, with each
connection a text names (#N: an id, dense per process) put as that connection's own identity
(client, server, first packet), so that which sibling it cites, and how long before or after,
count too.  Prints one line: 'same N' or 'differ K of N: ...' with the first few differences;
'inversions I' says how often the whole run reports a connection after one that began later
(the engine's or the run's caps let it pass)."""
import json
import re
import sys


def load(paths):
    out, inversions = {}, 0
    for path in paths:
        recs = [json.loads(line) for line in open(path) if line.strip()]
        recs = [o for o in recs if o.get("type") == "connection"]
        ident = {}
        for o in recs:
            ident[o["id"]] = "%s:%s>%s:%s@%s" % (o["client"]["ip"], o["client"]["port"], o["server"]["ip"],
                                                  o["server"]["port"], o["first_packet"])
        name = lambda m: "#<" + ident.get(int(m.group(1)), "unknown") + ">"
        prev = 0
        for o in recs:
            if o["first_packet"] < prev:
                inversions += 1
            prev = o["first_packet"]
            key = (o["file"], ident[o["id"]])
            ev = ["%s %s" % (e.get("packet"), re.sub(r"#([0-9]+)", name, e.get("what", ""))) for e in o.get("evidence", [])]
            fi = ["%s %s" % (f["id"], re.sub(r"#([0-9]+)", name, f.get("detail", ""))) for f in o.get("findings", [])]
            if key in out:
                print("differ: %s reported twice" % (key,))
                sys.exit(0)
            out[key] = (o.get("verdict"), o.get("confidence"), ev, fi)
    return out, inversions


whole, inversions = load(sys.argv[1:2])
union, _ = load(sys.argv[2:])
bad = [k for k in whole if whole[k] != union.get(k)] + [k for k in union if k not in whole]
if not bad:
    print("same %d inversions %d" % (len(whole), inversions))
    sys.exit(0)
lines = []
for k in bad[:3]:
    a, b = whole.get(k), union.get(k)
    lines.append("%s: whole %s, shards %s" % (k[1], a and a[:2], b and b[:2]))
    for i in (2, 3):
        for s in sorted(set(a[i] if a else []) ^ set(b[i] if b else [])):
            lines.append("   %s %s" % ("-" if a and s in a[i] else "+", s[:160]))
print("differ %d of %d:\n%s" % (len(bad), len(whole), "\n".join(lines)))
