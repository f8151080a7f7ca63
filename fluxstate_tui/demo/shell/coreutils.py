"""File and system utilities in GNU coreutils wording: ls, mkdir, rm, mv, cp, touch, stat,
sha256sum, find, chmod, basename, dirname, hostname, whoami, id, env, date, uname, sleep, xargs."""

from __future__ import annotations

import fnmatch
import hashlib
import math
import os
import shutil
import stat as stat_mod
import time
from pathlib import Path

from ..proc import CommandNotFound, Proc
from .common import UsageError, cpath, getopt, hpath, is_mount_point, stamp, strerror, usage


# -- ls -------------------------------------------------------------------------------------------
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


# -- mkdir / rm / mv / cp / touch -----------------------------------------------------------------
async def mkdir(proc: Proc) -> int:
    try:
        opts, operands = getopt(proc.argv[1:], "pv", "m", long={"parents": "p", "verbose": "v", "mode": "m"},
                                long_arg={"mode"})
    except UsageError as e:
        return await usage(proc, "mkdir", str(e))
    f = dict(opts)
    if not operands:
        return await usage(proc, "mkdir", "missing operand")
    status = 0
    for op in operands:
        try:
            p = hpath(proc, op)
            if "p" in f:
                if p.exists() and not p.is_dir():
                    raise FileExistsError(17, "File exists")
                p.mkdir(parents=True, exist_ok=True)
            else:
                p.mkdir()
            if "m" in f:
                os.chmod(p, int(f["m"], 8))
            stamp(proc, p)
            if "v" in f:
                await proc.out(f"mkdir: created directory '{op}'\n")
        except OSError as e:
            await proc.err(f"mkdir: cannot create directory '{op}': {strerror(e)}\n")
            status = 1
    return status


def _clear_dir(p: Path) -> None:
    for child in list(p.iterdir()):
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


async def rm(proc: Proc) -> int:
    try:
        opts, operands = getopt(proc.argv[1:], "frRvid", long={"force": "f", "recursive": "r", "verbose": "v",
                                                               "dir": "d", "no-preserve-root": "N"})
    except UsageError as e:
        return await usage(proc, "rm", str(e))
    f = {o for o, _ in opts}
    recursive = "r" in f or "R" in f
    if not operands:
        if "f" in f:
            return 0
        return await usage(proc, "rm", "missing operand")
    status = 0
    for op in operands:
        try:
            norm = cpath(proc, op)
            if recursive and norm == "/" and "N" not in f:
                await proc.err("rm: it is dangerous to operate recursively on '/'\n"
                               "rm: use --no-preserve-root to override this failsafe\n")
                status = 1
                continue
            if op.rstrip("/").split("/")[-1] in (".", ".."):
                await proc.err(f"rm: refusing to remove '.' or '..' directory: skipping '{op}'\n")
                status = 1
                continue
            p = hpath(proc, op)
            if not p.exists() and not p.is_symlink():
                if "f" not in f:
                    await proc.err(f"rm: cannot remove '{op}': No such file or directory\n")
                    status = 1
                continue
            if p.is_dir() and not p.is_symlink():
                if not recursive:
                    if "d" in f and not any(p.iterdir()):
                        p.rmdir()
                        continue
                    await proc.err(f"rm: cannot remove '{op}': Is a directory\n")
                    status = 1
                    continue
                if is_mount_point(proc, op):
                    _clear_dir(p)
                    await proc.err(f"rm: cannot remove '{op}': Device or resource busy\n")
                    status = 1
                    continue
                shutil.rmtree(p)
            else:
                p.unlink()
            if "v" in f:
                await proc.out(f"removed '{op}'\n")
        except OSError as e:
            await proc.err(f"rm: cannot remove '{op}': {strerror(e)}\n")
            status = 1
    return status


async def rmdir(proc: Proc) -> int:
    status = 0
    for op in [a for a in proc.argv[1:] if not a.startswith("-")]:
        try:
            hpath(proc, op).rmdir()
        except OSError as e:
            await proc.err(f"rmdir: failed to remove '{op}': {strerror(e)}\n")
            status = 1
    return status


