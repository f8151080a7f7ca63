"""Actions on jobs: cancel, hold, release, set urgency, kill with a signal. One engine for the CLI and TUI.

A batch is one exec, not one per job (flux/batch.py): `flux cancel` and `flux job kill` take every id
at once, `flux job urgency` runs once per job inside one fenced script. A batch holds a few hundred jobs
(the exec's URL stays under 8 KiB); 1,000 jobs take three execs. A job flux refuses (already
inactive, unknown, already running) is reported with flux's own message and the others go on.

Job actions take no lock: the TUI cancels the jobs a pause waits for while that pause holds it, and
flux serialises changes to one job itself. They check permissions first and write an audit line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..flux import batch
from ..flux import commands as fc
from ..flux.ids import f58_encode, parse_jobid
from ..flux.model import Job
from ..flux.rows import ROW_FORMAT, read_job_rows
from ..flux.snapshot import new_nonce
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.resources import MiniCluster
from . import audit
from .events import Event, Progress, Refused, quiet

JobAction = Literal["cancel", "hold", "release", "urgency", "kill"]
ACTIONS: tuple[JobAction, ...] = ("cancel", "hold", "release", "urgency", "kill")
VERBS = {"cancel": "canceled", "hold": "held", "release": "released", "urgency": "set the urgency of",
         "kill": "signaled"}
DEFAULT_REASON = "canceled by fluxstate-tui"
SHOWN = 10     # failures named in a one-line summary
_URGENCY_PREFIX = re.compile(r"^flux-job: \S+: ")


@dataclass
class JobActionResult:
    """What one action did to each job. `failed` maps an id to flux's message (`job is inactive`)."""

    action: str
    minicluster: str
    namespace: str
    requested: list[int]
    succeeded: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    value: int | str | None = None       # the urgency, or the signal
    execs: int = 0
    audit_error: str | None = None

    @property
    def outcome(self) -> str:
        if not self.failed:
            return "ok"
        return "partial" if self.succeeded else "failed"

    def summary(self) -> str:
        what = VERBS[self.action]
        if self.action == "urgency":
            what += f" {len(self.succeeded)} job(s) to {self.value}"
        elif self.action == "kill":
            what += f" {len(self.succeeded)} job(s) with {self.value}"
        else:
            what += f" {len(self.succeeded)} job(s)"
        text = f"{what} of {self.minicluster}"
        if self.failed:
            shown = "; ".join(f"{f58_encode(i)}: {m}" for i, m in list(self.failed.items())[:SHOWN])
            more = f" and {len(self.failed) - SHOWN} more" if len(self.failed) > SHOWN else ""
            text += f"; {len(self.failed)} failed ({shown}{more})"
        return text

    def to_json(self) -> dict:
        return {"action": self.action, "minicluster": self.minicluster, "namespace": self.namespace,
                "value": self.value, "outcome": self.outcome,
                "succeeded": [f58_encode(i) for i in self.succeeded],
                "failed": {f58_encode(i): m for i, m in self.failed.items()}}


# ---- choosing the jobs --------------------------------------------------------------------------

def candidates(action: JobAction, jobs: Iterable[Job]) -> list[Job]:
    """The jobs an action applies to: kill signals running jobs; release takes held jobs, hold the
    pending jobs not held yet; cancel and urgency take any pending job."""
    if action == "kill":
        return [j for j in jobs if j.state == "RUN"]
    if action == "release":
        return [j for j in jobs if j.pending and j.urgency == fc.URGENCY_HOLD]
    if action == "hold":
        return [j for j in jobs if j.pending and j.urgency != fc.URGENCY_HOLD]
    return [j for j in jobs if j.pending]


def matches(job: Job, text: str) -> bool:
    """Case-insensitive substring of the job's id (F58 or decimal), name, user, state, status or
    queue: what the TUI's `/` filter matches."""
    needle = text.strip().lower()
    hay = (f58_encode(job.id), f"f{f58_encode(job.id)[1:]}", str(job.id), job.name, job.user, job.state,
           job.status_abbrev, job.queue)
    return any(needle in h.lower() for h in hay)


def dependents(targets: Iterable[int], jobs: Iterable[Job]) -> list[int]:
    """Pending jobs that wait, directly or through others, on a dependency naming one of `targets`:
    the jobs stuck behind a job that will be canceled. Deepest first (a dependent before what it
    waits on), so a cancel in that order never trips over flux failing a dependent by itself."""
    waiting: dict[int, set[int]] = {}
    for job in jobs:
        if job.pending and job.dependencies:
            waiting[job.id] = {i for d in job.dependencies if (i := _dep_target(d)) is not None}
    found: list[int] = []
    level = set(targets)
    seen = set(level)
    while level:
        nxt = {j for j, on in waiting.items() if on & level and j not in seen}
        seen |= nxt
        found[:0] = sorted(nxt)
        level = nxt
    return found


def _dep_target(description: str) -> int | None:
    _kind, sep, target = description.partition("=")
    try:
        return parse_jobid(target) if sep else None
    except ValueError:
        return None


async def active_jobs(broker: Broker) -> list[Job]:
    """Every pending and running job, read now (one exec)."""
    out = (await broker.flux(fc.jobs(ROW_FORMAT, count=0, filters=["pending", "running"]), timeout=120)).stdout
    return read_job_rows(out)[0]


@dataclass
class Selection:
    ids: list[int]
    described: str      # how they were chosen, for the question and the audit log


