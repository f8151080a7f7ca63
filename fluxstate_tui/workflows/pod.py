"""Files in the broker pod, through its shell: what dump, archive and the assets share.

An archive path's extension picks Flux's format (`split_archive`); a new file is written under a
hidden temporary name beside its target (`temp_name`), verified, then renamed over it with the
previous file kept as a timestamped version (`install`). Paths are always quoted (shlex) before
they reach the pod's shell.
"""

from __future__ import annotations

import posixpath
import re
import shlex
import time

from ..kube.broker import Broker
from .events import Event, Progress, Refused, WorkflowError

ARCHIVE_EXTS = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
TAR_FLAG = {".tar.gz": "z", ".tgz": "z", ".tar.bz2": "j", ".tar.xz": "J", ".tar": ""}
VERSION_RE = r"-\d{8}T\d{6}Z"


def split_archive(path: str) -> tuple[str, str, str]:
    """(directory, stem, extension) of an archive path; the extension picks Flux's format."""
    directory, base = posixpath.split(path)
    for ext in ARCHIVE_EXTS:
        if base.endswith(ext) and len(base) > len(ext):
            return directory or "/", base[: -len(ext)], ext
    raise Refused(f"archive path {path} has no archive extension flux dump knows ({', '.join(ARCHIVE_EXTS)})")


async def shell(broker: Broker, script: str, timeout: float = 60) -> tuple[int, str, str]:
    result = await broker.exec(["/bin/bash", "-c", script], timeout)
    return result.returncode, result.stdout, result.stderr


def _temp_pattern(stem: str) -> re.Pattern[str]:
    """The names temp_name() gives beside an archive (and beside its assets archive)."""
    return re.compile(r"\." + re.escape(stem) + r"(\.assets)?\.fluxstate-\d{8}T\d{6}Z\.[a-z.]+$")


async def remove_stale_temps(broker: Broker, directory: str, stem: str, emit: Progress) -> None:
    """A run that was killed mid-dump leaves its hidden temporary file beside the archive; the next
    run removes it (one workflow per MiniCluster runs at a time, so none of them is in use)."""
    rc, out, _ = await shell(broker, f"ls -1a {shlex.quote(directory)}")
    pattern = _temp_pattern(stem)
    for name in (n.strip() for n in out.split("\n")):
        if pattern.match(name):
            await shell(broker, f"rm -f {shlex.quote(posixpath.join(directory, name))}")
            emit(Event("log", f"removed {posixpath.join(directory, name)}, left by an interrupted dump"))


def temp_name(target: str) -> str:
    """A hidden name beside `target` with the same extension (flux dump picks the format from it)."""
    directory, stem, ext = split_archive(target)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return posixpath.join(directory, f".{stem}.fluxstate-{stamp}{ext}")


async def install(broker: Broker, tmp: str, target: str, keep: int, emit: Progress, step: str) -> list[str]:
    """Rename a verified `tmp` over `target`, keeping the previous file as a timestamped version
    (the newest `keep` of them). Returns the version made, if any."""
    directory, stem, ext = split_archive(target)
    q_tmp, q_target = shlex.quote(tmp), shlex.quote(target)
    kept: list[str] = []
    rc, out, _ = await shell(broker, f"test -e {q_target} && stat -c %Y {q_target}")
    if rc == 0 and out.strip():
        old_stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(float(out.split()[0])))
        version = posixpath.join(directory, f"{stem}-{old_stamp}{ext}")
        # Copy, not move: the target always holds a complete file, even if we die here.
        rc, _, err = await shell(broker, f"cp {q_target} {shlex.quote(version)}", timeout=600)
        if rc != 0:
            await shell(broker, f"rm -f {q_tmp}")
            raise WorkflowError(f"could not keep the previous {target} as {version}: {err.strip()}", step=step)
        kept.append(version)
    rc, _, err = await shell(broker, f"mv -f {q_tmp} {q_target}")
    if rc != 0:
        raise WorkflowError(f"could not rename the new file over {target}: {err.strip()} (it is at {tmp})", step=step)
    await prune_versions(broker, directory, stem, ext, keep, emit)
    return kept


async def list_versions(broker: Broker, directory: str, stem: str, ext: str) -> list[str]:
    rc, out, _ = await shell(broker, f"ls -1 {shlex.quote(directory)}")
    pattern = re.compile(re.escape(stem) + VERSION_RE + re.escape(ext) + "$")
    return sorted(posixpath.join(directory, n) for n in out.split("\n") if pattern.match(n.strip()))


async def prune_versions(broker: Broker, directory: str, stem: str, ext: str, keep: int, emit: Progress) -> None:
    versions = await list_versions(broker, directory, stem, ext)
    for old in versions[: max(0, len(versions) - keep)]:
        await shell(broker, f"rm -f {shlex.quote(old)}")
        emit(Event("log", f"removed old archive version {old} (keeping {keep})"))
