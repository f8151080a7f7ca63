"""The State tutorial's levels, through the workflow engine and the CLI, on the demo cluster."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time

import pytest
from kubernetes import client, config

from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.resources import get_minicluster, minicluster_pods
from fluxstate_tui.workflows import NeedsRecreate, PauseTimeout, Refused, dump, pause, recreate, resume, scale
from fluxstate_tui.workflows.ops import archive_delete, archive_info, archive_rename, job_ids
from fluxstate_tui.workflows.recreate import STEPS
from tests.conftest import REPO

GVP = dict(group="flux-framework.org", version="v1alpha2", plural="miniclusters")


def create_mc(server, name: str, size: int, archive: bool = True, **spec) -> None:
    body = {"apiVersion": "flux-framework.org/v1alpha2", "kind": "MiniCluster", "metadata": {"name": name},
            "spec": {"size": size, "interactive": True,
                     "containers": [{"image": "rockylinux:9",
                                     "volumes": {"data": {"path": "/state", "hostPath": "/data"}}}],
                     **spec}}
    if archive:
        body["spec"]["archive"] = {"path": f"/state/{name}.tar.gz"}
    api = config.new_client_from_config(config_file=str(server.kubeconfig))
    client.CustomObjectsApi(api).create_namespaced_custom_object(namespace="default", body=body, **GVP)


async def ready(kube: KubeClient, name: str) -> Broker:
    for _ in range(400):
        try:
            mc = await get_minicluster(kube, name, "default")
            broker = Broker(kube, mc)
            if await broker.ready():
                return broker
        except Exception:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"Flux in {name} never answered")


async def submit(broker: Broker, *args: str) -> int:
    from fluxstate_tui.flux.ids import parse_jobid

    return parse_jobid((await broker.flux(["flux", "submit", *args])).stdout.strip())


async def states(broker: Broker) -> dict[int, tuple[str, str]]:
    out = (await broker.flux(["flux", "jobs", "-a", "-A", "-n", "-c", "0", "-o", "{id.dec} {state} {result}"])).stdout
    return {int(line.split()[0]): tuple((line.split() + [""])[1:3]) for line in out.splitlines() if line.strip()}


async def until_async(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def connect(server):
    return KubeClient.connect(Target(kubeconfig=str(server.kubeconfig)))


# ---- level 1: completed jobs carried to the new MiniCluster ----------------------------------

def test_level1_completed_jobs_are_carried(empty_demo, tmp_path):
    create_mc(empty_demo, "lvl1", 2)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "lvl1")
            ids = [await submit(broker, *cmd) for cmd in (["hostname"], ["false"], ["sleep", "2"], ["-N2", "hostname"])]
            await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
            before = await states(broker)
            events = []
            result = await recreate(kube, await get_minicluster(kube, "lvl1", "default"), size=3,
                                    progress=events.append, journal_root=tmp_path)
            assert "recreated lvl1 at size 3 (was 2); 4 job(s) carried" in result
            assert [e.step for e in events if e.kind == "step"] == STEPS
            mc = await get_minicluster(kube, "lvl1", "default")
            assert mc.size == 3 and mc.max_size == 3
            broker = await ready(kube, "lvl1")
            after = await states(broker)
            assert {i: before[i] for i in ids} == {i: after[i] for i in ids}  # same ids, same results
            assert len([p for p in await minicluster_pods(kube, mc) if p.running]) == 3
            new = await submit(broker, "hostname")
            assert new > max(ids)  # new ids continue above the old ones

    asyncio.run(scenario())


async def _all_inactive(broker, ids):
    s = await states(broker)
    return all(s.get(i, ("",))[0] == "INACTIVE" for i in ids)


# ---- level 2: a populated queue paused mid-run, resumed bigger and smaller --------------------

@pytest.mark.parametrize("new_size", [3, 1])
def test_level2_paused_queue_resumes_on_another_size(empty_demo, tmp_path, new_size):
    create_mc(empty_demo, "lvl2", 2)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "lvl2")
            running = await submit(broker, "-N2", "sleep", "20")      # both nodes, for a while
            queued = [await submit(broker, "-n1", "hostname") for _ in range(4)]  # wait behind it
            held = await submit(broker, "--urgency=0", "hostname")
            await until_async(lambda: _state_is(broker, running, "RUN"), what="the big job to run")
            # Pause mid-run: the queue stops, the running job finishes, the others stay pending.
            assert "stopped and idle; 5 pending" in await pause(kube, await get_minicluster(kube, "lvl2", "default"))
            s = await states(broker)
            assert s[running] == ("INACTIVE", "COMPLETED")
            assert all(s[q][0] == "SCHED" for q in queued)
            result = await recreate(kube, await get_minicluster(kube, "lvl2", "default"), size=new_size,
                                    journal_root=tmp_path)
            assert f"at size {new_size}" in result
            broker = await ready(kube, "lvl2")
            # The pending jobs run on the new MiniCluster; the held one stays held.
            await until_async(lambda: _all_inactive(broker, queued), what="the pending jobs to run there")
            s = await states(broker)
            assert all(s[q] == ("INACTIVE", "COMPLETED") for q in queued)
            assert s[held][0] == "SCHED" and s[running] == ("INACTIVE", "COMPLETED")
            nodes = (await broker.flux(["flux", "jobs", "-a", "-n", "-o", "{nodelist}", *map(str, queued)])).stdout
            assert all(n.startswith("lvl2-") for n in nodes.split())

    asyncio.run(scenario())


async def _state_is(broker, jid, state):
    return (await states(broker)).get(jid, ("",))[0] == state


# ---- a kill at every recreate step, then a rerun ----------------------------------------------

class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no error handling, the journal is left as it was."""


