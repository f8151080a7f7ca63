"""Property-based tests (Hypothesis) for issue #12: any string a cluster can hold (a job name, a
command, a cancel message, a path, a filter typed by a person; full unicode with control
characters, `[`, `]`, `\\`, US and newlines) goes through the parsers, the command builders, the
display function and the TUI's rendering without being lost, changed, obeyed or crashing anything.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
import queue
import re
import shlex
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Static

from fluxstate_tui.flux import commands as fc
from fluxstate_tui.flux.detail import JobDetail
from fluxstate_tui.flux.display import json_text, printable, printable_lines
from fluxstate_tui.flux.model import Event, Job
from fluxstate_tui.flux.parse import ROW_FORMAT, SEP, job_from_json, parse_job_row, read_job_rows
from fluxstate_tui.flux.snapshot import Script, parse_snapshot
from fluxstate_tui.flux.why import Reason
from fluxstate_tui.screens.job_detail import (
    events_renderable,
    head_text,
    output_renderable,
    request_renderable,
    why_renderable,
)
from fluxstate_tui.screens.jobs import COLUMNS, row_of
from fluxstate_tui.widgets.job_table import JobTable
from tests.flux.fluxfmt import flux_format

# Every code point (surrogates and unassigned ones too), with the troublemakers made frequent.
NASTY = "[]\\/'\"\x1f\x1e\n\r\t\x00\x1b\x07\x08\x7f\x85\x9b\u2028\u2029\u202e\u200b"
CHARS = st.one_of(st.characters(exclude_categories=()), st.sampled_from(NASTY))
PIECES = st.one_of(CHARS, st.sampled_from(["[/]", "[bold]", "[/bold]", "\x1b[31m", "\x1b]2;T\x07", "\\n", "\\x1b"]))
TEXT = st.lists(PIECES, max_size=12).map("".join)
# What must never reach a terminal (newlines between the lines of a whole text excepted).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
UNSAFE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                                "\u2066-\u2069\ud800-\udfff]")
STATES = ("DEPEND", "PRIORITY", "SCHED", "RUN", "CLEANUP", "INACTIVE")
TIMES = st.floats(min_value=0, max_value=4e9, allow_nan=False)


@st.composite
def job_dicts(draw) -> dict:
    """One job as `flux jobs --json` (JobInfo.to_dict) would give it: unset values left out."""
    state = draw(st.sampled_from(STATES))
    d: dict = {"id": draw(st.integers(1, 2**63 - 1)), "username": draw(TEXT), "userid": 0, "name": draw(TEXT),
               "state": state, "urgency": draw(st.integers(0, 31)), "t_submit": draw(TIMES),
               "ntasks": draw(st.integers(1, 2**40)), "duration": draw(TIMES),
               "dependencies": draw(st.lists(TEXT, max_size=3))}
    for key, strategy in (("ncores", st.integers(1, 2**40)), ("nnodes", st.integers(1, 2**20)),
                          ("priority", st.integers(0, 2**32 - 1)), ("t_run", TIMES), ("runtime", TIMES),
                          ("nodelist", TEXT), ("queue", TEXT)):
        if draw(st.booleans()):
            d[key] = draw(strategy)
    occurred = draw(st.booleans())
    d["exception"] = {"occurred": occurred}
    if occurred:
        d["exception"].update(severity=0, type=draw(TEXT), note=draw(TEXT))
    if state == "INACTIVE":
        d["result"] = draw(st.sampled_from(("COMPLETED", "FAILED", "CANCELED", "TIMEOUT")))
        d["returncode"] = draw(st.integers(-128, 255))
        d["t_inactive"] = draw(TIMES)
    return d


# ---- the parsers: a record as flux prints it comes back field for field --------------------------

@given(job_dicts())
def test_a_flux_jobs_record_round_trips(d):
    row = flux_format(ROW_FORMAT, d)  # what real flux's formatter prints for this job
    assert "\n" not in row and row.count(SEP) == ROW_FORMAT.count(SEP)
    assert parse_job_row(row) == job_from_json(d)


@given(st.lists(job_dicts(), max_size=5), st.text(st.sampled_from("0123456789abcdef"), min_size=12, max_size=12))
def test_a_fenced_listing_round_trips(ds, nonce):
    body = "".join(flux_format(ROW_FORMAT, d) + "\n" for d in ds)
    text = f"@@{nonce} now 1000.5\n@@{nonce} section jobs\n{body}\n@@{nonce} rc 0\n"
    snap = parse_snapshot(text, nonce, full=True)
    assert snap.jobs == [job_from_json(d) for d in ds] and not snap.errors
    assert read_job_rows(body) == (snap.jobs, [])


@given(st.lists(PIECES, max_size=80).map("".join))
def test_garbage_never_raises_from_the_lenient_reader(text):
    jobs, bad = read_job_rows(text)
    assert len(jobs) + len(bad) == sum(1 for line in text.split("\n") if line.strip())


# ---- the command builders: every argv value reaches the shell quoted -------------------------------

def _unwrap_in_pod(cmd: list[str]) -> list[str]:
    assert cmd[:2] == ["/bin/bash", "-c"]
    words = shlex.split(cmd[2])
    assert words[:6] == [".", "/mnt/flux/flux-view.sh", "&&", "flux", "proxy", "$fluxsocket"]
    return words[6:]


@given(TEXT, st.lists(TEXT, max_size=3), st.lists(TEXT, max_size=3), TEXT, TEXT, TEXT)
def test_every_argv_value_reaches_the_shell_quoted(fmt, filters, ids, message, path, reason):
    argvs = [
        fc.jobs(fmt, count=3, filters=filters, ids=ids), fc.jobs(fmt, since=message),
        fc.cancel(ids, message=message), fc.cancel(states=reason, message=message), fc.queue_stop(reason),
        fc.dump(path), fc.resource_drain(path, reason),
        fc.resource_undrain(path), fc.resource_drained(fmt), fc.job_info(path, reason), fc.job_output(path),
        fc.job_eventlog(message), fc.getattr_(reason), fc.resources(fmt), fc.resource_status(fmt), fc.flux(*ids),
    ]
    for argv in argvs:
        assert shlex.split(fc.line(argv)) == argv
        assert _unwrap_in_pod(fc.in_pod(argv)) == argv
        section = Script("n").section("x", argv).parts[2]  # [echo now, echo section, command, rc]
        assert shlex.split(section) == argv
    script = "\n".join([message, path, reason])
    assert _unwrap_in_pod(fc.script_in_pod(script)) == ["/bin/bash", "-c", script]


# ---- the display function -----------------------------------------------------------------------

@given(st.lists(PIECES).map("".join))
def test_printable_never_lets_a_control_character_through(text):
    shown = printable(text)
    assert not UNSAFE.search(shown)
    assert printable(shown) == shown  # idempotent: showing twice escapes nothing more
    shown.encode("utf-8")  # no lone surrogate left: stdout can write it (this would raise)
    if text.isprintable():
        assert shown == text
    lines = printable_lines(text)
    assert not UNSAFE_BUT_NEWLINE.search(lines.replace("\t", " ")) and lines.count("\n") == text.count("\n")


@given(st.recursive(st.one_of(st.none(), st.integers(), TEXT), lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.dictionaries(TEXT, kids, max_size=3)), max_leaves=8))
def test_json_output_keeps_the_true_strings_and_no_raw_control(doc):
    text = json_text(doc, indent=2)
    assert json.loads(text) == doc
    assert not UNSAFE.search(text.replace("\n", " "))


# ---- the TUI's rendering: JobTable rows and the job detail, through Textual and Rich ---------------

class Harness(App):
    def compose(self) -> ComposeResult:
        yield JobTable(list(COLUMNS), id="table")
        for part in ("head", "why", "request", "events", "output"):
            yield Static(id=part)


@pytest.fixture(scope="module")
def tui():
    """One headless Harness app for every Hypothesis example (an app per example takes minutes to
    shrink a failure). It runs on a thread of its own; `tui(fn)` has the app's own task (where
    Textual's context is set) run `await fn(app, pilot)` and returns or raises what it did."""
    work: queue.Queue = queue.Queue()
    started = threading.Event()

    async def main() -> None:
        app = Harness()
        async with app.run_test(size=(120, 40)) as pilot:
            started.set()
            while True:
                try:
                    fn, done = work.get_nowait()
                except queue.Empty:
                    await asyncio.sleep(0.005)
                    continue
                if fn is None:
                    return
                try:
                    done.set_result(await fn(app, pilot))
                except BaseException as exc:  # handed to the test thread, which raises it
                    done.set_exception(exc)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(30), "the harness app did not start"

    def run(fn):
        done: concurrent.futures.Future = concurrent.futures.Future()
        work.put((fn, done))
        return done.result(timeout=60)

    yield run
    work.put((None, None))
    thread.join(timeout=10)


