"""Issue #12 items 8-11 through Pilot and the CLI, on the demo cluster: job names, commands and
cancel messages chosen to hurt (terminal escapes, markup, newlines, the field separator) are shown
as they are, escaped, and hide no other job; a new Flux instance leaves no ghost jobs behind."""

from __future__ import annotations

import asyncio
import json
import re
import shlex

import pytest

from fluxstate_tui import cli
from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.flux.display import printable
from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.resources import find_broker, get_minicluster
from fluxstate_tui.screens.job_detail import JobDetailScreen
from fluxstate_tui.screens.jobs import JobsScreen

from .pilot import make_app, text_of, until

NAMES = ["\x1b]2;TITLE\x07", "\x1b[31mred", "bell\x07", "csi\x9b1m", "del\x7f", "[/]x", "two\nlines", "us\x1fsep",
         "[bold]b[/bold]", "uni\u202eflip"]
SED = ["sh", "-c", "echo a/b | sed 's/[/]//'"]
NOTE = "line one\nline two\x1b[2J"
STOP = "\x1b]2;Q\x07 [/] maint"  # the queue's stop reason: shown in the summary, the INFO column, `status`
# What must never reach a terminal: C0 (but the newlines between lines of a whole text), DEL, C1.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]")


async def connect(demo) -> KubeClient:
    return await KubeClient.connect(Target(kubeconfig=str(demo.kubeconfig)))


async def flux_broker(kube) -> Broker:
    broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
    for _ in range(300):
        if await broker.ready():
            return broker
        await asyncio.sleep(0.1)
    raise AssertionError("Flux did not come up in flux-sample")


async def truth(kube, pod=None) -> dict[int, str]:
    """flux jobs -a in the broker pod `pod` (None: the one running now): job id -> state."""
    broker = await flux_broker(kube) if pod is None else Broker(kube, await get_minicluster(kube, "flux-sample",
                                                                                             "default"), pod)
    out = (await broker.flux(["flux", "jobs", "-a", "-A", "-n", "-c", "0", "-o", "{id.dec} {state}"])).stdout
    return {int(i): s for i, s in (line.split() for line in out.splitlines() if line.strip())}


@pytest.fixture(scope="module")
def hostile():
    """A demo cluster whose flux-sample has every hostile job: {name: f58 id}, the sed job, the canceled one."""
    demo = EmbeddedDemo(speed=10).start()

    async def submit() -> dict[str, str]:
        async with await connect(demo) as kube:
            broker = await flux_broker(kube)
            ids = {}
            for name in NAMES:
                ids[name] = (await broker.flux(["flux", "submit", f"--job-name={name}", "true"])).stdout.strip()
            ids["sed"] = (await broker.flux(["flux", "submit", "--job-name=sed", *SED])).stdout.strip()
            victim = (await broker.flux(["flux", "submit", "--job-name=victim", "sleep", "1000"])).stdout.strip()
            await broker.flux(["flux", "cancel", "-m", NOTE, victim])
            ids["victim"] = victim
            await broker.flux(["flux", "queue", "stop", "-m", STOP])
            return ids

    ids = asyncio.run(submit())
    yield demo, ids
    demo.stop()


def shown(widget) -> str:
    return text_of(widget)


