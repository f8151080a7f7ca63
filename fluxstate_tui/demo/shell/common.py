"""Helpers shared by the shell and its programs: consumable stdin, safe paths, option parsing."""

from __future__ import annotations

import errno
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from ..proc import Proc, Stdin, StreamStdin

DEV_NULL = "/dev/null"


class ConsumableStdin(Stdin):
    """Stdin that is consumed by whoever reads it (like a real fd): `read` takes what is left,
    `readline` one line, so `while read l; do ...; done < f` and `cmd1; cmd2` share one stream."""

    def __init__(self, data: bytes = b"", reader: Callable[[], Awaitable[bytes]] | None = None,
                 parent: Stdin | None = None) -> None:
        super().__init__(data, reader)
        self._parent = parent
        self._pos = 0
        # Input still arriving (an exec's stdin) is taken a piece at a time, never waited for whole:
        # a shell reading its script from it runs each line as it comes.
        self._stream = parent if isinstance(parent, StreamStdin) else None
        self.terminal = parent.terminal if parent is not None else None

    async def _fill(self) -> None:
        if self._parent is not None:
            self._data += await self._parent.read()
            self._parent = None
        if self._reader is not None:
            self._data += await self._reader()
            self._reader = None

    def _take(self, end: int) -> bytes:
        out = self._data[self._pos:end]
        self._pos = end
        return out

    async def read(self) -> bytes:
        if self._stream is not None:
            # A terminal's ^D ends this read only: the stream stays for the next reader.
            rest = self._take(len(self._data))
            return rest + await self._stream.read()
        await self._fill()
        return self._take(len(self._data))

    async def readline(self) -> bytes:
        if self._stream is not None:
            while self._data.find(b"\n", self._pos) < 0:
                chunk = await self._stream.read_chunk()
                if not chunk:
                    break
                self._data = self._data[self._pos:] + chunk
                self._pos = 0
        else:
            await self._fill()
        end = self._data.find(b"\n", self._pos)
        return self._take(len(self._data) if end < 0 else end + 1)


def wrap_stdin(stdin: Stdin) -> ConsumableStdin:
    if isinstance(stdin, ConsumableStdin):
        return stdin
    return ConsumableStdin(parent=stdin)


def _inside(real: str, roots: list[Path]) -> bool:
    for r in roots:
        rr = os.path.realpath(r)
        if real == rr or real.startswith(rr.rstrip(os.sep) + os.sep):
            return True
    return False


def hpath(proc: Proc, path: str) -> Path:
    """Host path of a container path; refuses (EACCES) anything a host symlink would take
    outside the pod root and its volume mounts."""
    fs = proc.host.fs
    p = fs.host_path(path, proc.cwd)
    real = os.path.realpath(p)
    roots = [fs.root, *fs.mounts.values()]
    if not _inside(real, roots):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    return p


def cpath(proc: Proc, path: str) -> str:
    """Normalized absolute container path."""
    return proc.host.fs.normalize(path, proc.cwd)


def is_mount_point(proc: Proc, path: str) -> bool:
    norm = cpath(proc, path)
    return norm == "/" or norm in proc.host.fs.mounts


def strerror(e: OSError) -> str:
    if e.errno is not None:
        return os.strerror(e.errno)
    return str(e)


def stamp(proc: Proc, host: Path) -> None:
    """Set a file's mtime to the simulated clock (files the shell writes look like sim time)."""
    try:
        t = proc.host.clock.now()
        os.utime(host, (t, t), follow_symlinks=False)
    except OSError:
        pass


class UsageError(Exception):
    pass


def getopt(argv: list[str], flags: str = "", with_arg: str = "",
           long: dict[str, str] | None = None, long_arg: set[str] | None = None,
           numeric_short: bool = False) -> tuple[list[tuple[str, str]], list[str]]:
    """GNU-style option parsing with permutation. Returns ([(opt, value)], operands).

    `long` maps a long name to a short letter (or to itself); `long_arg` names long options
    taking a value. Raises UsageError with GNU's message.
    """
    long = long or {}
    long_arg = long_arg or set()
    opts: list[tuple[str, str]] = []
    operands: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            operands.extend(argv[i + 1:])
            break
        if a.startswith("--") and len(a) > 2:
            name, eq, val = a[2:].partition("=")
            matches = [k for k in long if k == name] or [k for k in long if k.startswith(name)]
            if len(matches) != 1:
                if len(matches) > 1:
                    raise UsageError(f"option '--{name}' is ambiguous")
                raise UsageError(f"unrecognized option '{a}'")
            key = matches[0]
            if key in long_arg:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        raise UsageError(f"option '--{key}' requires an argument")
                    val = argv[i]
                opts.append((long[key], val))
            else:
                if eq:
                    raise UsageError(f"option '--{key}' doesn't allow an argument")
                opts.append((long[key], ""))
            i += 1
            continue
        if a.startswith("-") and len(a) > 1:
            if numeric_short and a[1:].isdigit():
                opts.append(("#", a[1:]))
                i += 1
                continue
            j = 1
            while j < len(a):
                c = a[j]
                if c in with_arg:
                    val = a[j + 1:]
                    if not val:
                        i += 1
                        if i >= len(argv):
                            raise UsageError(f"option requires an argument -- '{c}'")
                        val = argv[i]
                    opts.append((c, val))
                    break
                if c in flags:
                    opts.append((c, ""))
                    j += 1
                    continue
                raise UsageError(f"invalid option -- '{c}'")
            i += 1
            continue
        operands.append(a)
        i += 1
    return opts, operands


async def usage(proc: Proc, prog: str, msg: str, status: int = 1) -> int:
    await proc.err(f"{prog}: {msg}\nTry '{prog} --help' for more information.\n")
    return status


def prog_prefix(prefix: str | None, prog: str) -> str:
    """`PROG: `, after the shell's `NAME: line N: ` when a builtin runs it."""
    return f"{prefix}{prog}: " if prefix else f"{prog}: "


def enc(s: str) -> bytes:
    return s.encode(errors="surrogateescape")
