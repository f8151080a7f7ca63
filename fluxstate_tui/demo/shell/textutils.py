"""echo, printf, test/[, and text filters (cat, head, tail, wc, grep, sort, uniq, tee, tr, cut, seq)."""

from __future__ import annotations

import os
import re
import stat as stat_mod

from ..proc import Proc
from .common import UsageError, getopt, hpath, strerror, usage


def _pfx(prefix: str | None, prog: str) -> str:
    return f"{prefix}{prog}: " if prefix else f"{prog}: "


# -- echo / printf --------------------------------------------------------------------------------
_ESC = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
        "f": "\f", "r": "\r", "v": "\v", '"': '"', "'": "'"}


def unescape(s: str, echo_style: bool = True) -> tuple[str, bool]:
    """Backslash escapes of echo -e / printf %b. Returns (text, stop) — stop after \\c."""
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 >= len(s):
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n == "c":
            return "".join(out), True
        if n in _ESC and (n not in "\"'" or not echo_style):
            out.append(_ESC[n])
            i += 2
        elif n == "0" or (n in "1234567" and not echo_style):
            j = i + 2 if n == "0" and echo_style else i + 1
            o = ""
            while j < len(s) and len(o) < 3 and s[j] in "01234567":
                o += s[j]
                j += 1
            out.append(chr(int(o or "0", 8) & 0xFF))
            i = j
        elif n == "x":
            j = i + 2
            h = ""
            while j < len(s) and len(h) < 2 and s[j] in "0123456789abcdefABCDEF":
                h += s[j]
                j += 1
            if h:
                out.append(chr(int(h, 16)))
                i = j
            else:
                out.append("\\x")
                i += 2
        else:
            out.append("\\" + n)
            i += 2
    return "".join(out), False


def _enc(s: str) -> bytes:
    return s.encode(errors="surrogateescape")


async def echo(proc: Proc, prefix: str | None = None) -> int:
    args = proc.argv[1:]
    newline = True
    escapes = False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for c in args[0][1:]:
            if c == "n":
                newline = False
            elif c == "e":
                escapes = True
            else:
                escapes = False
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stop = unescape(text)
        if stop:
            newline = False
    await proc.out(_enc(text + ("\n" if newline else "")))
    return 0


_FMT = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcsb%q])")


async def printf(proc: Proc, prefix: str | None = None) -> int:
    args = proc.argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        await proc.err(f"{_pfx(prefix, 'printf')}usage: printf [-v var] format [arguments]\n")
        return 2
    fmt, rest = args[0], args[1:]
    status = 0
    out: list[str] = []

    def num(arg: str, conv: str) -> int | float:
        nonlocal status
        a = arg.strip()
        try:
            if conv in "eEfFgG":
                return float(a) if a else 0.0
            if a[:1] in ("'", '"') and len(a) > 1:
                return ord(a[1])
            return int(a, 0) if a.lower().startswith(("0x", "-0x")) else int(a) if a else 0
        except ValueError:
            status = 1
            errs.append(f"{_pfx(prefix, 'printf')}{arg}: invalid number\n")
            return 0

    errs: list[str] = []
    idx = 0
    while True:
        pos = 0
        used = False
        stop = False
        while pos < len(fmt):
            m = _FMT.search(fmt, pos)
            lit_end = m.start() if m else len(fmt)
            lit, stop = unescape(fmt[pos:lit_end], echo_style=False)
            out.append(lit)
            if stop or not m:
                break
            pos = m.end()
            flags, width, prec, conv = m.groups()
            if conv == "%":
                out.append("%")
                continue
            if width == "*":
                width = str(num(rest[idx], "d")) if idx < len(rest) else "0"
                idx += 1
            if prec == "*":
                prec = str(num(rest[idx], "d")) if idx < len(rest) else "0"
                idx += 1
            arg = rest[idx] if idx < len(rest) else None
            if arg is not None:
                idx += 1
                used = True
            spec = "%" + (flags or "") + (width or "") + ("." + prec if prec is not None else "")
            if conv in "sq":
                out.append((spec + "s") % (arg or ""))
            elif conv == "b":
                s, stop = unescape(arg or "")
                out.append((spec + "s") % s)
                if stop:
                    break
            elif conv == "c":
                out.append((spec + "s") % ((arg or "")[:1]))
            elif conv in "diouxX":
                v = int(num(arg, "d")) if arg is not None else 0
                c = "d" if conv in "iu" else conv
                out.append((spec + c) % v)
            else:
                v = num(arg, conv) if arg is not None else 0.0
                out.append((spec + conv) % v)
        if stop or not used or idx >= len(rest):
            break
    await proc.out(_enc("".join(out)))
    if errs:
        await proc.err("".join(errs))
    return status


