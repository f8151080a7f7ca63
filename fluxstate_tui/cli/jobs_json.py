"""`jobs --json` written as the jobs arrive: the document `json_text(doc, indent=2)` printed, byte for byte,
without ever holding it (or its jobs) whole.

The document's keys come in this order: namespace, minicluster, broker, truncated, total, jobs, errors.
"truncated" and "total" usually come from the counts read before the listing (`JobsHead.early`) and the
jobs are written as they come. When only the listing can settle them (the counts failed, or `-c N` with
more than N jobs), the jobs go to a spool (memory, then a temporary file past SPOOL_MEMORY) and follow the
head once it is known: the order of the keys never changes.

Python 3.11's json module writes indented output in pure Python (2 s for 100,000 jobs). A job here is
written by `job_text` (any job_json dict: each scalar through the C encoders json uses, nested values
through json_text itself) or, for the common job, by `row_text` (one f-string); both give json_text's
characters (tests/flux/test_row_stream.py compares them on any job, with Hypothesis).
"""

from __future__ import annotations

import shutil
import tempfile
from json.encoder import encode_basestring  # C: what json.dumps(ensure_ascii=False) uses
from typing import IO, Any

from ..flux.display import json_text
from ..flux.ids import f58_encode
from ..flux.model import Job
from ..flux.why import Reason
from ..readmodel import JobsHead, JobsTail, Rows, job_json

SPOOL_MEMORY = 16 << 20  # bytes of spooled jobs kept in memory before the spool goes to a temporary file
INDENT = 2
ITEM = " " * (2 * INDENT)        # a job object inside {"jobs": [ … ]}
FIELD = " " * (3 * INDENT)       # its keys
_KEYS: dict[str, str] = {}       # key -> '      "key": '
_INF = float("inf")


