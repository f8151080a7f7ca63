"""Job, queue and node actions on the demo cluster: every kind of stuck queue the engine can clear is made
and then cleared through the CLI, and the jobs then run (or are canceled); the engine's per-job results;
hostile job names and reasons; permissions, read-only and the audit log."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from fluxstate_tui.flux.ids import f58_encode, parse_jobid, to_hex
from fluxstate_tui.kube.errors import Forbidden
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import audit
from fluxstate_tui.workflows.job_actions import act_on_jobs, select
from fluxstate_tui.workflows.node_actions import fetch_nodes
from fluxstate_tui.workflows.queue_actions import list_queues, queue_stop
from tests.conftest import FAST, REPO, start_demo_server
from tests.workflows.test_workflows import connect, create_mc, ready, states, submit, until_async

HOSTILE = ["evil; rm -rf /", "evil $(touch /tmp/pwned)", "evil 'quoted' \"double\"", "evil\nnewline", "evil `id`"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    server = start_demo_server(tmp_path_factory.mktemp("actions"), "--empty", "--speed", FAST)
    yield server
    server.stop()


def cli(demo, state: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(demo.env, XDG_STATE_HOME=str(state))
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=120, stdin=subprocess.DEVNULL)


def ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, r.stderr
    return r


async def act(demo, state: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The CLI, from inside a scenario (its own thread: the scenario's loop goes on)."""
    r = await asyncio.to_thread(cli, demo, state, *args)
    return ok(r) if check else r


def on_minicluster(demo, name: str, size: int = 1):
    """Run the decorated `body(kube, mc, broker)` at once, on a new MiniCluster `name` of the demo."""
    create_mc(demo, name, size)

    def run_it(body):
        async def scenario():
            async with await connect(demo) as kube:
                broker = await ready(kube, name)
                return await body(kube, await get_minicluster(kube, name, "default"), broker)
        return asyncio.run(scenario())
    return run_it


async def state_of(broker, jid: int) -> tuple[str, str]:
    return (await states(broker)).get(jid, ("", ""))


async def wait_state(broker, jid: int, state: str, result: str = "") -> None:
    async def check():
        s = await state_of(broker, jid)
        return s[0] == state and (not result or s[1] == result)
    await until_async(check, what=f"{f58_encode(jid)} to be {state} {result}")


# ---- each kind of stuck queue, made and cleared through the CLI ---------------------------------

def test_stopped_queue(demo, tmp_path):
    @on_minicluster(demo, "stuck-stop")
    async def _(kube, mc, broker):
        await act(demo, tmp_path, "queue", "stuck-stop", "stop", "--reason", "maint", "--yes")
        jid = await submit(broker, "hostname")
        await asyncio.sleep(0.5)
        assert (await state_of(broker, jid))[0] == "SCHED"
        r = await act(demo, tmp_path, "status", "stuck-stop", "--json", check=False)
        assert json.loads(r.stdout)["queues"][0]["stopReason"] == "maint"
        await act(demo, tmp_path, "queue", "stuck-stop", "start", "--yes")
        await wait_state(broker, jid, "INACTIVE", "COMPLETED")


def test_too_few_nodes_up(demo, tmp_path):
    """"needs 2 nodes, 1 up": rank 1 exists in Flux (maxSize 2) but has no pod; a scale gives it one."""
    create_mc(demo, "stuck-small", 1, maxSize=2)

    async def scenario():
        async with await connect(demo) as kube:
            broker = await ready(kube, "stuck-small")
            jid = await submit(broker, "-N2", "hostname")
            await asyncio.sleep(0.5)
            r = await act(demo, tmp_path, "status", "stuck-small", "--json", check=False)
            reasons = next(j for j in json.loads(r.stdout)["pending"] if j["id"] == jid)["reasons"]
            assert any(x["kind"] == "down" for x in reasons), reasons
            await act(demo, tmp_path, "scale", "stuck-small", "--size", "2", "--yes")
            await wait_state(broker, jid, "INACTIVE", "COMPLETED")
    asyncio.run(scenario())


