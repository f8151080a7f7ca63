"""Live resize within 1..maximumSize, and a scale-down that never kills a running job.

Shrinking a MiniCluster deletes the pods of the highest indexes, and pod index i is Flux broker rank
i: the ranks >= the new size go away, and Flux fails every job still running on one of them with a
node-failure exception (exit 143). So before it patches the size, a scale-down finds the running
jobs on those ranks and, as asked, refuses (the default), drains the ranks and waits for those jobs
to end, or cancels exactly those jobs.

The removed ranks are drained from the moment they are checked until their pods are gone, so no new
job lands there in between, whatever is asked. Afterwards they are undrained: the Flux instance keeps
every rank up to maximumSize, and a rank left drained would come back unusable when the MiniCluster
grows again. The drain reason starts with DRAIN_MARK, so ranks left drained by an interrupted
scale-down (killed, or stopped after the patch while the pods were still going) are recognised and
undrained by the next scale of that MiniCluster. Ranks drained by someone else are left alone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..flux import commands as fc
from ..flux.hostlist import idset_decode, idset_encode
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import KubeError
from ..kube.resources import GVP, MiniCluster, get_minicluster, minicluster_pods
from .events import Event, NeedsRecreate, Progress, Refused, WorkflowError, quiet
from .locking import locked

OnRunning = Literal["refuse", "drain", "cancel"]

DRAIN_MARK = "fluxstate-tui scale-down"
SURVEY_FMT = "{id.dec}|{id.f58}|{state}|{nnodes}|{ranks}|{name}"  # name last: the only field with spaces
POLL = 1.0    # seconds between looks at the jobs on the drained ranks
SHOWN = 10    # jobs named in a one-line message (--json has them all)
RESTORE_TIMEOUT = 30.0

CHECK, DRAIN, WAIT, CANCEL = "check the removed ranks", "drain them", "wait for their jobs", "cancel their jobs"
SCALE, PODS, UNDRAIN = "scale", "wait for pods", "undrain the removed ranks"


@dataclass(frozen=True)
class RunningJob:
    """A job running (RUN or CLEANUP) on at least one rank a scale-down removes."""

    id: int
    f58: str
    name: str
    ranks: tuple[int, ...]
    state: str = "RUN"

    @property
    def ranks_text(self) -> str:
        return idset_encode(self.ranks)

    def describe(self) -> str:
        return f"{self.f58} {self.name} (ranks {self.ranks_text})"

    def to_json(self) -> dict:
        return {"id": self.id, "f58": self.f58, "name": self.name, "ranks": list(self.ranks), "state": self.state}


@dataclass
class Survey:
    in_the_way: list[RunningJob] = field(default_factory=list)
    too_big: list[tuple[str, int]] = field(default_factory=list)  # pending: (f58, nodes asked) above the size


class RunningJobsInTheWay(Refused):
    """Jobs run on ranks the scale-down would remove; nothing was changed."""

    def __init__(self, message: str, jobs: list[RunningJob], size: int) -> None:
        super().__init__(message, step=CHECK)
        self.jobs = jobs
        self.size = size


class DrainTimeout(WorkflowError):
    """Jobs still ran on the removed ranks when the wait ended; the ranks are undrained, the size unchanged."""

    def __init__(self, message: str, jobs: list[RunningJob]) -> None:
        super().__init__(message, step=WAIT)
        self.jobs = jobs


def removed_ranks_text(mc: MiniCluster, size: int) -> str:
    removed = list(range(size, mc.size))
    return f"rank{'s' if len(removed) > 1 else ''} {idset_encode(removed)}"


def job_list(jobs: Sequence[RunningJob]) -> str:
    shown = ", ".join(j.describe() for j in jobs[:SHOWN])
    return shown + (f" and {len(jobs) - SHOWN} more" if len(jobs) > SHOWN else "")


def parse_survey(text: str, size: int) -> Survey:
    found = Survey()
    for line in text.splitlines():
        parts = line.split("|", 5)
        if len(parts) < 6 or not parts[0].strip().isdigit():
            continue
        dec, f58, state, nnodes, ranks, name = (p.strip() for p in parts)
        if state in ("RUN", "CLEANUP"):
            try:
                on = tuple(idset_decode(ranks))
            except ValueError:
                continue
            if any(r >= size for r in on):
                found.in_the_way.append(RunningJob(int(dec), f58, name, on, state))
        elif nnodes.isdigit() and int(nnodes) > size:
            found.too_big.append((f58, int(nnodes)))
    found.in_the_way.sort(key=lambda j: j.id)
    return found


async def survey(broker: Broker, size: int) -> Survey:
    """Running jobs with a rank >= size, and pending jobs asking for more than size nodes (one exec)."""
    out = (await broker.flux(fc.jobs(SURVEY_FMT, count=0, filters=["running", "pending"]), timeout=120)).stdout
    return parse_survey(out, size)


async def jobs_on_removed_ranks(kube: KubeClient, mc: MiniCluster, size: int) -> list[RunningJob]:
    """What a scale-down of `mc` to `size` would kill: ask about these before calling scale()."""
    if size >= mc.size:
        return []
    return (await survey(Broker(kube, mc), size)).in_the_way


async def drained_ranks(broker: Broker) -> dict[int, str]:
    """Every drained rank and its reason."""
    out = (await broker.flux(fc.resource_drained("{ranks}|{reason}"), timeout=30)).stdout
    drained: dict[int, str] = {}
    for line in out.splitlines():
        ranks, sep, reason = line.partition("|")
        if not sep:
            continue
        try:
            drained.update((r, reason.strip()) for r in idset_decode(ranks))
        except ValueError:
            continue
    return drained


async def not_drained(broker: Broker, ranks: Iterable[int]) -> list[int]:
    """Those of `ranks` not drained yet: the ones to drain, and the only ones to undrain later."""
    already = await drained_ranks(broker)
    return sorted(r for r in set(ranks) if r not in already)


async def undrain(broker: Broker, ranks: Iterable[int]) -> list[int]:
    """Undrain those of `ranks` still drained by a scale-down (not ranks someone drained since)."""
    current = await drained_ranks(broker)
    targets = sorted(r for r in set(ranks) if current.get(r, "").startswith(DRAIN_MARK))
    if targets:
        await broker.flux(fc.resource_undrain(idset_encode(targets)))
    return targets


async def undrain_stale(kube: KubeClient, mc: MiniCluster, broker: Broker, emit: Progress) -> None:
    """Undrain ranks an interrupted scale-down left drained: live ranks (it stopped before the patch)
    and removed ranks whose pods are gone. Ranks whose pods are still going stay drained for now."""
    ours = [r for r, reason in (await drained_ranks(broker)).items() if reason.startswith(DRAIN_MARK)]
    if not ours:
        return
    present = {p.index for p in await minicluster_pods(kube, mc)}
    stale = [r for r in ours if r < mc.size or r not in present]
    done = await undrain(broker, stale)
    if done:
        emit(Event("log", f"undrained rank(s) {idset_encode(done)}, left drained by an interrupted scale-down"))


async def patch_size(kube: KubeClient, mc: MiniCluster, size: int) -> None:
    await kube.call(kube.custom.patch_namespaced_custom_object_scale(
        namespace=mc.namespace, name=mc.name, body={"spec": {"replicas": size}}, **GVP),
        verb="patch", resource="miniclusters/scale", namespace=mc.namespace, name=mc.name)


async def wait_for_pods(kube: KubeClient, mc: MiniCluster, size: int, wait: float, emit: Progress) -> None:
    """Until `size` pods run and no pod of a removed index is left, not even terminating (its broker
    may still be up: a rank is undrained only once it is surely gone)."""
    start = time.monotonic()
    while True:
        fresh = await get_minicluster(kube, mc.name, mc.namespace)
        pods = await minicluster_pods(kube, fresh)
        live = [p for p in pods if not p.deleting]
        leaving = [p for p in pods if p.index is not None and p.index >= size]
        running = sum(1 for p in live if p.running)
        emit(Event("progress", f"{running}/{size} pods running" + (f", {len(leaving)} leaving" if leaving else ""),
                   step=PODS, fraction=min(1.0, running / size)))
        if running == size and len(live) == size and not leaving:
            return
        if time.monotonic() - start > wait:
            raise WorkflowError(f"{mc.name} has {running} of {size} pods running after {wait:g}s"
                                + (f" and {len(leaving)} still leaving" if leaving else ""), step=PODS)
        await asyncio.sleep(0.5)


async def wait_until_gone(broker: Broker, size: int, timeout: float, emit: Progress, step: str) -> list[RunningJob]:
    """Poll until no job runs on a rank >= size; the jobs still there after `timeout` seconds."""
    start = time.monotonic()
    first = 0
    while True:
        jobs = (await survey(broker, size)).in_the_way
        if not jobs:
            return []
        first = max(first, len(jobs))
        elapsed = time.monotonic() - start
        emit(Event("progress", f"{len(jobs)} job(s) still running there ({', '.join(j.f58 for j in jobs[:3])}"
                               f"{' ...' if len(jobs) > 3 else ''}), {elapsed:.0f}s elapsed",
                   step=step, fraction=1 - len(jobs) / first))
        if elapsed >= timeout:
            return jobs
        await asyncio.sleep(max(0.05, min(POLL, timeout - elapsed)))


# ---- the workflow -----------------------------------------------------------------------------

@locked("scale")
async def scale(kube: KubeClient, mc: MiniCluster, *, size: int, on_running: OnRunning = "refuse",
                timeout: float = 600, confirmed: Sequence[RunningJob] | None = None,
                progress: Progress | None = None, wait: float = 300) -> str:
    """Live resize through the scale subresource, within 1..maximumSize.

    A scale-down deals first with the jobs running on the ranks that go away: on_running="refuse"
    raises RunningJobsInTheWay (with .jobs), "drain" drains the ranks and waits up to `timeout`
    seconds for those jobs to end (DrainTimeout otherwise), "cancel" cancels them — only those in
    `confirmed` when given (the jobs the user was shown), refusing any other. Growing is unchanged.
    """
    emit = progress or quiet
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise Refused(f"size must be a whole number of at least 1, not {size!r}")
    if on_running not in ("refuse", "drain", "cancel"):
        raise Refused(f"on_running must be refuse, drain or cancel, not {on_running!r}")
    limit = mc.scale_limit
    if size > limit:
        raise NeedsRecreate(f"{mc.name} can grow live only up to its maximumSize {limit}: recreate it at size {size} "
                            f"instead (fluxstate-tui recreate {mc.name} --size {size})", size)
    if size == mc.size:
        return f"{mc.name} is already at size {size}"
    if size < mc.size:
        return await scale_down(kube, mc, size=size, on_running=on_running, timeout=timeout, confirmed=confirmed,
                                emit=emit, wait=wait)
    await access.check(kube, mc.namespace, access.NEEDS["scale"])
    try:  # best effort: growing needs no Flux, and must not fail because Flux does not answer
        await undrain_stale(kube, mc, Broker(kube, mc), emit)
    except KubeError:
        pass
    emit(Event("step", f"scale {mc.name} from {mc.size} to {size}", step=SCALE))
    await patch_size(kube, mc, size)
    emit(Event("step-done", step=SCALE))
    emit(Event("step", f"wait for {size} running pod(s)", step=PODS))
    await wait_for_pods(kube, mc, size, wait, emit)
    emit(Event("step-done", step=PODS))
    result = f"scaled {mc.name} from {mc.size} to {size} (live; maximumSize {mc.scale_limit})"
    emit(Event("done", result))
    return result


async def scale_down(kube: KubeClient, mc: MiniCluster, *, size: int, on_running: OnRunning, timeout: float,
                     confirmed: Sequence[RunningJob] | None, emit: Progress, wait: float) -> str:
    removed = list(range(size, mc.size))
    where = removed_ranks_text(mc, size)
    emit(Event("plan", steps=[CHECK, DRAIN, CANCEL if on_running == "cancel" else WAIT, SCALE, PODS, UNDRAIN]))
    await access.check(kube, mc.namespace, [*access.NEEDS["scale"], access.EXEC])
    broker = Broker(kube, mc)
    emit(Event("step", f"check the jobs on {where}", step=CHECK))
    try:
        await undrain_stale(kube, mc, broker, emit)
        found = await survey(broker, size)
    except KubeError as exc:
        raise WorkflowError(f"cannot see which jobs run on {where} of {mc.name}, so it was not resized: "
                            f"{exc.message}", step=CHECK) from exc
    if found.in_the_way and on_running == "refuse":
        raise refusal(mc, size, where, found.in_the_way)
    emit(Event("step-done", step=CHECK))

    reason = f"{DRAIN_MARK} of {mc.name} to {size}"
    mine: list[int] = []
    patched = False
    handled: list[RunningJob] = []
    try:
        emit(Event("step", f"drain {where} (no new job starts there)", step=DRAIN))
        mine = await not_drained(broker, removed)
        if mine:  # `mine` is set first: cancelled during this call, the drain is still undone
            await broker.flux(fc.resource_drain(idset_encode(mine), reason))
        # Look again: a job may have started there between the first look and the drain.
        jobs = (await survey(broker, size)).in_the_way
        emit(Event("step-done", step=DRAIN))
        if jobs and on_running == "refuse":
            raise refusal(mc, size, where, jobs)
        if on_running == "cancel":
            handled = await cancel_jobs(broker, mc, size, where, jobs, confirmed, timeout, emit)
        else:
            handled = await wait_for_jobs(broker, mc, size, where, jobs, timeout, emit)
        emit(Event("step", f"scale {mc.name} from {mc.size} to {size}", step=SCALE))
        patched = True  # from here the pods may be going (even if cancelled mid-call): keep the drain
        try:
            await patch_size(kube, mc, size)
        except KubeError:
            patched = False  # the API refused it: nothing changed
            raise
        emit(Event("step-done", step=SCALE))
        emit(Event("step", f"wait for {size} running pod(s) and the others to go", step=PODS))
        await wait_for_pods(kube, mc, size, wait, emit)
        emit(Event("step-done", step=PODS))
        emit(Event("step", f"undrain {where} (gone now; usable again if {mc.name} grows)", step=UNDRAIN))
        await undrain(broker, mine)
        emit(Event("step-done", step=UNDRAIN))
    except BaseException:
        # Killed, cancelled or failed. Before the patch nothing else changed: undo the drain. After it,
        # the ranks stay drained until their pods are gone; the next scale undrains them.
        if mine and not patched:
            await restore(broker, mine, emit)
        elif mine:
            emit(Event("log", f"{where} stay drained ({reason}) until their pods are gone; the next scale of "
                              f"{mc.name} undrains them"))
        raise
    result = f"scaled {mc.name} from {mc.size} to {size} (live; maximumSize {mc.scale_limit})"
    if handled:
        verb = "canceled" if on_running == "cancel" else "waited for"
        result += f"; {verb} {len(handled)} running job(s) on {where}: {job_list(handled)}"
    if found.too_big:
        shown = ", ".join(f"{f58} ({n} nodes)" for f58, n in found.too_big[:SHOWN])
        result += (f"; {len(found.too_big)} pending job(s) need more than {size} node(s) and wait until it grows "
                   f"again: {shown}")
    emit(Event("done", result))
    return result


def refusal(mc: MiniCluster, size: int, where: str, jobs: list[RunningJob]) -> RunningJobsInTheWay:
    return RunningJobsInTheWay(
        f"{len(jobs)} running job(s) of {mc.name} use {where}, which scaling to {size} removes, and Flux would "
        f"kill them (node-failure): {job_list(jobs)}; wait for them, or scale with --drain-first (they finish "
        "first) or --cancel-running (they are canceled)", jobs, size)


async def wait_for_jobs(broker: Broker, mc: MiniCluster, size: int, where: str, jobs: list[RunningJob],
                        timeout: float, emit: Progress) -> list[RunningJob]:
    emit(Event("step", f"wait for {len(jobs)} job(s) on {where} to end: {job_list(jobs)}" if jobs
               else f"no job runs on {where}", step=WAIT))
    left = await wait_until_gone(broker, size, timeout, emit, WAIT) if jobs else []
    if left:
        raise DrainTimeout(f"{len(left)} job(s) still run on {where} of {mc.name} after {timeout:g}s "
                           f"({job_list(left)}); the ranks are undrained and the size is unchanged: wait longer "
                           "(--timeout) or cancel them (--cancel-running)", left)
    emit(Event("step-done", step=WAIT))
    return jobs


async def cancel_jobs(broker: Broker, mc: MiniCluster, size: int, where: str, jobs: list[RunningJob],
                      confirmed: Sequence[RunningJob] | None, timeout: float, emit: Progress) -> list[RunningJob]:
    """Cancel exactly the jobs on the removed ranks, all of them confirmed; then wait until they are gone."""
    emit(Event("step", f"cancel {len(jobs)} job(s) on {where}" if jobs else f"no job runs on {where}", step=CANCEL))
    if confirmed is not None:
        asked = {j.id for j in confirmed}
        unasked = [j for j in jobs if j.id not in asked]
        if unasked:
            raise RunningJobsInTheWay(
                f"{len(unasked)} job(s) started on {where} of {mc.name} after you were asked: {job_list(unasked)}; "
                "nothing was canceled and the size is unchanged: run the scale again", unasked, size)
    if not jobs:
        emit(Event("step-done", step=CANCEL))
        return []
    emit(Event("log", f"canceling {job_list(jobs)}"))
    result = await broker.flux(fc.cancel([str(j.id) for j in jobs], message=f"canceled by {DRAIN_MARK} of "
                                         f"{mc.name} to {size}"), ok=(0, 1))
    # A job that ended meanwhile makes flux cancel exit 1 ("job is inactive"): it is out of the way anyway.
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line and "inactive" not in line]
    if result.returncode != 0 and errors:
        raise WorkflowError(f"flux cancel failed: {errors[0].strip()}; the size is unchanged", step=CANCEL)
    left = await wait_until_gone(broker, size, timeout, emit, CANCEL)
    if left:
        raise DrainTimeout(f"{len(left)} job(s) still run on {where} of {mc.name} {timeout:g}s after they were "
                           f"canceled ({job_list(left)}); the ranks are undrained and the size is unchanged", left)
    emit(Event("step-done", step=CANCEL))
    return jobs


async def restore(broker: Broker, ranks: list[int], emit: Progress) -> None:
    """Undo our drain on the way out of a failure or a cancellation, without hiding why we stopped."""
    try:
        await asyncio.wait_for(undrain(broker, ranks), RESTORE_TIMEOUT)
    except (KubeError, TimeoutError) as exc:
        emit(Event("log", f"could not undrain rank(s) {idset_encode(ranks)} ({exc}); the next scale undrains them"))
