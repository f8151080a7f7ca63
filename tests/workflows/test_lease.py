"""Issue #12, item 3: one workflow per MiniCluster at a time, as a coordination.k8s.io/v1 Lease.

Two recreates started together: one runs, the other is refused naming the holder; a scale during a
recreate is refused; a stale lease is taken over with a message; the lease is released after success,
failure, cancellation, and a SIGKILL (at once on the same machine, once stale from another one).
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from kubernetes import client, config

from fluxstate_tui.kube.lease import DURATION, Lease, lease_name
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import Refused, dump, pause, recreate
from fluxstate_tui.workflows.locking import Busy
from fluxstate_tui.workflows.ops import job_ids
from tests.conftest import REPO, needs_kubectl
from tests.workflows.test_workflows import _all_inactive, cli, connect, create_mc, ready, submit, until_async


def leases_api(server) -> client.CoordinationV1Api:
    return client.CoordinationV1Api(config.new_client_from_config(config_file=str(server.kubeconfig)))


def lease_of(server, name: str):
    try:
        return leases_api(server).read_namespaced_lease(lease_name(name), "default")
    except client.ApiException as exc:
        if exc.status == 404:
            return None
        raise


def foreign_lease(server, name: str, *, renewed: datetime, workflow: str = "recreate") -> None:
    """A lease as another machine's fluxstate-tui leaves it (alice's laptop, pid 123)."""
    renewed = renewed.replace(microsecond=123456)  # a MicroTime needs its six digits
    body = client.V1Lease(
        metadata=client.V1ObjectMeta(name=lease_name(name), annotations={
            "fluxstate-tui/workflow": workflow, "fluxstate-tui/machine": "elsewhere", "fluxstate-tui/pid": "123"}),
        spec=client.V1LeaseSpec(holder_identity="alice@laptop (pid 123)", lease_duration_seconds=30,
                                acquire_time=renewed - timedelta(minutes=5), renew_time=renewed))
    leases_api(server).create_namespaced_lease("default", body)


def stderr_lines(r) -> list[str]:
    return [line for line in r.stderr.splitlines() if line.strip()]


# ---- the demo serves Leases like a real apiserver ------------------------------------------------

@needs_kubectl()
def test_demo_serves_leases_like_a_real_apiserver(empty_demo):
    api = leases_api(empty_demo)
    now = datetime.now(UTC).replace(microsecond=123456)
    body = client.V1Lease(metadata=client.V1ObjectMeta(name="l1"),
                          spec=client.V1LeaseSpec(holder_identity="me", lease_duration_seconds=30, renew_time=now))
    created = api.create_namespaced_lease("default", body)
    assert created.spec.renew_time == now
    with pytest.raises(client.ApiException) as exc:  # a second create: 409 AlreadyExists
        api.create_namespaced_lease("default", body)
    assert exc.value.status == 409 and "already exists" in exc.value.body
    created.spec.holder_identity = "you"
    api.replace_namespaced_lease("l1", "default", created)
    with pytest.raises(client.ApiException) as exc:  # an update with the old resourceVersion: 409 Conflict
        api.replace_namespaced_lease("l1", "default", created)
    assert exc.value.status == 409 and "the object has been modified" in exc.value.body
    old_version = client.V1Preconditions(resource_version=created.metadata.resource_version)
    stale = client.V1DeleteOptions(preconditions=old_version)
    with pytest.raises(client.ApiException) as exc:  # a delete whose precondition no longer holds: 409
        api.delete_namespaced_lease("l1", "default", body=stale)
    assert exc.value.status == 409 and "Precondition failed" in exc.value.body
    out = empty_demo.kubectl("get", "leases").stdout.split("\n")
    assert out[0].split() == ["NAME", "HOLDER", "AGE"] and out[1].split()[:2] == ["l1", "you"]
    assert "leases" in empty_demo.kubectl("api-resources", "--api-group=coordination.k8s.io").stdout
    bad = empty_demo.kubectl("create", "-f", "-", check=False, input=json.dumps(
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l2"},
         "spec": {"renewTime": "2024-01-01T00:00:00Z"}}))  # Go's MicroTime wants six fractional digits
    assert bad.returncode == 1 and "BadRequest" in bad.stderr
    bad = empty_demo.kubectl("create", "-f", "-", check=False, input=json.dumps(
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l3"},
         "spec": {"leaseDurationSeconds": 0}}))
    assert bad.returncode == 1 and "must be greater than 0" in bad.stderr
    empty_demo.kubectl("delete", "lease", "l1")
    assert "No resources found" in empty_demo.kubectl("get", "leases").stderr


# ---- the mechanism: renewed while held, lost when taken over ------------------------------------

def test_lease_is_renewed_and_a_takeover_is_noticed(empty_demo):
    async def scenario():
        async with await connect(empty_demo) as kube:
            mine = Lease(kube, "default", "renew", "dump")
            assert await mine.acquire() is None
            first = lease_of(empty_demo, "renew").spec.renew_time
            lost = []
            keeper = asyncio.create_task(mine.keep(lost.append, every=0.05))
            await until_async(lambda: _renewed_after(empty_demo, first), timeout=10, what="a renewal")
            keeper.cancel()
            # Ours goes stale (this process stopped, say) and someone else takes it over; the next
            # renewal notices instead of renewing.
            theirs = Lease(kube, "default", "renew", "scale")
            lease = await theirs.read()
            lease.spec.renew_time = datetime.now(UTC).replace(microsecond=1) - timedelta(hours=1)
            await theirs.api.replace_namespaced_lease(lease.metadata.name, "default", lease)
            assert await theirs.acquire() is not None
            await asyncio.wait_for(mine.keep(lost.append, every=0.05), 10)
            assert lost and "taken over by" in lost[0].message
            await mine.release()  # not ours any more: left alone
            assert lease_of(empty_demo, "renew").metadata.annotations["fluxstate-tui/workflow"] == "scale"
            await theirs.release()
            assert lease_of(empty_demo, "renew") is None

    asyncio.run(scenario())


async def _renewed_after(server, first):
    return lease_of(server, "renew").spec.renew_time > first


# ---- two recreates started together ---------------------------------------------------------------

def test_two_recreates_started_together_only_one_runs(empty_demo, tmp_path):
    create_mc(empty_demo, "two", 1)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "two")
            ids = [await submit(broker, "hostname") for _ in range(3)]
            await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
            uids = {(await get_minicluster(kube, "two", "default")).uid}
            watching = asyncio.create_task(_collect_uids(kube, "two", uids))
            events: list[list] = [[], []]
            mc = await get_minicluster(kube, "two", "default")
            results = await asyncio.gather(
                *(recreate(kube, mc, size=2, journal_root=tmp_path, progress=events[i].append) for i in range(2)),
                return_exceptions=True)
            watching.cancel()
            won = [r for r in results if isinstance(r, str)]
            refused = [r for r in results if isinstance(r, Busy)]
            assert len(won) == 1 and len(refused) == 1, results
            assert "recreated two at size 2" in won[0]
            message = refused[0].message
            assert message.startswith("recreate of two is running: held by ") and " (pid " in message
            assert " since " in message and "renewed " in message
            loser = events[results.index(refused[0])]
            assert not [e for e in loser if e.kind == "step"]  # it did nothing at all
            assert len(uids) == 2  # the old MiniCluster and one new one: recreated once
            broker = await ready(kube, "two")
            assert set(ids) <= await job_ids(broker)
            assert lease_of(empty_demo, "two") is None  # released after success

    asyncio.run(scenario())


async def _collect_uids(kube, name, uids):
    while True:
        try:
            uids.add((await get_minicluster(kube, name, "default")).uid)
        except Exception:
            pass
        await asyncio.sleep(0.05)


# ---- through the CLI: a second recreate and a scale while one runs --------------------------------

def test_cli_recreate_and_scale_are_refused_while_a_recreate_runs(empty_demo, tmp_path):
    create_mc(empty_demo, "busy", 1, maxSize=3)

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "busy")
            done = [await submit(broker, "hostname") for _ in range(2)]
            await until_async(lambda: _all_inactive(broker, done), what="jobs to finish")
            long = await submit(broker, "sleep", "2500")  # keeps the recreate waiting in its pause
            await until_async(lambda: _running(broker), what="the long job to run")
            return done, long

    done, long = asyncio.run(prepare())
    env = dict(empty_demo.env, XDG_STATE_HOME=str(tmp_path / "state"))
    first = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "recreate", "busy", "--size", "2", "--yes"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        for line in first.stderr:
            if line.startswith("[2/"):  # pausing, holding the lock
                break
        holder = f"held by {_user()}@"
        r = cli(empty_demo, tmp_path, "recreate", "busy", "--size", "3", "--yes")
        assert r.returncode == 1 and len(stderr_lines(r)) == 1, r.stderr
        assert "refused: recreate of busy is running: " + holder in r.stderr and f"(pid {first.pid})" in r.stderr
        r = cli(empty_demo, tmp_path, "scale", "busy", "--size", "3", "--yes", "--json")
        assert r.returncode == 1 and f"(pid {first.pid})" in r.stderr
        assert json.loads(r.stdout)["holder"]["workflow"] == "recreate"
        r = cli(empty_demo, tmp_path, "archive", "busy")  # read-only: never locked
        assert r.returncode == 0, r.stderr

        async def release_the_pause():
            async with await connect(empty_demo) as kube:
                broker = await ready(kube, "busy")
                await broker.flux(["flux", "cancel", str(long)])

        asyncio.run(release_the_pause())
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert "recreated busy at size 2" in out and "verified" in out
    assert lease_of(empty_demo, "busy") is None

    async def check():
        async with await connect(empty_demo) as kube:
            assert (await get_minicluster(kube, "busy", "default")).size == 2
            assert set(done) | {long} <= await job_ids(await ready(kube, "busy"))

    asyncio.run(check())


def _user() -> str:
    import getpass

    return getpass.getuser()


async def _running(broker):
    out = (await broker.flux(["flux", "jobs", "-n", "-f", "running", "-o", "{id}"])).stdout
    return bool(out.strip())


# ---- stale leases, failures, cancellation, SIGKILL ------------------------------------------------

def test_stale_lease_is_taken_over_and_a_live_one_refuses(empty_demo, tmp_path):
    create_mc(empty_demo, "st", 1)
    asyncio.run(_ready(empty_demo, "st"))
    foreign_lease(empty_demo, "st", renewed=datetime.now(UTC))
    r = cli(empty_demo, tmp_path, "pause", "st", "--yes")
    assert r.returncode == 1 and len(stderr_lines(r)) == 1
    assert "refused: recreate of st is running: held by alice@laptop (pid 123) since " in r.stderr
    leases_api(empty_demo).delete_namespaced_lease(lease_name("st"), "default")
    foreign_lease(empty_demo, "st", renewed=datetime.now(UTC) - timedelta(hours=2))
    r = cli(empty_demo, tmp_path, "resume", "st", "--yes")
    assert r.returncode == 0, r.stderr
    assert "took over the lock on st from alice@laptop (pid 123) (recreate, last renewed" in r.stderr
    assert f"not renewed for over {DURATION}s" in r.stderr
    assert lease_of(empty_demo, "st") is None


async def _ready(server, name):
    async with await connect(server) as kube:
        await ready(kube, name)


def test_lease_is_released_after_failure_and_cancellation(empty_demo, tmp_path):
    create_mc(empty_demo, "rel", 1)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "rel")
            with pytest.raises(Refused, match="not stopped"):  # refused inside the lock
                await dump(kube, await get_minicluster(kube, "rel", "default"))
            assert lease_of(empty_demo, "rel") is None
            await submit(broker, "sleep", "2500")
            await until_async(lambda: _running(broker), what="a running job")
            task = asyncio.create_task(pause(kube, await get_minicluster(kube, "rel", "default")))
            await until_async(lambda: _has_lease(empty_demo, "rel"), what="the pause to take the lock")
            task.cancel()  # the TUI's ctrl+c, or Ctrl-C in the CLI
            with pytest.raises(asyncio.CancelledError):
                await task
            assert lease_of(empty_demo, "rel") is None

    asyncio.run(scenario())


async def _has_lease(server, name):
    return lease_of(server, name) is not None


def test_sigkill_leaves_the_lease_to_a_rerun_here_or_to_staleness_elsewhere(empty_demo, tmp_path):
    create_mc(empty_demo, "kill", 1)

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "kill")
            ids = [await submit(broker, "hostname") for _ in range(2)]
            await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
            return ids

    ids = asyncio.run(prepare())
    env = dict(empty_demo.env, XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "recreate", "kill", "--size", "2", "--yes"],
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    for line in proc.stderr:
        if line.startswith("[5/"):  # deleting
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    left = lease_of(empty_demo, "kill")
    assert left is not None and f"(pid {proc.pid})" in left.spec.holder_identity  # nobody released it
    # Seen from another machine, the dead holder's lease is live until it goes stale...
    api = leases_api(empty_demo)
    left.metadata.annotations["fluxstate-tui/machine"] = "elsewhere"
    left = api.replace_namespaced_lease(left.metadata.name, "default", left)
    r = cli(empty_demo, tmp_path, "recreate", "kill", "--yes")
    assert r.returncode == 1 and f"refused: recreate of kill is running: held by {_user()}@" in r.stderr
    # ...and once stale (as if leaseDurationSeconds had passed) it is taken over, and the journal continued.
    left.spec.renew_time = datetime.now(UTC).replace(microsecond=1) - timedelta(seconds=DURATION + 5)
    api.replace_namespaced_lease(left.metadata.name, "default", left)
    r = cli(empty_demo, tmp_path, "recreate", "kill", "--yes")
    assert r.returncode == 0, r.stderr
    assert f"took over the lock on kill from {_user()}@" in r.stderr and "presumed dead" in r.stderr
    assert "continuing the recreate of kill at size 2" in r.stderr
    assert lease_of(empty_demo, "kill") is None

    # Killed again, the rerun on the same machine sees the holder's process is gone: no wait at all.
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "recreate", "kill", "--size", "3", "--yes"],
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    for line in proc.stderr:
        if line.startswith("[5/"):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    r = cli(empty_demo, tmp_path, "recreate", "kill", "--yes", "--json")
    assert r.returncode == 0, r.stderr
    assert "that process is no longer running on this machine" in r.stderr
    assert "recreated kill at size 3" in json.loads(r.stdout)["result"]
    assert lease_of(empty_demo, "kill") is None

    async def check():
        async with await connect(empty_demo) as kube:
            assert set(ids) <= await job_ids(await ready(kube, "kill"))

    asyncio.run(check())


def test_without_the_right_to_lease_nothing_starts(demo_factory, tmp_path):
    demo = demo_factory("--empty", "--speed", "25", "--deny", "create:leases")
    create_mc(demo, "nolease", 1)
    asyncio.run(_ready(demo, "nolease"))
    r = cli(demo, tmp_path, "pause", "nolease", "--yes")
    assert r.returncode == 1 and "forbidden: cannot create leases.coordination.k8s.io" in r.stderr
