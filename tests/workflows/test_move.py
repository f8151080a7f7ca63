"""Moving a queue (workflows/move.py): to another namespace, to another cluster, killed and run again,
the source deleted only after the destination verified every job, and bad input."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config

from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient
from fluxstate_tui.kube.errors import NotFound
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import WorkflowError
from fluxstate_tui.workflows.move import STEPS, Destination, move
from fluxstate_tui.workflows.ops import job_ids
from tests.conftest import REPO
from tests.workflows.test_workflows import GVP, connect, create_mc, ready, states, submit, until_async


class Killed(BaseException):
    """Stands for SIGKILL between two steps: nothing after it runs, the journal stays as it was."""


def make_namespace(server, name: str) -> None:
    api = config.new_client_from_config(config_file=str(server.kubeconfig))
    client.CoreV1Api(api).create_namespace({"metadata": {"name": name}})


async def ready_in(kube: KubeClient, name: str, namespace: str):
    async def answers():
        try:
            broker = Broker(kube, await get_minicluster(kube, name, namespace))
            return broker if await broker.ready() else None
        except Exception:
            return None
    return await until_async(answers, what=f"Flux in {namespace}/{name}")


async def mixed_queue(broker) -> dict[str, list[int]]:
    """Finished, failed, pending behind a running job, and held: what a move must carry."""
    done = [await submit(broker, "hostname"), await submit(broker, "false")]
    await until_async(lambda: _inactive(broker, done), what="the first jobs to end")
    # 5 s at --speed 25: long enough that the pending jobs are still pending when the move's pause stops
    # the queue (on a loaded machine too), which then waits for this one to end
    running = await submit(broker, "-N2", "sleep", "125")
    await until_async(lambda: _state(broker, running, "RUN"), what="the big job to run")
    pending = [await submit(broker, "-N2", "hostname") for _ in range(2)]
    held = await submit(broker, "--urgency=0", "hostname")
    assert all(state == "SCHED" for state, _ in [(await states(broker))[i] for i in pending])
    return {"done": done + [running], "pending": pending, "held": [held]}


async def _inactive(broker, ids):
    s = await states(broker)
    return all(s.get(i, ("",))[0] == "INACTIVE" for i in ids)


async def _state(broker, jid, state):
    return (await states(broker)).get(jid, ("",))[0] == state


async def check_destination(kube, name, namespace, jobs, before):
    """Every job id there with the same outcome; the pending jobs run there; the held one still waits."""
    broker = await ready_in(kube, name, namespace)
    await until_async(lambda: _inactive(broker, jobs["pending"]), what="the pending jobs to run at the destination")
    after = await states(broker)
    assert {i: before[i] for i in jobs["done"]} == {i: after[i] for i in jobs["done"]}
    assert all(after[i] == ("INACTIVE", "COMPLETED") for i in jobs["pending"])
    assert after[jobs["held"][0]][0] == "SCHED"
    nodes = (await broker.flux(["flux", "jobs", "-a", "-n", "-o", "{nodelist}", *map(str, jobs["pending"])])).stdout
    assert all(n.startswith(f"{name}-") for n in nodes.split())


def test_move_to_another_namespace_carries_every_job(empty_demo, tmp_path):
    create_mc(empty_demo, "src", 2)
    make_namespace(empty_demo, "team-b")

    async def scenario():
        async with await connect(empty_demo) as kube:
            jobs = await mixed_queue(await ready(kube, "src"))
            events = []
            result = await move(kube, await get_minicluster(kube, "src", "default"),
                                to=Destination(kube, "team-b", "dst"), progress=events.append, journal_root=tmp_path)
            src = await ready(kube, "src")
            before = await states(src)
            assert f"{sum(map(len, jobs.values()))} job(s) carried" in result
            assert "kept with its queue stopped" in result
            assert [e.step for e in events if e.kind == "step"] == STEPS
            await check_destination(kube, "dst", "team-b", jobs, before)
            # the source stays, stopped: its pending jobs must not run twice
            assert "stopped" in (await src.flux(["flux", "queue", "status"])).stdout
            assert all(before[i][0] == "SCHED" for i in jobs["pending"])

    asyncio.run(scenario())


def merged_kubeconfig(path: Path, **servers) -> Path:
    """One kubeconfig with a context per demo server (each server's own file names its context alike)."""
    merged: dict = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    for name, server in servers.items():
        one = yaml.safe_load(server.kubeconfig.read_text())
        merged["clusters"].append({**one["clusters"][0], "name": name})
        merged["users"].append({**one["users"][0], "name": name})
        merged["contexts"].append({"name": name, "context": {**one["contexts"][0]["context"], "cluster": name,
                                                              "user": name}})
    merged["current-context"] = next(iter(servers))
    path.write_text(yaml.safe_dump(merged))
    return path


def cli(tmp_path, *args, env=None):
    env = dict(env or {}, XDG_STATE_HOME=str(tmp_path / "state"))
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **env}, timeout=180)


