"""Program lookup for the pod: shells, coreutils-like programs, `flux` on $PATH, shell scripts."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

from ..proc import CommandNotFound, Proc
from . import archive_cmds, coreutils, textutils
from .common import hpath, wrap_stdin

Program = Callable[[Proc], Awaitable[int]]

PROGRAMS: dict[str, Program] = {
    "echo": textutils.echo, "printf": textutils.printf, "test": textutils.test, "[": textutils.test,
    "true": textutils.true, "false": textutils.false, "cat": textutils.cat, "head": textutils.head,
    "tail": textutils.tail, "wc": textutils.wc, "grep": textutils.grep, "sort": textutils.sort,
    "uniq": textutils.uniq, "tee": textutils.tee, "tr": textutils.tr, "cut": textutils.cut,
    "seq": textutils.seq,
    "ls": coreutils.ls, "mkdir": coreutils.mkdir, "rm": coreutils.rm, "rmdir": coreutils.rmdir,
    "mv": coreutils.mv, "cp": coreutils.cp, "touch": coreutils.touch, "chmod": coreutils.chmod,
    "stat": coreutils.stat, "sha256sum": coreutils.sha256sum, "sha1sum": coreutils.sha256sum,
    "md5sum": coreutils.sha256sum, "sha512sum": coreutils.sha256sum, "find": coreutils.find,
    "basename": coreutils.basename, "dirname": coreutils.dirname, "realpath": coreutils.realpath,
    "hostname": coreutils.hostname, "whoami": coreutils.whoami, "id": coreutils.id_,
    "pwd": coreutils.pwd, "env": coreutils.env, "date": coreutils.date, "uname": coreutils.uname,
    "sleep": coreutils.sleep, "xargs": coreutils.xargs,
    "tar": archive_cmds.tar,
}

SHELLS = {"bash", "sh"}
BIN_DIRS = ("/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin", "/usr/local/sbin")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def find_on_path(proc: Proc, name: str) -> str | None:
    """Container path of a regular file `name` in a $PATH directory of the pod fs."""
    for d in (proc.env.get("PATH") or DEFAULT_PATH).split(":"):
        if not d:
            d = "."
        cand = d.rstrip("/") + "/" + name
        try:
            if hpath(proc, cand).is_file():
                return proc.host.fs.normalize(cand, proc.cwd)
        except OSError:
            continue
    return None


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
        from .shellmain import run_shell
        return await run_shell(proc)
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
        from .shellmain import run_shell
        return await run_shell(proc.child(["bash", path, *proc.argv[1:]]))
    raise CommandNotFound(prog)
