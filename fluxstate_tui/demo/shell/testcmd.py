"""test / [ (also the shell's builtin), true and false."""

from __future__ import annotations

import os
import stat as stat_mod

from ..proc import Proc
from .common import hpath, prog_prefix


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
                return binop(t, nxt, take())
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
            await proc.err(f"{prog_prefix(prefix, '[')}missing `]'\n")
            return 2
        args = args[:-1]
    try:
        return 0 if _test_eval(proc, args) else 1
    except _TestError as e:
        await proc.err(f"{prog_prefix(prefix, name)}{e}\n")
        return 2


async def true(proc: Proc, prefix: str | None = None) -> int:
    return 0


async def false(proc: Proc, prefix: str | None = None) -> int:
    return 1
