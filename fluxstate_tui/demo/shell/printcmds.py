"""echo and printf (also the shell's builtins), with their backslash escapes."""

from __future__ import annotations

import re

from ..proc import Proc
from .common import enc, prog_prefix

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
    await proc.out(enc(text + ("\n" if newline else "")))
    return 0


_FMT = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcsb%q])")


async def printf(proc: Proc, prefix: str | None = None) -> int:
    args = proc.argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        await proc.err(f"{prog_prefix(prefix, 'printf')}usage: printf [-v var] format [arguments]\n")
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
            errs.append(f"{prog_prefix(prefix, 'printf')}{arg}: invalid number\n")
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
    await proc.out(enc("".join(out)))
    if errs:
        await proc.err("".join(errs))
    return status
