"""Changing files, in GNU coreutils wording: mkdir, rm, rmdir, mv, cp, touch, chmod."""

from __future__ import annotations

import os
import shutil
import stat as stat_mod
from pathlib import Path

from ..proc import Proc
from .common import UsageError, cpath, getopt, hpath, is_mount_point, stamp, strerror, usage


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