async def mv(proc: Proc) -> int:
    return await _mv_cp(proc, "mv")


async def cp(proc: Proc) -> int:
    return await _mv_cp(proc, "cp")


def _copy_meta(src: Path, dst: Path) -> None:
    try:
        shutil.copystat(src, dst, follow_symlinks=False)
    except OSError:
        pass


async def _mv_cp(proc: Proc, prog: str) -> int:
    try:
        opts, operands = getopt(proc.argv[1:], "fnivrRapPTuL" if prog == "cp" else "fnivTu", "t",
                                long={"force": "f", "no-clobber": "n", "verbose": "v", "recursive": "r",
                                      "archive": "a", "target-directory": "t", "no-target-directory": "T",
                                      "preserve": "p"}, long_arg={"target-directory"})
    except UsageError as e:
        return await usage(proc, prog, str(e))
    f = dict(opts)
    if "t" in f:
        operands = operands + [f["t"]]
    if len(operands) < 2:
        if not operands:
            return await usage(proc, prog, "missing file operand")
        return await usage(proc, prog, f"missing destination file operand after '{operands[0]}'")
    *srcs, dest = operands
    recursive = any(k in f for k in "rRa")
    try:
        dp = hpath(proc, dest)
    except OSError as e:
        await proc.err(f"{prog}: cannot access '{dest}': {strerror(e)}\n")
        return 1
    into = dp.is_dir() and "T" not in f
    if len(srcs) > 1 and not into:
        await proc.err(f"{prog}: target '{dest}' is not a directory\n")
        return 1
    status = 0
    for s in srcs:
        try:
            sp = hpath(proc, s)
            if not sp.exists() and not sp.is_symlink():
                what = "stat" if prog == "mv" else "stat"
                await proc.err(f"{prog}: cannot {what} '{s}': No such file or directory\n")
                status = 1
                continue
            target = dp / sp.name if into else dp
            tdisp = (dest.rstrip("/") + "/" + sp.name) if into else dest
            if os.path.realpath(sp) == os.path.realpath(target):
                await proc.err(f"{prog}: '{s}' and '{tdisp}' are the same file\n")
                status = 1
                continue
            if "n" in f and (target.exists() or target.is_symlink()):
                continue
            if sp.is_dir() and not sp.is_symlink():
                real_s = os.path.realpath(sp)
                if os.path.realpath(target).startswith(real_s + os.sep):
                    verb = "move" if prog == "mv" else "copy"
                    await proc.err(f"{prog}: cannot {verb} '{s}' to a subdirectory of itself, '{tdisp}'\n")
                    status = 1
                    continue
                if prog == "cp" and not recursive:
                    await proc.err(f"cp: -r not specified; omitting directory '{s}'\n")
                    status = 1
                    continue
                if target.exists() and not target.is_dir():
                    await proc.err(f"{prog}: cannot overwrite non-directory '{tdisp}' with directory '{s}'\n")
                    status = 1
                    continue
            elif target.is_dir() and not target.is_symlink():
                await proc.err(f"{prog}: cannot overwrite directory '{tdisp}' with non-directory\n")
                status = 1
                continue
            if prog == "mv":
                if is_mount_point(proc, s):
                    await proc.err(f"mv: cannot move '{s}' to '{tdisp}': Device or resource busy\n")
                    status = 1
                    continue
                if target.is_dir() and not target.is_symlink():
                    if any(target.iterdir()):
                        await proc.err(f"mv: cannot move '{s}' to '{tdisp}': Directory not empty\n")
                        status = 1
                        continue
                    target.rmdir()
                try:
                    os.replace(sp, target)
                except OSError:
                    shutil.move(str(sp), str(target))
            else:
                if sp.is_dir() and not sp.is_symlink():
                    shutil.copytree(sp, target, symlinks=True, dirs_exist_ok=True,
                                    copy_function=shutil.copy2 if ("a" in f or "p" in f) else shutil.copy)
                    if not ("a" in f or "p" in f):
                        stamp(proc, target)
                else:
                    if target.is_symlink():
                        target.unlink()
                    shutil.copyfile(sp, target, follow_symlinks=True)
                    shutil.copymode(sp, target)
                    if "a" in f or "p" in f:
                        _copy_meta(sp, target)
                    else:
                        stamp(proc, target)
            if "v" in f:
                arrow = "renamed " if prog == "mv" else ""
                await proc.out(f"{arrow}'{s}' -> '{tdisp}'\n")
        except OSError as e:
            await proc.err(f"{prog}: cannot {'move' if prog == 'mv' else 'copy'} '{s}': {strerror(e)}\n")
            status = 1
    return status