def test_disabled_queue(demo, tmp_path):
    @on_minicluster(demo, "stuck-disabled")
    async def _(kube, mc, broker):
        r = await act(demo, tmp_path, "queue", "stuck-disabled", "disable", "--reason", "closed; $(x)", "--yes",
                      "--json")
        assert json.loads(r.stdout)["queues"][0] == {"name": None, "enabled": False,
                                                     "disableReason": "closed; $(x)", "started": True,
                                                     "stopReason": ""}
        refused = await broker.flux(["flux", "submit", "hostname"], ok=(1,))
        assert refused.stderr.strip() == "[Errno 22] job submission is disabled: closed; $(x)"
        await act(demo, tmp_path, "queue", "stuck-disabled", "enable", "--yes")
        await wait_state(broker, await submit(broker, "hostname"), "INACTIVE", "COMPLETED")


def test_held_job(demo, tmp_path):
    @on_minicluster(demo, "stuck-held")
    async def _(kube, mc, broker):
        held = [await submit(broker, "--urgency=0", "hostname") for _ in range(3)]
        await asyncio.sleep(0.3)
        assert [s[0] for j, s in (await states(broker)).items() if j in held] == ["SCHED"] * 3
        # any id form flux takes: ascii F58, hex, decimal
        forms = ["f" + f58_encode(held[0])[1:], to_hex(held[1]), str(held[2])]
        r = await act(demo, tmp_path, "release", "stuck-held", *forms, "--yes")
        assert r.stdout.strip() == "released 3 job(s) of stuck-held"
        for j in held:
            await wait_state(broker, j, "INACTIVE", "COMPLETED")


def test_drained_node(demo, tmp_path):
    @on_minicluster(demo, "stuck-drained", 2)
    async def _(kube, mc, broker):
        await act(demo, tmp_path, "drain", "stuck-drained", "0-1", "--reason", "bad disk\n$(reboot)", "--yes")
        jid = await submit(broker, "-N2", "hostname")
        await asyncio.sleep(0.5)
        assert (await state_of(broker, jid))[0] == "SCHED"
        nodes = json.loads((await act(demo, tmp_path, "nodes", "stuck-drained", "--json")).stdout)["nodes"]
        assert [(n["rank"], n["state"], n["drainReason"]) for n in nodes] == [
            (0, "drained", "bad disk\n$(reboot)"), (1, "drained", "bad disk\n$(reboot)")]
        r = await act(demo, tmp_path, "nodes", "stuck-drained", check=False)
        assert "bad disk\\n$(reboot)" in r.stdout  # shown escaped, one line per rank
        r = await act(demo, tmp_path, "drain", "stuck-drained", "1", "--yes")
        assert "rank 1 left as it was: already drained: bad disk" in r.stderr
        await act(demo, tmp_path, "undrain", "stuck-drained", "0", "1", "--yes")
        await wait_state(broker, jid, "INACTIVE", "COMPLETED")


def test_failed_dependency_cancels_the_dependents(demo, tmp_path):
    @on_minicluster(demo, "stuck-dep")
    async def _(kube, mc, broker):
        head = await submit(broker, "--urgency=0", "--job-name=head", "hostname")
        mid = await submit(broker, f"--dependency=afterok:{f58_encode(head)}", "hostname")
        tail = await submit(broker, f"--dependency=afterany:{f58_encode(mid)}", "hostname")
        other = await submit(broker, "--urgency=0", "hostname")
        await asyncio.sleep(0.3)
        assert (await state_of(broker, tail))[0] == "DEPEND"
        r = await act(demo, tmp_path, "cancel", "stuck-dep", "--filter", "head", "--with-dependents", "--reason",
                      "head can never run", "--yes", "--json")
        doc = json.loads(r.stdout)
        assert doc["succeeded"] == [f58_encode(tail), f58_encode(mid), f58_encode(head)]  # dependents first
        for j in (head, mid, tail):
            await wait_state(broker, j, "INACTIVE", "CANCELED")
        out = (await broker.flux(["flux", "jobs", "-n", "-o", "{exception.note!a}", str(mid)])).stdout
        assert out.strip() == repr("head can never run")
        assert (await state_of(broker, other))[0] == "SCHED"  # not named, not a dependent: untouched


