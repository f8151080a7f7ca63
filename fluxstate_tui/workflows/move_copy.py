"""Carry one file from a pod of one cluster into a volume of another, through the Kubernetes API only.

The bytes leave the source pod through an exec of `cat PATH` (stdout, binary) and enter the
destination through an exec of `head -c SIZE > TMP` (stdin) in a short-lived helper pod that mounts
the destination's volume at the same path as the MiniCluster will. Nothing but the two API servers
is shared, so this works between two clusters. The sha256 is taken three times: in the source pod
before the copy, of the bytes as they pass through this process, and in the helper pod after; the
file is renamed over its target (any older file kept as a version, pod.install) only when all three
agree, and the target is summed once more after the rename.

Why `head -c SIZE`: on a v4-only API server an exec's stdin cannot be closed, so the command must
stop by itself after the bytes it expects (kube/execution.py `exec_stream`).
"""

from __future__ import annotations

import asyncio
import hashlib
import posixpath
import shlex
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import KubeError, NotFound
from ..kube.execution import DEFAULT_TIMEOUT, ExecResult, exec_pod, exec_stream
from .events import Event, Progress, Refused, WorkflowError
from .pod import install, remove_stale_temps, shell, split_archive, temp_name

HELPER_CONTAINER = "copy"
HELPER_LIFETIME = 3600  # seconds: a helper left behind by a killed move ends by itself
HELPER_START = 300.0
POLL = 0.5
QUEUE_CHUNKS = 16  # chunks in flight between the two execs (64 KiB frames): bounded memory


@dataclass
class FileSum:
    size: int
    sha256: str


class PodShell(Broker):
    """A pod that is not a broker (the helper), run through the same shell helpers as a broker."""

    def __init__(self, kube: KubeClient, namespace: str, pod: str, container: str) -> None:
        self.kube, self.namespace, self.name, self.container = kube, namespace, pod, container

    async def exec(self, argv: list[str], timeout: float = DEFAULT_TIMEOUT, *,
                   stdout: Callable[[bytes], Awaitable[None]] | None = None) -> ExecResult:
        if stdout is not None:
            return await exec_stream(self.kube, self.namespace, self.name, self.container, argv, stdout=stdout,
                                     timeout=timeout)
        return await exec_pod(self.kube, self.namespace, self.name, self.container, argv, timeout)


async def file_sum(target: Broker, path: str) -> FileSum | None:
    """Size and sha256 of a file in a pod; None if it is not there."""
    q = shlex.quote(path)
    rc, out, _ = await shell(target, f"test -f {q} && stat -c %s {q} && sha256sum {q}", timeout=600)
    lines = out.split("\n")
    if rc != 0 or len(lines) < 2 or not lines[0].strip().isdigit():
        return None
    return FileSum(int(lines[0]), lines[1].split()[0])


def helper_name(dest: str) -> str:
    return f"{dest}-fluxstate-copy"[:63].rstrip("-")


