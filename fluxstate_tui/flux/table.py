"""The columns of `flux jobs`' default format, computed from the job model (not re-parsed).

The cells are for showing: every string a job's submitter chose (name, user, nodelist,
dependencies) comes out through `printable`, its control characters escaped.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .display import printable
from .fsd import fsd
from .ids import f58_encode
from .model import Job

COLUMNS = ("JOBID", "USER", "NAME", "ST", "NTASKS", "NNODES", "TIME", "INFO")


def contextual_info(state: str, urgency: int, priority: int | None, dependencies: Sequence[str],
                    nodelist: str) -> str:
    """flux jobs' INFO column (flux-core's `contextual_info`): what a pending job waits for (a dependency,
    its priority, a hold), the nodes once it ran. The demo's simulated `flux jobs` prints it by this same
    rule, so the table and the simulator cannot drift apart."""
    if state == "DEPEND":
        return "depends:" + ",".join(dependencies)
    if state == "PRIORITY":
        return "priority-wait"
    if state == "SCHED":
        if urgency == 0:
            return "held"
        if priority == 0:
            return "priority-hold"
        return ""
    return nodelist


def info(job: Job) -> str:
    return contextual_info(job.state, job.urgency, job.priority, job.dependencies, job.nodelist)


def time_text(job: Job, now: float) -> str:
    seconds = job.time_at(now)
    return "-" if seconds < 1e-3 else fsd(seconds)


# The cells of 100,000 rows repeat a few counts and durations: one string each, not one per row.
_COUNTS = [str(n) for n in range(1024)]


def _count_text(n: int) -> str:
    return _COUNTS[n] if 0 <= n < 1024 else str(n)


def cells(job: Job, now: float, ascii_ids: bool = False) -> tuple[str, ...]:
    return (
        f58_encode(job.id, ascii=ascii_ids),
        printable(job.user),
        printable(job.name),
        job.status_abbrev,
        _count_text(job.ntasks),
        _count_text(job.nnodes) if job.nnodes else "-",
        sys.intern(time_text(job, now)),
        printable(info(job)),
    )


def render(jobs: list[Job], now: float, *, queue: bool = False, ascii_ids: bool = False) -> str:
    """A table shaped like `flux jobs -a`: JOBID right-aligned, NAME cut at 10 with `+`."""
    rows = [cells(j, now, ascii_ids) for j in jobs]
    user_w = max([8] + [len(r[1]) for r in rows])
    head = (f"{'JOBID':>12} " + (f"{'QUEUE':<8} " if queue else "")
            + f"{'USER':<{user_w}} {'NAME':<10} ST NTASKS NNODES     TIME INFO")
    out = [head]
    for job, r in zip(jobs, rows, strict=True):
        name = r[2] if len(r[2]) <= 10 else r[2][:9] + "+"
        q = f"{printable(job.queue or '')[:8]:<8} " if queue else ""
        out.append(f"{r[0]:>12} {q}{r[1]:<{user_w}} {name:<10} {r[3]:>2} {r[4]:>6} {r[5]:>6} {r[6]:>8} {r[7]}")
    return "\n".join(out) + "\n"