# ---- hostile names and reasons through the exec path ------------------------------------------------

def test_hostile_job_names_and_reasons_are_only_data(demo, tmp_path):
    @on_minicluster(demo, "hostile")
    async def _(kube, mc, broker):
        await queue_stop(kube, mc, reason="hold them here")
        ids = [await submit(broker, "--job-name", name, "sh", "-c", f"echo {name!r}") for name in HOSTILE]
        plain = await submit(broker, "hostname")
        chosen = await select(kube, mc, "hold", text="EVIL")
        assert sorted(chosen.ids) == sorted(ids)
        held = await act_on_jobs(kube, mc, "hold", chosen.ids)
        assert held.succeeded == chosen.ids and held.execs == 1
        await act(demo, tmp_path, "queue", "hostile", "start", "--yes")
        await wait_state(broker, plain, "INACTIVE", "COMPLETED")
        now = await states(broker)
        assert [now[j][0] for j in ids] == ["SCHED"] * len(ids)  # held: the queue runs past them
        await act(demo, tmp_path, "release", "hostile", str(ids[0]), f58_encode(ids[1]), "--yes")
        for j in ids[:2]:
            await wait_state(broker, j, "INACTIVE", "COMPLETED")
        reason = "done; $(touch /tmp/pwned) 'q' \"d\"\nline2 `id`"
        r = await act(demo, tmp_path, "cancel", "hostile", "--all-pending", "--filter", "evil", "--reason", reason,
                      "--yes")
        assert r.stdout.strip() == "canceled 3 job(s) of hostile"
        for j in ids[2:]:
            await wait_state(broker, j, "INACTIVE", "CANCELED")
        notes = (await broker.flux(["flux", "jobs", "-n", "-o", "{exception.note!a}", *map(str, ids[2:])])).stdout
        assert notes.split("\n")[:3] == [repr(reason)] * 3
        rc = (await broker.script("test -e /tmp/pwned")).returncode
        assert rc == 1  # nothing ran in the pod's shell


# ---- the engine's results ------------------------------------------------------------------------