def two_clusters(demo_factory, tmp_path, size: int):
    """Two demo servers as contexts east and west of one kubeconfig, with MiniCluster src in east."""
    one, two = demo_factory("--empty", "--speed", "25"), demo_factory("--empty", "--speed", "25")
    create_mc(one, "src", size)
    return one, two, merged_kubeconfig(tmp_path / "kubeconfig", east=one, west=two)


def test_move_to_a_second_cluster_through_one_kubeconfig(demo_factory, tmp_path):
    one, two, kubeconfig = two_clusters(demo_factory, tmp_path, 2)

    async def prepare():
        async with await connect(one) as kube:
            broker = await ready(kube, "src")
            return await mixed_queue(broker)

    jobs = asyncio.run(prepare())
    # a stale archive of an earlier run at the destination: a broker would load it, so it is replaced (and kept)
    (two.data_dir / "data").mkdir(parents=True, exist_ok=True)
    (two.data_dir / "data" / "src.tar.gz").write_bytes(b"stale")

    async def before_states():
        async with await connect(one) as kube:
            return await states(await ready(kube, "src"))

    r = cli(tmp_path, "--kubeconfig", str(kubeconfig), "move", "src", "--to", "west/default/moved", "--size", "3",
            "--yes", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["to"] == "west/default/moved"
    before = asyncio.run(before_states())

    async def check():
        async with await connect(two) as kube:
            await check_destination(kube, "moved", "default", jobs, before)
            assert (await get_minicluster(kube, "moved", "default")).size == 3
    asyncio.run(check())
    # the bytes really crossed: the second server's own disk holds the archive
    assert (two.data_dir / "data" / "src.tar.gz").read_bytes() == (one.data_dir / "data" / "src.tar.gz").read_bytes()
    assert [p.read_bytes() for p in (two.data_dir / "data").glob("src-*.tar.gz")] == [b"stale"]
    assert "sha256" in r.stderr and "previous file kept" in r.stderr


def test_delete_source_only_after_the_destination_verified(empty_demo, tmp_path):
    create_mc(empty_demo, "keep", 1)
    create_mc(empty_demo, "gone", 1)
    make_namespace(empty_demo, "b")

    async def scenario():
        async with await connect(empty_demo) as kube:
            for name in ("keep", "gone"):
                broker = await ready(kube, name)
                await submit(broker, "hostname")
            seen = []

            async def source_there(step):
                mc = await get_minicluster(kube, "gone", "default")  # NotFound would fail the test
                seen.append((step, mc.deleting))

            result = await move(kube, await get_minicluster(kube, "gone", "default"), to=Destination(kube, "b", "gone"),
                                delete_source=True, journal_root=tmp_path, before_step=source_there)
            assert seen[-1] == ("delete source", False) and all(not deleting for _, deleting in seen)
            assert "the source default/gone deleted" in result

            async def gone():
                try:
                    await get_minicluster(kube, "gone", "default")
                except NotFound:
                    return True
            await until_async(gone, what="the source to go")

            # The destination loads an empty archive (removed under it): it does not verify, nothing is deleted.
            async def lose_archive(step):
                if step == "create":
                    (empty_demo.data_dir / "data" / "keep.tar.gz").unlink()

            with pytest.raises(WorkflowError, match="missing"):
                await move(kube, await get_minicluster(kube, "keep", "default"), to=Destination(kube, "b", "keep2"),
                           delete_source=True, journal_root=tmp_path, before_step=lose_archive)
            src = await get_minicluster(kube, "keep", "default")
            assert not src.deleting and len(await job_ids(await ready(kube, "keep"))) == 1

    asyncio.run(scenario())


@pytest.mark.parametrize("kill_at", [*STEPS, "delete source"])
def test_kill_between_steps_then_rerun_continues(empty_demo, tmp_path, kill_at):
    create_mc(empty_demo, "k", 1)
    make_namespace(empty_demo, "b")

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "k")
            ids = {await submit(broker, "hostname"), await submit(broker, "--urgency=0", "hostname")}

            async def kill(step):
                if step == kill_at:
                    raise Killed()

            with pytest.raises(Killed):
                await move(kube, await get_minicluster(kube, "k", "default"), to=Destination(kube, "b", "k"),
                           size=2, delete_source=True, journal_root=tmp_path, before_step=kill)
            events = []
            result = await move(kube, None, name="k", namespace="default", to=Destination(kube, "b", "k"),
                                delete_source=True, journal_root=tmp_path, progress=events.append)
            assert any(e.kind == "log" and "continuing the move of k" in e.message for e in events)
            assert "moved k to" in result and "deleted" in result
            assert ids <= await job_ids(await ready_in(kube, "k", "b"))
            assert (await get_minicluster(kube, "k", "b")).size == 2

    asyncio.run(scenario())


