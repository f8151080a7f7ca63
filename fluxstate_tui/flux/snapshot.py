"""One exec per refresh: a script that prints every section a screen needs, parsed in one pass.

Each section is fenced by a line `@@<nonce> section <name>` and closed by `@@<nonce> rc <code>`.
The nonce is new for every script, so nothing a job prints (a job name, say) can fake a fence.
After the first full listing, a refresh asks only for jobs active since a moment shortly before
the previous one (`--since`), so a queue with 100,000 finished jobs moves only what changed.
Every listing also asks which Flux instance answered (`broker.starttime`): changes of a new
instance (the broker pod replaced, the MiniCluster recreated) cannot be merged into the jobs of
the old one, whose running jobs would otherwise tick on forever.

A `--since` listing holds every active job. An active job of the index missing from it ended before the
listing's start, which overlaps the last one by SINCE_MARGIN: Flux's job-list learned of its end later than
that. The next refresh asks for such jobs by id (the `recheck` section), so no job is left running on screen.
"""

from __future__ import annotations

import codecs
import secrets
import shlex
from collections import ChainMap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import commands as fc
from . import rows
from .model import Job, JobStats, QueueReport, Resources, Uptime
from .nodes import STATUS_FORMAT, NodeStatus, parse_node_status
from .parse import parse_queue_status, parse_resource_rows, parse_stats, parse_uptime
from .rows import ROW_FORMAT, unreadable_text

# Seconds of overlap between incremental fetches, for job-list's lag behind the jobs' events (milliseconds,
# usually): each job that ended within it is listed again, at 2 s refreshes about once (plus up to a second
# lost to whole seconds in `--since`). A lag beyond it is caught by `recheck`.
SINCE_MARGIN = 2
RECHECK_MAX = 200  # job ids asked for by id in one refresh (an argv, kept short)
JOB_SECTIONS = ("jobs", "recheck")  # sections of job rows, read as they come

ALL_SECTIONS = ("jobs", "stats", "queue", "resources", "nodes", "uptime", "version")
UNREADABLE = "unreadable"  # the errors key of job records that could not be parsed (each costs only itself)


@dataclass
class Snapshot:
    remote_now: float | None = None
    full: bool = True
    jobs: list[Job] = field(default_factory=list)
    count: int = 0                      # the -c given to flux jobs (0: no limit)
    preview: bool = False               # the newest screenful only, read before the full listing
    stats: JobStats | None = None
    queue: QueueReport | None = None
    resources: Resources | None = None
    nodes: NodeStatus | None = None     # drained / offline / up, from `flux resource status`
    uptime: Uptime | None = None
    version: str | None = None
    instance: str | None = None         # which Flux instance answered: its broker.starttime
    archive: dict | None = None      # {"path", "exists", "size", "mtime"}
    errors: dict[str, str] = field(default_factory=dict)  # section -> why it has no data
    built: dict[int, Any] = field(default_factory=dict)  # job id -> the reader's `build` of it (a table row)
    rechecked: frozenset[int] = frozenset()  # the ids asked for by id (`recheck`): those absent are gone
    bytes: int = 0
    stderr: str = ""

    @property
    def truncated(self) -> bool:
        """flux jobs stopped at --count while more jobs exist."""
        if self.preview or not self.full or not self.count or len(self.jobs) < self.count:
            return False
        return self.stats is None or self.total_jobs > self.count

    def problems(self) -> list[str]:
        """Every error as a line for a person: `nodes: flux resource status exited 1`, `1 job could not be read: …`."""
        return [text if name == UNREADABLE else f"{name}: {text}" for name, text in self.errors.items()]

    @property
    def total_jobs(self) -> int:
        s = self.stats
        return (s.running + s.pending + s.completed + s.failed) if s else len(self.jobs)


class Script:
    """Builds a fenced in-pod script: `@@<nonce> section NAME`, the command, `@@<nonce> rc N`."""

    def __init__(self, nonce: str) -> None:
        self.fence = f"@@{nonce}"
        self.parts = [f'echo "{self.fence} now $(date +%s.%N)"']

    def section(self, name: str, argv: list[str], tail: str = "") -> Script:
        return self.raw(name, shlex.join(argv) + tail)

    def raw(self, name: str, shell: str) -> Script:
        self.parts.append(f"echo {shlex.quote(f'{self.fence} section {name}')}")
        self.parts.append(shell)
        # A leading newline so output without a final newline cannot swallow the fence.
        self.parts.append(f"printf '\\n{self.fence} rc %s\\n' $?")
        return self

    def text(self) -> str:
        return "\n".join(self.parts) + "\n"


