"""One job in depth: eventlog, request, where it ran and its output, fetched in one exec."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import commands as fc
from .fsd import fsd
from .model import Event, Job
from .parse import parse_eventlog
from .rows import ROW_FORMAT, parse_job_rows
from .snapshot import Script, split_sections

MAX_OUTPUT = 64 << 10  # characters of job output shown


@dataclass
class JobDetail:
    jobid: str
    events: list[Event] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    request: str = ""           # "2 nodes, 4 tasks, 1 core per task"
    time_limit: str = ""        # FSD or "none"
    cwd: str = ""
    ranks: str = ""             # where it ran (R_lite ranks)
    nodelist: list[str] = field(default_factory=list)
    output: str = ""
    output_truncated: bool = False
    job: Job | None = None   # the job's row, as the jobs table has it (None: Flux does not know it)
    errors: dict[str, str] = field(default_factory=dict)


def detail_script(nonce: str, jobid: str) -> str:
    script = Script(nonce)
    script.section("job", fc.jobs(ROW_FORMAT, count=1, ids=[jobid]))
    for key in ("eventlog", "jobspec", "R", "guest.output"):
        script.section(key, fc.job_info(jobid, key))
    return script.text()


def _request(spec: dict) -> tuple[str, str]:
    def walk(res: list, mult: int = 1, acc: dict | None = None) -> dict:
        acc = acc if acc is not None else {"node": 0, "slot": 0, "core": 0, "gpu": 0}
        for r in res or []:
            n = int(r.get("count", 1)) * mult
            if r.get("type") in acc:
                acc[r["type"]] += n
            walk(r.get("with") or [], n, acc)
        return acc

    counts = walk(spec.get("resources") or [])
    parts = []
    if counts["node"]:
        parts.append(f"{counts['node']} node{'s' if counts['node'] != 1 else ''}")
    if counts["slot"]:
        per = counts["core"] // counts["slot"] if counts["slot"] else 0
        slots = counts["slot"]
        parts.append(f"{slots} task slot{'s' if slots != 1 else ''} of {per} core{'s' if per != 1 else ''}")
    if counts["gpu"]:
        parts.append(f"{counts['gpu']} GPUs")
    duration = float(((spec.get("attributes") or {}).get("system") or {}).get("duration") or 0)
    return ", ".join(parts) or "-", fsd(duration) if duration else "none"


def parse_output(text: str) -> tuple[str, bool]:
    """The job's stdout and stderr from its guest.output eventlog, interleaved as Flux stored them."""
    chunks: list[str] = []
    size = 0
    for event in parse_eventlog(text):
        data = event.context.get("data")
        if event.name != "data" or not isinstance(data, str):
            continue
        chunks.append(data)
        size += len(data)
        if size > MAX_OUTPUT:
            return "".join(chunks)[:MAX_OUTPUT], True
    return "".join(chunks), False


def parse_detail(stdout: str, nonce: str, jobid: str) -> JobDetail:
    _, sections = split_sections(stdout, nonce)
    detail = JobDetail(jobid)
    for name, (text, rc) in sections.items():
        if rc not in (0, None):
            detail.errors[name] = text.strip() or f"exit {rc}"
            continue
        try:
            if name == "job":
                jobs = parse_job_rows(text)
                detail.job = jobs[0] if jobs else None
            elif name == "eventlog":
                detail.events = parse_eventlog(text)
            elif name == "jobspec":
                spec = json.loads(text)
                tasks = spec.get("tasks") or [{}]
                detail.command = [str(a) for a in tasks[0].get("command") or []]
                detail.request, detail.time_limit = _request(spec)
                detail.cwd = str(((spec.get("attributes") or {}).get("system") or {}).get("cwd", ""))
            elif name == "R":
                r = json.loads(text)
                ex = r.get("execution") or {}
                detail.ranks = ",".join(str(x.get("rank", "")) for x in ex.get("R_lite") or [])
                detail.nodelist = [str(n) for n in ex.get("nodelist") or []]
            elif name == "guest.output":
                detail.output, detail.output_truncated = parse_output(text)
        except (ValueError, KeyError, TypeError) as exc:
            detail.errors[name] = f"could not read {name}: {exc}"
    return detail
