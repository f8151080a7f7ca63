"""Issue #12, item 4: a recreate re-checks the world at every step, and reports success only verified.

The demo server is restarted on the same --data-dir and port, as an API server restored from a
backup or reset: the seeded default state brings the old flux-sample back at size 2 (the bug: the
rerun waited 300 s for a teardown that never came, or printed "recreated at size 3" for it), and an
--empty restart forgets the new MiniCluster altogether.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys

import pytest
from kubernetes import client, config

from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import WorkflowError, recreate
from fluxstate_tui.workflows.ops import job_ids
from fluxstate_tui.workflows.recreate import STEPS
from tests.conftest import FAST, REPO, start_demo_server
from tests.workflows.test_workflows import (
    GVP,
    Killed,
    _all_inactive,
    connect,
    create_mc,
    ready,
    states,
    submit,
    until_async,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(server, state, *args, **kw):
    env = dict(server.env, XDG_STATE_HOME=str(state))
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=kw.get("timeout", 150))


def kill_cli_at(server, state, step: str, *args) -> None:
    """Start the CLI and SIGKILL it when it announces `step` (its "[n/10] step …" line)."""
    env = dict(server.env, XDG_STATE_HOME=str(state))
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", *args], stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env=env)
    mark = f"[{STEPS.index(step) + 1}/"
    try:
        for line in proc.stderr:
            if line.startswith(mark):
                proc.send_signal(signal.SIGKILL)
                break
        else:
            raise AssertionError(f"the recreate ended before {step}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


async def seeded_and_settled(server) -> set[int]:
    """flux-sample's broker answers and the seed has submitted its jobs (the held one is last)."""
    async with await connect(server) as kube:
        broker = await ready(kube, "flux-sample")

        async def seeded():
            out = (await broker.flux(["flux", "jobs", "-a", "-n", "-o", "{name}"])).stdout
            return "held" in out.split()

        await until_async(seeded, timeout=60, what="the seed jobs")
        return await job_ids(broker)


@pytest.mark.parametrize("kill_at", ["wait for teardown", "wait for Flux"])
def test_rerun_after_a_restart_that_brought_the_old_minicluster_back(tmp_path, kill_at):
    data, port, state = tmp_path / "demo", free_port(), tmp_path / "state"
    server = start_demo_server(data, "--port", str(port), "--speed", FAST)
    try:
        before = asyncio.run(seeded_and_settled(server))
        kill_cli_at(server, state, kill_at, "recreate", "flux-sample", "--size", "3", "--yes")
        server.stop()
        # The same API server comes back with its default state: flux-sample at size 2 again, its new
        # broker loading the archive the recreate dumped, and taking one more job.
        server = start_demo_server(data, "--port", str(port), "--speed", FAST)
        asyncio.run(seeded_and_settled(server))

        async def one_more_job() -> int:
            async with await connect(server) as kube:
                mc = await get_minicluster(kube, "flux-sample", "default")
                assert mc.size == 2
                return await submit(await ready(kube, "flux-sample"), "--job-name=after-restore", "hostname")

        extra = asyncio.run(one_more_job())
        r = run_cli(server, state, "recreate", "flux-sample", "--yes", "--json")
        assert r.returncode == 0, r.stderr
        result = json.loads(r.stdout)["result"]
        assert "recreated flux-sample at size 3 (was 2)" in result
        assert "verified on the live MiniCluster: spec.size 3" in result
        assert "the old flux-sample is back" in r.stderr
        assert "pausing and dumping it again" in r.stderr  # it took a job the first dump does not hold

        async def check():
            async with await connect(server) as kube:
                assert (await get_minicluster(kube, "flux-sample", "default")).size == 3
                assert before | {extra} <= await job_ids(await ready(kube, "flux-sample"))

        asyncio.run(check())
    finally:
        server.stop()


def test_rerun_after_a_reset_that_forgot_the_new_minicluster(tmp_path):
    data, port, state = tmp_path / "demo", free_port(), tmp_path / "state"
    server = start_demo_server(data, "--port", str(port), "--speed", FAST, "--empty")
    try:
        create_mc(server, "reset", 1)

        async def prepare():
            async with await connect(server) as kube:
                broker = await ready(kube, "reset")
                ids = [await submit(broker, "hostname") for _ in range(3)]
                await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
                return set(ids)

        ids = asyncio.run(prepare())
        kill_cli_at(server, state, "verify jobs", "recreate", "reset", "--size", "2", "--yes")
        server.stop()
        server = start_demo_server(data, "--port", str(port), "--speed", FAST, "--empty")  # no MiniCluster at all
        r = run_cli(server, state, "recreate", "reset", "--yes")
        assert r.returncode == 0, r.stderr
        assert "the new reset is gone" in r.stderr and "creating it again" in r.stderr
        assert "recreated reset at size 2 (was 1)" in r.stdout and "spec.size 2" in r.stdout

        async def check():
            async with await connect(server) as kube:
                assert ids <= await job_ids(await ready(kube, "reset"))

        asyncio.run(check())
    finally:
        server.stop()


# ---- the engine: what it will not do ------------------------------------------------------------

def _stop_at(step):
    async def hook(current):
        if current == step:
            raise Killed()
    return hook


def test_success_is_verified_on_the_live_minicluster(empty_demo, tmp_path):
    create_mc(empty_demo, "ver", 1, maxSize=3)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "ver")
            ids = [await submit(broker, "hostname") for _ in range(2)]
            await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
            with pytest.raises(Killed):
                await recreate(kube, await get_minicluster(kube, "ver", "default"), size=2, journal_root=tmp_path,
                               before_step=_stop_at("start queue"))
            # Someone resizes it behind the recreate's back (kubectl scale): no false success.
            api = client.CustomObjectsApi(config.new_client_from_config(config_file=str(empty_demo.kubeconfig)))
            api.patch_namespaced_custom_object_scale(namespace="default", name="ver", body={"spec": {"replicas": 3}},
                                                     **GVP)
            with pytest.raises(WorkflowError, match="did not verify: its spec.size is 3, not 2"):
                await recreate(kube, None, name="ver", namespace="default", journal_root=tmp_path)
            api.patch_namespaced_custom_object_scale(namespace="default", name="ver", body={"spec": {"replicas": 2}},
                                                     **GVP)
            result = await recreate(kube, None, name="ver", namespace="default", journal_root=tmp_path)
            assert "recreated ver at size 2" in result and "spec.size 2" in result

    asyncio.run(scenario())


def test_a_different_minicluster_under_the_name_is_never_deleted(empty_demo, tmp_path):
    create_mc(empty_demo, "oth", 1)

    async def scenario():
        async with await connect(empty_demo) as kube:
            await ready(kube, "oth")
            with pytest.raises(Killed):
                await recreate(kube, await get_minicluster(kube, "oth", "default"), size=2, journal_root=tmp_path,
                               before_step=_stop_at("create"))
            create_mc(empty_demo, "oth", 1, archive=False)  # someone else's, in the meantime
            uid = (await get_minicluster(kube, "oth", "default")).uid
            with pytest.raises(WorkflowError, match="neither the one this recreate deleted nor the one it created"):
                await recreate(kube, None, name="oth", namespace="default", journal_root=tmp_path)
            assert (await get_minicluster(kube, "oth", "default")).uid == uid  # left alone
            assert (await states(await ready(kube, "oth"))) == {}

    asyncio.run(scenario())