def build_script(nonce: str, *, sections: Iterable[str] = ALL_SECTIONS, count: int = 0,
                 since: int | None = None, archive: str | None = None, filters: Sequence[str] = (),
                 recheck: Iterable[int] = ()) -> str:
    """The in-pod script. `since` is the remote epoch second to list changes from (None: all);
    `filters` lists only those jobs (`flux jobs -f pending`) instead of all; `recheck`: jobs listed by id
    besides the changes (with `since`), whatever their state."""
    script = Script(nonce)
    simple = {"stats": fc.stats, "queue": fc.queue_status, "resources": fc.resources, "uptime": fc.uptime,
              "version": fc.version, "nodes": lambda: fc.resource_status(STATUS_FORMAT)}
    for name in sections:
        if name == "jobs":
            # Asked before the listing, in the same exec: the jobs are of the instance named here.
            script.section("instance", fc.getattr_("broker.starttime"))
            if since is None:
                script.section("jobs", fc.jobs(ROW_FORMAT, count=count, filters=filters))
            else:
                # The offset is computed in the pod, against the broker host's own clock.
                script.section("jobs", fc.jobs(ROW_FORMAT, count=0, all_states=False),
                               f' "--since=-$(( $(date +%s) - {int(since)} ))s"')
                ids = sorted(recheck)
                if ids:
                    script.section("recheck", fc.jobs(ROW_FORMAT, count=0, all_states=False,
                                                      ids=[str(i) for i in ids]))
        elif name in simple:
            script.section(name, simple[name]())
        else:
            raise ValueError(f"unknown section {name!r}")
    if archive:
        q = shlex.quote(archive)
        script.raw("archive", f"if [ -e {q} ]; then stat -c '%s %Y' {q}; else echo missing; fi")
    return script.text()


def new_nonce() -> str:
    return secrets.token_hex(6)


def split_sections(stdout: str, nonce: str) -> tuple[float | None, dict[str, tuple[str, int | None]]]:
    fence = f"@@{nonce} "
    now: float | None = None
    sections: dict[str, tuple[str, int | None]] = {}
    current: str | None = None
    body: list[str] = []
    for line in stdout.split("\n"):
        if line.startswith(fence):
            word, _, rest = line[len(fence):].partition(" ")
            if word == "now":
                now = float(rest) if rest.strip() else None
            elif word == "section":
                current, body = rest.strip(), []
            elif word == "rc" and current is not None:
                text = "\n".join(body)
                sections[current] = (text[:-1] if text.endswith("\n") else text,
                                     int(rest) if rest.strip().isdigit() else None)
                current = None
            continue
        if current is not None:
            body.append(line)
    return now, sections