def test_bad_input_is_one_line_and_exit_2(empty_demo, tmp_path):
    env = {"KUBECONFIG": str(empty_demo.kubeconfig)}
    for args, says in ((["--to", "nowhere"], "not [CONTEXT/]NAMESPACE/NEWNAME"),
                       (["--to", "b/Not_A_Name"], "not a valid MiniCluster name"),
                       (["--to", "b/x", "--size", "0"], "must be at least 1"),
                       (["--to", "b/x", "--size", "5000"], "above --max-size"),
                       (["--to", "default/src"], "is src itself"),
                       (["--to", "fluxstate-demo/default/src"], "is src itself")):
        r = cli(tmp_path, "move", "src", *args, "--yes", env=env)
        assert r.returncode == 2 and says in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1


def test_a_claim_missing_at_the_destination_is_refused(empty_demo, tmp_path):
    api = client.CoreV1Api(config.new_client_from_config(config_file=str(empty_demo.kubeconfig)))
    api.create_persistent_volume({"metadata": {"name": "pv"}, "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/claimed"}}})
    api.create_namespaced_persistent_volume_claim("default", {"metadata": {"name": "store"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    make_namespace(empty_demo, "b")
    body = {"apiVersion": "flux-framework.org/v1alpha2", "kind": "MiniCluster", "metadata": {"name": "pvc"},
            "spec": {"size": 1, "interactive": True, "archive": {"path": "/state/a.tar.gz"},
                     "containers": [{"image": "rockylinux:9", "volumes": {"store": {"path": "/state",
                                                                                   "claimName": "store"}}}]}}
    client.CustomObjectsApi(config.new_client_from_config(config_file=str(empty_demo.kubeconfig))) \
        .create_namespaced_custom_object(namespace="default", body=body, **GVP)

    async def up():
        async with await connect(empty_demo) as kube:
            await ready(kube, "pvc")
    asyncio.run(up())
    r = cli(tmp_path, "move", "pvc", "--to", "b/pvc", "--yes", env={"KUBECONFIG": str(empty_demo.kubeconfig)})
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == ("fluxstate-tui: error: refused: namespace b at fluxstate-demo has no "
                                "PersistentVolumeClaim store, which pvc mounts at /state (volume store): create it "
                                "there first")
    assert not list((tmp_path / "state").rglob("*.json"))  # refused at preflight: nothing to continue


def test_assets_travel_with_the_queue(demo_factory, tmp_path):
    one, two, kubeconfig = two_clusters(demo_factory, tmp_path, 1)

    async def prepare():
        async with await connect(one) as kube:
            broker = await ready(kube, "src")
            rc = await broker.exec(["/bin/bash", "-c", 'mkdir -p "/work/results/run 1" && '
                                                       'printf "42\\n" > "/work/results/run 1/answer.txt"'])
            assert rc.returncode == 0
            return await submit(broker, "--urgency=0", "hostname"), await submit(broker, "hostname")

    held, other = asyncio.run(prepare())
    r = cli(tmp_path, "--kubeconfig", str(kubeconfig), "move", "src", "--to", "west/default/src",
            "--assets", "/work/results", "--yes")
    assert r.returncode == 0, r.stderr
    assert "1 asset file(s) restored and verified" in r.stdout

    async def check():
        async with await connect(two) as kube:
            broker = await ready(kube, "src")
            out = await broker.exec(["cat", "/work/results/run 1/answer.txt"])
            assert out.stdout == "42\n"
            s = await states(broker)
            assert s[held][0] == "SCHED" and {held, other} <= set(s)  # held by its user: still held
            assert "Scheduling is started" in (await broker.flux(["flux", "queue", "status"])).stdout
    asyncio.run(check())


def test_sigkill_of_the_cli_during_the_copy_then_rerun(empty_demo, tmp_path):
    create_mc(empty_demo, "sk", 1)
    make_namespace(empty_demo, "b")

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "sk")
            return {await submit(broker, "hostname"), await submit(broker, "--urgency=0", "hostname")}

    ids = asyncio.run(prepare())
    env = {**os.environ, "KUBECONFIG": str(empty_demo.kubeconfig), "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "move", "sk", "--to", "b/sk", "--yes",
                             "--delete-source"], stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    for line in proc.stderr:
        if line.startswith("[4/"):  # the copy: its helper pod is being made
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    r = cli(tmp_path, "move", "sk", "--to", "b/sk", "--yes", "--delete-source",
            env={"KUBECONFIG": str(empty_demo.kubeconfig)})
    assert r.returncode == 0, r.stderr
    assert "continuing the move of sk" in r.stderr and "deleted" in r.stdout

    async def check():
        async with await connect(empty_demo) as kube:
            assert ids <= await job_ids(await ready_in(kube, "sk", "b"))
            pods = await kube.core.list_namespaced_pod("b", label_selector="app.kubernetes.io/managed-by=fluxstate-tui")
            assert not pods.items  # no helper pod left behind
    asyncio.run(check())
