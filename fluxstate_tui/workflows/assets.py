"""Level 3 of the State tutorial: carry filesystem assets with the queue.

A Flux dump holds the KVS only, not the files jobs wrote. The assets are paths in the broker pod;
a dump packs them into `<archive stem>.assets.tar.gz` beside the Flux archive, with a manifest
(path, size, sha256 of every file), verified and versioned like the Flux archive. A recreate
unpacks them into the new broker pod and checks every checksum before the queue starts.
Paths already on a volume of the MiniCluster survive a recreate by themselves and are not copied.
"""

from __future__ import annotations

import json
import posixpath
import shlex
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..kube.broker import Broker
from ..kube.resources import GVP, MiniCluster
from .events import Event, Progress, Refused, WorkflowError, quiet
from .pod import install, shell, split_archive, temp_name

ANNOTATION = "fluxstate-tui/assets"
MANIFEST = "fluxstate-assets-manifest.json"
STAGING = "/tmp/.fluxstate-assets"
FILE_WORK = 600.0  # seconds for commands that read or write every asset file


def assets_path(archive: str) -> str:
    directory, stem, _ = split_archive(archive)
    return posixpath.join(directory, f"{stem}.assets.tar.gz")


def annotated(mc: MiniCluster) -> list[str]:
    text = ((mc.raw.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION, "")
    return [p.strip() for p in text.split(",") if p.strip()]


async def set_annotation(kube, mc: MiniCluster, paths: list[str]) -> str:
    """Remember asset paths on the MiniCluster itself (merge patch of one annotation)."""
    clean = requested_paths(paths)
    value = ",".join(clean) if clean else None
    await kube.call(kube.custom.patch_namespaced_custom_object(
        namespace=mc.namespace, name=mc.name, body={"metadata": {"annotations": {ANNOTATION: value}}}, **GVP),
        verb="patch", resource="miniclusters", namespace=mc.namespace, name=mc.name)
    return (f"{mc.name} carries {', '.join(clean)} on every dump and recreate" if clean
            else f"{mc.name} carries no filesystem assets")


def requested(mc: MiniCluster, extra: Iterable[str] = (), use_annotation: bool = True) -> list[str]:
    """Asset paths from the MiniCluster's annotation plus the ones given now, normalized, in order."""
    return requested_paths([*(annotated(mc) if use_annotation else []), *extra])


def requested_paths(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in paths:
        path = raw.strip()
        if not path:
            continue
        if not path.startswith("/"):
            raise Refused(f"asset path {path!r} must be absolute (a path in the broker pod)")
        norm = posixpath.normpath(path)
        if norm == "/":
            raise Refused("the whole filesystem (/) cannot be an asset")
        if norm not in out:
            out.append(norm)
    return out


def split_on_volumes(mc: MiniCluster, paths: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """(paths to pack, [(path, volume name)] that live on a volume already)."""
    to_pack, on_volume = [], []
    for p in paths:
        vol = mc.volume_of(p)
        if vol is None or vol.source == "emptyDir":
            to_pack.append(p)
        else:
            on_volume.append((p, vol.name))
    return to_pack, on_volume


@dataclass
class AssetsResult:
    path: str | None
    files: int = 0
    size: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


async def _checksums(broker: Broker, files: list[str]) -> dict[str, tuple[int, str]]:
    """{path: (size, sha256)} for files in the pod."""
    if not files:
        return {}
    quoted = " ".join(shlex.quote(f) for f in files)
    rc, out, err = await shell(broker, f"stat -c '%s %n' {quoted} && echo '@@sums' && sha256sum {quoted}", FILE_WORK)
    if rc != 0:
        raise WorkflowError(f"could not read the asset files: {err.strip().splitlines()[-1] if err.strip() else rc}",
                            step="assets")
    sizes_text, _, sums_text = out.partition("@@sums\n")
    sizes = {}
    for line in sizes_text.splitlines():
        size, _, name = line.partition(" ")
        sizes[name] = int(size)
    sums = {}
    for line in sums_text.splitlines():
        digest, _, name = line.partition("  ")
        if digest.startswith("\\"):
            # sha256sum marks a name holding a backslash or a newline with a leading "\" and escapes it
            digest, name = digest[1:], _unescape_sum_name(name)
        sums[name] = digest
    unread = [f for f in files if f not in sizes or f not in sums]
    if unread:
        raise WorkflowError(f"could not read the checksum of {len(unread)} asset file(s), e.g. {unread[0]!r}",
                            step="assets")
    return {f: (sizes[f], sums[f]) for f in files}


def _unescape_sum_name(name: str) -> str:
    out, i = [], 0
    while i < len(name):
        if name[i] == "\\" and i + 1 < len(name):
            out.append({"\\": "\\", "n": "\n", "r": "\r"}.get(name[i + 1], name[i + 1]))
            i += 2
        else:
            out.append(name[i])
            i += 1
    return "".join(out)


async def pack(broker: Broker, mc: MiniCluster, paths: list[str], archive: str, *, keep: int = 3,
               progress: Progress | None = None) -> AssetsResult:
    """Pack the asset paths into the assets archive beside `archive`, atomically and verified."""
    emit = progress or quiet
    to_pack, skipped = split_on_volumes(mc, paths)
    for path, vol in skipped:
        emit(Event("log", f"{path} is on volume {vol} already: it survives a recreate, no copy needed"))
    target = assets_path(archive)
    result = AssetsResult(target, skipped=skipped)
    if not to_pack:
        return result
    quoted_paths = " ".join(shlex.quote(p) for p in to_pack)
    rc, out, err = await shell(broker, f"for p in {quoted_paths}; do test -e \"$p\" || echo \"missing $p\"; done; "
                                     f"find {quoted_paths} -type f", FILE_WORK)
    missing = [line[len("missing "):] for line in out.splitlines() if line.startswith("missing ")]
    if missing:
        raise Refused(f"asset path(s) not found in the broker pod: {', '.join(missing)}")
    files = sorted({line for line in out.splitlines() if line.startswith("/")})
    sums = await _checksums(broker, files)
    manifest = {"version": 1, "created": time.time(), "minicluster": mc.name, "paths": to_pack,
                "files": [{"path": f, "size": sums[f][0], "sha256": sums[f][1]} for f in files]}
    tmp = temp_name(target)
    rels = " ".join(shlex.quote(p.lstrip("/")) for p in to_pack)
    q_tmp = shlex.quote(tmp)
    emit(Event("log", f"packing {len(files)} file(s) from {', '.join(to_pack)} into {target}"))
    rc, _, err = await shell(broker, (
        f"mkdir -p {STAGING} && printf %s {shlex.quote(json.dumps(manifest))} > {STAGING}/{MANIFEST} && "
        f"tar -czf {q_tmp} -C {STAGING} {MANIFEST} -C / {rels}; rc=$?; rm -rf {STAGING}; exit $rc"), FILE_WORK)
    if rc != 0:
        await shell(broker, f"rm -f {q_tmp}")
        raise WorkflowError(f"packing the assets failed: {err.strip()}; {target} is untouched", step="assets")
    rc, out, err = await shell(broker, f"stat -c %s {q_tmp} && tar -tzf {q_tmp}", FILE_WORK)
    lines = out.splitlines()
    listed = {"/" + n.rstrip("/") for n in lines[1:]}
    lost = [f for f in files if f not in listed]
    if rc != 0 or MANIFEST not in (n for n in lines[1:]) or lost:
        await shell(broker, f"rm -f {q_tmp}")
        raise WorkflowError(f"the assets archive did not verify ({len(lost)} file(s) missing from it); "
                            f"{target} is untouched", step="assets")
    result.size = int(lines[0]) if lines and lines[0].isdigit() else 0
    result.files = len(files)
    await install(broker, tmp, target, keep, emit, step="assets")
    return result


async def unpack(broker: Broker, archive: str, *, progress: Progress | None = None) -> str:
    """Unpack the assets archive into the pod and check every file against the manifest."""
    emit = progress or quiet
    q = shlex.quote(archive)
    rc, out, err = await shell(broker, f"test -e {q} || echo missing")
    if out.strip() == "missing":
        raise WorkflowError(f"the assets archive {archive} is gone; the queue stays stopped", step="restore assets")
    rc, out, err = await shell(broker, f"mkdir -p {STAGING} && tar -xzf {q} -C {STAGING} {MANIFEST} && "
                                     f"cat {STAGING}/{MANIFEST}; rc=$?; rm -rf {STAGING}; exit $rc")
    if rc != 0:
        raise WorkflowError(f"the assets archive {archive} is unreadable ({err.strip() or 'tar failed'}); "
                            "nothing was unpacked and the queue stays stopped", step="restore assets")
    try:
        manifest = json.loads(out)
        files = {f["path"]: (int(f["size"]), str(f["sha256"])) for f in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkflowError(f"the manifest in {archive} is damaged ({exc}); the queue stays stopped",
                            step="restore assets") from exc
    rels = " ".join(shlex.quote(p.lstrip("/")) for p in manifest.get("paths", []))
    emit(Event("log", f"unpacking {len(files)} file(s) into {', '.join(manifest.get('paths', []))}"))
    rc, _, err = await shell(broker, f"tar -xzf {q} -C / {rels}", FILE_WORK)
    if rc != 0:
        raise WorkflowError(f"unpacking {archive} failed ({err.strip()}); the queue stays stopped",
                            step="restore assets")
    now = await _checksums(broker, sorted(files))
    differ = [p for p, (size, digest) in files.items() if now.get(p) != (size, digest)]
    if differ:
        shown = ", ".join(differ[:5]) + (" ..." if len(differ) > 5 else "")
        raise WorkflowError(f"{len(differ)} asset file(s) differ from the manifest after unpacking: {shown}; "
                            "the queue stays stopped", step="restore assets")
    return f"{len(files)} asset file(s) restored and verified"
