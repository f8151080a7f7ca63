"""The pod's system and process commands: hostname, whoami, id, env, date, uname, sleep, xargs."""

from __future__ import annotations

import math
import time

from ..proc import CommandNotFound, Proc
from .common import usage


async def hostname(proc: Proc) -> int:
    await proc.out(proc.host.hostname + "\n")
    return 0


async def whoami(proc: Proc) -> int:
    await proc.out(proc.host.user + "\n")
    return 0


async def id_(proc: Proc) -> int:
    u, uid = proc.host.user, proc.host.uid
    args = proc.argv[1:]
    if "-u" in args:
        await proc.out(f"{u if '-n' in args else uid}\n")
    elif "-g" in args:
        await proc.out(f"{u if '-n' in args else uid}\n")
    else:
        await proc.out(f"uid={uid}({u}) gid={uid}({u}) groups={uid}({u})\n")
    return 0


async def env(proc: Proc) -> int:
    args = proc.argv[1:]
    e = dict(proc.env)
    while args:
        a = args[0]
        if a in ("-i", "-", "--ignore-environment"):
            e = {}
        elif a == "-u" and len(args) > 1:
            e.pop(args[1], None)
            args = args[1:]
        elif "=" in a and not a.startswith("="):
            k, _, v = a.partition("=")
            e[k] = v
        else:
            break
        args = args[1:]
    if not args:
        await proc.out("".join(f"{k}={v}\n" for k, v in e.items()).encode(errors="surrogateescape"))
        return 0
    child = proc.child(args, env=e)
    try:
        return await proc.host.run(child)
    except CommandNotFound:
        await proc.err(f"env: '{args[0]}': No such file or directory\n")
        return 127


def _strftime(fmt: str, t: float, tz: str = "UTC") -> str:
    lt = time.gmtime(t)
    out = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            n = fmt[i + 1]
            i += 2
            if n == "s":
                out.append(str(int(t)))
            elif n == "N":
                out.append(f"{int((t % 1) * 1e9):09d}")
            elif n == "Z":
                out.append(tz)
            elif n == "z":
                out.append("+0000")
            elif n == "e":
                out.append(f"{lt.tm_mday:>2}")
            elif n == "-" and i < len(fmt):
                m = fmt[i]
                i += 1
                out.append(str(int(time.strftime("%" + m, lt))) if m in "dmHMSIjy" else time.strftime("%" + m, lt))
            else:
                out.append(time.strftime("%" + n, lt))
            continue
        out.append(c)
        i += 1
    return "".join(out)


async def date(proc: Proc) -> int:
    t = proc.host.clock.now()
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    args = proc.argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("+"):
            fmt = a[1:]
        elif a in ("-u", "--utc", "-R"):
            if a == "-R":
                fmt = "%a, %d %b %Y %H:%M:%S %z"
        elif a in ("-d", "--date") and i + 1 < len(args):
            v = args[i + 1]
            i += 1
            if v.startswith("@"):
                try:
                    t = float(v[1:])
                except ValueError:
                    await proc.err(f"date: invalid date '{v}'\n")
                    return 1
            elif v != "now":
                await proc.err(f"date: invalid date '{v}'\n")
                return 1
        elif a.startswith("-I") or a == "--iso-8601":
            fmt = "%Y-%m-%dT%H:%M:%S+00:00" if "seconds" in a else "%Y-%m-%d"
        else:
            await proc.err(f"date: invalid date '{a}'\n")
            return 1
        i += 1
    await proc.out(_strftime(fmt, t) + "\n")
    return 0


async def uname(proc: Proc) -> int:
    vals = {"s": "Linux", "n": proc.host.hostname, "r": "5.14.0-503.14.1.el9_5.x86_64",
            "v": "#1 SMP PREEMPT_DYNAMIC Fri Nov 15 12:04:32 UTC 2024", "m": "x86_64", "p": "x86_64",
            "i": "x86_64", "o": "GNU/Linux"}
    flags = "".join(a[1:] for a in proc.argv[1:] if a.startswith("-") and not a.startswith("--"))
    if "--all" in proc.argv or "a" in flags:
        flags = "snrvmpio"
    sel = [vals[c] for c in "snrvmpio" if c in flags] or [vals["s"]]
    await proc.out(" ".join(sel) + "\n")
    return 0


async def sleep(proc: Proc) -> int:
    args = proc.argv[1:]
    if not args:
        return await usage(proc, "sleep", "missing operand")
    total = 0.0
    for a in args:
        mult = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(a[-1:], None)
        core = a[:-1] if mult else a
        if a == "infinity":
            total = float("inf")
            continue
        try:
            v = float(core)
            if v < 0 or math.isnan(v):
                raise ValueError
        except ValueError:
            await proc.err(f"sleep: invalid time interval '{a}'\nTry 'sleep --help' for more information.\n")
            return 1
        total += v * (mult or 1)
    while total > 0:
        step = min(total, 86400.0 * 365)
        await proc.host.clock.sleep(step)
        total -= step
    return 0


async def xargs(proc: Proc) -> int:
    args = proc.argv[1:]
    n = None
    replace = None
    null = False
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "-n" and args:
            n = int(args.pop(0))
        elif a.startswith("-n") and a[2:].isdigit():
            n = int(a[2:])
        elif a == "-I" and args:
            replace = args.pop(0)
        elif a.startswith("-I") and len(a) > 2:
            replace = a[2:]
        elif a.startswith("--replace"):
            replace = a.partition("=")[2] or "{}"
        elif a == "-0":
            null = True
        elif a in ("-r", "--no-run-if-empty", "-t"):
            pass
        elif a == "--":
            break
    cmd = args or ["echo"]
    data = (await proc.stdin.read()).decode(errors="surrogateescape")
    items = [x for x in data.split("\0")] if null else _xargs_split(data)
    items = [x for x in items if x != ""] if not null else [x for x in items if x]
    if replace is not None:
        lines = [line for line in data.split("\n") if line.strip()]
        batches = [[c.replace(replace, line) for c in cmd] for line in lines]
    else:
        if not items:
            batches = [] if any(a in ("-r", "--no-run-if-empty") for a in proc.argv) else [cmd]
        elif n:
            batches = [cmd + items[i:i + n] for i in range(0, len(items), n)]
        else:
            batches = [cmd + items]
    status = 0
    for argv in batches:
        try:
            st = await proc.host.run(proc.child(argv, stdin=type(proc.stdin)()))
        except CommandNotFound:
            await proc.err(f"xargs: {argv[0]}: No such file or directory\n")
            return 127
        if st:
            status = 123
    return status


def _xargs_split(data: str) -> list[str]:
    out = []
    cur = []
    q = None
    have = False
    i = 0
    while i < len(data):
        c = data[i]
        if q:
            if c == q:
                q = None
            else:
                cur.append(c)
        elif c in "'\"":
            q = c
            have = True
        elif c == "\\" and i + 1 < len(data):
            cur.append(data[i + 1])
            i += 1
            have = True
        elif c.isspace():
            if cur or have:
                out.append("".join(cur))
            cur = []
            have = False
        else:
            cur.append(c)
        i += 1
    if cur or have:
        out.append("".join(cur))
    return out
