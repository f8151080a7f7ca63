"""tar (GNU wording), backed by Python's tarfile; every path goes through the pod filesystem."""

from __future__ import annotations

import io
import os
import stat as stat_mod
import tarfile
import time
from pathlib import Path

from ..proc import Proc
from .common import cpath, hpath, stamp, strerror

_WITH_ARG = set("fCT")
_FLAGS = set("cxtzjJvpaOkmh")


class _Fatal(Exception):
    pass


def _parse(argv: list[str]) -> tuple[dict, list[tuple[str, str]], list[str]]:
    """Returns (flags, ordered items [('C', dir) | ('m', member)], errors)."""
    flags: dict = {"mode": None, "comp": None, "file": None, "v": False}
    items: list[tuple[str, str]] = []
    args = list(argv)
    # old-style first argument: "czf" == "-czf"
    if args and not args[0].startswith("-") and args[0] and all(c in _FLAGS | _WITH_ARG for c in args[0]):
        args[0] = "-" + args[0]
    i = 0
    longs = {"--create": "c", "--extract": "x", "--get": "x", "--list": "t", "--gzip": "z",
             "--gunzip": "z", "--bzip2": "j", "--xz": "J", "--verbose": "v", "--file": "f",
             "--directory": "C", "--auto-compress": "a", "--to-stdout": "O"}
    only_members = False
    while i < len(args):
        a = args[i]
        i += 1
        if only_members or not a.startswith("-") or a == "-":
            items.append(("m", a))
            continue
        if a == "--":
            only_members = True
            continue
        if a.startswith("--"):
            name, eq, val = a.partition("=")
            c = longs.get(name)
            if c is None:
                if name in ("--no-same-owner", "--same-owner", "--numeric-owner", "--overwrite",
                            "--warning", "--no-recursion", "--preserve-permissions"):
                    continue
                raise _Fatal(f"unrecognized option '{a}'")
            if c in _WITH_ARG:
                if not eq:
                    if i >= len(args):
                        raise _Fatal(f"option '{name}' requires an argument")
                    val = args[i]
                    i += 1
                _apply(flags, items, c, val)
            else:
                _apply(flags, items, c, "")
            continue
        j = 1
        while j < len(a):
            c = a[j]
            if c in _WITH_ARG:
                val = a[j + 1:]
                if not val:
                    if i >= len(args):
                        raise _Fatal(f"option requires an argument -- '{c}'")
                    val = args[i]
                    i += 1
                _apply(flags, items, c, val)
                break
            if c not in _FLAGS:
                raise _Fatal(f"invalid option -- '{c}'")
            _apply(flags, items, c, "")
            j += 1
    return flags, items, []


def _apply(flags: dict, items: list, c: str, val: str) -> None:
    if c in "cxt":
        if flags["mode"] and flags["mode"] != c:
            raise _Fatal("You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option")
        flags["mode"] = c
    elif c in "zjJ":
        flags["comp"] = {"z": "gz", "j": "bz2", "J": "xz"}[c]
    elif c == "a":
        flags["auto"] = True
    elif c == "v":
        flags["v"] = True
    elif c == "f":
        flags["file"] = val
    elif c == "C":
        items.append(("C", val))
    elif c == "O":
        flags["O"] = True


def _verbose_line(ti: tarfile.TarInfo) -> str:
    kind = {tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l", tarfile.LNKTYPE: "h"}.get(ti.type, "-")
    mode = kind + stat_mod.filemode(ti.mode | stat_mod.S_IFREG)[1:]
    ug = f"{ti.uname or ti.uid}/{ti.gname or ti.gid}"
    size = str(ti.size)
    pad = len(ug) + 1 + len(size)
    width = max(19, pad) - pad + len(size)
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(ti.mtime))
    name = ti.name + ("/" if ti.isdir() and not ti.name.endswith("/") else "")
    if ti.issym():
        name += " -> " + ti.linkname
    elif ti.islnk():
        name += " link to " + ti.linkname
    return f"{mode} {ug} {size:>{width}} {when} {name}\n"