async def test_hostile_names_are_shown_escaped_and_hide_no_job(hostile):
    demo, ids = hostile
    app = make_app(demo)
    async with app.run_test(size=(180, 60)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: clusters.summaries.get("default/flux-sample")
                    and clusters.summaries["default/flux-sample"].snapshot, what="flux-sample listed")
        await pilot.press("enter")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        kube = await app.client()
        expected = await truth(kube)
        assert len(expected) >= len(NAMES) + 2
        await until(pilot, lambda: set(jobs.table.row_keys()) >= set(expected), what="every job in the table")
        table = jobs.table
        by_name = {table.cells(k)[2]: k for k in table.row_keys()}
        for name in NAMES:
            assert printable(name) in by_name, name  # e.g. `\x1b]2;TITLE\x07`, `two\nlines`, `[/]x`
        assert "\\x1b]2;TITLE\\x07" in by_name and "[/]x" in by_name and "[bold]b[/bold]" in by_name
        # What reaches the terminal: every line of the table, the summary and the notes.
        lines = [table.render_line(y).text for y in range(table.size.height)]
        assert any("[/]x" in line for line in lines) and any("\\x9b1m" in line for line in lines)
        for line in lines:
            assert not RAW.search(line), repr(line)
        summary = shown(jobs.query_one("#summary"))
        assert not RAW.search(summary) and printable(STOP) in summary
        assert not jobs.snapshot.errors, jobs.snapshot.errors

        # The filter: `/` then `[/` (item 8: markup characters typed by a person are text too).
        await pilot.press("slash", *"[/")
        await pilot.pause()
        assert table.filter_text == "[/"
        assert {table.cells(k)[2] for k in table.row_keys()} == {"[/]x", "[bold]b[/bold]"}
        await pilot.press("escape")
        await until(pilot, lambda: table.row_count == table.total_count, what="the filter cleared")

        # The detail of the job whose command holds `[/]`, of the escape-named one, of the canceled one.
        for key, must in ((by_name["sed"], shlex.join(SED)), (by_name["\\x1b]2;TITLE\\x07"], "\\x1b]2;TITLE\\x07"),
                          (by_name["victim"], "line one\\nline two\\x1b[2J"), (by_name["[/]x"], "[/]x")):
            table.move_cursor_to(key)
            await pilot.press("enter")
            detail = app.screen
            assert isinstance(detail, JobDetailScreen)
            await until(pilot, lambda detail=detail: detail.detail is not None, what="the job detail")
            text = "\n".join(shown(detail.query_one(f"#detail-{part}"))
                             for part in ("head", "why", "request", "events", "output"))
            assert must in text, (must, text)
            if detail.job.pending:  # why it waits: the queue's stop reason, escaped
                assert printable(STOP) in text, text
            assert not RAW.search(text.replace("\n", " ")), repr(text)
            assert not RAW.search(detail.sub_title)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is jobs, what="back to the jobs")
    assert app.return_code in (None, 0)