async def touch(proc: Proc) -> int:
    try:
        opts, operands = getopt(proc.argv[1:], "cam", "dt", long={"no-create": "c", "date": "d"},
                                long_arg={"date"})
    except UsageError as e:
        return await usage(proc, "touch", str(e))
    f = dict(opts)
    if not operands:
        return await usage(proc, "touch", "missing file operand")
    status = 0
    when = proc.host.clock.now()
    if "d" in f and f["d"].startswith("@"):
        try:
            when = float(f["d"][1:])
        except ValueError:
            pass
    for op in operands:
        try:
            p = hpath(proc, op)
            if not p.exists():
                if "c" in f:
                    continue
                p.touch()
            os.utime(p, (when, when))
        except OSError as e:
            await proc.err(f"touch: cannot touch '{op}': {strerror(e)}\n")
            status = 1
    return status


async def chmod(proc: Proc) -> int:
    args = [a for a in proc.argv[1:] if a not in ("-R", "-v", "-f", "--recursive")]
    recursive = any(a in ("-R", "--recursive") for a in proc.argv[1:])
    if len(args) < 2:
        return await usage(proc, "chmod", "missing operand")
    mode_s, files = args[0], args[1:]
    status = 0
    for op in files:
        try:
            p = hpath(proc, op)
            targets = [p]
            if recursive and p.is_dir():
                targets += [Path(r) / n for r, ds, fs in os.walk(p) for n in ds + fs]
            for t in targets:
                cur = stat_mod.S_IMODE(os.lstat(t).st_mode)
                new = _apply_mode(mode_s, cur, t.is_dir())
                if new is None:
                    await proc.err(f"chmod: invalid mode: '{mode_s}'\n")
                    return 1
                os.chmod(t, new)
        except OSError as e:
            await proc.err(f"chmod: cannot access '{op}': {strerror(e)}\n")
            status = 1
    return status


def _apply_mode(spec: str, cur: int, is_dir: bool) -> int | None:
    if spec.isdigit():
        try:
            return int(spec, 8)
        except ValueError:
            return None
    mode = cur
    for clause in spec.split(","):
        i = 0
        who = ""
        while i < len(clause) and clause[i] in "ugoa":
            who += clause[i]
            i += 1
        if i >= len(clause) or clause[i] not in "+-=":
            return None
        op = clause[i]
        perms = clause[i + 1:]
        bits = 0
        for c in perms:
            if c == "r":
                bits |= 0o444
            elif c == "w":
                bits |= 0o222
            elif c == "x":
                bits |= 0o111
            elif c == "X":
                if is_dir or cur & 0o111:
                    bits |= 0o111
            elif c in "st":
                pass
            else:
                return None
        mask = 0
        for w in who or "a":
            mask |= {"u": 0o700, "g": 0o070, "o": 0o007, "a": 0o777}[w]
        bits &= mask
        if op == "+":
            mode |= bits
        elif op == "-":
            mode &= ~bits
        else:
            mode = (mode & ~mask) | bits
    return mode


# -- stat / sha256sum / find ----------------------------------------------------------------------
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
            from .textutils import unescape
            out.append(unescape(_stat_format(f["P"], op, st), echo_style=False)[0])
        else:
            out.append(_stat_format(
                "  File: %n\n  Size: %s\tBlocks: %b          IO Block: %o   %F\n"
                "Device: %d\tInode: %i   Links: %h\n"
                "Access: (0%a/%A)  Uid: (    0/    root)   Gid: (    0/    root)\n"
                "Access: %x\nModify: %y\nChange: %z\n Birth: -\n", op, st))
    await proc.out("".join(out).encode(errors="surrogateescape"))
    return status


