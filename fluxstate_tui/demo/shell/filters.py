"""Text filters: grep, sort, uniq, tr, cut."""

from __future__ import annotations

import re

from ..proc import Proc
from .common import UsageError, enc, getopt, usage
from .printcmds import unescape
from .textutils import read_inputs


def _bre_to_python(p: str) -> str:
    out = []
    i = 0
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            n = p[i + 1]
            if n in "(){}|+?":
                out.append(n)
            else:
                out.append("\\" + n)
            i += 2
            continue
        if c in "(){}|+?":
            out.append("\\" + c)
        elif c == "*" and (i == 0 or p[i - 1] == "^"):
            out.append("\\*")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _posix_classes(p: str) -> str:
    classes = {"[:alpha:]": "a-zA-Z", "[:digit:]": "0-9", "[:alnum:]": "a-zA-Z0-9", "[:space:]": r" \t\n\r\f\v",
               "[:upper:]": "A-Z", "[:lower:]": "a-z", "[:xdigit:]": "0-9A-Fa-f", "[:blank:]": r" \t",
               "[:punct:]": r"!-/:-@\[-`{-~"}
    for k, v in classes.items():
        p = p.replace(k, v)
    return p


async def grep(proc: Proc) -> int:
    try:
        opts, rest = getopt(proc.argv[1:], "vcqEFinlHhxwios", "e",
                            long={"invert-match": "v", "count": "c", "quiet": "q", "silent": "q",
                                  "extended-regexp": "E", "fixed-strings": "F", "ignore-case": "i",
                                  "line-number": "n", "files-with-matches": "l", "regexp": "e",
                                  "word-regexp": "w", "line-regexp": "x", "only-matching": "o",
                                  "no-messages": "s", "with-filename": "H", "no-filename": "h"},
                            long_arg={"regexp"})
    except UsageError as e:
        await proc.err(f"grep: {e}\nUsage: grep [OPTION]... PATTERNS [FILE]...\n"
                       "Try 'grep --help' for more information.\n")
        return 2
    f = {o for o, _ in opts}
    patterns = [v for o, v in opts if o == "e"]
    if not patterns:
        if not rest:
            await proc.err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n")
            return 2
        patterns = [rest[0]]
        rest = rest[1:]
    pats = []
    for p in patterns:
        for one in p.split("\n"):
            if "F" in f:
                rx = re.escape(one)
            elif "E" in f:
                rx = _posix_classes(one)
            else:
                rx = _posix_classes(_bre_to_python(one))
            if "w" in f:
                rx = r"(?<!\w)(?:" + rx + r")(?!\w)"
            if "x" in f:
                rx = r"^(?:" + rx + r")$"
            pats.append(rx)
    try:
        rx_all = re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE if "i" in f else 0)
    except re.error:
        await proc.err("grep: Unmatched ( or \\(\n")
        return 2
    multi = (len(rest) > 1 or "H" in f) and "h" not in f
    found = False
    status_err = False
    out: list[str] = []
    for name, data in await read_inputs(proc, "grep", rest):
        if data is None:
            status_err = True
            continue
        label = "(standard input)" if name == "-" else name
        count = 0
        lines = data.decode(errors="surrogateescape").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for i, line in enumerate(lines, 1):
            hit = bool(rx_all.search(line))
            if hit != ("v" in f):
                count += 1
                found = True
                if "q" in f:
                    return 0
                if "l" in f or "c" in f:
                    continue
                pre = (f"{label}:" if multi else "") + (f"{i}:" if "n" in f else "")
                if "o" in f and "v" not in f:
                    for m in rx_all.finditer(line):
                        if m.group(0):
                            out.append(pre + m.group(0) + "\n")
                else:
                    out.append(pre + line + "\n")
        if "l" in f and count:
            out.append(label + "\n")
        elif "c" in f:
            out.append((f"{label}:" if multi else "") + f"{count}\n")
    await proc.out(enc("".join(out)))
    if status_err and not ("q" in f and found):
        return 2
    return 0 if found else 1


