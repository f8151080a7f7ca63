"""Every parser against every relevant block of the real flux-core 0.88 transcripts."""

from __future__ import annotations

import json
import re

import pytest

from fluxstate_tui.flux.fsd import parse_fsd
from fluxstate_tui.flux.ids import f58_decode
from fluxstate_tui.flux.parse import (
    first_error_line,
    parse_eventlog,
    parse_eventlog_text,
    parse_idle,
    parse_jobs_json,
    parse_jobs_table,
    parse_queue_status,
    parse_resource_list,
    parse_stats,
    parse_uptime,
)
from tests.transcripts import block, load_blocks

FILES = ["01-basic.txt", "02-queue-stop-idle.txt", "03-dump-restore.txt", "04-json.txt", "05-locale.txt",
         "06-named-queues.txt", "07-misc.txt"]
ALL = [(f, b) for f in FILES for b in load_blocks(f)]


def blocks(pattern: str, exit_code: int | None = 0):
    rx = re.compile(pattern)
    found = [pytest.param(b, id=f"{f}:{b['cmd'][:50]}") for f, b in ALL
             if rx.search(b["cmd"]) and (exit_code is None or b["exit"] == exit_code)]
    assert found, pattern
    return found


# ---- flux queue status ------------------------------------------------------------------------

@pytest.mark.parametrize("b", blocks(r"^flux queue (status|stop|start)( -v| --all| -m|$)"))
def test_queue_status_every_block(b):
    report = parse_queue_status(b["stdout"])
    lines = [line for line in b["stdout"].splitlines() if "Scheduling is" in line or "Job submission is" in line]
    names = {line.split(": ", 1)[0] for line in lines if not line.startswith(("Scheduling", "Job submission"))}
    assert len(report.queues) == (len(names) or 1)
    for q in report.queues:
        if q.name:
            assert any(line.startswith(f"{q.name}: ") for line in lines)
    if "-v" in b["cmd"].split():
        assert report.alloc_queued is not None and report.running is not None


def test_queue_status_stop_reason_and_alloc_counts():
    report = parse_queue_status(block("02-queue-stop-idle.txt", "flux queue status", 2)["stdout"])
    assert [(q.name, q.started, q.stop_reason) for q in report.queues] == [(None, False, "maintenance window")]
    report = parse_queue_status(block("01-basic.txt", "flux queue status -v", 1)["stdout"])
    assert (report.alloc_queued, report.alloc_pending, report.running) == (0, 0, 1)
    assert report.queues[0].started and report.queues[0].enabled


def test_queue_status_named_queues():
    report = parse_queue_status(block("06-named-queues.txt", "flux queue status")["stdout"])
    assert [q.name for q in report.queues] == ["batch", "debug"]
    assert report.named and report.all_stopped
    stopped = parse_queue_status(block("06-named-queues.txt", "flux queue status", 3)["stdout"])
    assert {q.name: (q.started, q.stop_reason) for q in stopped.queues} == {
        "batch": (False, "all stopped"), "debug": (False, "all stopped")}


def test_queue_status_disabled():
    b = next(b for f, b in ALL
             if "Job submission is disabled" in b["stdout"] and b["cmd"].startswith("flux queue status"))
    report = parse_queue_status(b["stdout"])
    assert not report.queues[0].enabled and report.queues[0].disable_reason


def test_queue_status_rejects_garbage():
    with pytest.raises(ValueError):
        parse_queue_status("flux-queue: ERROR: idle: timeout\n")


# ---- flux queue idle --------------------------------------------------------------------------

@pytest.mark.parametrize("b", blocks(r"^flux queue idle"))
def test_idle_counts(b):
    if b["stdout"].strip():
        assert parse_idle(b["stdout"]) >= 0


def test_idle_timeout_is_an_error_line():
    b = block("02-queue-stop-idle.txt", "flux queue idle --timeout=1s")
    assert b["exit"] == 1 and first_error_line(b["stderr"]) == "flux-queue: ERROR: idle: timeout"


