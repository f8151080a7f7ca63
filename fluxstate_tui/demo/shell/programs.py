"""The pod's programs by name, and where a name is found on $PATH; no shell here (see launcher)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..proc import Proc
from . import archive_cmds, checksums, fileops, filters, listing, paths, printcmds, sysutils, testcmd, textutils
from .common import hpath

Program = Callable[[Proc], Awaitable[int]]

PROGRAMS: dict[str, Program] = {
    "echo": printcmds.echo, "printf": printcmds.printf, "test": testcmd.test, "[": testcmd.test,
    "true": testcmd.true, "false": testcmd.false, "cat": textutils.cat, "head": textutils.head,
    "tail": textutils.tail, "wc": textutils.wc, "grep": filters.grep, "sort": filters.sort,
    "uniq": filters.uniq, "tee": textutils.tee, "tr": filters.tr, "cut": filters.cut,
    "seq": textutils.seq,
    "ls": listing.ls, "mkdir": fileops.mkdir, "rm": fileops.rm, "rmdir": fileops.rmdir,
    "mv": fileops.mv, "cp": fileops.cp, "touch": fileops.touch, "chmod": fileops.chmod,
    "stat": listing.stat, "sha256sum": checksums.sha256sum, "sha1sum": checksums.sha256sum,
    "md5sum": checksums.sha256sum, "sha512sum": checksums.sha256sum, "find": listing.find,
    "basename": paths.basename, "dirname": paths.dirname, "realpath": paths.realpath,
    "hostname": sysutils.hostname, "whoami": sysutils.whoami, "id": sysutils.id_,
    "pwd": paths.pwd, "env": sysutils.env, "date": sysutils.date, "uname": sysutils.uname,
    "sleep": sysutils.sleep, "xargs": sysutils.xargs,
    "tar": archive_cmds.tar,
}

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