@pytest.mark.parametrize("kill_at", STEPS)
def test_kill_at_each_step_then_rerun_finishes(empty_demo, tmp_path, kill_at):
    create_mc(empty_demo, "k", 1)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "k")
            ids = [await submit(broker, "hostname") for _ in range(3)]
            await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
            pending = await submit(broker, "--urgency=0", "hostname")

            async def kill(step):
                if step == kill_at:
                    raise Killed()

            with pytest.raises(Killed):
                await recreate(kube, await get_minicluster(kube, "k", "default"), size=2, journal_root=tmp_path,
                               before_step=kill)
            # Run again, as a user would: by name (the MiniCluster may be gone), same size or none.
            result = await recreate(kube, None, name="k", namespace="default", journal_root=tmp_path)
            assert "recreated k at size 2" in result
            broker = await ready(kube, "k")
            assert set(ids) | {pending} <= await job_ids(broker)
            assert (await get_minicluster(kube, "k", "default")).size == 2

    asyncio.run(scenario())


def test_sigkill_of_the_cli_mid_recreate_then_rerun(empty_demo, tmp_path):
    create_mc(empty_demo, "sk", 1)
    env = dict(empty_demo.env, XDG_STATE_HOME=str(tmp_path / "state"))
    cmd = [sys.executable, "-m", "fluxstate_tui.cli"]

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "sk")
            ids = [await submit(broker, "hostname") for _ in range(3)]
            await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
            return ids

    ids = asyncio.run(prepare())
    proc = subprocess.Popen(cmd + ["recreate", "sk", "--size", "2", "--yes"], stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env=env)
    for line in proc.stderr:
        if line.startswith("[6/"):  # the old MiniCluster is being deleted: kill it there
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    r = subprocess.run(cmd + ["recreate", "sk", "--yes", "--json"], capture_output=True, text=True, cwd=REPO, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "continuing the recreate of sk at size 2" in r.stderr
    assert json.loads(r.stdout)["ok"] is True

    async def check():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "sk")
            assert set(ids) <= await job_ids(broker)

    asyncio.run(check())


# ---- refusals, scale, archive, resume ---------------------------------------------------------

def cli(server, tmp_path, *args):
    env = dict(server.env, XDG_STATE_HOME=str(tmp_path / "state"))
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=120)