# ---- stats ------------------------------------------------------------------------------------

@pytest.mark.parametrize("b", blocks(r"^flux jobs (-a )?--stats", exit_code=None))
def test_stats_every_block(b):
    first = b["stdout"].splitlines()[0] if b["stdout"] else ""
    if not first or "incompatible" in b["stderr"]:
        pytest.skip("no stats line in this block")
    stats = parse_stats(first)
    assert stats.running >= 0 and stats.inactive_purged == 0


def test_stats_values():
    stats = parse_stats(block("01-basic.txt", "flux jobs --stats-only")["stdout"])
    assert (stats.running, stats.completed, stats.failed, stats.pending) == (1, 10, 9, 1)


# ---- uptime -----------------------------------------------------------------------------------

@pytest.mark.parametrize("b", blocks(r"flux uptime$"))
def test_uptime_every_block(b):
    up = parse_uptime(b["stdout"])
    assert up.state == "run" and up.owner == "root" and up.size >= 1
    assert up.scheduler_stopped == ("scheduler stopped" in b["stdout"])
    assert up.submit_disabled == ("submit disabled" in b["stdout"])
    assert up.drained == (int(re.search(r"(\d+) drained", b["stdout"]).group(1)) if "drained" in b["stdout"] else 0)


def test_uptime_values():
    up = parse_uptime(" 17:24:41 run 1s,  owner root,  depth 0,  size 2,  1 drained\n"
                      "  submit disabled,  scheduler stopped\n")
    assert (up.clock, up.uptime, up.size, up.drained, up.submit_disabled, up.scheduler_stopped) == \
        ("17:24:41", "1s", 2, 1, True, True)


# ---- resource list ----------------------------------------------------------------------------

@pytest.mark.parametrize("b", blocks(r"^flux resource list$"))
def test_resource_list_every_block(b):
    res = parse_resource_list(b["stdout"])
    assert [r.state for r in res.rows] == ["free", "allocated", "down"]
    assert all(r.ngpus == 0 for r in res.rows)
    for r in res.rows:
        if r.nnodes:
            assert r.nodelist


def test_resource_list_values():
    res = parse_resource_list(block("01-basic.txt", "flux resource list")["stdout"])
    free = res.rows[0]
    assert (free.nnodes, free.ncores, free.nodelist) == (4, 8, "vm,vm,vm,vm")
    assert res.cores_total == 8 and res.nodes_down == 0
    drained = next(b for f, b in ALL
                   if f == "07-misc.txt" and b["cmd"] == "flux resource list" and "down" in b["stdout"]
                   and re.search(r"down\s+[1-9]", b["stdout"]))
    assert parse_resource_list(drained["stdout"]).nodes_down >= 1


# ---- jobs: default table, JSON ----------------------------------------------------------------

@pytest.mark.parametrize("b", blocks(r"flux jobs( -a| -A)*( -q \w+| -c \d+| -f [\w,]+| --name=\S+)?$"))
def test_default_table_every_block(b):
    lines = b["stdout"].rstrip("\n").splitlines()
    if not lines:
        pytest.skip("empty listing")
    rows = parse_jobs_table(b["stdout"])
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("JOBID"))
    assert len(rows) == len(lines) - header - 1
    for row in rows:
        assert row["st"] in {"D", "P", "S", "R", "C", "CD", "F", "CA", "TO"}
        f58_decode(row["jobid"])
        assert row["jobid"].startswith(("ƒ", "f"))