# -- test / [ ------------------------------------------------------------------------------------
class _TestError(Exception):
    pass


def _test_eval(proc: Proc, args: list[str]) -> bool:
    def file_test(op: str, path: str) -> bool:
        try:
            p = hpath(proc, path) if path else None
        except OSError:
            return False
        if p is None:
            return False
        try:
            st = os.stat(p) if op not in ("-L", "-h") else os.lstat(p)
        except OSError:
            return False
        m = st.st_mode
        return {
            "-e": True, "-a": True, "-f": stat_mod.S_ISREG(m), "-d": stat_mod.S_ISDIR(m),
            "-s": st.st_size > 0, "-r": True, "-w": True, "-x": bool(m & 0o111) or stat_mod.S_ISDIR(m),
            "-L": stat_mod.S_ISLNK(m), "-h": stat_mod.S_ISLNK(m), "-p": stat_mod.S_ISFIFO(m),
            "-S": stat_mod.S_ISSOCK(m), "-b": stat_mod.S_ISBLK(m), "-c": stat_mod.S_ISCHR(m),
            "-g": bool(m & stat_mod.S_ISGID), "-u": bool(m & stat_mod.S_ISUID), "-k": bool(m & stat_mod.S_ISVTX),
            "-O": True, "-G": True, "-N": True,
        }[op]

    unary = {"-e", "-a", "-f", "-d", "-s", "-r", "-w", "-x", "-L", "-h", "-p", "-S", "-b", "-c",
             "-g", "-u", "-k", "-O", "-G", "-N", "-z", "-n", "-t"}
    binary = {"=", "==", "!=", "-eq", "-ne", "-lt", "-gt", "-le", "-ge", "<", ">", "-nt", "-ot", "-ef"}

    def integer(s: str) -> int:
        try:
            return int(s.strip())
        except ValueError:
            raise _TestError(f"{s}: integer expression expected") from None

    def binop(a: str, op: str, b: str) -> bool:
        if op in ("=", "=="):
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op in ("-nt", "-ot", "-ef"):
            try:
                sa, sb = os.stat(hpath(proc, a)), os.stat(hpath(proc, b))
            except OSError:
                return False
            return {"-nt": sa.st_mtime > sb.st_mtime, "-ot": sa.st_mtime < sb.st_mtime,
                    "-ef": (sa.st_ino, sa.st_dev) == (sb.st_ino, sb.st_dev)}[op]
        x, y = integer(a), integer(b)
        return {"-eq": x == y, "-ne": x != y, "-lt": x < y, "-gt": x > y, "-le": x <= y, "-ge": x >= y}[op]

    def unop(op: str, a: str) -> bool:
        if op == "-z":
            return a == ""
        if op == "-n":
            return a != ""
        if op == "-t":
            return False
        return file_test(op, a)

    def small(a: list[str]) -> bool:
        n = len(a)
        if n == 0:
            return False
        if n == 1:
            return a[0] != ""
        if n == 2:
            if a[0] == "!":
                return a[1] == ""
            if a[0] in unary:
                return unop(a[0], a[1])
            raise _TestError(f"{a[0]}: unary operator expected")
        if n == 3:
            if a[1] in binary:
                return binop(a[0], a[1], a[2])
            if a[0] == "!":
                return not small(a[1:])
            if a[0] == "(" and a[2] == ")":
                return a[1] != ""
            if a[1] in ("-a", "-o"):
                return (a[0] != "" and a[2] != "") if a[1] == "-a" else (a[0] != "" or a[2] != "")
            raise _TestError(f"{a[1]}: binary operator expected")
        if n == 4 and a[0] == "!":
            return not small(a[1:])
        if n == 4 and a[0] == "(" and a[3] == ")":
            return small(a[1:3])
        return expr(a)

    def expr(a: list[str]) -> bool:
        # -o lowest, then -a, then ! and primaries
        pos = [0]

        def peek() -> str | None:
            return a[pos[0]] if pos[0] < len(a) else None

        def take() -> str:
            if pos[0] >= len(a):
                raise _TestError("argument expected")
            v = a[pos[0]]
            pos[0] += 1
            return v

        def or_() -> bool:
            v = and_()
            while peek() == "-o":
                take()
                v = and_() or v
            return v

        def and_() -> bool:
            v = not_()
            while peek() == "-a":
                take()
                v = not_() and v
            return v

        def not_() -> bool:
            if peek() == "!":
                take()
                return not not_()
            return prim()

        def prim() -> bool:
            t = take()
            if t == "(":
                v = or_()
                if take() != ")":
                    raise _TestError("`)' expected")
                return v
            if t in unary and peek() is not None:
                return unop(t, take())
            nxt = peek()
            if nxt in binary:
                take()
                return binop(t, nxt, take())  # type: ignore[arg-type]
            return t != ""

        v = or_()
        if pos[0] != len(a):
            raise _TestError("too many arguments")
        return v

    return small(args)


