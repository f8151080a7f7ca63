"""Parsers for what `flux` prints. Pure functions: text in, model out, ValueError on nonsense.

Shapes are those flux-core 0.88 prints; tests/flux/test_parse.py checks every parser against real
flux-core 0.88 transcripts (tests/fixtures/flux-real).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from .fsd import parse_fsd
from .model import Event, Job, JobStats, QueueReport, QueueState, ResourceRow, Resources, Uptime

# The row format the client lists jobs with lives in rows.py; its names stay importable from here.
from .rows import ROW_FIELDS, ROW_FORMAT, SEP, parse_job_row, parse_job_rows, read_job_rows  # noqa: F401

# ---- flux jobs --------------------------------------------------------------------------------

def job_from_json(obj: dict) -> Job:
    exc = obj.get("exception") or {}
    nnodes = obj.get("nnodes")
    return Job(
        id=int(obj["id"]),
        user=str(obj.get("username", obj.get("userid", ""))),
        name=str(obj.get("name", "")),
        state=str(obj.get("state", "")),
        result=str(obj.get("result", "")),
        ntasks=int(obj.get("ntasks", 0) or 0),
        ncores=int(obj.get("ncores", 0) or 0),
        nnodes=int(nnodes) if nnodes is not None else None,
        t_submit=float(obj.get("t_submit", 0.0)),
        t_run=float(obj.get("t_run", 0.0)),
        t_inactive=float(obj.get("t_inactive", 0.0)),
        duration=float(obj.get("duration", 0.0) or 0.0),
        nodelist=str(obj.get("nodelist", "")),
        queue=str(obj.get("queue", "")),
        urgency=int(obj.get("urgency", 16)),
        priority=int(obj["priority"]) if obj.get("priority") is not None else None,
        returncode=(int(obj["returncode"])
                    if obj.get("returncode") is not None and obj.get("state") == "INACTIVE" else None),
        exception_type=str(exc.get("type", "")) if exc.get("occurred") else "",
        exception_note=str(exc.get("note", "")) if exc.get("occurred") else "",
        dependencies=tuple(str(d) for d in obj.get("dependencies") or ()),
        runtime=float(obj.get("runtime", 0.0) or 0.0),
    )


def parse_jobs_json(text: str) -> list[Job]:
    """`flux jobs --json`: {"jobs": [...]}, or one bare object when one id was asked for."""
    doc = json.loads(text)
    if isinstance(doc, dict) and "jobs" in doc and "id" not in doc:
        return [job_from_json(j) for j in doc["jobs"]]
    if isinstance(doc, dict) and "id" in doc:
        return [job_from_json(doc)]
    raise ValueError("not flux jobs --json output")


_HEADER = re.compile(r"^\s*JOBID\s+(QUEUE\s+)?USER\s+NAME\s+ST\s+NTASKS\s+NNODES\s+TIME\s+INFO\s*$")
_ST_STATE = {"D": "DEPEND", "P": "PRIORITY", "S": "SCHED", "R": "RUN", "C": "CLEANUP"}
_ST_RESULT = {"CD": "COMPLETED", "F": "FAILED", "CA": "CANCELED", "TO": "TIMEOUT"}


def parse_jobs_table(text: str) -> list[dict]:
    """The default `flux jobs` table, for people who paste it. Returns dicts of the columns.

    Widths vary (USER widens, QUEUE comes and goes, NAME may hold spaces), so the row is split
    from both ends: the id and user from the left, ST..TIME from the right of the name.
    """
    lines = text.rstrip("\n").split("\n")
    found = next(((i, m) for i, line in enumerate(lines) if (m := _HEADER.match(line))), None)
    if found is None:
        raise ValueError("not a default flux jobs table")
    start, header_match = found
    lines = lines[start:]
    has_queue = bool(header_match.group(1))
    header = lines[0]
    name_col = header.index("NAME")
    st_col = header.index(" ST ") + 1
    rows = []
    for line in lines[1:]:
        if not line.strip():
            continue
        head = line[:name_col].split()
        jobid, rest = head[0], head[1:]
        queue = rest.pop(0) if has_queue and len(rest) > 1 else ""
        user = rest[0] if rest else ""
        name = line[name_col:st_col - 1].rstrip()
        tail = line[st_col - 1:].split(None, 4)
        st, ntasks, nnodes, time_ = tail[0], tail[1], tail[2], tail[3]
        info = line[st_col - 1:].split(None, 4)[4] if len(tail) > 4 else ""
        rows.append({
            "jobid": jobid, "queue": queue, "user": user, "name": name, "st": st,
            "state": _ST_STATE.get(st, "INACTIVE"), "result": _ST_RESULT.get(st, ""),
            "ntasks": int(ntasks), "nnodes": None if nnodes == "-" else int(nnodes),
            "time": 0.0 if time_ == "-" else parse_fsd(time_), "info": info.rstrip(),
        })
    return rows


_STATS = re.compile(
    r"^(\d+) running, (\d+) completed, (\d+) failed, (\d+) pending, (\d+) inactive purged$")


def parse_stats(text: str) -> JobStats:
    m = _STATS.match(text.strip())
    if not m:
        raise ValueError(f"not a flux jobs --stats line: {text.strip()!r}")
    return JobStats(*(int(g) for g in m.groups()))


# ---- flux queue -------------------------------------------------------------------------------

_QUEUE_LINE = re.compile(
    r"^(?:(?P<name>[^:\s]+): )?(?:Job submission is (?P<en>enabled|disabled)(?:: (?P<dis>.*))?"
    r"|Scheduling is (?P<st>started|stopped)(?:: (?P<stop>.*))?)$")
_ALLOC = {
    "alloc requests queued": "alloc_queued",
    "alloc requests pending to scheduler": "alloc_pending",
    "running jobs": "running",
}


def parse_queue_status(text: str) -> QueueReport:
    """`flux queue status [-v]` (also the lines `flux queue start/stop/enable/disable` print)."""
    queues: dict[str | None, QueueState] = {}
    report = QueueReport(queues=[])
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        m = _QUEUE_LINE.match(line)
        if m:
            q = queues.setdefault(m.group("name"), QueueState(name=m.group("name")))
            if m.group("en"):
                q.enabled = m.group("en") == "enabled"
                q.disable_reason = m.group("dis") or ""
            else:
                q.started = m.group("st") == "started"
                q.stop_reason = m.group("stop") or ""
            continue
        m2 = re.match(r"^(\d+) (.+)$", line)
        if m2 and m2.group(2) in _ALLOC:
            setattr(report, _ALLOC[m2.group(2)], int(m2.group(1)))
            continue
        raise ValueError(f"unexpected flux queue status line: {line!r}")
    report.queues = list(queues.values())
    return report


def parse_idle(text: str) -> int:
    """`flux queue idle` prints "N jobs": the number of pending jobs left."""
    m = re.fullmatch(r"\s*(\d+) jobs?\s*", text)
    if not m:
        raise ValueError(f"not flux queue idle output: {text!r}")
    return int(m.group(1))


# ---- flux resource ----------------------------------------------------------------------------

def parse_resource_list(text: str) -> Resources:
    """The default `flux resource list` table (columns come and go: QUEUE, PROPERTIES, NGPUS)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines or "STATE" not in lines[0] or "NNODES" not in lines[0]:
        raise ValueError("not flux resource list output")
    header = lines[0]
    cols = header.split()
    # Right-aligned numeric columns end where their heading ends.
    ends = {c: header.index(c) + len(c) for c in cols}
    rows = []
    for line in lines[1:]:
        state = line[: ends["STATE"]].strip()
        values = {}
        for c in ("NNODES", "NCORES", "NGPUS"):
            if c in ends:
                start = max(i for i in (ends[p] for p in cols if ends[p] < ends[c]))
                values[c] = int(line[start: ends[c]].strip() or 0)
        nodelist = line[ends[cols[-2]]:].strip() if cols[-1] == "NODELIST" else ""
        queue = ""
        props = ""
        if "QUEUE" in ends:
            q_start = ends["STATE"] + 1
            queue = line[q_start: line.find(" ", q_start) if line.find(" ", q_start) > 0 else None].strip()
        rows.append(ResourceRow(state=state, nnodes=values.get("NNODES", 0), ncores=values.get("NCORES", 0),
                                ngpus=values.get("NGPUS", 0), nodelist=nodelist, queue=queue, properties=props))
    return Resources(rows)