def test_per_job_results_with_flux_messages(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    @on_minicluster(demo, "results")
    async def _(kube, mc, broker):
        running = await submit(broker, "sleep", "600")
        await wait_state(broker, running, "RUN")
        done = await submit(broker, "true")
        await wait_state(broker, done, "INACTIVE")
        await broker.flux(["flux", "queue", "stop"])  # keeps `pending` pending once `running` is gone
        pending = await submit(broker, "-N1", "hostname")
        unknown = parse_jobid("ƒ2")
        r = await act_on_jobs(kube, mc, "urgency", [pending, running, done, unknown], urgency=31)
        assert r.succeeded == [pending] and r.execs == 1 and r.outcome == "partial"
        assert r.failed == {running: "urgency cannot be changed once resources are allocated",
                            done: "job is inactive", unknown: "unknown job"}
        r = await act_on_jobs(kube, mc, "kill", [pending, running], signal="SIGUSR1")
        assert (r.succeeded, r.failed) == ([running], {pending: "job is not running"})
        await wait_state(broker, running, "INACTIVE", "FAILED")
        r = await act_on_jobs(kube, mc, "cancel", [done, pending, unknown])
        assert r.succeeded == [pending] and r.failed == {done: "job is inactive", unknown: "unknown job id"}
        assert "1 failed" not in r.summary() and "2 failed (ƒ" in r.summary()
        many = [await submit(broker, "--urgency=0", "hostname") for _ in range(40)]
        r = await act_on_jobs(kube, mc, "release", many)
        assert r.outcome == "ok" and r.execs == 1 and len(r.succeeded) == 40
        view = await fetch_nodes(kube, mc)
        assert [row.state for row in view.rows] == ["up"]
    log = audit.read()
    assert [(e["action"], e["outcome"]) for e in log.entries] == [
        ("urgency", "partial"), ("kill", "partial"), ("cancel", "partial"), ("release", "ok")]
    assert log.entries[0]["arguments"]["value"] == 31 and log.entries[0]["context"] == "fluxstate-demo"


def test_named_queues_one_at_a_time(demo, tmp_path):
    toml = "[queues.batch]\n[queues.debug]\n"

    @on_minicluster(demo, "named")
    async def _(kube, mc, broker):
        path = "/mnt/flux/config/etc/flux/config/queues.toml"
        done = await broker.script(f"printf %s {shlex.quote(toml)} > {path} && flux config reload")
        assert done.returncode == 0, done.stderr
        await act(demo, tmp_path, "queue", "named", "start", "--yes")
        r = await act(demo, tmp_path, "queue", "named", "stop", "--queue", "debug", "--reason", "debug closed", "--yes")
        assert r.stdout.strip() == "scheduling stopped on queue debug of named: debug closed"
        queues = {q.name: (q.started, q.stop_reason) for q in await list_queues(kube, mc)}
        assert queues == {"batch": (True, ""), "debug": (False, "debug closed")}
        jid = await submit(broker, "-q", "debug", "hostname")
        await asyncio.sleep(0.3)
        assert (await state_of(broker, jid))[0] == "SCHED"
        r = await act(demo, tmp_path, "queue", "named", "start", "--queue", "nope", "--yes", check=False)
        assert r.returncode == 1 and "its queues are batch, debug" in r.stderr
        await act(demo, tmp_path, "queue", "named", "start", "--queue", "debug", "--yes")
        await wait_state(broker, jid, "INACTIVE", "COMPLETED")


# ---- refusals --------------------------------------------------------------------------------------

def test_read_only_permissions_and_bad_input(demo_factory, tmp_path, monkeypatch):
    denied = demo_factory("--empty", "--speed", FAST, "--deny", "create:pods/exec")
    create_mc(denied, "denied", 1)
    state = tmp_path / "state"
    for argv in (["hold", "denied", "ƒ2", "--yes"], ["queue", "denied", "stop", "--yes"],
                 ["drain", "denied", "0", "--yes"]):
        r = cli(denied, state, *argv)
        assert r.returncode == 1 and "forbidden: cannot create pods/exec" in r.stderr, r.stderr
        r = cli(denied, state, "--read-only", *argv)
        assert r.returncode == 1 and r.stderr.strip() == (f"fluxstate-tui: error: refused: read-only mode: {argv[0]} "
                                                          "changes the cluster")

    async def engine():  # the TUI's path: refused before any exec, and recorded
        async with await connect(denied) as kube:
            mc = await get_minicluster(kube, "denied", "default")
            with pytest.raises(Forbidden):
                await act_on_jobs(kube, mc, "cancel", [parse_jobid("ƒ2")])

    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    asyncio.run(engine())
    entries = audit.read(state / "fluxstate-tui" / "audit.jsonl").entries
    assert [(e["action"], e["outcome"]) for e in entries] == [("hold", "refused"), ("queue stop", "refused"),
                                                              ("drain", "refused"), ("cancel", "refused")]
    for argv, phrase in ((["hold", "denied"], "name the jobs to hold"), (["hold", "denied", "x!"], "not a job id"),
                         (["urgency", "denied", "32", "ƒ2"], "0 to 31"), (["urgency", "denied", "ƒ2"], "urgency"),
                         (["kill", "denied", "ƒ2", "-s", "BOGUS"], "not a signal"),
                         (["kill", "denied", "ƒ2", "-s", "99"], "1 to 64"),
                         (["drain", "denied", "a"], "not a rank"),
                         (["drain", "denied", "0-99999999"], "ranks must be 0 to"),
                         (["drain", "denied"], "RANK"), (["queue", "denied", "pause"], "invalid choice"),
                         (["cancel", "denied", "ƒ2", "--reason", ""], "not a usable reason"),
                         (["hold", "denied", "--filter", ""], "not a usable filter"),
                         (["nodes", "Bad_Name"], "not a valid MiniCluster name")):
        r = cli(denied, state, *argv)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert r.returncode == 2 and len(lines) == 1 and phrase in r.stderr, (argv, r.stderr)
    assert os.listdir(state / "fluxstate-tui") == ["audit.jsonl"]
