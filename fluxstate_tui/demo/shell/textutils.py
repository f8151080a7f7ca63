"""Reading and cutting text streams: cat, head, tail, wc, tee, seq."""

from __future__ import annotations

from ..proc import Proc
from .common import UsageError, getopt, hpath, strerror, usage


async def read_inputs(proc: Proc, prog: str, names: list[str]):
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