def test_refusals_change_nothing(empty_demo, tmp_path):
    create_mc(empty_demo, "noarch", 1, archive=False)
    create_mc(empty_demo, "ref", 1, maxSize=2)

    async def scenario():
        async with await connect(empty_demo) as kube:
            await ready(kube, "noarch")
            broker = await ready(kube, "ref")
            with pytest.raises(Refused, match="no spec.archive.path"):
                await recreate(kube, await get_minicluster(kube, "noarch", "default"), size=2, journal_root=tmp_path)
            with pytest.raises(Refused, match="not stopped"):
                await dump(kube, await get_minicluster(kube, "ref", "default"))
            with pytest.raises(NeedsRecreate, match="recreate it at size 5"):
                await scale(kube, await get_minicluster(kube, "ref", "default"), size=5)
            with pytest.raises(Refused):
                await recreate(kube, await get_minicluster(kube, "ref", "default"), size=0, journal_root=tmp_path)
            await submit(broker, "sleep", "600")
            await until_async(lambda: _running_count(broker), what="a running job")
            with pytest.raises(PauseTimeout, match="still running"):
                await pause(kube, await get_minicluster(kube, "ref", "default"), timeout=0.5)
            assert (await get_minicluster(kube, "noarch", "default")).size == 1

    asyncio.run(scenario())
    r = cli(empty_demo, tmp_path, "--read-only", "recreate", "ref", "--size", "2", "--yes")
    assert r.returncode == 1 and "read-only mode" in r.stderr
    r = cli(empty_demo, tmp_path, "recreate", "ref", "--size", "zero")
    assert r.returncode == 2 and "not a whole number" in r.stderr
    r = cli(empty_demo, tmp_path, "dump", "noarch", "--yes")
    assert r.returncode == 1 and r.stderr.strip().endswith("(and a new broker would load nothing)")
    r = cli(empty_demo, tmp_path, "pause", "ref", "--timeout", "1", "--cancel-running", "--yes", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["ok"]


async def _running_count(broker):
    return any(s == "RUN" for s, _ in (await states(broker)).values())


def test_scale_live_archive_and_resume(empty_demo, tmp_path):
    create_mc(empty_demo, "sc", 1, maxSize=3)
    r = None

    async def scenario():
        async with await connect(empty_demo) as kube:
            await ready(kube, "sc")
            assert "scaled sc from 1 to 3" in await scale(kube, await get_minicluster(kube, "sc", "default"), size=3)
            assert len([p for p in await minicluster_pods(kube, await get_minicluster(kube, "sc", "default"))
                        if p.running]) == 3
            mc = await get_minicluster(kube, "sc", "default")
            assert (await archive_info(kube, mc)).exists is False
            await pause(kube, mc)
            assert "dumped" in await dump(kube, mc)
            info = await archive_info(kube, mc)
            assert info.exists and info.size and info.jobs == 0
            assert "renamed" in await archive_rename(kube, mc, "old.tar.gz")
            assert (empty_demo.data_dir / "data" / "old.tar.gz").exists()
            with pytest.raises(Refused, match="no archive"):
                await archive_delete(kube, mc)
            assert "started" in await resume(kube, mc)

    asyncio.run(scenario())
    r = cli(empty_demo, tmp_path, "archive", "sc", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["archive"]["exists"] is False


def test_permissions_are_checked_before_acting(demo_factory, tmp_path):
    demo = demo_factory("--empty", "--speed", "25", "--deny", "delete:miniclusters")
    create_mc(demo, "perm", 1)

    async def scenario():
        async with await connect(demo) as kube:
            broker = await ready(kube, "perm")
            with pytest.raises(Refused, match='cannot delete miniclusters'):
                await recreate(kube, await get_minicluster(kube, "perm", "default"), size=2, journal_root=tmp_path)
            report = (await broker.flux(["flux", "queue", "status"])).stdout
            assert "Scheduling is started" in report  # nothing was changed: not even the queue
            assert not list(tmp_path.glob("*.json"))  # and nothing is left to continue
            # the API itself refuses too, with the real apiserver's message
            from fluxstate_tui.kube.errors import Forbidden
            with pytest.raises(Forbidden):
                await kube.call(kube.custom.delete_namespaced_custom_object(namespace="default", name="perm", **GVP),
                                verb="delete", resource="miniclusters", namespace="default", name="perm")

    asyncio.run(scenario())
    r = cli(demo, tmp_path, "recreate", "perm", "--size", "2", "--yes")
    assert r.returncode == 1 and "forbidden: cannot delete miniclusters" in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3
