"""Path names, in GNU coreutils wording: basename, dirname, realpath, pwd."""

from __future__ import annotations

from ..proc import Proc
from .common import usage


async def basename(proc: Proc) -> int:
    args = [a for a in proc.argv[1:] if a not in ("-a", "--")]
    multi = "-a" in proc.argv[1:]
    if not args:
        return await usage(proc, "basename", "missing operand")
    names = args if multi else args[:1]
    suffix = args[1] if len(args) > 1 and not multi else ""
    out = []
    for n in names:
        b = n.rstrip("/").rsplit("/", 1)[-1] or ("/" if n.startswith("/") else "")
        if suffix and b.endswith(suffix) and b != suffix:
            b = b[:-len(suffix)]
        out.append(b + "\n")
    await proc.out("".join(out))
    return 0


async def dirname(proc: Proc) -> int:
    args = proc.argv[1:]
    if not args:
        return await usage(proc, "dirname", "missing operand")
    out = []
    for n in args:
        s = n.rstrip("/")
        if not s:
            out.append("/\n" if n.startswith("/") else ".\n")
            continue
        if "/" not in s:
            out.append(".\n")
            continue
        d = s.rsplit("/", 1)[0].rstrip("/")
        out.append((d or "/") + "\n")
    await proc.out("".join(out))
    return 0


async def realpath(proc: Proc) -> int:
    out = []
    for a in [a for a in proc.argv[1:] if not a.startswith("-")]:
        out.append(proc.host.fs.normalize(a, proc.cwd) + "\n")
    await proc.out("".join(out))
    return 0


async def pwd(proc: Proc) -> int:
    await proc.out(proc.cwd + "\n")
    return 0