async def select(kube: KubeClient, mc: MiniCluster, action: JobAction, *, ids: Sequence[int] = (),
                 all_jobs: bool = False, text: str | None = None, with_dependents: bool = False) -> Selection:
    """The ids an action would act on: `ids` as given, plus (all_jobs) every job it applies to, or
    (text) those of them that match, plus (with_dependents) the pending jobs waiting on any of them."""
    chosen = list(dict.fromkeys(ids))
    how = [f"{len(chosen)} named"] if chosen else []
    if not (all_jobs or text or with_dependents):
        return Selection(chosen, ", ".join(how))
    jobs = await active_jobs(Broker(kube, mc))
    if all_jobs or text:
        picked = [j.id for j in candidates(action, jobs) if not text or matches(j, text)]
        chosen += [i for i in picked if i not in chosen]
        kind = "running" if action == "kill" else "held" if action == "release" else "pending"
        how.append(f"every {kind} job" + (f" matching {text!r}" if text else ""))
    if with_dependents:
        extra = [i for i in dependents(chosen, jobs) if i not in chosen]
        chosen = extra + chosen
        how.append(f"{len(extra)} dependent(s)")
    return Selection(chosen, ", ".join(how))


# ---- acting ---------------------------------------------------------------------------------------

async def act_on_jobs(kube: KubeClient, mc: MiniCluster, action: JobAction, ids: Sequence[int], *,
                      urgency: int | None = None, signal: str = "SIGTERM", reason: str | None = None,
                      progress: Progress | None = None, described: str = "") -> JobActionResult:
    """Do `action` to every job of `ids` (in that order) and say what happened to each. `urgency` is
    for action "urgency" (0-31), `signal` for "kill" (a name like SIGUSR1 or a number), `reason` the
    cancel message."""
    if action not in ACTIONS:
        raise Refused(f"unknown job action {action!r}")
    if action == "urgency" and (urgency is None or not fc.URGENCY_HOLD <= urgency <= fc.URGENCY_EXPEDITE):
        raise Refused(f"urgency must be a whole number from 0 to 31, not {urgency}")
    value: int | str | None = {"urgency": urgency, "kill": signal, "hold": fc.URGENCY_HOLD,
                               "release": fc.URGENCY_DEFAULT}.get(action)
    result = JobActionResult(action, mc.name, mc.namespace, list(dict.fromkeys(ids)), value=value)
    if not result.requested:
        return result
    emit = progress or quiet
    entry = audit.AuditEntry(action, mc.namespace, mc.name, context=kube.context, server=kube.server,
                             arguments={"jobs": [f58_encode(i) for i in result.requested], "value": value,
                                        "reason": reason, "selection": described or None})
    async with audit.audited(entry, lambda why: emit(Event("log", f"warning: {why}"))) as note:
        await access.check(kube, mc.namespace, access.NEEDS["jobs"])
        broker = Broker(kube, mc)
        emit(Event("step", f"{action} {len(result.requested)} job(s)", step=action))
        if action in ("cancel", "kill"):
            await _many_ids(broker, action, result, reason, signal, emit)
        else:
            await _one_by_one(broker, result, emit)
        emit(Event("step-done", step=action))
        audit.settle(note, result)
    result.audit_error = note.error
    emit(Event("done", result.summary()))
    return result


def _timeout(n: int) -> float:
    return 30.0 + 0.05 * n   # a flux command per job costs tens of milliseconds in a real broker


def _word(jid: int) -> str:
    return f58_encode(jid, ascii=True)  # the shortest form flux takes, and plain ASCII in a URL


async def _many_ids(broker: Broker, action: str, result: JobActionResult, reason: str | None, signal: str,
                    emit: Progress) -> None:
    def argv(ids: Sequence[str]) -> list[str]:
        return fc.cancel(ids, message=reason or DEFAULT_REASON) if action == "cancel" else fc.job_kill(ids, signal)

    # An empty id list makes fc.cancel select by state: measure the fixed part with a placeholder id.
    parts = batch.id_batches(argv(["f1"])[:-1], [_word(i) for i in result.requested])
    for n, part in enumerate(parts):
        done = await broker.flux(argv(part), ok=range(256), timeout=_timeout(len(part)))
        result.execs += 1
        errors, other = batch.id_errors(done.stderr)
        named = {e.id: e.text for e in errors if e.id is not None}
        for word in part:
            jid = parse_jobid(word)
            if jid in named:
                result.failed[jid] = named[jid]
            elif done.returncode != 0 and not errors:
                result.failed[jid] = (other[-1] if other else f"exit code {done.returncode}")
            else:
                result.succeeded.append(jid)
        emit(Event("progress", f"{len(result.succeeded) + len(result.failed)}/{len(result.requested)}",
                   step=action, fraction=(n + 1) / len(parts)))


async def _one_by_one(broker: Broker, result: JobActionResult, emit: Progress) -> None:
    before, after = ["flux", "job", "urgency"], [str(result.value)]
    parts = batch.each_batches(before, after, [_word(i) for i in result.requested])
    for n, part in enumerate(parts):
        nonce = new_nonce()
        done = await broker.script(batch.each_script(nonce, before, after, part), timeout=_timeout(len(part)))
        result.execs += 1
        answers = batch.parse_each(done.stdout, nonce)
        for key in part:
            rc, text = answers.get(key, (None, ""))
            jid = parse_jobid(key)
            if rc == 0:
                result.succeeded.append(jid)
            else:
                last = text.strip().splitlines()[-1] if text.strip() else ""
                result.failed[jid] = (_URGENCY_PREFIX.sub("", last) or
                                      ("no answer: the exec ended before this job" if rc is None
                                       else f"exit code {rc}"))
        emit(Event("progress", f"{len(result.succeeded) + len(result.failed)}/{len(result.requested)}",
                   step=result.action, fraction=(n + 1) / len(parts)))
