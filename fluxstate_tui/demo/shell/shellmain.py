"""`bash`/`sh` as a program: -c SCRIPT [NAME [ARGS]], FILE [ARGS], or commands on stdin (a prompt
when stdin is a terminal or with -i: see interactive.py)."""

from __future__ import annotations

from ..proc import Proc
from .builtins import SHELL_BUILTINS, apply_set_flags
from .common import hpath, strerror
from .control import make_io
from .interactive import run_stdin, startup_files
from .interp import Runner, Shell


async def run_shell(proc: Proc, runner: Runner) -> int:
    """`runner` runs the external commands of the script (the launcher passes its run_program)."""
    argv = proc.argv
    name = argv[0]
    args = argv[1:]
    command = None
    set_flags: list[str] = []
    modes: set[str] = set()     # i (interactive), l (login), s (script on stdin), norc
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--norc", "--noprofile", "--login", "--posix", "--noediting"):
            modes |= {"--norc": {"norc"}, "--login": {"l"}}.get(a, set())
            i += 1
            continue
        if a == "--":
            i += 1
            break
        if a in ("-o", "+o") and i + 1 < len(args):
            set_flags += [a, args[i + 1]]
            i += 2
            continue
        if a.startswith("-") and len(a) > 1 and not a.startswith("--"):
            for c in a[1:]:
                if c == "c":
                    command = ""
                elif c in "ils":
                    modes.add(c)
                elif c in "euxf":
                    set_flags.append("-" + c)
            i += 1
            continue
        break
    rest = args[i:]
    io = make_io(proc)
    if command is not None:
        if not rest:
            await proc.err(f"{name}: -c: option requires an argument\n")
            return 2
        src = rest[0]
        zero = rest[1] if len(rest) > 1 else name
        sh = Shell(proc, name=zero, params=rest[2:], errname=zero, builtins=SHELL_BUILTINS, runner=runner)
        apply_set_flags(sh, set_flags)
        return await sh.run_top(src, io, where="-c: ")
    if rest and "s" not in modes:
        script = rest[0]
        try:
            p = hpath(proc, script)
            if p.is_dir():
                await proc.err(f"{name}: {script}: Is a directory\n")
                return 126
            data = p.read_bytes()
        except OSError as e:
            await proc.err(f"{name}: {script}: {strerror(e)}\n")
            return 127
        sh = Shell(proc, name=script, params=rest[1:], errname=script, builtins=SHELL_BUILTINS, runner=runner)
        apply_set_flags(sh, set_flags)
        return await sh.run_top(data.decode(errors="surrogateescape"), io)
    sh = Shell(proc, name=name, params=rest, errname=name, builtins=SHELL_BUILTINS, runner=runner)
    apply_set_flags(sh, set_flags)
    # bash is interactive when asked (-i) or when its stdin is a terminal
    interactive = "i" in modes or io.stdin.terminal is not None
    return await run_stdin(sh, io, interactive, startup_files(name, "l" in modes, "norc" in modes))