def _scalar_or_nested(value: Any) -> str:
    kind = type(value)
    if kind is str:
        # json_text escapes what is not printable (the C1 controls, bidi overrides…) after json.dumps;
        # a printable string has none of them, so the C encoder alone gives the same text.
        return encode_basestring(value) if value.isprintable() else json_text(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if value != value:
            return "NaN"
        if value in (_INF, -_INF):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if not value and kind in (list, dict):
        return "[]" if kind is list else "{}"
    # Nested (a failed job's exception, its reasons): indented as json.dumps indents it at this depth.
    return json_text(value, indent=INDENT).replace("\n", "\n" + FIELD)


def job_text(doc: dict) -> str:
    """One element of the "jobs" array, as json_text(…, indent=2) writes it there (no separator)."""
    parts = []
    for key, value in doc.items():
        prefix = _KEYS.get(key)
        if prefix is None:
            prefix = _KEYS[key] = f"{FIELD}{json_text(key)}: "
        parts.append(prefix + _scalar_or_nested(value))
    return f"{ITEM}{{\n" + ",\n".join(parts) + f"\n{ITEM}}}"


# The keys job_json gives a job that is not pending. The fast path below writes them itself, so it is used
# only while job_json still gives exactly these (checked once, on first use): a field added there is not
# lost, only slower. A value job_json writes differently fails tests/flux/test_row_stream.py.
FAST_KEYS = ("id", "jobid", "user", "name", "state", "status", "result", "ntasks", "ncores", "nnodes", "t_submit",
             "t_run", "t_inactive", "runtime", "duration", "nodelist", "queue", "urgency", "priority", "returncode",
             "exception", "dependencies")
_fast: list[bool] = []


def row_text(job: Job, reasons: list[Reason] | None) -> str:
    """job_text(job_json(job, reasons)), about twice as fast for the common job (finished or running, no
    dependency): its fields straight into one f-string, job_json's expressions inline."""
    if not _fast:
        _fast.append(tuple(job_json(Job(1, state="INACTIVE"))) == FAST_KEYS)
    times = job.t_submit + job.t_run + job.t_inactive + job.runtime + job.duration
    texts = job.user + job.name + job.state + job.result + job.nodelist + job.queue
    if job.exception_type:
        texts += job.exception_type + job.exception_note
    # Not printable: a character json_text escapes after json.dumps; NaN or an infinity: json's own words.
    if job.pending or job.dependencies or times - times != 0.0 or not texts.isprintable() or not _fast[0]:
        return job_text(job_json(job, reasons))
    enc = encode_basestring
    exception = ("null" if not job.exception_type else
                 f'{{\n        "type": {enc(job.exception_type)},\n        "note": {enc(job.exception_note)}\n      }}')
    return (f'    {{\n      "id": {job.id!r},\n      "jobid": {enc(f58_encode(job.id))},\n'
            f'      "user": {enc(job.user)},\n      "name": {enc(job.name)},\n'
            f'      "state": {enc(job.state)},\n      "status": {enc(job.status_abbrev)},\n'
            f'      "result": {enc(job.result) if job.result else "null"},\n'
            f'      "ntasks": {job.ntasks!r},\n      "ncores": {repr(job.ncores) if job.ncores else "null"},\n'
            f'      "nnodes": {"null" if job.nnodes is None else repr(job.nnodes)},\n'
            f'      "t_submit": {repr(job.t_submit) if job.t_submit else "null"},\n'
            f'      "t_run": {repr(job.t_run) if job.t_run else "null"},\n'
            f'      "t_inactive": {repr(job.t_inactive) if job.t_inactive else "null"},\n'
            f'      "runtime": {job.runtime!r},\n      "duration": {job.duration!r},\n'
            f'      "nodelist": {enc(job.nodelist) if job.nodelist else "null"},\n'
            f'      "queue": {enc(job.queue) if job.queue else "null"},\n'
            f'      "urgency": {job.urgency!r},\n'
            f'      "priority": {"null" if job.priority is None else repr(job.priority)},\n'
            f'      "returncode": {"null" if job.returncode is None else repr(job.returncode)},\n'
            f'      "exception": {exception},\n      "dependencies": []\n    }}')


def _split(before: dict, after: dict) -> tuple[str, str]:
    """The text of the document {**before, "jobs": [], **after}, cut between the array's brackets."""
    text = json_text({**before, "jobs": [], **after}, indent=INDENT)
    at = text.index('"jobs": []') + len('"jobs": [')
    return text[:at], text[at:]


class JobsDocument:
    """Written in three calls: `begin` (the head, once known), `rows` (each batch), `end` (the rest)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.head: JobsHead | None = None
        self._head_text: str | None = None      # known early: written before the first job
        self._spool: IO[bytes] | None = None    # known late: jobs wait here
        self._started = False
        self.count = 0  # jobs written (or spooled)

    def begin(self, head: JobsHead) -> None:
        self.head = head
        early = head.early()
        if early is None:
            self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 - closed in end()
        else:
            self._head_text = self._head(*early)

    def rows(self, batch: Rows) -> None:
        if not batch:
            return
        sep = ",\n" if self.count else "\n"
        self.count += len(batch)
        text = sep + ",\n".join([row_text(job, reasons) for job, reasons in batch])
        if self._spool is not None:
            self._spool.write(text.encode())
            return
        if not self._started:
            # Not before the first job: a listing that fails with none raises, and then nothing is printed.
            assert self._head_text is not None
            text = self._head_text + text
            self._started = True
        self.out.write(text.encode())

    def end(self, tail: JobsTail) -> None:
        """The rest of the document; everything is written when this returns."""
        if self._spool is not None:
            self.out.write(self._head(tail.truncated, tail.total).encode())
            self._spool.seek(0)
            shutil.copyfileobj(self._spool, self.out, 1 << 20)
            self._spool.close()
        elif not self._started:
            assert self._head_text is not None
            self.out.write(self._head_text.encode())
        _, after = _split({}, {"errors": tail.errors})
        self.out.write((("\n" + " " * INDENT) if self.count else "").encode() + after.encode() + b"\n")
        self.out.flush()

    def _head(self, truncated: bool, total: int) -> str:
        head = self.head
        assert head is not None
        before, _ = _split({"namespace": head.mc.namespace, "minicluster": head.mc.name, "broker": head.broker,
                            "truncated": truncated, "total": total}, {})
        return before

