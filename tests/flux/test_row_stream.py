"""flux/row_stream.py: the listing read as it arrives gives what parse_snapshot gives for the whole output
(the same jobs, in order_key order, the same errors), whatever the chunks; the pending jobs' reasons are
reasons_by_job's; and cli/jobs_json.py writes a job exactly as json_text(…, indent=2) does."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from fluxstate_tui.cli.jobs_json import job_text, row_text
from fluxstate_tui.flux.display import json_text
from fluxstate_tui.flux.model import Job, QueueReport, QueueState, order_key
from fluxstate_tui.flux.parse import parse_resource_rows
from fluxstate_tui.flux.row_stream import FifoReasons, RowStream
from fluxstate_tui.flux.rows import ROW_FIELDS, SEP
from fluxstate_tui.flux.snapshot import parse_snapshot
from fluxstate_tui.flux.why import reasons_by_job
from fluxstate_tui.readmodel import job_json

NONCE = "abc123"


def row(jobid: int, state: str = "INACTIVE", *, name: str = "job", t_inactive: float = 0.0, t_run: float = 0.0,
        priority: str = "16", urgency: str = "16", nnodes: str = "", ntasks: str = "1", exc: str = "''",
        deps: str = "[]", result: str = "COMPLETED") -> str:
    fields = {"id.dec": str(jobid), "username": "'root'", "name": ascii(name), "state": state,
              "result": result if state == "INACTIVE" else "", "ntasks": ntasks, "ncores": ntasks,
              "nnodes": nnodes, "t_submit": "100.5", "t_run": repr(t_run), "t_inactive": repr(t_inactive),
              "duration": "0.0", "nodelist": "'n[0-1]'", "queue": "''", "urgency": urgency, "priority": priority,
              "returncode": "0" if state == "INACTIVE" else "", "exception.type": exc,
              "exception.note": "'why'" if exc != "''" else "''", "runtime": "1.25", "dependencies": deps}
    return SEP.join(fields[f] for f in ROW_FIELDS)


def output(rows: list[str], rc: int = 0, stats: str = "1 running, 2 completed, 0 failed, 3 pending, 0 inactive "
                                                         "purged") -> str:
    fence = f"@@{NONCE}"
    return (f"{fence} now 1000.0\n{fence} section stats\n{stats}\n\n{fence} rc 0\n"
            f"{fence} section jobs\n" + "".join(r + "\n" for r in rows) + f"\n{fence} rc {rc}\n")


def streamed(text: str, sizes: list[int], window: int = 2048) -> tuple[RowStream, list[Job]]:
    stream = RowStream(NONCE, window=window)
    data = text.encode()
    jobs: list[Job] = []
    at = 0
    for size in sizes * (len(data) // max(1, sum(sizes)) + 2):
        if at >= len(data):
            break
        jobs += stream.feed(data[at:at + size])
        at += size
    jobs += stream.feed(data[at:]) + stream.finish()
    return stream, jobs


def a_queue() -> list[str]:
    rows = [row(9, "SCHED", nnodes="4", ntasks="4"), row(8, "SCHED", urgency="0", priority="0"),
            row(7, "DEPEND", priority="", deps="['after-success=\\u0192abc']"),
            row(6, "RUN", t_run=50.0), row(5, "RUN", t_run=40.0)]
    rows += [row(i, t_inactive=float(i), name=f"done \u00e9 {i}", exc="'cancel'" if i % 3 == 0 else "''")
             for i in range(4, 0, -1)]
    return rows


def test_any_chunking_gives_parse_snapshots_jobs_in_order():
    rows = a_queue() + ["not a row", "1" + SEP + "2"]
    text = output(rows, rc=0)
    whole = parse_snapshot(text, NONCE, full=True)
    for sizes in ([1], [7, 3], [64], [65536], [5, 1000, 2]):
        stream, jobs = streamed(text, sizes)
        assert jobs == sorted(whole.jobs, key=order_key) and stream.rows == len(whole.jobs) == 9
        assert stream.errors() == whole.errors and "2 jobs could not be read" in stream.errors()["unreadable"]
        assert stream.rc == 0 and stream.context is not None and stream.context.remote_now == 1000.0
        assert stream.context.stats is not None and stream.context.stats.pending == 3


def test_a_failed_listing_and_a_missing_last_newline():
    text = output(a_queue()[:2], rc=1)
    stream, jobs = streamed(text.rstrip("\n"), [10])
    assert len(jobs) == 2 and stream.rc == 1
    assert stream.errors() == parse_snapshot(text, NONCE, full=True).errors == {"jobs": "flux jobs exited 1"}


def test_jobs_out_of_place_within_the_window_come_out_sorted_and_none_is_lost():
    rows = [row(i, t_inactive=float(i)) for i in range(5000, 0, -1)]
    rng = random.Random(7)
    near = rows[:]
    for i in range(0, len(near) - 40, 40):  # each job moved at most 40 rows
        block = near[i:i + 40]
        rng.shuffle(block)
        near[i:i + 40] = block
    _, jobs = streamed(output(near), [4096], window=64)
    assert [j.id for j in jobs] == list(range(5000, 0, -1))
    far = rows[1:] + rows[:1]  # the newest job last: 4999 rows out of place
    _, jobs = streamed(output(far), [4096], window=64)
    assert sorted(j.id for j in jobs) == list(range(1, 5001))  # late, but there


def test_fifo_reasons_are_reasons_by_job():
    _, jobs = streamed(output(a_queue()), [100])
    queue = QueueReport(queues=[QueueState(None, started=False, stop_reason="maint")])
    resources = parse_resource_rows("all 2 8 0 n[0-1]\nallocated 2 7 0 n[0-1]\nfree 0 1 0\n")
    for q, r in ((queue, resources), (None, resources), (None, None)):
        fifo = FifoReasons(q, r, None)
        expected = reasons_by_job({j.id: j for j in jobs}, q, r)
        assert {j.id: fifo(j) for j in jobs if j.pending} == expected
        if q is None and r is not None:  # 8 fits the free core but waits behind 9, which waits for nodes
            assert [x.kind for x in expected[8]] == ["held", "fifo"]


def element(doc: dict) -> str:
    """A job as json_text writes it inside the "jobs" array of the CLI's document."""
    text = json_text({"jobs": [doc]}, indent=2)
    return text[len('{\n  "jobs": [\n'):-len("\n  ]\n}")]