async def test(proc: Proc, prefix: str | None = None) -> int:
    name = proc.argv[0].rsplit("/", 1)[-1]
    args = proc.argv[1:]
    if name == "[":
        if not args or args[-1] != "]":
            await proc.err(f"{_pfx(prefix, '[')}missing `]'\n")
            return 2
        args = args[:-1]
    try:
        return 0 if _test_eval(proc, args) else 1
    except _TestError as e:
        await proc.err(f"{_pfx(prefix, name)}{e}\n")
        return 2


async def true(proc: Proc, prefix: str | None = None) -> int:
    return 0


async def false(proc: Proc, prefix: str | None = None) -> int:
    return 1


# -- reading inputs -------------------------------------------------------------------------------
async def read_inputs(proc: Proc, prog: str, names: list[str]):  # type: ignore[no-untyped-def]
    """Yield (name, bytes|None) for each operand ('-' or none: stdin); errors are printed."""
    results = []
    for name in names or ["-"]:
        if name == "-":
            results.append((name, await proc.stdin.read()))
            continue
        try:
            p = hpath(proc, name)
            if p.is_dir():
                await proc.err(f"{prog}: {name}: Is a directory\n")
                results.append((name, None))
                continue
            results.append((name, p.read_bytes()))
        except OSError as e:
            await proc.err(f"{prog}: {name}: {strerror(e)}\n")
            results.append((name, None))
    return results


async def cat(proc: Proc) -> int:
    try:
        opts, files = getopt(proc.argv[1:], "nAsuvE", long={"number": "n"})
    except UsageError as e:
        return await usage(proc, "cat", str(e))
    number = any(o == "n" for o, _ in opts)
    status = 0
    n = 0
    for _name, data in await read_inputs(proc, "cat", files):
        if data is None:
            status = 1
            continue
        if number:
            lines = data.splitlines(keepends=True)
            buf = bytearray()
            for line in lines:
                n += 1
                buf += f"{n:6d}\t".encode() + line
            data = bytes(buf)
        await proc.out(data)
    return status


def _count_arg(prog: str, value: str, what: str = "lines") -> tuple[int, bool]:
    """(count, from_start/plus) for -n/-c values like 10, -10, +10, 1K."""
    v = value.strip()
    plus = v.startswith("+")
    neg = v.startswith("-")
    core = v.lstrip("+-")
    mult = 1
    suffixes = {"b": 512, "K": 1024, "k": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "kB": 1000, "MB": 1000 ** 2}
    for s, m in suffixes.items():
        if core.endswith(s) and core[:-len(s)].isdigit():
            core, mult = core[:-len(s)], m
            break
    if not core.isdigit():
        raise UsageError(f"invalid number of {what}: '{value}'")
    return int(core) * mult * (-1 if neg else 1), plus


async def head(proc: Proc) -> int:
    return await _head_tail(proc, "head")


async def tail(proc: Proc) -> int:
    return await _head_tail(proc, "tail")