def _escape_sum_name(name: str) -> tuple[str, str]:
    if "\\" in name or "\n" in name:
        return "\\", name.replace("\\", "\\\\").replace("\n", "\\n")
    return "", name


async def sha256sum(proc: Proc) -> int:
    return await _digest(proc, proc.argv[0].rsplit("/", 1)[-1])


_ALGOS = {"sha256sum": "sha256", "sha1sum": "sha1", "md5sum": "md5", "sha512sum": "sha512"}


async def _digest(proc: Proc, prog: str) -> int:
    algo = _ALGOS[prog]
    try:
        opts, operands = getopt(proc.argv[1:], "cbtwz", long={"check": "c", "binary": "b", "text": "t",
                                                            "quiet": "q", "status": "s", "warn": "w",
                                                            "strict": "S", "ignore-missing": "i"})
    except UsageError as e:
        return await usage(proc, prog, str(e))
    f = {o for o, _ in opts}
    if "c" not in f:
        status = 0
        out = []
        for op in operands or ["-"]:
            try:
                if op == "-":
                    data = await proc.stdin.read()
                else:
                    p = hpath(proc, op)
                    if p.is_dir():
                        raise IsADirectoryError(21, "Is a directory")
                    data = p.read_bytes()
            except OSError as e:
                await proc.err(f"{prog}: {op}: {strerror(e)}\n")
                status = 1
                continue
            esc, name = _escape_sum_name(op)
            out.append(f"{esc}{hashlib.new(algo, data).hexdigest()}  {name}\n")
        await proc.out("".join(out).encode(errors="surrogateescape"))
        return status
    status = 0
    bad = missing = improper = 0
    out = []
    for listname in operands or ["-"]:
        try:
            if listname == "-":
                listing = (await proc.stdin.read()).decode(errors="surrogateescape")
            else:
                listing = hpath(proc, listname).read_bytes().decode(errors="surrogateescape")
        except OSError as e:
            await proc.err(f"{prog}: {listname}: {strerror(e)}\n")
            status = 1
            continue
        good_lines = 0
        for line in listing.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            esc = line.startswith("\\")
            body = line[1:] if esc else line
            digest, sep, name = body.partition(" ")
            if len(name) < 1 or name[0] not in " *" or len(digest) != hashlib.new(algo).digest_size * 2:
                improper += 1
                continue
            name = name[1:]
            if esc:
                name = name.replace("\\n", "\n").replace("\\\\", "\\")
            good_lines += 1
            try:
                data = hpath(proc, name).read_bytes()
            except OSError as e:
                if "i" in f:
                    continue
                await proc.err(f"{prog}: {name}: {strerror(e)}\n")
                if "s" not in f:
                    out.append(f"{name}: FAILED open or read\n")
                missing += 1
                continue
            ok = hashlib.new(algo, data).hexdigest() == digest.lower()
            if not ok:
                bad += 1
            if "s" not in f and not (ok and "q" in f):
                out.append(f"{name}: {'OK' if ok else 'FAILED'}\n")
        if good_lines == 0:
            await proc.err(f"{prog}: {listname}: no properly formatted checksum lines found\n")
            status = 1
    await proc.out("".join(out).encode(errors="surrogateescape"))
    if "s" not in f:
        if improper:
            await proc.err(f"{prog}: WARNING: {improper} line{'s are' if improper > 1 else ' is'} "
                           "improperly formatted\n")
        if missing:
            await proc.err(f"{prog}: WARNING: {missing} listed file{'s' if missing > 1 else ''} could not be read\n")
        if bad:
            await proc.err(f"{prog}: WARNING: {bad} computed checksum{'s' if bad > 1 else ''} did NOT match\n")
    if bad or missing or ("S" in f and improper):
        status = 1
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


# -- small ones -----------------------------------------------------------------------------------
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


async def pwd(proc: Proc) -> int:
    await proc.out(proc.cwd + "\n")
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
