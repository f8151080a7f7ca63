"""Looking at files, in GNU coreutils wording: ls, stat, find."""

from __future__ import annotations

import fnmatch
import math
import os
import stat as stat_mod
import time
from pathlib import Path

from ..proc import Proc
from .common import UsageError, getopt, hpath, strerror, usage
from .printcmds import unescape


def human(n: float) -> str:
    """GNU -h sizes: 6904 -> 6.8K, 12345 -> 13K (rounded up)."""
    if n < 1024:
        return str(int(n))
    for unit in "KMGTPE":
        n /= 1024
        if n < 1024 or unit == "E":
            if n < 10:
                v = math.ceil(n * 10) / 10
                if v >= 10:
                    return f"{math.ceil(n)}{unit}"
                return f"{v:.1f}{unit}"
            return f"{math.ceil(n)}{unit}"
    return str(n)


def _ls_time(mtime: float, now: float) -> str:
    t = time.gmtime(mtime)
    six_months = 31556952 / 2
    if now - six_months < mtime <= now + 60 * 60:
        return time.strftime("%b ", t) + f"{t.tm_mday:>2} " + time.strftime("%H:%M", t)
    return time.strftime("%b ", t) + f"{t.tm_mday:>2}  " + time.strftime("%Y", t)


async def ls(proc: Proc) -> int:
    try:
        opts, operands = getopt(proc.argv[1:], "laAh1dtrSFRi", long={
            "all": "a", "almost-all": "A", "human-readable": "h", "directory": "d", "reverse": "r",
            "recursive": "R", "classify": "F", "color": "c"}, long_arg={"color"})
    except UsageError as e:
        return await usage(proc, "ls", str(e), 2)
    f = {o for o, _ in opts}
    now = proc.host.clock.now()
    status = 0
    files: list[tuple[str, Path]] = []
    dirs: list[tuple[str, Path]] = []
    for op in operands or ["."]:
        try:
            p = hpath(proc, op)
            os.lstat(p)
        except OSError as e:
            await proc.err(f"ls: cannot access '{op}': {strerror(e)}\n")
            status = 2
            continue
        if p.is_dir() and "d" not in f:
            dirs.append((op, p))
        else:
            files.append((op, p))

    def sort_entries(entries: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
        def st(p: Path) -> os.stat_result:
            try:
                return os.lstat(p)
            except OSError:
                return os.stat_result((0,) * 10)
        if "t" in f:
            entries = sorted(entries, key=lambda e: (-st(e[1]).st_mtime, e[0].encode()))
        elif "S" in f:
            entries = sorted(entries, key=lambda e: (-st(e[1]).st_size, e[0].encode()))
        else:
            entries = sorted(entries, key=lambda e: e[0].encode(errors="surrogateescape"))
        return list(reversed(entries)) if "r" in f else entries

    def fmt_long(entries: list[tuple[str, Path]]) -> list[str]:
        rows = []
        for name, p in entries:
            try:
                st = os.lstat(p)
            except OSError:
                continue
            mode = stat_mod.filemode(st.st_mode)
            size = human(st.st_size) if "h" in f else str(st.st_size)
            disp = name
            if stat_mod.S_ISLNK(st.st_mode):
                try:
                    disp += " -> " + os.readlink(p)
                except OSError:
                    pass
            elif "F" in f:
                disp += _classify(st.st_mode)
            rows.append((mode, str(st.st_nlink), "root", "root", size, _ls_time(st.st_mtime, now), disp,
                         st.st_ino))
        if not rows:
            return []
        wl = max(len(r[1]) for r in rows)
        ws = max(len(r[4]) for r in rows)
        wi = max(len(str(r[7])) for r in rows)
        return [(f"{r[7]:>{wi}} " if "i" in f else "") +
                f"{r[0]} {r[1]:>{wl}} {r[2]} {r[3]} {r[4]:>{ws}} {r[5]} {r[6]}\n" for r in rows]

    def fmt_short(entries: list[tuple[str, Path]]) -> list[str]:
        out = []
        for name, p in entries:
            suffix = ""
            if "F" in f:
                try:
                    suffix = _classify(os.lstat(p).st_mode)
                except OSError:
                    pass
            out.append(name + suffix + "\n")
        return out

    fmt = fmt_long if "l" in f else fmt_short
    out: list[str] = []
    files = sort_entries(files)
    out += fmt(files)
    dirs = sort_entries(dirs)
    show_header = len(dirs) + len(files) > 1 or "R" in f or status != 0
    queue = list(dirs)
    first = not files
    while queue:
        op, p = queue.pop(0)
        try:
            names = os.listdir(p)
        except OSError as e:
            await proc.err(f"ls: cannot open directory '{op}': {strerror(e)}\n")
            status = 2
            continue
        if "a" not in f and "A" not in f:
            names = [n for n in names if not n.startswith(".")]
        entries = [(n, p / n) for n in names]
        entries = sort_entries(entries)
        if "a" in f:
            entries = [(".", p), ("..", p.parent if p != proc.host.fs.root else p)] + entries
            if "t" not in f and "S" not in f:
                entries = sort_entries(entries)
        if show_header:
            out.append(("" if first else "\n") + f"{op}:\n")
        first = False
        if "l" in f:
            blocks = 0
            for _, ep in entries:
                try:
                    blocks += os.lstat(ep).st_blocks
                except OSError:
                    pass
            kb = (blocks * 512 + 1023) // 1024
            out.append(f"total {human(kb * 1024) if 'h' in f else kb}\n")
        out += fmt(entries)
        if "R" in f:
            subs = [(op.rstrip("/") + "/" + n, ep) for n, ep in entries
                    if n not in (".", "..") and ep.is_dir() and not ep.is_symlink()]
            queue = subs + queue
    await proc.out("".join(out).encode(errors="surrogateescape"))
    return status


def _classify(mode: int) -> str:
    if stat_mod.S_ISDIR(mode):
        return "/"
    if stat_mod.S_ISLNK(mode):
        return "@"
    if mode & 0o111:
        return "*"
    return ""


def _stat_field(c: str, name: str, st: os.stat_result) -> str:
    m = st.st_mode
    kind = ("directory" if stat_mod.S_ISDIR(m) else "symbolic link" if stat_mod.S_ISLNK(m)
            else ("regular empty file" if st.st_size == 0 else "regular file") if stat_mod.S_ISREG(m)
            else "fifo" if stat_mod.S_ISFIFO(m) else "socket" if stat_mod.S_ISSOCK(m) else "weird file")

    def ts(t: float) -> str:
        lt = time.gmtime(t)
        frac = f"{t % 1:.9f}"[2:]
        return time.strftime("%Y-%m-%d %H:%M:%S", lt) + f".{frac} +0000"

    table = {
        "s": str(st.st_size), "n": name, "N": f"'{name}'", "Y": str(int(st.st_mtime)),
        "X": str(int(st.st_atime)), "Z": str(int(st.st_ctime)), "W": "0",
        "a": f"{stat_mod.S_IMODE(m):o}", "A": stat_mod.filemode(m), "U": "root", "G": "root",
        "u": "0", "g": "0", "F": kind, "h": str(st.st_nlink), "i": str(st.st_ino),
        "b": str(st.st_blocks), "B": "512", "f": f"{m:x}", "y": ts(st.st_mtime), "x": ts(st.st_atime),
        "z": ts(st.st_ctime), "w": "-", "o": "4096", "d": str(st.st_dev), "%": "%",
    }
    return table.get(c, "?")


def _stat_format(fmt: str, name: str, st: os.stat_result) -> str:
    out = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            out.append(_stat_field(fmt[i + 1], name, st))
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


async def stat(proc: Proc) -> int:
    try:
        opts, operands = getopt(proc.argv[1:], "Lt", "c", long={"format": "c", "printf": "P",
                                                             "dereference": "L", "terse": "t"},
                                long_arg={"format", "printf"})
    except UsageError as e:
        return await usage(proc, "stat", str(e))
    f = dict(opts)
    if not operands:
        return await usage(proc, "stat", "missing operand")
    status = 0
    out = []
    for op in operands:
        try:
            p = hpath(proc, op)
            st = os.stat(p) if "L" in f else os.lstat(p)
        except OSError as e:
            await proc.err(f"stat: cannot statx '{op}': {strerror(e)}\n")
            status = 1
            continue
        if "c" in f:
            out.append(_stat_format(f["c"], op, st) + "\n")
        elif "P" in f:
            out.append(unescape(_stat_format(f["P"], op, st), echo_style=False)[0])
        else:
            out.append(_stat_format(
                "  File: %n\n  Size: %s\tBlocks: %b          IO Block: %o   %F\n"
                "Device: %d\tInode: %i   Links: %h\n"
                "Access: (0%a/%A)  Uid: (    0/    root)   Gid: (    0/    root)\n"
                "Access: %x\nModify: %y\nChange: %z\n Birth: -\n", op, st))
    await proc.out("".join(out).encode(errors="surrogateescape"))
    return status


async def find(proc: Proc) -> int:
    args = proc.argv[1:]
    roots = []
    while args and not args[0].startswith("-") and args[0] not in ("!", "("):
        roots.append(args.pop(0))
    roots = roots or ["."]
    tests: list[tuple[str, str]] = []
    maxdepth = None
    mindepth = 0
    i = 0
    negate = False
    while i < len(args):
        a = args[i]
        if a in ("!", "-not"):
            negate = True
            i += 1
            continue
        if a in ("-type", "-name", "-iname", "-path", "-maxdepth", "-mindepth", "-newer", "-size"):
            if i + 1 >= len(args):
                await proc.err(f"find: missing argument to `{a}'\n")
                return 1
            v = args[i + 1]
            if a == "-maxdepth":
                maxdepth = int(v)
            elif a == "-mindepth":
                mindepth = int(v)
            else:
                tests.append((("!" if negate else "") + a, v))
            negate = False
            i += 2
            continue
        if a in ("-print", "-a", "-and"):
            i += 1
            continue
        if a == "-empty":
            tests.append((("!" if negate else "") + a, ""))
            negate = False
            i += 1
            continue
        await proc.err(f"find: unknown predicate `{a}'\n")
        return 1

    def match(disp: str, p: Path) -> bool:
        for t, v in tests:
            neg = t.startswith("!")
            t = t.lstrip("!")
            base = disp.rstrip("/").rsplit("/", 1)[-1] or disp
            if t == "-type":
                ok = {"f": p.is_file() and not p.is_symlink(), "d": p.is_dir() and not p.is_symlink(),
                      "l": p.is_symlink()}.get(v, False)
            elif t == "-name":
                ok = fnmatch.fnmatchcase(base, v)
            elif t == "-iname":
                ok = fnmatch.fnmatchcase(base.lower(), v.lower())
            elif t == "-path":
                ok = fnmatch.fnmatchcase(disp, v)
            elif t == "-empty":
                ok = (p.is_dir() and not any(p.iterdir())) or (p.is_file() and p.stat().st_size == 0)
            else:
                ok = True
            if ok == neg:
                return False
        return True

    out: list[str] = []
    status = 0
    for root in roots:
        try:
            rp = hpath(proc, root)
            os.lstat(rp)
        except OSError as e:
            await proc.err(f"find: '{root}': {strerror(e)}\n")
            status = 1
            continue

        def walk(disp: str, p: Path, depth: int) -> None:
            if depth >= mindepth and match(disp, p):
                out.append(disp + "\n")
            if p.is_dir() and not p.is_symlink() and (maxdepth is None or depth < maxdepth):
                for n in sorted(os.listdir(p)):
                    walk((disp if disp.endswith("/") else disp + "/") + n, p / n, depth + 1)

        walk(root, rp, 0)
    await proc.out("".join(out).encode(errors="surrogateescape"))
    return status