async def tar(proc: Proc) -> int:
    try:
        flags, items, _ = _parse(proc.argv[1:])
        if not flags["mode"]:
            raise _Fatal("You must specify one of the '-Acdtrux', '--delete' or '--test-label' options")
    except _Fatal as e:
        await proc.err(f"tar: {e}\nTry 'tar --help' or 'tar --usage' for more information.\n")
        return 2
    mode = flags["mode"]
    archive = flags["file"] or "-"
    comp = flags["comp"]
    if mode == "c" and comp is None and flags.get("auto") and archive != "-":
        for ext, c in ((".tar.gz", "gz"), (".tgz", "gz"), (".tar.bz2", "bz2"), (".tar.xz", "xz")):
            if archive.endswith(ext):
                comp = c
    try:
        if mode == "c":
            return await _create(proc, archive, comp, items, flags["v"])
        return await _read(proc, archive, comp, items, mode, flags)
    except _Fatal as e:
        await proc.err(f"{e}\n")
        return 2


async def _create(proc: Proc, archive: str, comp: str | None, items: list, verbose: bool) -> int:
    members = [v for k, v in items if k == "m"]
    if not members:
        await proc.err("tar: Cowardly refusing to create an empty archive\n"
                       "Try 'tar --help' or 'tar --usage' for more information.\n")
        return 2
    buf = io.BytesIO()
    errors = False
    out_lines: list[str] = []
    cwd = proc.cwd
    warned_abs = False
    archive_real = None
    if archive != "-":
        try:
            archive_real = os.path.realpath(hpath(proc, archive))
        except OSError:
            archive_real = None
    msgs: list[str] = []
    with tarfile.open(fileobj=buf, mode="w:" + (comp or ""), format=tarfile.GNU_FORMAT) as tf:
        for kind, val in items:
            if kind == "C":
                d = proc.host.fs.normalize(val, cwd)
                hp = hpath(proc.child([], cwd=cwd), val)
                if not hp.is_dir():
                    raise _Fatal(f"tar: {val}: Cannot open: No such file or directory\n"
                                 "tar: Error is not recoverable: exiting now")
                cwd = d
                continue
            name = val
            child = proc.child([], cwd=cwd)
            try:
                hp = hpath(child, name)
                os.lstat(hp)
            except OSError as e:
                msgs.append(f"tar: {name}: Cannot stat: {strerror(e)}\n")
                errors = True
                continue
            arc = name
            if arc.startswith("/"):
                arc = arc.lstrip("/")
                if not warned_abs:
                    msgs.append("tar: Removing leading `/' from member names\n")
                    warned_abs = True
            arc = os.path.normpath(arc) if arc not in ("", ".") else "."

            def add(host: Path, arcname: str) -> None:
                if archive_real and os.path.realpath(host) == archive_real:
                    msgs.append(f"tar: {arcname}: file is the archive; not dumped\n")
                    return
                ti = tf.gettarinfo(str(host), arcname=arcname)
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                if ti.isdir():
                    tf.addfile(ti)
                    out_lines.append(arcname.rstrip("/") + "/\n")
                    for n in sorted(os.listdir(host)):
                        add(host / n, (arcname.rstrip("/") + "/" + n) if arcname != "." else "./" + n)
                elif ti.isreg():
                    with open(host, "rb") as fh:
                        tf.addfile(ti, fh)
                    out_lines.append(arcname + "\n")
                else:
                    tf.addfile(ti)
                    out_lines.append(arcname + "\n")

            add(hp, arc)
    data = buf.getvalue()
    if msgs:
        await proc.err("".join(msgs))
    if verbose:
        # with -f - the listing goes to stderr (stdout is the archive)
        text = "".join(out_lines)
        if archive == "-":
            await proc.err(text)
        else:
            await proc.out(text)
    if archive == "-":
        await proc.out(data)
    else:
        try:
            p = hpath(proc, archive)
            p.write_bytes(data)
            stamp(proc, p)
        except OSError as e:
            raise _Fatal(f"tar: {archive}: Cannot open: {strerror(e)}\n"
                         "tar: Error is not recoverable: exiting now") from e
    if errors:
        await proc.err("tar: Exiting with failure status due to previous errors\n")
        return 2
    return 0


def _matches(name: str, wanted: list[str]) -> str | None:
    n = name.rstrip("/")
    for w in wanted:
        ws = w.rstrip("/")
        if n == ws or n.startswith(ws + "/") or (ws.startswith("./") and n == ws[2:]):
            return w
    return None