def test_a_job_is_written_as_json_text_writes_it():
    _, jobs = streamed(output(a_queue()), [100])
    fifo = FifoReasons(None, None, None)
    for job in jobs:
        reasons = fifo(job)
        doc = job_json(job, reasons)
        assert row_text(job, reasons) == job_text(doc) == element(doc)


texts = st.text(st.characters(codec="utf-8"), max_size=12)
numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 10**20).map(float)


@settings(max_examples=300, deadline=None)
@given(name=texts, user=texts, nodelist=texts, queue=texts, note=texts, kind=texts, times=st.lists(numbers, min_size=5,
       max_size=5), state=st.sampled_from(["INACTIVE", "RUN", "CLEANUP", "SCHED", "DEPEND"]),
       ints=st.lists(st.none() | st.integers(-2, 2**63), min_size=3, max_size=3),
       deps=st.lists(texts, max_size=2))
def test_any_job_is_written_as_json_text_writes_it(name, user, nodelist, queue, note, kind, times, state, ints, deps):
    job = Job(id=ints[2] if ints[2] and ints[2] > 0 else 1, user=user, name=name, state=state,
              result="FAILED" if state == "INACTIVE" else "", ntasks=3, ncores=ints[0] or 0, nnodes=ints[1],
              t_submit=times[0], t_run=times[1], t_inactive=times[2], duration=times[3], runtime=times[4],
              nodelist=nodelist, queue=queue, priority=ints[0], returncode=ints[1], exception_type=kind,
              exception_note=note, dependencies=deps)
    reasons = FifoReasons(None, None, None)(job)
    doc = job_json(job, reasons)
    assert row_text(job, reasons) == element(doc)
    assert math.isnan(job.t_submit) or '"t_submit"' in row_text(job, reasons)