def test_cli_jobs_and_status_show_every_job_escaped_and_json_keeps_the_truth(hostile, capsys):
    demo, ids = hostile
    base = ["--kubeconfig", str(demo.kubeconfig)]
    assert cli.main(["jobs", "flux-sample", "--count", "0", *base]) == 0
    text, err = capsys.readouterr()
    assert not RAW.search(text.replace("\n", " ")) and not RAW.search(err.replace("\n", " "))
    for jobid in ids.values():
        assert jobid in text  # every job listed, the hostile ones and the rest
    assert "\\x1b]2;TI+" in text and "[/]x" in text  # NAME is cut at 10 columns, as flux does

    assert cli.main(["jobs", "flux-sample", "--count", "0", "--json", *base]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = {j["name"] for j in doc["jobs"]}
    assert set(NAMES) <= names and doc["errors"] == {}
    (victim,) = [j for j in doc["jobs"] if j["jobid"] == ids["victim"]]
    assert victim["exception"] == {"type": "cancel", "note": NOTE}
    assert doc["total"] == len(doc["jobs"])

    assert cli.main(["status", "flux-sample", *base]) == 0
    text, err = capsys.readouterr()
    assert not RAW.search(text.replace("\n", " ")) and "warning" not in text and printable(STOP) in text
    assert cli.main(["status", "flux-sample", "--json", *base]) == 0
    assert json.loads(capsys.readouterr().out)["queues"][0]["stopReason"] == STOP

    assert cli.main(["ls", *base]) == 0
    assert not RAW.search(capsys.readouterr().out.replace("\n", " "))


async def test_no_ghost_jobs_after_the_broker_pod_is_replaced(tmp_path):
    demo = EmbeddedDemo(speed=10, data_dir=tmp_path / "demo").start()
    try:
        app = make_app(demo)
        async with app.run_test(size=(140, 50)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: clusters.summaries.get("default/flux-sample")
                        and clusters.summaries["default/flux-sample"].snapshot, what="flux-sample listed")
            await pilot.press("enter")
            jobs = app.screen
            assert isinstance(jobs, JobsScreen)
            kube = await app.client()
            broker = await flux_broker(kube)
            ghost = (await broker.flux(["flux", "submit", "--job-name=ghost", "sleep", "100000"])).stdout.strip()
            table = jobs.table

            def ghost_runs() -> bool:
                return any(table.cells(k)[0] == ghost and table.cells(k)[3] == "R" for k in table.row_keys())

            await until(pilot, ghost_runs, what="the ghost running in the table")
            mc = await get_minicluster(kube, "flux-sample", "default")
            old_pod = (await find_broker(kube, mc)).name
            await kube.core.delete_namespaced_pod(old_pod, "default")

            # The demo's controllers bring a new broker up (restoring the archive if there is one):
            # the table must come to be exactly the new broker's `flux jobs -a`, the old jobs gone.
            matched = None
            for _ in range(600):
                await pilot.pause(0.1)
                try:
                    pod = await find_broker(kube, mc)
                    real = await truth(kube, pod) if pod.name != old_pod else None
                except Exception:  # the new broker is not there yet
                    real = None
                if real is None:
                    continue
                shown_now = {k: jobs.index.jobs[k].state for k in table.row_keys() if k in jobs.index.jobs}
                if set(table.row_keys()) == set(real) and shown_now == real:
                    matched = real
                    break
            assert matched is not None, "the table never became the new instance's flux jobs -a"
            assert not ghost_runs()
            stats = jobs.snapshot.stats
            running = sum(1 for k in table.row_keys() if table.cells(k)[3] in ("R", "C"))
            assert stats is not None and stats.running == running  # the summary agrees with the table
    finally:
        demo.stop()


async def test_a_record_that_cannot_be_read_costs_only_itself_and_says_so(hostile, monkeypatch, capsys):
    """Should flux ever print a record the reader cannot take, the others are all shown and the
    loss is counted, in the TUI's note and on the CLI's stderr (and in its JSON)."""
    from fluxstate_tui.flux import rows

    demo, ids = hostile
    real_parse = rows.parse_job_row

    def parse(line: str):
        job = real_parse(line)
        if job.name == "bell\x07":
            raise ValueError("a record the reader cannot take")
        return job

    monkeypatch.setattr(rows, "parse_job_row", parse)
    app = make_app(demo)
    async with app.run_test(size=(160, 50)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: clusters.summaries.get("default/flux-sample")
                    and clusters.summaries["default/flux-sample"].snapshot, what="flux-sample listed")
        await pilot.press("enter")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        expected = set(await truth(await app.client()))
        await until(pilot, lambda: jobs.snapshot is not None and jobs.table.total_count, what="the jobs")
        shown_ids = {jobs.table.cells(k)[0] for k in jobs.table.row_keys()}
        assert ids["bell\x07"] not in shown_ids and len(shown_ids) == len(expected) - 1
        assert "1 job could not be read: a record the reader cannot take" in shown(jobs.query_one("#jobs-note"))

    # The CLI runs its own event loop: on a thread of its own, from this async test.
    argv = ["jobs", "flux-sample", "--count", "0", "--kubeconfig", str(demo.kubeconfig)]
    assert await asyncio.to_thread(cli.main, argv) == 0
    out, err = capsys.readouterr()
    assert ids["victim"] in out and ids["bell\x07"] not in out
    assert "warning: 1 job could not be read: a record the reader cannot take" in err