RESOURCE_FORMAT = "{state} {nnodes} {ncores} {ngpus} {nodelist}"


def parse_resource_rows(text: str) -> Resources:
    """`flux resource list -n -o '{state} {nnodes} {ncores} {ngpus} {nodelist}'`."""
    rows = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        parts = line.split(" ", 4)
        rows.append(ResourceRow(state=parts[0], nnodes=int(parts[1]), ncores=int(parts[2]),
                                ngpus=int(parts[3]), nodelist=parts[4].strip() if len(parts) > 4 else ""))
    return Resources(rows)


# ---- flux uptime ------------------------------------------------------------------------------

_UPTIME = re.compile(
    r"^\s*(?P<clock>\d\d:\d\d:\d\d) (?P<state>\w+) (?P<up>\S+),  owner (?P<owner>\S+),  depth (?P<depth>\d+),"
    r"  size (?P<size>\d+)(?P<extra>.*)$")


def parse_uptime(text: str) -> Uptime:
    lines = [line for line in text.split("\n") if line.strip()]
    found = next(((i, m) for i, line in enumerate(lines) if (m := _UPTIME.match(line))), None)
    if found is None:
        raise ValueError(f"not flux uptime output: {text.strip()!r}")
    start, m = found
    lines = lines[start:]
    up = Uptime(clock=m.group("clock"), state=m.group("state"), uptime=m.group("up"), owner=m.group("owner"),
                depth=int(m.group("depth")), size=int(m.group("size")))
    for part in m.group("extra").split(",  "):
        part = part.strip(" ,")
        if part.endswith(" drained"):
            up.drained = int(part.split()[0])
        elif part.endswith(" offline"):
            up.offline = int(part.split()[0])
    for line in lines[1:]:
        up.submit_disabled |= "submit disabled" in line
        up.scheduler_stopped |= "scheduler stopped" in line
    return up


