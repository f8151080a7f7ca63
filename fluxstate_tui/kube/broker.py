"""Running Flux commands in a MiniCluster's broker pod."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from ..flux import commands as fc
from ..flux.detail import JobDetail, detail_script, parse_detail
from ..flux.model import Job
from ..flux.snapshot import ALL_SECTIONS, JobIndex, Snapshot, SnapshotReader, build_script, new_nonce
from .client import KubeClient
from .errors import BrokerNotReady, FluxCommandFailed, KubeError, NotFound
from .execution import DEFAULT_TIMEOUT, ExecResult, exec_pod, exec_stream
from .resources import MiniCluster, Pod, find_broker

# What a pod prints when Flux is not (yet) there to talk to.
NOT_READY = re.compile(
    r"Unable to connect to Flux|flux_open|flux-proxy: ERROR|flux-view\.sh: No such file|"
    r"flux: command not found|broker socket .* was not found")

FEED_PIECE = 32 << 10
"""Bytes of a listing parsed between two turns of the event loop (some 200 rows, 1-2 ms)."""


class Broker:
    """The broker pod of one MiniCluster (found again whenever it goes away)."""

    def __init__(self, kube: KubeClient, mc: MiniCluster, pod: Pod | None = None) -> None:
        self.kube = kube
        self.mc = mc
        self._pod = pod  # the broker pod if the caller has just found it

    async def pod(self, refresh: bool = False) -> Pod:
        if self._pod is None or refresh:
            self._pod = await find_broker(self.kube, self.mc)
        return self._pod

    async def exec(self, argv: list[str], timeout: float = DEFAULT_TIMEOUT, *,
                   stdout: Callable[[bytes], Awaitable[None]] | None = None) -> ExecResult:
        """Run argv in the broker's container; with `stdout`, its output goes there as it arrives."""
        pod = await self.pod()
        try:
            if stdout is None:
                result = await exec_pod(self.kube, self.mc.namespace, pod.name, self.mc.container, argv, timeout)
            else:
                result = await exec_stream(self.kube, self.mc.namespace, pod.name, self.mc.container, argv,
                                           stdout=stdout, timeout=timeout)
        except (NotFound, BrokerNotReady):
            self._pod = None  # the pod went away: look for the new broker next time
            raise
        if result.returncode != 0 and NOT_READY.search(result.stderr):
            raise BrokerNotReady(f"Flux is not answering in {pod.name} yet: {last_line(result.stderr)}")
        return result

    async def flux(self, argv: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT,
                   ok: Iterable[int] = (0,)) -> ExecResult:
        """Run one flux command; a exit code outside `ok` raises FluxCommandFailed."""
        result = await self.exec(fc.in_pod(argv), timeout)
        if result.returncode not in tuple(ok):
            raise FluxCommandFailed(fc.line(argv), result.returncode, result.stderr)
        return result

    async def script(self, script: str, timeout: float = DEFAULT_TIMEOUT) -> ExecResult:
        return await self.exec(fc.script_in_pod(script), timeout)

    async def job_detail(self, jobid: str, timeout: float = DEFAULT_TIMEOUT) -> JobDetail:
        nonce = new_nonce()
        result = await self.script(detail_script(nonce, jobid), timeout)
        return parse_detail(result.stdout, nonce, jobid)

    async def ready(self) -> bool:
        """Flux is ready only when a Flux command succeeds in the broker."""
        try:
            await self.flux(fc.uptime(), timeout=10)
            return True
        except KubeError:
            return False

    async def snapshot(self, index: JobIndex | None = None, *, sections: Iterable[str] = ALL_SECTIONS,
                       count: int = 0, archive: str | None = None, timeout: float = 60,
                       build: Callable[[Job, float], Any] | None = None, filters: Sequence[str] = ()) -> Snapshot:
        """Everything a screen shows, in one exec. With an index that is loaded, only changes. `build`
        makes something of each job as it is read (`Snapshot.built`); `filters` lists only those jobs."""
        since = index.since() if index is not None else None
        recheck = index.recheck() if index is not None and since is not None else []
        nonce = new_nonce()
        script = build_script(nonce, sections=sections, count=count, since=since, archive=archive, filters=filters,
                              recheck=recheck)
        reader = SnapshotReader(nonce, full=since is None, count=count, build=build, rechecked=recheck)

        async def read(data: bytes) -> None:
            # Parsed as it arrives: the listing is read by the time its last byte is in. A piece at a time,
            # each followed by a turn of the event loop: frames come in bursts (the next is often already
            # buffered, and awaiting it does not yield), and one frame can hold 1,000 rows, 10 ms of parsing,
            # in which a key pressed would wait.
            for start in range(0, len(data), FEED_PIECE):
                reader.feed(data[start:start + FEED_PIECE])
                await asyncio.sleep(0)

        result = await self.exec(fc.script_in_pod(script), timeout, stdout=read)
        snap = reader.finish()
        if snap.remote_now is None:
            raise FluxCommandFailed("refresh script", result.returncode, result.stderr or reader.head)
        if "jobs" in snap.errors and result.stderr:
            snap.errors["jobs"] = last_line(result.stderr)
        snap.stderr = result.stderr
        return snap


def last_line(text: str) -> str:
    """The last non-empty line of a command's stderr: what went wrong, for one line of output."""
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1] if lines else ""