def _plain(renderable) -> str:
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


@st.composite
def hostile_jobs(draw) -> tuple[Job, JobDetail, str, list[Reason]]:
    d = draw(job_dicts())
    job = job_from_json(d)
    detail = JobDetail(jobid=draw(TEXT), command=draw(st.lists(TEXT, max_size=4)), request=draw(TEXT),
                       time_limit=draw(TEXT), cwd=draw(TEXT), ranks=draw(TEXT),
                       nodelist=draw(st.lists(TEXT, max_size=2)),
                       output=draw(st.lists(PIECES, max_size=40).map("".join)), job=job,
                       events=[Event(draw(TIMES), draw(TEXT), draw(st.dictionaries(TEXT, TEXT, max_size=2)))])
    reasons = [Reason("unknown", draw(TEXT), draw(TEXT))]
    return job, detail, draw(TEXT), reasons


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(hostile_jobs(), min_size=1, max_size=6, unique_by=lambda t: t[0].id))
def test_the_tui_renders_any_job_without_markup_or_escapes(tui, examples):
    async def render(app, pilot) -> None:
        table = app.query_one(JobTable)
        table.set_filter("")
        table.set_rows({job.id: row_of(job, 1e9, True, reasons) for job, _d, _f, reasons in examples})
        job, detail, filter_text, reasons = examples[0]
        app.query_one("#head", Static).update(head_text(detail.jobid, job))
        app.query_one("#why", Static).update(why_renderable(reasons))
        app.query_one("#request", Static).update(request_renderable(job, detail))
        app.query_one("#events", Static).update(events_renderable(detail))
        app.query_one("#output", Static).update(output_renderable(job, detail))
        await pilot.pause()  # Textual renders it all: a MarkupError would end the app here
        assert app.is_running
        for y in range(len(examples) + 1):
            line = table.render_line(y).text
            assert not UNSAFE.search(line), repr(line)
        for part in ("head", "why", "request", "events", "output"):
            assert not UNSAFE_BUT_NEWLINE.search(_plain(app.query_one(f"#{part}", Static).content))
        table.set_filter(filter_text)  # anything typed in the filter box is a substring, not a pattern
        await pilot.pause()
        assert app.is_running
        keys = [c.key for c in table.columns]
        needle = filter_text.strip().lower()
        for k in table.row_keys():
            hay = "\0".join([table.cells(k)[keys.index(c)] for c in ("jobid", "user", "name", "st")]
                             + [table.style_of(k)]).lower()
            assert needle in hay

    tui(render)
