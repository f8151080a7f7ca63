"""Submitting jobs from the TUI's form and `fluxstate-tui submit`: one `flux submit` (N copies with --cc),
the command as argv, never a shell string. Checked, permission-checked and audited like the other actions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..flux import commands as fc
from ..flux.fsd import parse_fsd
from ..flux.ids import f58_encode, parse_jobid
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.resources import MiniCluster
from ..limits import MAX_CORES, MAX_COUNT, MAX_SIZE
from . import audit
from .events import Event, Progress, Refused, quiet


@dataclass
class SubmitRequest:
    command: list[str]
    count: int = 1                    # copies, submitted at once with --cc
    nodes: int | None = None
    tasks: int | None = None
    cores_per_task: int | None = None
    time_limit: str | None = None     # a Flux standard duration: 30s, 5m, 1h
    name: str | None = None
    dependency: str | None = None     # a job id in any form flux takes; the new jobs run after it succeeds
    urgency: int | None = None
    queue: str | None = None

    def problems(self) -> list[str]:
        """Every field flux would refuse, said before anything is sent."""
        out = []
        if not self.command or not self.command[0].strip():
            out.append("a command is needed")
        elif self.command[0].startswith("-"):
            out.append(f"the command cannot start with '-' ({self.command[0]!r} would be read as an option)")
        for label, value, top in (("nodes", self.nodes, MAX_SIZE), ("tasks", self.tasks, MAX_CORES),
                                  ("cores per task", self.cores_per_task, MAX_CORES),
                                  ("count", self.count, MAX_COUNT)):
            if value is not None and not 1 <= value <= top:
                out.append(f"{label} must be from 1 to {top}, not {value}")
        if self.urgency is not None and not 0 <= self.urgency <= 31:
            out.append(f"urgency must be from 0 to 31, not {self.urgency}")
        if self.time_limit:
            try:
                parse_fsd(self.time_limit)
            except ValueError:
                out.append(f"time limit {self.time_limit!r} is not a duration (e.g. 30s, 5m, 2h)")
        if self.dependency:
            try:
                parse_jobid(self.dependency)
            except ValueError:
                out.append(f"dependency {self.dependency!r} is not a job id")
        return out

    def argv(self) -> list[str]:
        dep = f58_encode(parse_jobid(self.dependency)) if self.dependency else None
        return fc.submit(self.command, nodes=self.nodes, tasks=self.tasks, cores_per_task=self.cores_per_task,
                         time_limit=self.time_limit or None, name=self.name or None, count=self.count,
                         dependency=dep, urgency=self.urgency, queue=self.queue or None)


@dataclass
class SubmitResult:
    minicluster: str
    namespace: str
    ids: list[str] = field(default_factory=list)    # as flux printed them (f58)
    audit_error: str | None = None

    @property
    def outcome(self) -> str:
        return "ok"

    def summary(self) -> str:
        shown = ", ".join(self.ids[:5]) + (f" and {len(self.ids) - 5} more" if len(self.ids) > 5 else "")
        return f"submitted {len(self.ids)} job(s) to {self.minicluster}: {shown}"

    def to_json(self) -> dict:
        return {"minicluster": self.minicluster, "namespace": self.namespace, "ids": self.ids}


async def submit_jobs(kube: KubeClient, mc: MiniCluster, request: SubmitRequest, *,
                      progress: Progress | None = None) -> SubmitResult:
    problems = request.problems()
    if problems:
        raise Refused("; ".join(problems))
    emit = progress or quiet
    result = SubmitResult(mc.name, mc.namespace)
    entry = audit.AuditEntry("submit", mc.namespace, mc.name, context=kube.context, server=kube.server,
                             arguments={k: v for k, v in asdict(request).items() if v not in (None, "")})
    async with audit.audited(entry, lambda why: emit(Event("log", f"warning: {why}"))) as note:
        await access.check(kube, mc.namespace, access.NEEDS["jobs"])
        emit(Event("step", f"submit {request.count} job(s)", step="submit"))
        out = await Broker(kube, mc).flux(request.argv(), timeout=30.0 + 0.05 * request.count)
        result.ids = out.stdout.split()
        emit(Event("step-done", step="submit"))
        audit.settle(note, result)
    result.audit_error = note.error
    emit(Event("done", result.summary()))
    return result