async def _read(proc: Proc, archive: str, comp: str | None, items: list, mode: str, flags: dict) -> int:
    if archive == "-":
        data = await proc.stdin.read()
    else:
        try:
            p = hpath(proc, archive)
            if p.is_dir():
                raise IsADirectoryError(21, "Is a directory")
            data = p.read_bytes()
        except OSError as e:
            if comp:
                raise _Fatal(f"tar (child): {archive}: Cannot open: {strerror(e)}\n"
                             "tar (child): Error is not recoverable: exiting now\n"
                             "tar: Child returned status 2\n"
                             "tar: Error is not recoverable: exiting now") from e
            raise _Fatal(f"tar: {archive}: Cannot open: {strerror(e)}\n"
                         "tar: Error is not recoverable: exiting now") from e
    if comp == "gz" and not data.startswith(b"\x1f\x8b"):
        raise _Fatal("\ngzip: stdin: not in gzip format\ntar: Child returned status 1\n"
                     "tar: Error is not recoverable: exiting now")
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
        members = tf.getmembers()
    except (tarfile.TarError, EOFError, OSError):
        if not data:
            return 0 if comp is None else 2
        raise _Fatal("tar: This does not look like a tar archive\n"
                     "tar: Exiting with failure status due to previous errors") from None
    cwd = proc.cwd
    wanted = [v for k, v in items if k == "m"]
    for k, v in items:
        if k == "C":
            hp = hpath(proc, v)
            if not hp.is_dir():
                raise _Fatal(f"tar: {v}: Cannot open: No such file or directory\n"
                             "tar: Error is not recoverable: exiting now")
            cwd = proc.host.fs.normalize(v, proc.cwd)
    seen: set[str] = set()
    out: list[str] = []
    errs: list[str] = []
    status = 0
    dest = proc.child([], cwd=cwd)
    extracted: dict[str, Path] = {}
    dir_times: list[tuple[Path, float]] = []
    warned_abs = False
    for ti in members:
        if wanted:
            w = _matches(ti.name, wanted)
            if w is None:
                continue
            seen.add(w)
        if mode == "t":
            out.append(_verbose_line(ti) if flags["v"]
                       else (ti.name + ("/" if ti.isdir() and not ti.name.endswith("/") else "")) + "\n")
            continue
        name = ti.name
        if name.startswith("/"):
            name = name.lstrip("/")
            if not warned_abs:
                errs.append("tar: Removing leading `/' from member names\n")
                warned_abs = True
        if ".." in name.split("/"):
            errs.append(f"tar: {ti.name}: Member name contains '..'\n")
            status = 2
            continue
        if flags["v"]:
            out.append(ti.name + ("/" if ti.isdir() and not ti.name.endswith("/") else "") + "\n")
        if flags.get("O"):
            if ti.isreg():
                fh = tf.extractfile(ti)
                out.append((fh.read() if fh else b"").decode(errors="surrogateescape"))
            continue
        try:
            target = hpath(dest, name)
            if ti.isdir():
                target.mkdir(parents=True, exist_ok=True)
                os.chmod(target, ti.mode & 0o7777)
                dir_times.append((target, ti.mtime))
            elif ti.isreg():
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.is_symlink() or (target.exists() and not target.is_dir()):
                    target.unlink()
                fh = tf.extractfile(ti)
                target.write_bytes(fh.read() if fh else b"")
                os.chmod(target, ti.mode & 0o7777)
                os.utime(target, (ti.mtime, ti.mtime))
                extracted[ti.name] = target
            elif ti.islnk() and ti.linkname in extracted:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(extracted[ti.linkname].read_bytes())
            else:
                # symlinks and special files are not created in the pod fs (host safety)
                errs.append(f"tar: {ti.name}: Cannot create symlink or special file: Operation not permitted\n")
                status = 2
        except OSError as e:
            errs.append(f"tar: {ti.name}: Cannot open: {strerror(e)}\n")
            status = 2
    for d, t in reversed(dir_times):
        try:
            os.utime(d, (t, t))
        except OSError:
            pass
    for w in wanted:
        if w not in seen:
            errs.append(f"tar: {w}: Not found in archive\n")
            status = 2
    if out:
        await proc.out("".join(out).encode(errors="surrogateescape"))
    if errs or status:
        if status:
            errs.append("tar: Exiting with failure status due to previous errors\n")
        await proc.err("".join(errs))
    _ = cpath
    return status
