#!/usr/bin/env python3
"""check_shape.py - every source file small, summarised on its first line, with short functions.

Usage: tools/check_shape.py [--root DIR] [FILE...]

For every .c and .h under analyzer/, dissectors/, include/, tests/unit/ and tests/fuzz/ (or the
FILEs named), one line
"FILE:LINE: why" per problem:
  - the file opens with a comment whose first sentence names the file and says what it is:
    /* NAME - one sentence. */ (the sentence may end on the second line);
  - the file has at most 700 lines;
  - no function is longer than 80 lines, from the line that names it to its closing brace (the
    project's style puts a function's opening and closing braces alone at the start of a line).
Exit status 0 when all hold, 1 otherwise.
"""
import os
import re
import sys

MAX_FILE = 700
MAX_FUNCTION = 80


def sources(root):
    out = []
    for top in ('analyzer', 'dissectors', 'include', 'tests/unit', 'tests/fuzz'):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            out += [os.path.join(dirpath, n) for n in names if n.endswith(('.c', '.h'))]
    return sorted(out)


def check_summary(path, lines, problems):
    name = os.path.basename(path)
    first = lines[0] if lines else ''
    m = re.match(r'/\* (\S+) - (.*)', first)
    if not m or m.group(1) != name:
        problems.append('%s:1: does not open with "/* %s - what it is. */"' % (path, name))
        return
    text = m.group(2)
    if len(lines) > 1 and '*/' not in text:
        text += ' ' + re.sub(r'^\s*\*\s?', '', lines[1])
    if not re.search(r'[.:;)!?](\s|$)|\*/', text):
        problems.append('%s:1: the summary sentence does not end by line 2' % path)


def check_functions(path, lines, problems):
    i = 0
    while i < len(lines):
        if lines[i] == '{' and i > 0:
            # the name: the nearest line above that starts at column 0 with no ';' (a declaration
            # may run over several lines: find where it starts)
            start = i - 1
            while start > 0 and (lines[start].startswith((' ', '\t')) or lines[start] == ''):
                start -= 1
            m = re.search(r'(\w+)\s*\(', lines[start])
            name = m.group(1) if m else '?'
            j = i + 1
            while j < len(lines) and lines[j] != '}' and not lines[j].startswith('};'):
                j += 1
            n = j - start + 1
            if n > MAX_FUNCTION and lines[j:j + 1] == ['}']:
                problems.append('%s:%d: function %s is %d lines (at most %d)' %
                                (path, start + 1, name, n, MAX_FUNCTION))
            i = j + 1
        else:
            i += 1


def main(argv):
    root, files = '.', []
    i = 1
    while i < len(argv):
        if argv[i] == '--root' and i + 1 < len(argv):
            root = argv[i + 1]
            i += 2
        else:
            files.append(argv[i])
            i += 1
    problems = []
    for path in files or sources(root):
        lines = open(path, encoding='utf-8', errors='replace').read().split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        rel = os.path.relpath(path, root)
        check_summary(rel, lines, problems)
        if len(lines) > MAX_FILE:
            problems.append('%s:%d: %d lines (at most %d)' % (rel, len(lines), len(lines), MAX_FILE))
        if path.endswith('.c'):
            check_functions(rel, lines, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