def helper_pod(dest: str, namespace: str, image: str, volume: dict, mount: str, vol_name: str) -> dict:
    """A pod that only sleeps, with the destination's archive volume mounted where its broker mounts it;
    the MiniCluster's own image, which the workflows already need to have bash, tar and sha256sum."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": helper_name(dest), "namespace": namespace,
                     "labels": {"app.kubernetes.io/managed-by": "fluxstate-tui", "fluxstate-tui/move-to": dest}},
        "spec": {"restartPolicy": "Never", "activeDeadlineSeconds": HELPER_LIFETIME,
                 "containers": [{"name": HELPER_CONTAINER, "image": image,
                                 "command": ["sleep", str(HELPER_LIFETIME)],
                                 "volumeMounts": [{"name": vol_name, "mountPath": mount}]}],
                 "volumes": [{"name": vol_name, **volume}]},
    }


def pod_volume(spec_volume: dict) -> dict:
    """The pod volume the Flux Operator makes of a container volume (controllers/flux/volumes.go)."""
    if spec_volume.get("hostPath"):
        return {"hostPath": {"path": spec_volume["hostPath"], "type": "Directory"}}
    if spec_volume.get("claimName"):
        return {"persistentVolumeClaim": {"claimName": spec_volume["claimName"]}}
    raise Refused(f"the archive volume is neither a hostPath nor a claim ({sorted(spec_volume)}): the archive "
                  "cannot be carried into it")


async def start_helper(kube: KubeClient, body: dict, emit: Progress, step: str) -> PodShell:
    """Create the helper (a leftover of a killed run is removed first) and wait until it runs."""
    ns, name = body["metadata"]["namespace"], body["metadata"]["name"]
    await stop_helper(kube, ns, name, emit, step)
    # The client validates a dict into its V1Pod model as it does a V1Pod (its stubs say only V1Pod).
    await kube.call(kube.core.create_namespaced_pod(ns, cast(Any, body)), verb="create", resource="pods",
                    namespace=ns)
    start = time.monotonic()
    while True:
        pod = await kube.call(kube.core.read_namespaced_pod(name, ns), verb="get", resource="pods",
                              namespace=ns, name=name)
        phase = pod.status.phase if pod.status else None
        if phase == "Running":
            return PodShell(kube, ns, name, HELPER_CONTAINER)
        if phase in ("Failed", "Succeeded") or time.monotonic() - start > HELPER_START:
            await stop_helper(kube, ns, name, emit, step)
            raise WorkflowError(f"the helper pod {ns}/{name} that mounts the destination's archive volume did not "
                                f"start (phase {phase}); check its events, then run the move again", step=step)
        emit(Event("progress", f"waiting for the helper pod {name} ({phase or 'Pending'})", step=step))
        await asyncio.sleep(POLL)


async def stop_helper(kube: KubeClient, namespace: str, name: str, emit: Progress, step: str) -> None:
    """Delete the helper and wait until it is gone: a ReadWriteOnce claim is free for the broker only then."""
    try:
        await kube.call(kube.core.delete_namespaced_pod(name, namespace, grace_period_seconds=0),
                        verb="delete", resource="pods", namespace=namespace, name=name)
    except NotFound:
        return
    start = time.monotonic()
    while time.monotonic() - start < HELPER_START:
        try:
            await kube.call(kube.core.read_namespaced_pod(name, namespace), verb="get", resource="pods",
                            namespace=namespace, name=name)
        except NotFound:
            return
        emit(Event("progress", f"waiting for the helper pod {name} to go", step=step))
        await asyncio.sleep(POLL)
    raise WorkflowError(f"the helper pod {namespace}/{name} is still there after {HELPER_START:g}s", step=step)


async def copy_file(src: Broker, src_path: str, dst: PodShell, dst_path: str, want: FileSum, *, keep: int,
                    emit: Progress, step: str) -> str:
    """Stream src_path out of `src` into dst_path in `dst`, checked at both ends; the line to report."""
    now = await file_sum(src, src_path)
    if now != want:
        raise WorkflowError(f"{src_path} in the source changed since it was dumped ({now} != {want}): nothing is "
                            "copied", step=step)
    if await file_sum(dst, dst_path) == want:
        # The destination mounts the very storage the source wrote to (the same hostPath on one node, the
        # same claim), or a killed run installed it before it could say so: nothing to carry.
        return f"{posixpath.basename(dst_path)}: already there, {want.size} bytes, sha256 {want.sha256[:12]}… as dumped"
    directory, stem, _ = split_archive(dst_path)
    await shell(dst, f"mkdir -p {shlex.quote(directory)}")
    await remove_stale_temps(dst, directory, stem, emit)
    tmp = temp_name(dst_path)
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_CHUNKS)
    digest = hashlib.sha256()
    moved = 0

    async def put(chunk: bytes) -> None:
        await queue.put(chunk)

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal moved
        while (chunk := await queue.get()) is not None:
            digest.update(chunk)
            moved += len(chunk)
            emit(Event("progress", f"{moved} of {want.size} bytes", step=step, fraction=moved / max(1, want.size)))
            yield chunk

    async def produce() -> ExecResult:
        try:
            pod = await src.pod()
            return await exec_stream(src.kube, src.mc.namespace, pod.name, src.mc.container, ["cat", src_path],
                                     stdout=put, timeout=600 + want.size / 1e6)
        finally:
            await queue.put(None)

    q_tmp = shlex.quote(tmp)
    timeout = 600 + want.size / 1e6
    try:
        sent, got = await asyncio.gather(produce(), exec_stream(
            dst.kube, dst.namespace, dst.name, dst.container,
            ["/bin/bash", "-c", f"head -c {want.size} > {q_tmp} && stat -c %s {q_tmp} && sha256sum {q_tmp}"],
            stdin=chunks(), timeout=timeout))
    except KubeError as exc:
        await shell(dst, f"rm -f {q_tmp}")
        raise WorkflowError(f"copying {src_path} failed ({exc.message}); run the move again", step=step) from exc
    lines = got.stdout.split("\n")
    there = FileSum(int(lines[0]), lines[1].split()[0]) if got.returncode == 0 and len(lines) > 1 \
        and lines[0].isdigit() and lines[1].split() else None
    passed = FileSum(moved, digest.hexdigest())
    if sent.returncode != 0 or passed != want or there != want:
        await shell(dst, f"rm -f {q_tmp}")
        why = sent.stderr.strip() or got.stderr.strip()
        raise WorkflowError(f"the copy of {src_path} did not verify (source {want.sha256[:12]}…, {want.size} bytes; "
                            f"carried {passed.size} bytes; destination {there}; {why}); nothing was installed: run "
                            "the move again", step=step)
    kept = await install(dst, tmp, dst_path, keep, emit, step=step)
    if await file_sum(dst, dst_path) != want:
        raise WorkflowError(f"{dst_path} at the destination differs from the source after the rename", step=step)
    text = f"{posixpath.basename(dst_path)}: {want.size} bytes, sha256 {want.sha256[:12]}… at both ends"
    return text + (f" (the destination's previous file kept as {kept[-1]})" if kept else "")
