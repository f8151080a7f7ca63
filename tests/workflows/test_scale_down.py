"""A live scale-down never kills a running job: it refuses, drains first, or cancels (issue #11, item 1).

Every scenario runs a MiniCluster of the demo server with a job on rank 1, then scales to 1 (rank 1
goes away). The simulated Flux does what Flux does when a rank's pod goes: its jobs fail with
`node-failure`; the tests check that this never happens.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from fluxstate_tui import workflows as wf
from fluxstate_tui.flux.ids import parse_jobid
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import scale
from tests.workflows.test_workflows import cli, connect, create_mc, ready, submit, until_async

LONG = "3000"  # seconds of a job that must still run when the test looks (2 min at the demo's --speed 25)


async def job_row(broker, jid: int) -> dict:
    fmt = "{state}|{result}|{returncode}|{exception.type}|{exception.note}|{ranks}"
    out = (await broker.flux(["flux", "jobs", "-a", "-n", "-o", fmt, str(jid)])).stdout.strip()
    state, result, code, exc_type, note, ranks = (out.split("|") + [""] * 6)[:6]
    return {"state": state, "result": result, "returncode": code, "exception": exc_type, "note": note,
            "ranks": ranks}


async def running_on(broker, jid: int, ranks: str) -> dict:
    """Wait until job `jid` runs, and check it runs where the scenario needs it."""
    async def runs():
        row = await job_row(broker, jid)
        return row if row["state"] == "RUN" else None
    row = await until_async(runs, what=f"job {jid} to run")
    assert row["ranks"] == ranks, row
    return row


async def drained_ranks(broker) -> str:
    return (await broker.flux(["flux", "resource", "drain", "-n", "-o", "{ranks}"])).stdout.strip()


async def size_of(kube, name: str) -> int:
    return (await get_minicluster(kube, name, "default")).size


def run(coro):
    return asyncio.run(coro)


# ---- refuse (the default) ---------------------------------------------------------------------

def test_running_job_on_a_removed_rank_refuses(empty_demo, tmp_path):
    create_mc(empty_demo, "sd", 2)

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "sd")
            jid = await submit(broker, "-N2", "--job-name=train", "sleep", LONG)
            await running_on(broker, jid, "[0-1]")
            return jid

    jid = run(prepare())
    r = cli(empty_demo, tmp_path, "scale", "sd", "--size", "1", "--yes")
    assert r.returncode == 1, r.stderr
    message = r.stderr.strip().splitlines()[-1]
    assert message.startswith("fluxstate-tui: error: refused:")
    assert "train" in message and "ranks 0-1" in message and "--drain-first" in message
    r = cli(empty_demo, tmp_path, "scale", "sd", "--size", "1", "--yes", "--json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and [j["id"] for j in doc["jobs"]] == [jid]
    assert doc["jobs"][0]["name"] == "train" and doc["jobs"][0]["ranks"] == [0, 1]

    async def check():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "sd")
            assert (await job_row(broker, jid))["state"] == "RUN"  # not killed
            assert await size_of(kube, "sd") == 2                 # not resized
            assert await drained_ranks(broker) == ""              # and nothing left drained
            # The engine: the same jobs before asking, then the typed refusal.
            mc = await get_minicluster(kube, "sd", "default")
            jobs = await wf.jobs_on_removed_ranks(kube, mc, 1)
            assert [(j.id, j.name, j.ranks) for j in jobs] == [(jid, "train", (0, 1))]
            assert parse_jobid(jobs[0].f58) == jid and jobs[0].state == "RUN"
            assert await wf.jobs_on_removed_ranks(kube, mc, 2) == []
            with pytest.raises(wf.RunningJobsInTheWay) as caught:
                await scale(kube, mc, size=1)
            assert [j.id for j in caught.value.jobs] == [jid] and caught.value.size == 1
            assert (await job_row(broker, jid))["state"] == "RUN"
            assert await size_of(kube, "sd") == 2

    run(check())


# ---- --drain-first ----------------------------------------------------------------------------

def test_drain_first_waits_for_the_job_then_scales(empty_demo, tmp_path):
    create_mc(empty_demo, "dr", 2)

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "dr")
            # long enough (6 s at the tests' speed) to be still running when a slow machine starts the CLI
            jid = await submit(broker, "-N2", "sleep", "150")
            await running_on(broker, jid, "[0-1]")
            return jid

    jid = run(prepare())
    r = cli(empty_demo, tmp_path, "scale", "dr", "--size", "1", "--drain-first", "--yes", "--timeout", "300",
            "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["ok"] is True and [j["id"] for j in doc["jobs"]] == [jid]
    assert "scaled dr from 2 to 1" in doc["result"]
    assert "drain" in r.stderr  # the progress said what it waited for

    async def check():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "dr")
            row = await job_row(broker, jid)
            assert (row["state"], row["result"], row["returncode"]) == ("INACTIVE", "COMPLETED", "0"), row
            assert row["exception"] != "node-failure"
            assert await size_of(kube, "dr") == 1
            assert await drained_ranks(broker) == ""  # rank 1 is gone, and not left drained for a regrow
            # It grows back with rank 1 usable: a 2-node job runs again.
            await scale(kube, await get_minicluster(kube, "dr", "default"), size=2)
            again = await submit(broker, "-N2", "hostname")
            await until_async(lambda: _done(broker, again), what="a 2-node job after growing again")

    run(check())


async def _done(broker, jid):
    return (await job_row(broker, jid))["result"] == "COMPLETED"


def test_drain_first_timeout_and_cancellation_put_everything_back(empty_demo, tmp_path):
    create_mc(empty_demo, "dt", 3)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "dt")
            jid = await submit(broker, "-N3", "sleep", LONG)
            await running_on(broker, jid, "[0-2]")
            mc = await get_minicluster(kube, "dt", "default")
            with pytest.raises(wf.DrainTimeout) as caught:
                await scale(kube, mc, size=1, on_running="drain", timeout=0.5)
            assert [j.id for j in caught.value.jobs] == [jid]
            assert await drained_ranks(broker) == "" and await size_of(kube, "dt") == 3
            # Cancelled while it waits (the TUI's worker, or Ctrl-C): the drain is undone.
            events = []
            task = asyncio.create_task(scale(kube, mc, size=1, on_running="drain", progress=events.append))
            await until_async(lambda: _drained(broker), what="the ranks to be drained")
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await drained_ranks(broker) == "" and await size_of(kube, "dt") == 3
            assert (await job_row(broker, jid))["state"] == "RUN"

    run(scenario())


async def _drained(broker):
    return await drained_ranks(broker) != ""


# ---- --cancel-running -------------------------------------------------------------------------

def test_cancel_running_cancels_exactly_those_jobs(empty_demo, tmp_path):
    create_mc(empty_demo, "cr", 2)

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "cr")
            big = await submit(broker, "-N2", "--job-name=big", "sleep", LONG)
            await running_on(broker, big, "[0-1]")
            return big

    big = run(prepare())
    r = cli(empty_demo, tmp_path, "scale", "cr", "--size", "1", "--cancel-running", "--yes")
    assert r.returncode == 0, r.stderr
    assert "scaled cr from 2 to 1" in r.stdout and "canceled 1 running job" in r.stdout and "big" in r.stdout

    async def check():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "cr")
            row = await job_row(broker, big)
            assert (row["state"], row["result"], row["exception"]) == ("INACTIVE", "CANCELED", "cancel"), row
            assert await size_of(kube, "cr") == 1
            assert await drained_ranks(broker) == ""

    run(check())


def test_cancel_running_refuses_jobs_that_were_not_confirmed(empty_demo):
    create_mc(empty_demo, "cc", 3)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "cc")
            mc = await get_minicluster(kube, "cc", "default")
            asked = await wf.jobs_on_removed_ranks(kube, mc, 1)
            assert asked == []  # nothing on ranks 1-2 when the user was asked
            later = await submit(broker, "-N3", "sleep", LONG)  # starts on ranks 0-2 after the question
            await running_on(broker, later, "[0-2]")
            with pytest.raises(wf.RunningJobsInTheWay) as caught:
                await scale(kube, mc, size=1, on_running="cancel", confirmed=asked)
            assert [j.id for j in caught.value.jobs] == [later]
            assert (await job_row(broker, later))["state"] == "RUN"  # the user never agreed to cancel it
            assert await size_of(kube, "cc") == 3 and await drained_ranks(broker) == ""

    run(scenario())


# ---- the CLI's flags, and a scale-down with nothing in the way ---------------------------------

def test_drain_first_and_cancel_running_are_exclusive(empty_demo, tmp_path):
    r = cli(empty_demo, tmp_path, "scale", "x", "--size", "1", "--drain-first", "--cancel-running", "--yes")
    assert r.returncode == 2 and "not allowed with argument" in r.stderr


def test_scale_down_with_nothing_on_the_removed_ranks(empty_demo, tmp_path):
    create_mc(empty_demo, "ok", 3)

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "ok")
            small = await submit(broker, "-N1", "sleep", "50")
            await running_on(broker, small, "0")
            held = await submit(broker, "-N3", "--urgency=0", "hostname")  # needs 3 nodes; waits, never killed
            return small, held

    small, held = run(prepare())
    r = cli(empty_demo, tmp_path, "scale", "ok", "--size", "1", "--yes")
    assert r.returncode == 0, r.stderr
    assert "scaled ok from 3 to 1" in r.stdout
    assert "1 pending job(s) need more than 1 node" in r.stdout

    async def check():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "ok")
            await until_async(lambda: _done(broker, small), what="the job on rank 0 to complete")
            assert (await job_row(broker, held))["state"] == "SCHED"
            assert await size_of(kube, "ok") == 1 and await drained_ranks(broker) == ""

    run(check())


def test_running_job_json_shape():
    job = wf.RunningJob(id=1234, f58="ƒabc", name="train", ranks=(0, 1, 2), state="RUN")
    assert job.ranks_text == "0-2"
    assert job.to_json() == {"id": 1234, "f58": "ƒabc", "name": "train", "ranks": [0, 1, 2], "state": "RUN"}
    assert job.describe() == "ƒabc train (ranks 0-2)"