class SnapshotReader:
    """Reads a refresh script's output as it arrives (`feed` each chunk, then `finish`): the job rows are
    parsed while the rest is still on its way, so a 100,000-job listing is read by the time its last
    byte comes in, and never held as one text. The same reader parses a whole output (`parse_snapshot`)."""

    HEAD = 4096  # bytes of output kept for an error message when the script failed outright

    def __init__(self, nonce: str, *, full: bool, count: int = 0, max_bytes: int = 256 << 20,
                 build: Callable[[Job, float], Any] | None = None, rechecked: Iterable[int] = ()) -> None:
        self.snap = Snapshot(full=full, count=count, rechecked=frozenset(rechecked))
        # Made for each job as it is read (e.g. its table row, from the job and the pod's clock): work
        # done while the rest of the listing is still arriving, not after it.
        self.build = build
        self.fence = f"@@{nonce} "
        self.max_bytes = max_bytes
        self.head = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._tail = ""
        self._current: str | None = None
        self._body: list[str] = []
        self._bad: list[str] = []
        self._sections: dict[str, tuple[str, int | None]] = {}

    def feed(self, data: bytes) -> None:
        snap = self.snap
        room = self.max_bytes - snap.bytes
        snap.bytes += len(data)
        if len(data) > room:
            snap.errors["output"] = f"the output was cut at {self.max_bytes:,} bytes"
            data = data[:max(room, 0)]
        if data:
            self.feed_text(self._decoder.decode(data))

    def feed_text(self, text: str) -> None:
        if len(self.head) < self.HEAD:
            self.head += text[: self.HEAD - len(self.head)]
        lines = (self._tail + text).split("\n")
        self._tail = lines.pop()
        self._lines(lines)

    def _lines(self, lines: list[str]) -> None:
        fence, jobs, bad, parse = self.fence, self.snap.jobs, self._bad, rows.parse_job_row
        for line in lines:
            if line.startswith(fence):
                self._fence(line[len(fence):])
            elif self._current in JOB_SECTIONS:
                if line.strip():
                    try:
                        job = parse(line)
                    except (ValueError, OverflowError, SyntaxError, MemoryError, RecursionError) as exc:
                        bad.append(str(exc) or type(exc).__name__)  # one bad record costs only itself
                        continue
                    jobs.append(job)
                    if self.build is not None:
                        self.snap.built[job.id] = self.build(job, self.snap.remote_now or 0.0)
            elif self._current is not None:
                self._body.append(line)

    def _fence(self, rest: str) -> None:
        word, _, rest = rest.partition(" ")
        if word == "now":
            self.snap.remote_now = float(rest) if rest.strip() else None
        elif word == "section":
            self._current, self._body = rest.strip(), []
        elif word == "rc" and self._current is not None:
            text = "\n".join(self._body)
            self._sections[self._current] = (text[:-1] if text.endswith("\n") else text,
                                             int(rest) if rest.strip().isdigit() else None)
            self._current, self._body = None, []

    def finish(self) -> Snapshot:
        tail = self._tail + self._decoder.decode(b"", final=True)
        self._tail = ""
        if tail:
            self._lines([tail])
        snap = self.snap
        if self._current in JOB_SECTIONS or (snap.jobs and "jobs" not in self._sections):
            # The listing never got to its end (the exec was cut off): a part of it is not the queue.
            snap.jobs, snap.built = [], {}
            snap.errors["jobs"] = "the job listing was cut short"
        if self._bad:
            snap.errors[UNREADABLE] = unreadable_text(self._bad)
        _fill(snap, self._sections)
        return snap


def parse_snapshot(stdout: str, nonce: str, *, full: bool, count: int = 0) -> Snapshot:
    reader = SnapshotReader(nonce, full=full, count=count)
    reader.feed_text(stdout)
    snap = reader.finish()
    snap.bytes = len(stdout.encode())
    return snap


def _fill(snap: Snapshot, sections: dict[str, tuple[str, int | None]]) -> None:
    """Every section but the job rows (read as they came) into the snapshot."""
    parsers = {
        "stats": lambda t: parse_stats(t),
        "queue": parse_queue_status,
        "resources": parse_resource_rows,
        "nodes": parse_node_status,
        "uptime": parse_uptime,
    }
    for name, (text, rc) in sections.items():
        try:
            if name == "jobs":
                if rc not in (0, None):
                    snap.errors[name] = f"flux jobs exited {rc}"
            elif name == "recheck":
                pass  # its rows are read; it exits 1 when none of the ids is known any more (purged)
            elif name == "instance":
                # Unknown (None) when flux getattr fails: a new instance is then not detected.
                snap.instance = (text.strip() or None) if rc == 0 else None
            elif name == "version":
                first = text.strip().splitlines()[0] if text.strip() else ""
                snap.version = first.split()[-1] if first else None
            elif name == "archive":
                fields = text.split()
                if fields and fields[0] != "missing" and len(fields) >= 2:
                    snap.archive = {"exists": True, "size": int(fields[0]), "mtime": float(fields[1])}
                else:
                    snap.archive = {"exists": False, "size": None, "mtime": None}
            elif name == "stats" and not text.strip():
                snap.errors[name] = f"flux jobs --stats-only exited {rc}"
            elif name == "nodes" and rc not in (0, None):
                # No listing is not "every node is fine": leave it unknown.
                snap.errors[name] = f"flux resource status exited {rc}"
            else:
                setattr(snap, name, parsers[name](text))
        except (ValueError, IndexError, KeyError) as exc:
            snap.errors[name] = f"could not read {name}: {exc}"


@dataclass
class Merge:
    """What a snapshot does to a JobIndex, computed without touching it (`JobIndex.merged`), so a worker
    can compute it off the UI thread while the screen goes on reading the index, and the screen's
    handler then `commit`s it on the main thread."""

    # The whole new set of jobs, without changing the index's own dict: after a full listing its jobs; after
    # a refresh the changes over the index's jobs (copying 100,000 jobs each tick cost some 4 ms)
    jobs: dict[int, Job] | ChainMap[int, Job]
    added: set[int]
    changed: set[int]
    removed: set[int]
    truncated: bool
    instance: str | None
    remote_now: float | None
    active: set[int]            # the ids of the jobs not yet inactive (a refresh looks at these, not at all)
    queued: bool                # some job names a queue
    missing: set[int] = field(default_factory=set)  # active, and absent from a --since listing: rechecked


