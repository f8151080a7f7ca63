"""Reading a fenced script's job rows as its bytes arrive, so 100,000 jobs are never all held at once.

`RowStream` is fed the exec's stdout chunk by chunk (snapshot.py's fences, with `jobs` the last
section) and hands back the jobs ready to use, in `flux jobs` order (`order_key`): every other
section is kept (a few lines) and read by `parse_snapshot` when the job rows begin, so the jobs'
reasons can be worked out as they pass (`FifoReasons`). A bad row costs only itself, as in
`read_job_rows`.

Flux lists jobs in `order_key` order already, but not always exactly (the demo lists a restored or
seeded history in the order it was loaded; equal times may come in any order), and the CLI has always
printed them sorted. The last `WINDOW` jobs are held back, in order: a job out of place by fewer rows
than that still comes out where a full sort would put it; one further out comes out late.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Job, QueueReport, Resources, order_key
from .nodes import NodeStatus
from .rows import parse_job_row, unreadable_text
from .snapshot import UNREADABLE, Snapshot, build_script, parse_snapshot
from .why import RESOURCE_KINDS, Reason, reasons_for

WINDOW = 2048  # jobs held to put a nearly sorted listing in order (a few MB at most)
# What the stream needs before the first job: the counts (the JSON's "total") and what a pending job's
# reasons are made of. They are a few lines, so they come first and the listing last.
JOBS_LAST = ("stats", "queue", "resources", "nodes", "jobs")
ROW_ERRORS = (ValueError, OverflowError, SyntaxError, MemoryError, RecursionError)  # as read_job_rows


def jobs_script(nonce: str, *, count: int = 0) -> str:
    """The script `RowStream` reads: the small sections, then `flux jobs -a -c COUNT`."""
    return build_script(nonce, sections=JOBS_LAST, count=count)


class RowStream:
    """The stdout of `jobs_script`, fed as it arrives. `feed` returns the jobs now in order;
    `finish` the rest. `context` (the other sections, parsed) is set when the listing begins."""

    def __init__(self, nonce: str, *, window: int = WINDOW) -> None:
        self.fence = f"@@{nonce} "
        self._start = f"@@{nonce} section jobs"
        self._nonce = nonce
        self._partial = b""
        self._others: list[str] = []   # every line but the listing's: a few hundred bytes
        self._in_rows = False
        self.started = False           # the listing's fence was seen
        self.rc: int | None = None     # flux jobs' exit code (None: it never ended)
        self.context: Snapshot | None = None
        self.rows = 0                  # readable jobs
        self._bad = 0
        self._first_bad = ""
        self._window = window
        self._held: list[tuple[tuple, int, Job]] = []  # the last `window` jobs, in order

    def feed(self, chunk: bytes) -> list[Job]:
        data = self._partial + chunk if self._partial else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            self._partial = data
            return []
        self._partial = data[cut + 1:]
        # Lines are cut at b"\n" before decoding: UTF-8 never has that byte inside a character, so this
        # decodes exactly as decoding the whole output would.
        return self._lines(data[:cut].decode(errors="replace").split("\n"))

    def finish(self) -> list[Job]:
        """The last line (if the output did not end with a newline) and every job still held."""
        out = self._lines([self._partial.decode(errors="replace")]) if self._partial else []
        self._partial = b""
        if not self.started:
            self._begin()
        out += [entry[2] for entry in self._held]
        self._held = []
        return out

    def errors(self) -> dict[str, str]:
        """The errors parse_snapshot would give for the whole output, in its order ("jobs" first)."""
        out: dict[str, str] = {}
        if self.rc not in (0, None):
            out["jobs"] = f"flux jobs exited {self.rc}"
        if self._bad:
            # unreadable_text words it; it reads the count and the first reason only
            out[UNREADABLE] = unreadable_text([self._first_bad] + [""] * (self._bad - 1))
        others = parse_snapshot("\n".join(self._others), self._nonce, full=True)
        out.update(others.errors)
        return out

    def _begin(self) -> None:
        self.started = True
        self.context = parse_snapshot("\n".join(self._others), self._nonce, full=True)

    def _lines(self, lines: Iterable[str]) -> list[Job]:
        fresh: list[tuple[tuple, int, Job]] = []
        fence = self.fence
        for line in lines:
            if self._in_rows:
                if line.startswith(fence):
                    word, _, rest = line[len(fence):].partition(" ")
                    if word == "rc":
                        self._in_rows = False
                        self.rc = int(rest) if rest.strip().isdigit() else None
                    else:
                        self._others.append(line)
                    continue
                if not line or line.isspace():
                    continue
                try:
                    job = parse_job_row(line)
                except ROW_ERRORS as exc:
                    if not self._bad:
                        self._first_bad = str(exc) or type(exc).__name__
                    self._bad += 1
                    continue
                self.rows += 1
                # The arrival number breaks ties, so equal keys keep flux's order (as a stable sort does).
                fresh.append((order_key(job), self.rows, job))
            elif line == self._start:
                self._in_rows = True
                self._begin()
            else:
                self._others.append(line)
        return self._ordered(fresh)

    def _ordered(self, fresh: list[tuple[tuple, int, Job]]) -> list[Job]:
        """All but the last `window` jobs so far, in order. Flux's order is nearly this one, so both sorts
        below are one pass (timsort finds the runs): about two comparisons a job, not a heap's twenty."""
        if not fresh:
            return []
        held = self._held
        fresh.sort()
        if held and fresh[0] < held[-1]:
            held += fresh
            held.sort()
        else:
            held += fresh
        cut = len(held) - self._window
        if cut <= 0:
            return []
        out = [entry[2] for entry in held[:cut]]
        del held[:cut]
        return out


class FifoReasons:
    """why.reasons_by_job one pending job at a time, for jobs that pass in `order_key` order: the same
    reasons, without holding the queue. `tests/flux/test_row_stream.py` checks they agree."""

    def __init__(self, queue: QueueReport | None, resources: Resources | None, nodes: NodeStatus | None) -> None:
        self.queue, self.resources, self.nodes = queue, resources, nodes
        self.head: Job | None = None

    def __call__(self, job: Job) -> list[Reason] | None:
        """The job's reasons, the first to fix first (None for a job that is not pending)."""
        if not job.pending:
            return None
        reasons = reasons_for(job, queue=self.queue, resources=self.resources, nodes=self.nodes, head=self.head)
        if (self.head is None and job.state == "SCHED" and job.urgency != 0 and job.priority != 0
                and any(r.kind in RESOURCE_KINDS for r in reasons)):
            self.head = job  # the job at the head of the FIFO that waits for resources (why._heads)
        return reasons