async def _head_tail(proc: Proc, prog: str) -> int:
    try:
        opts, files = getopt(proc.argv[1:], "qvf", "nc", long={"lines": "n", "bytes": "c", "quiet": "q",
                                                             "silent": "q", "verbose": "v", "follow": "f"},
                             long_arg={"lines", "bytes"}, numeric_short=True)
        lines_mode = True
        count, plus = 10, False
        verbose = None
        for o, v in opts:
            if o in ("n", "#"):
                lines_mode = True
                count, plus = _count_arg(prog, v)
            elif o == "c":
                lines_mode = False
                count, plus = _count_arg(prog, v, "bytes")
            elif o == "q":
                verbose = False
            elif o == "v":
                verbose = True
    except UsageError as e:
        return await usage(proc, prog, str(e))
    status = 0
    inputs = await read_inputs(proc, prog, files)
    show = verbose if verbose is not None else len(inputs) > 1
    first = True
    for name, data in inputs:
        if data is None:
            status = 1
            continue
        if show:
            title = "standard input" if name == "-" else name
            await proc.out(("" if first else "\n") + f"==> {title} <==\n")
        first = False
        if lines_mode:
            parts = data.splitlines(keepends=True)
            if prog == "head":
                sel = parts[:count] if count >= 0 else parts[:len(parts) + count] if -count < len(parts) else []
            else:
                if plus:
                    sel = parts[max(count - 1, 0):]
                else:
                    n = abs(count)
                    sel = parts[-n:] if n else []
            await proc.out(b"".join(sel))
        else:
            if prog == "head":
                sel_b = data[:count] if count >= 0 else data[:max(len(data) + count, 0)]
            else:
                sel_b = data[max(count - 1, 0):] if plus else (data[-abs(count):] if count else b"")
            await proc.out(sel_b)
    return status


async def wc(proc: Proc) -> int:
    try:
        opts, files = getopt(proc.argv[1:], "lcwmL", long={"lines": "l", "bytes": "c", "words": "w",
                                                        "chars": "m", "max-line-length": "L"})
    except UsageError as e:
        return await usage(proc, "wc", str(e))
    flags = {o for o, _ in opts}
    if not flags:
        flags = {"l", "w", "c"}
    order = [f for f in "lwmcL" if f in flags]
    status = 0
    rows = []
    totals = {f: 0 for f in order}
    inputs = await read_inputs(proc, "wc", files)
    for name, data in inputs:
        if data is None:
            status = 1
            continue
        text = data.decode(errors="replace")
        vals = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data), "m": len(text),
                "L": max((len(x) for x in text.split("\n")), default=0)}
        row = [vals[f] for f in order]
        for f in order:
            totals[f] = max(totals[f], vals[f]) if f == "L" else totals[f] + vals[f]
        rows.append((row, "" if name == "-" and not files else name))
    if len(rows) > 1:
        rows.append(([totals[f] for f in order], "total"))
    total_bytes = sum(len(d) for _, d in inputs if d is not None)
    if len(order) == 1 and len(rows) == 1:
        width = 1
    elif not files or "-" in files:
        width = 7
    else:
        width = len(str(total_bytes))
    out = []
    for row, name in rows:
        text = " ".join(f"{v:>{width}}" for v in row)
        out.append(text + (f" {name}" if name else "") + "\n")
    await proc.out("".join(out))
    return status


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
    await proc.out(_enc("".join(out)))
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

    def key(s: str):  # type: ignore[no-untyped-def]
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
    await proc.out(_enc("".join(x + "\n" for x in lines)))
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
    await proc.out(_enc("".join(out)))
    return 0


async def tee(proc: Proc) -> int:
    try:
        opts, files = getopt(proc.argv[1:], "a", long={"append": "a"})
    except UsageError as e:
        return await usage(proc, "tee", str(e))
    data = await proc.stdin.read()
    status = 0
    for name in files:
        try:
            p = hpath(proc, name)
            with open(p, "ab" if opts else "wb") as fh:
                fh.write(data)
        except OSError as e:
            await proc.err(f"tee: {name}: {strerror(e)}\n")
            status = 1
    await proc.out(data)
    return status


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
    await proc.out(_enc(data))
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
    await proc.out(_enc("".join(out)))
    return 0


async def seq(proc: Proc) -> int:
    nums = [a for a in proc.argv[1:]]
    try:
        vals = [int(x) for x in nums]
    except ValueError:
        await proc.err(f"seq: invalid floating point argument: '{nums[0]}'\n")
        return 1
    if len(vals) == 1:
        first, step, last = 1, 1, vals[0]
    elif len(vals) == 2:
        first, step, last = vals[0], 1, vals[1]
    elif len(vals) == 3:
        first, step, last = vals
    else:
        return await usage(proc, "seq", "missing operand")
    out = []
    i = first
    while (step > 0 and i <= last) or (step < 0 and i >= last):
        out.append(f"{i}\n")
        i += step
        if len(out) > 1_000_000:
            break
    await proc.out("".join(out))
    return 0