class JobIndex:
    """The jobs of one MiniCluster, kept up to date from snapshots, keyed by job id."""

    def __init__(self) -> None:
        self.jobs: dict[int, Job] = {}
        self.remote_now: float | None = None
        self.truncated = False
        self.instance: str | None = None   # the Flux instance the jobs are of (broker.starttime)
        # Kept as jobs come and go, so that a refresh of a queue of 100,000 finished jobs looks at the few
        # still pending or running rather than at every job.
        self.active: set[int] = set()
        self.queued = False
        self.missing: set[int] = set()  # see the module's docstring: asked for by id next time

    @property
    def loaded(self) -> bool:
        return self.remote_now is not None

    def since(self) -> int | None:
        """Where the next incremental fetch starts, or None when a full fetch is due."""
        if self.remote_now is None:
            return None
        return int(self.remote_now) - SINCE_MARGIN

    def recheck(self) -> list[int]:
        """The jobs the next incremental fetch asks for by id (a bounded number at a time)."""
        return sorted(self.missing)[:RECHECK_MAX]

    def other_instance(self, snap: Snapshot) -> bool:
        """The snapshot comes from another Flux instance than the jobs held (both being known)."""
        return snap.instance is not None and self.instance is not None and snap.instance != self.instance

    def merged(self, snap: Snapshot) -> Merge:
        """The index as it would be with the snapshot merged; the index itself is left as it is.

        Changes of another instance are never merged into the jobs of the old one: its jobs are
        dropped and the next fetch is a full one (`since()` is None). A caller that can should
        fetch in full at once instead (see `other_instance`)."""
        new_instance = self.other_instance(snap)
        incoming = {j.id: j for j in snap.jobs}
        old = self.jobs
        added = {i for i in incoming if i not in old}
        changed = {i for i, j in incoming.items() if i in old and old[i] != j}
        removed = set(old) - set(incoming) if snap.full or new_instance else set()
        jobs: dict[int, Job] | ChainMap[int, Job] = incoming if snap.full or new_instance else ChainMap(incoming, old)
        if (new_instance and not snap.full) or snap.preview:
            # After a preview the next fetch must still be the full listing, not changes since it.
            remote_now = None
        else:
            remote_now = snap.remote_now if snap.remote_now is not None else self.remote_now
        if snap.full or new_instance:
            active = {i for i, j in incoming.items() if j.state != "INACTIVE"}
            queued = any(j.queue for j in incoming.values())
        else:
            active = set(self.active)
            for i, j in incoming.items():
                if j.state == "INACTIVE":
                    active.discard(i)
                else:
                    active.add(i)
            queued = self.queued or any(j.queue for j in incoming.values())
        missing: set[int] = set()
        if snap.full or new_instance:
            pass
        elif "jobs" in snap.errors:
            missing = set(self.missing)  # a listing cut short tells nothing of what it lacks
        else:
            # The listing holds every active job: one of ours absent from it ended before its start.
            missing = {i for i in active if i not in incoming}
            # Asked for by id and still absent: no longer known to Flux (purged); left as last seen.
            gone = missing & snap.rechecked
            active -= gone
            missing -= gone
        return Merge(jobs, added, changed, removed, snap.truncated if snap.full else self.truncated,
                     snap.instance if snap.instance is not None else self.instance, remote_now, active, queued,
                     missing)

    def commit(self, merge: Merge) -> None:
        if isinstance(merge.jobs, ChainMap):
            changes, old = merge.jobs.maps
            if old is self.jobs:
                old.update(changes)  # in place: only the UI thread reads an index, and it commits
            else:
                self.jobs = {**old, **changes}
        else:
            self.jobs = merge.jobs
        self.active, self.queued = merge.active, merge.queued
        self.truncated = merge.truncated
        self.instance = merge.instance
        self.remote_now = merge.remote_now
        self.missing = merge.missing

    def apply(self, snap: Snapshot) -> tuple[set[int], set[int], set[int]]:
        """Merge a snapshot at once; returns (added, changed, removed) job ids."""
        merge = self.merged(snap)
        self.commit(merge)
        return merge.added, merge.changed, merge.removed