# ---- eventlogs --------------------------------------------------------------------------------

def parse_eventlog(text: str) -> list[Event]:
    """An eventlog as `flux job info ID eventlog` prints it: one JSON object per line."""
    events = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        obj = json.loads(line)
        events.append(Event(float(obj["timestamp"]), str(obj["name"]), dict(obj.get("context") or {})))
    return events


def parse_eventlog_text(text: str) -> list[Event]:
    """`flux job eventlog ID` text form: `<ts> <name> key=value ...` (values JSON-encoded)."""
    events = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        ts, _, rest = line.partition(" ")
        name, _, ctx_text = rest.partition(" ")
        events.append(Event(float(ts), name, _kv(ctx_text)))
    return events


def _kv(text: str) -> dict:
    out: dict = {}
    pos = 0
    decoder = json.JSONDecoder()
    while pos < len(text):
        while pos < len(text) and text[pos] == " ":
            pos += 1
        if pos >= len(text):
            break
        eq = text.index("=", pos)
        key = text[pos:eq]
        try:
            value, end = decoder.raw_decode(text, eq + 1)
        except ValueError:
            end = text.find(" ", eq + 1)
            end = len(text) if end < 0 else end
            value = text[eq + 1:end]
        out[key] = value
        pos = end
    return out


def first_error_line(stderr: str, default: str = "") -> str:
    """The line of a flux tool's stderr worth showing a person (`flux-dump: ERROR: ...` etc.)."""
    lines = [line.strip() for line in stderr.replace("\r", "\n").split("\n") if line.strip()]
    for line in lines:
        if "ERROR" in line or "error" in line or line.startswith("[Errno"):
            return line
    return lines[-1] if lines else default


def lines(text: str) -> Iterable[str]:
    return (line for line in text.split("\n") if line.strip())
