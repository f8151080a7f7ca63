"""Running an argv in a pod as an exec would: a shell, one of the programs, `flux` on $PATH, a script.

The top of the shell package: the interpreter gets `run_program` passed in (Shell(runner=...)), so
nothing below imports back up here.
"""

from __future__ import annotations

import os

from ..proc import CommandNotFound, Proc
from .common import hpath, wrap_stdin
from .programs import BIN_DIRS, PROGRAMS, find_on_path
from .shellmain import run_shell

SHELLS = {"bash", "sh"}


def _script_interpreter(proc: Proc, path: str) -> str | None:
    """'bash' if `path` is an executable `#!...sh` script in the pod fs."""
    try:
        p = hpath(proc, path)
        if not p.is_file() or not os.stat(p).st_mode & 0o111:
            return None
        with open(p, "rb") as fh:
            first = fh.readline(200)
    except OSError:
        return None
    if first.startswith(b"#!") and (b"sh" in first.split(b"/")[-1] or b"bash" in first):
        return "bash"
    return None


async def run_program(proc: Proc) -> int:
    """Run proc.argv in proc.host as an exec would; raises CommandNotFound for unknown programs."""
    if not proc.argv:
        raise CommandNotFound("")
    prog = proc.argv[0]
    base = prog.rsplit("/", 1)[-1]
    if "/" in prog:
        directory = proc.host.fs.normalize(prog.rsplit("/", 1)[0] or "/", proc.cwd)
        builtin_dir = directory in BIN_DIRS
    else:
        builtin_dir = True
    if builtin_dir and base in SHELLS:
        return await run_shell(proc, run_program)
    if builtin_dir and base in PROGRAMS:
        proc = proc.child(proc.argv, stdin=wrap_stdin(proc.stdin))
        return await PROGRAMS[base](proc)
    if base == "flux" and proc.host.flux is not None:
        found = find_on_path(proc, "flux") if "/" not in prog else (
            prog if hpath(proc, prog).is_file() else None)
        if found:
            return await proc.host.flux(proc.child(["flux", *proc.argv[1:]]))
    path = prog if "/" in prog else find_on_path(proc, prog)
    if path and _script_interpreter(proc, path):
        return await run_shell(proc.child(["bash", path, *proc.argv[1:]]), run_program)
    raise CommandNotFound(prog)