def test_default_table_details():
    rows = parse_jobs_table(block("01-basic.txt", "flux jobs -a", 1)["stdout"])
    by_id = {r["jobid"]: r for r in rows}
    assert by_id["ƒ2h71UaT"]["info"] == "held" and by_id["ƒ2h71UaT"]["nnodes"] is None
    assert by_id["ƒ2VnExjh"]["name"] == "my-named-+"
    assert by_id["ƒ2uKfZHH"]["time"] == pytest.approx(3.086) and by_id["ƒ2uKfZHH"]["info"] == "vm,vm,vm,vm"
    assert by_id["ƒ2Rb6zX9"]["nnodes"] == 99 and by_id["ƒ2Rb6zX9"]["result"] == "FAILED"
    queued = parse_jobs_table(block("06-named-queues.txt",
                                    "flux job wait-event -t 10 ƒ2nSrtUX clean; sleep 0.3; flux jobs -a")["stdout"])
    assert {r["queue"] for r in queued} <= {"batch", "debug"} and queued[0]["queue"]


@pytest.mark.parametrize("b", blocks(r"^flux jobs (-a )?--json( ƒ\w+)*$"))
def test_json_every_block(b):
    jobs = parse_jobs_json(b["stdout"])
    doc = json.loads(b["stdout"])
    expected = len(doc["jobs"]) if "jobs" in doc else 1
    assert len(jobs) == expected
    for job, raw in zip(jobs, doc.get("jobs", [doc]), strict=True):
        assert job.id == raw["id"] and f58_decode(raw["jobid"]) == raw["id"]
        assert job.state == raw["state"]
        if raw["state"] == "INACTIVE":
            assert job.result == raw["result"] and job.returncode == raw["returncode"]


def test_json_exception_and_held():
    unsat = parse_jobs_json(block("04-json.txt", "flux jobs --json ƒQkHVoM")["stdout"])[0]
    assert unsat.exception_type == "alloc" and "unsatisfiable" in unsat.exception_note
    assert unsat.result == "FAILED" and unsat.returncode == 1 and unsat.nnodes == 9
    jobs = parse_jobs_json(block("04-json.txt", "flux jobs -a --json")["stdout"])
    held = [j for j in jobs if j.urgency == 0]
    assert held and all(j.held and j.status_abbrev == "S" for j in held)


def test_json_missing_id_is_empty():
    b = block("04-json.txt", "flux jobs --json ƒ1111111111")
    assert b["exit"] == 1 and b["stdout"] == ""
    with pytest.raises(ValueError):
        parse_jobs_json(b["stdout"])


# ---- eventlogs --------------------------------------------------------------------------------

@pytest.mark.parametrize("b", blocks(r"^flux job (info \S+ eventlog|eventlog -f json \S+)$"))
def test_eventlog_json_every_block(b):
    events = parse_eventlog(b["stdout"])
    assert events[0].name == "submit" and all(e.timestamp > 1e9 for e in events)


@pytest.mark.parametrize("b", blocks(r"^flux job eventlog ƒ\w+$"))
def test_eventlog_text_every_block(b):
    events = parse_eventlog_text(b["stdout"])
    assert events[0].name == "submit"
    assert len(events) == len(b["stdout"].strip().splitlines())


def test_eventlog_text_values():
    events = {e.name: e for e in parse_eventlog_text(block("01-basic.txt", "flux job eventlog ƒ2Rb6zX9")["stdout"])}
    exc = events["exception"].context
    assert exc["type"] == "alloc" and exc["severity"] == 0 and exc["note"].startswith("unsatisfiable request")


# ---- durations, errors ------------------------------------------------------------------------

@pytest.mark.parametrize("text,seconds", [("3.086s", 3.086), ("1.5m", 90.0), ("2h", 7200.0), ("0s", 0.0),
                                          ("10", 10.0), ("1d", 86400.0)])
def test_fsd(text, seconds):
    assert parse_fsd(text) == pytest.approx(seconds)


def test_fsd_rejects_nonsense():
    with pytest.raises(ValueError):
        parse_fsd("soon")


def test_first_error_line_of_a_dump_progress():
    assert (first_error_line("\rflux-dump: archived 1 keys\rflux-dump: archived 5 keys\n")
            == "flux-dump: archived 5 keys")
    assert first_error_line("[Errno 22] job submission is disabled: closed\n").startswith("[Errno 22]")