async def sort(proc: Proc) -> int:
    try:
        opts, files = getopt(proc.argv[1:], "rnuf", "kt", long={"reverse": "r", "numeric-sort": "n", "unique": "u"},
                             long_arg=set())
    except UsageError as e:
        return await usage(proc, "sort", str(e), 2)
    f = {o for o, _ in opts}
    lines: list[str] = []
    status = 0
    for _name, data in await read_inputs(proc, "sort", files):
        if data is None:
            return 2
        ls = data.decode(errors="surrogateescape").split("\n")
        if ls and ls[-1] == "":
            ls.pop()
        lines += ls

    def key(s: str):
        if "n" in f:
            m = re.match(r"\s*(-?\d+(?:\.\d+)?)", s)
            return (float(m.group(1)) if m else 0.0, s)
        return s.lower() if "f" in f else s.encode(errors="surrogateescape")

    lines.sort(key=key, reverse="r" in f)
    if "u" in f:
        seen = []
        for x in lines:
            if not seen or key(seen[-1]) != key(x):
                seen.append(x)
        lines = seen
    await proc.out(enc("".join(x + "\n" for x in lines)))
    return status


async def uniq(proc: Proc) -> int:
    try:
        opts, files = getopt(proc.argv[1:], "cdu", long={"count": "c"})
    except UsageError as e:
        return await usage(proc, "uniq", str(e))
    f = {o for o, _ in opts}
    data = (await read_inputs(proc, "uniq", files[:1]))[0][1]
    if data is None:
        return 1
    lines = data.decode(errors="surrogateescape").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    groups: list[list] = []
    for x in lines:
        if groups and groups[-1][0] == x:
            groups[-1][1] += 1
        else:
            groups.append([x, 1])
    out = []
    for x, n in groups:
        if "d" in f and n < 2 or "u" in f and n > 1:
            continue
        out.append((f"{n:7d} " if "c" in f else "") + x + "\n")
    await proc.out(enc("".join(out)))
    return 0


def _tr_set(s: str) -> str:
    s, _ = unescape(s, echo_style=False)
    out = []
    i = 0
    while i < len(s):
        if i + 2 < len(s) and s[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(s[i]), ord(s[i + 2]) + 1))
            i += 3
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


async def tr(proc: Proc) -> int:
    args = proc.argv[1:]
    delete = squeeze = False
    while args and args[0].startswith("-") and len(args[0]) > 1:
        delete |= "d" in args[0]
        squeeze |= "s" in args[0]
        args = args[1:]
    args = [_tr_set(_posix_classes_tr(a)) for a in args]
    data = (await proc.stdin.read()).decode(errors="surrogateescape")
    if delete:
        data = "".join(c for c in data if c not in args[0])
    elif len(args) >= 2:
        s1, s2 = args[0], args[1]
        s2 = s2 + s2[-1:] * max(0, len(s1) - len(s2))
        data = data.translate({ord(a): b for a, b in zip(s1, s2, strict=False)})  # tr ignores the rest of a longer SET2
    if squeeze and args:
        last = args[-1]
        data = re.sub("([" + re.escape(last) + "])\\1+", r"\1", data) if last else data
    await proc.out(enc(data))
    return 0


def _posix_classes_tr(s: str) -> str:
    return s.replace("[:upper:]", "A-Z").replace("[:lower:]", "a-z").replace("[:digit:]", "0-9") \
        .replace("[:space:]", " \t\n\r\f\v").replace("[:alpha:]", "a-zA-Z").replace("[:alnum:]", "a-zA-Z0-9")


async def cut(proc: Proc) -> int:
    try:
        opts, files = getopt(proc.argv[1:], "s", "dfc", long={"delimiter": "d", "fields": "f"},
                             long_arg={"delimiter", "fields"})
    except UsageError as e:
        return await usage(proc, "cut", str(e))
    d = dict(opts)
    delim = d.get("d", "\t")
    spec = d.get("f") or d.get("c")
    if not spec:
        return await usage(proc, "cut", "you must specify a list of bytes, characters, or fields")
    wanted: set[int] = set()
    open_end = None
    for piece in spec.split(","):
        a, dash, b = piece.partition("-")
        if not dash:
            wanted.add(int(a))
        elif not b:
            open_end = int(a or 1) if open_end is None else min(open_end, int(a or 1))
        else:
            wanted.update(range(int(a or 1), int(b) + 1))
    out = []
    for _name, data in await read_inputs(proc, "cut", files):
        if data is None:
            continue
        for line in data.decode(errors="surrogateescape").splitlines():
            items = line.split(delim) if "f" in d else list(line)
            if "f" in d and len(items) == 1:
                if "s" not in d:
                    out.append(line + "\n")
                continue
            sel = [x for i, x in enumerate(items, 1) if i in wanted or (open_end is not None and i >= open_end)]
            out.append((delim if "f" in d else "").join(sel) + "\n")
    await proc.out(enc("".join(out)))
    return 0
