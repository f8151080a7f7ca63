"""The fault table: what goes wrong in real clusters, driven through the demo cluster. In every row no
job id and no archive is lost, the CLI ends in one line (no traceback), and the TUI stays alive.

Rows: the API server killed and restarted, the API gone mid-step, the broker pod deleted, a workflow
cancelled, the archive removed or replaced under a half-finished recreate, permissions denied (the
demo's --deny). Concurrent workflows and damaged journals have their rows in tests/workflows
(test_lease.py, test_journal_damage.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
import tarfile
import threading
from collections.abc import Callable

import pytest

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.kube.client import Target
from fluxstate_tui.kube.resources import find_broker, get_minicluster
from fluxstate_tui.screens.clusters import ClustersScreen
from fluxstate_tui.screens.jobs import JobsScreen
from fluxstate_tui.workflows import Refused, WorkflowError, dump, pause, recreate
from fluxstate_tui.workflows.ops import job_ids
from tests.conftest import FAST, REPO, start_demo_server
from tests.screens.pilot import until
from tests.workflows.test_workflows import (
    Killed,
    _all_inactive,
    connect,
    create_mc,
    ready,
    states,
    submit,
    until_async,
)

ROWS: dict[str, Callable] = {}


def row(fn: Callable) -> Callable:
    ROWS[fn.__name__] = fn
    return fn


def cli(server, tmp_path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(server.env, XDG_STATE_HOME=str(tmp_path / "state"))
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def cli_until(server, tmp_path, progress_line: str, *args: str) -> subprocess.Popen:
    """Start the CLI and return once its progress (stderr) has reached `progress_line`: the moment a
    row strikes."""
    env = dict(server.env, XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", *args], cwd=REPO, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if progress_line in line:
            break
    return proc


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("fluxstate-tui"), result.stderr
    return last


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def prepared(kube, name: str, finished: int = 3):
    """A MiniCluster's broker with `finished` completed jobs; returns (broker, their ids)."""
    broker = await ready(kube, name)
    ids = [await submit(broker, "hostname") for _ in range(finished)]
    await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
    return broker, ids


# ---- the API server killed or restarted -----------------------------------------------------------

@row
def server_killed_before_a_read_command(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    r = cli(server, tmp_path, "ls")
    assert r.returncode != 0 and "cannot reach the Kubernetes API" in one_error_line(r)


@row
def server_killed_while_pause_waits(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "fp", 1)

    async def setup():
        async with await connect(server) as kube:
            broker = await ready(kube, "fp")
            await submit(broker, "sleep", "100000")
            await until_async(lambda: _running(broker), what="a running job")

    asyncio.run(setup())
    proc = cli_until(server, tmp_path, "wait for running jobs", "pause", "fp", "--yes")
    server.proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("fluxstate-tui: error:")


async def _running(broker) -> bool:
    return any(s == "RUN" for s, _ in (await states(broker)).values())


@row
def server_killed_mid_dump_keeps_the_previous_archive(demo_factory, tmp_path):
    data = tmp_path / "data-dir"
    server = start_demo_server(data, "--empty", "--speed", FAST)
    try:
        create_mc(server, "fd", 1)

        async def setup():
            async with await connect(server) as kube:
                await prepared(kube, "fd")
                mc = await get_minicluster(kube, "fd", "default")
                await pause(kube, mc)
                await dump(kube, mc)

        asyncio.run(setup())
        archive = data / "data" / "fd.tar.gz"
        with tarfile.open(archive) as tar:
            before = sorted(tar.getnames())
        proc = cli_until(server, tmp_path, "flux dump to", "dump", "fd", "--yes")
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        proc.communicate(timeout=60)
    finally:
        server.stop()
    # whether the kill came before or after the rename, the archive is a whole, readable dump
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == before


@row
def server_restarted_under_the_tui(demo_factory, tmp_path):
    port = free_port()
    data = tmp_path / "restart"
    server = start_demo_server(data, "--speed", FAST, "--port", str(port))

    async def scenario():
        nonlocal server
        app = FluxStateApp(Target(kubeconfig=str(server.kubeconfig)), refresh=0.5)
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            assert isinstance(clusters, ClustersScreen)
            await until(pilot, lambda: clusters.summaries.get("default/flux-sample"), timeout=30, what="listed")
            server.stop()
            await until(pilot, lambda: clusters.freshness.error, timeout=30, what="STALE")
            assert clusters.query_one("#mc-table").row_count == 1  # the last data stays, marked stale
            server = start_demo_server(data, "--speed", FAST, "--port", str(port))
            await until(pilot, lambda: clusters.freshness.error is None, timeout=60, what="LIVE again")
            assert app.is_running

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


# ---- the broker pod deleted ----------------------------------------------------------------------

async def delete_broker(kube, name: str) -> str:
    mc = await get_minicluster(kube, name, "default")
    pod = await find_broker(kube, mc)
    await kube.core.delete_namespaced_pod(pod.name, "default")
    return pod.name


@row
def broker_deleted_while_pause_waits(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "bd", 1)

    async def scenario():
        async with await connect(server) as kube:
            broker = await ready(kube, "bd")
            await submit(broker, "sleep", "100000")
            await until_async(lambda: _running(broker), what="a running job")
            task = asyncio.create_task(pause(kube, await get_minicluster(kube, "bd", "default"), timeout=60))
            await asyncio.sleep(0.5)
            await delete_broker(kube, "bd")
            with pytest.raises((WorkflowError, Exception)) as caught:
                await task
            assert "Traceback" not in str(caught.value)
            assert (await get_minicluster(kube, "bd", "default")).size == 1  # the MiniCluster is untouched

    asyncio.run(scenario())


@row
def broker_deleted_while_recreate_waits_for_flux(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "bw", 1)

    async def scenario():
        async with await connect(server) as kube:
            _, ids = await prepared(kube, "bw")

            async def hook(step):
                if step == "wait for Flux":
                    for _ in range(200):  # the new broker pod exists: delete it under the recreate
                        try:
                            await delete_broker(kube, "bw")
                            return
                        except Exception:
                            await asyncio.sleep(0.1)

            result = await recreate(kube, await get_minicluster(kube, "bw", "default"), size=2,
                                    journal_root=tmp_path, before_step=hook)
            assert "recreated bw at size 2" in result
            broker = await ready(kube, "bw")
            assert set(ids) <= await job_ids(broker)

    asyncio.run(scenario())


@row
def broker_deleted_under_the_jobs_screen(demo_factory, tmp_path):
    server = demo_factory("--speed", FAST)

    async def scenario():
        app = FluxStateApp(Target(kubeconfig=str(server.kubeconfig)), refresh=0.5)
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: clusters.summaries.get("default/flux-sample")
                        and clusters.summaries["default/flux-sample"].snapshot, timeout=30, what="listed")
            await pilot.press("enter")
            jobs = app.screen
            assert isinstance(jobs, JobsScreen)
            await until(pilot, lambda: jobs.snapshot is not None, what="jobs")
            async with await connect(server) as kube:
                await delete_broker(kube, "flux-sample")
            await until(pilot, lambda: jobs.freshness.error, timeout=30, what="STALE while the pod is gone")
            await until(pilot, lambda: jobs.freshness.error is None and jobs.snapshot is not None, timeout=60,
                        what="LIVE on the new broker")
            assert app.is_running

    asyncio.run(scenario())


# ---- the archive removed or replaced under a half-finished recreate ------------------------------

def _archive_damaged(demo_factory, tmp_path, damage: str):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "ar", 1)

    async def scenario():
        async with await connect(server) as kube:
            broker, ids = await prepared(kube, "ar")

            async def kill(step):
                if step == "delete":
                    raise Killed()

            with pytest.raises(Killed):
                await recreate(kube, await get_minicluster(kube, "ar", "default"), size=2, journal_root=tmp_path,
                               before_step=kill)
            await broker.exec(["/bin/bash", "-c", damage])
            # the rerun must not delete a MiniCluster whose only copy of the queue is gone
            with pytest.raises(WorkflowError):
                await recreate(kube, None, name="ar", namespace="default", journal_root=tmp_path)
            mc = await get_minicluster(kube, "ar", "default")
            assert not mc.deleting and mc.size == 1
            assert set(ids) <= await job_ids(await ready(kube, "ar"))

    asyncio.run(scenario())


@row
def archive_removed_before_the_delete_step(demo_factory, tmp_path):
    _archive_damaged(demo_factory, tmp_path, "rm -f /state/ar.tar.gz")


@row
def archive_replaced_by_garbage_before_the_delete_step(demo_factory, tmp_path):
    _archive_damaged(demo_factory, tmp_path, "echo junk > /state/ar.tar.gz")


# ---- permissions (--deny) -------------------------------------------------------------------------

DENIED = [
    ("create:pods/exec", ["pause", "dn", "--yes"], "cannot create pods/exec"),
    ("create:pods/exec", ["dump", "dn", "--yes"], "cannot create pods/exec"),
    ("create:pods/exec", ["jobs", "dn"], "forbidden"),
    ("patch:miniclusters/scale", ["scale", "dn", "--size", "2", "--yes"], "cannot patch miniclusters/scale"),
    ("delete:miniclusters", ["recreate", "dn", "--size", "2", "--yes"], "cannot delete miniclusters"),
    ("list:pods", ["recreate", "dn", "--size", "2", "--yes"], "cannot list pods"),
    ("get:miniclusters", ["status", "dn"], "forbidden"),
]


def _denied(demo_factory, tmp_path, deny: str, argv: list[str], phrase: str):
    server = demo_factory("--empty", "--speed", FAST, "--deny", deny)
    create_mc(server, "dn", 1, maxSize=2)

    async def before():
        async with await connect(server) as kube:
            broker = await ready(kube, "dn")
            return await job_ids(broker), (await broker.flux(["flux", "queue", "status"])).stdout

    if deny in ("create:pods/exec", "list:pods", "get:miniclusters"):
        state = None  # the test cannot read Flux through the denial either: judge by the MiniCluster alone
    else:
        state = asyncio.run(before())
    r = cli(server, tmp_path, *argv)
    assert r.returncode != 0 and phrase in one_error_line(r).lower(), r.stderr
    listed = json.loads(server.kubectl("get", "miniclusters", "-o", "json").stdout)  # list, not get: may be denied
    mc = next(m for m in listed["items"] if m["metadata"]["name"] == "dn")
    assert mc["spec"]["size"] == 1 and "deletionTimestamp" not in mc["metadata"]
    if state is not None:
        assert asyncio.run(before()) == state
    assert not list((tmp_path / "state").rglob("*.json"))  # nothing half-done to continue


for _deny, _argv, _phrase in DENIED:
    def _make(deny=_deny, argv=_argv, phrase=_phrase):
        def fn(demo_factory, tmp_path):
            _denied(demo_factory, tmp_path, deny, argv, phrase)
        fn.__name__ = f"denied_{deny.replace(':', '_').replace('/', '_')}_{argv[0]}"
        return fn
    row(_make())


@row
def denied_exec_in_the_tui_says_so_and_stays_alive(demo_factory, tmp_path):
    server = demo_factory("--speed", FAST, "--deny", "create:pods/exec")

    async def scenario():
        app = FluxStateApp(Target(kubeconfig=str(server.kubeconfig)), refresh=0.5)
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: clusters.summaries.get("default/flux-sample"), timeout=30, what="listed")
            await pilot.press("D")
            await pilot.pause(0.5)
            await pilot.press("S")
            await pilot.pause(0.3)
            await pilot.press("y")
            await until(pilot, lambda: any("pods/exec" in n.message for n in app._notifications), timeout=30,
                        what="the refusal")
            assert app.is_running

    asyncio.run(scenario())


# ---- a workflow cancelled from the TUI, then finished by the CLI ---------------------------------

@row
def recreate_cancelled_in_the_tui_is_finished_by_the_cli(demo_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "tc", 1)

    async def scenario():
        async with await connect(server) as kube:
            _, ids = await prepared(kube, "tc")
        from fluxstate_tui.screens.progress import current_run

        app = FluxStateApp(Target(kubeconfig=str(server.kubeconfig)), refresh=0.5)
        async with app.run_test(size=(160, 45)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: clusters.summaries.get("default/tc")
                        and clusters.summaries["default/tc"].snapshot, timeout=30, what="listed")
            clusters.open_recreate(clusters.workflow_subject(), 2)
            await pilot.pause(0.3)
            await pilot.press("enter")
            run = await until(pilot, lambda: current_run(app), what="the recreate")
            await until(pilot, lambda: run.current in ("delete", "wait for teardown", "create"), timeout=60,
                        what="the recreate past its dump")
            run.cancel()
            await until(pilot, lambda: not run.running, what="cancelled")
            assert "journal" in (run.error or "")
        return ids

    ids = asyncio.run(scenario())
    r = cli(server, tmp_path, "recreate", "tc", "--yes")
    assert r.returncode == 0, r.stderr

    async def check():
        async with await connect(server) as kube:
            assert set(ids) <= await job_ids(await ready(kube, "tc"))
            assert (await get_minicluster(kube, "tc", "default")).size == 2

    asyncio.run(check())


# ---- the lock, someone else's hands, the API pausing ----------------------------------------------

@contextlib.contextmanager
def held_elsewhere(server, name: str, workflow: str):
    """Hold the MiniCluster's lock from another thread and event loop: to this process it is as foreign
    as another process's (a lock held by the calling task would be seen as its own)."""
    from fluxstate_tui.workflows.locking import hold

    taken, done = threading.Event(), threading.Event()

    async def holder():
        async with await connect(server) as kube, hold(kube, "default", name, workflow):
            taken.set()
            while not done.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=asyncio.run, args=(holder(),), daemon=True)
    thread.start()
    assert taken.wait(30), "the lock was not taken"
    try:
        yield
    finally:
        done.set()
        thread.join(30)


@row
def a_tui_start_is_refused_while_another_process_holds_the_lock(demo_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    server = demo_factory("--speed", FAST)

    async def scenario():
        async with await connect(server) as kube:
            await ready(kube, "flux-sample")
            with held_elsewhere(server, "flux-sample", "recreate"):
                app = FluxStateApp(Target(kubeconfig=str(server.kubeconfig)), refresh=0.5)
                async with app.run_test(size=(120, 30)) as pilot:
                    clusters = app.screen
                    await until(pilot, lambda: clusters.summaries.get("default/flux-sample")
                                and clusters.summaries["default/flux-sample"].snapshot, timeout=30, what="listed")
                    await pilot.press("S")
                    await pilot.pause(0.3)
                    await pilot.press("y")
                    await until(pilot, lambda: any("held by" in n.message for n in app._notifications),
                                timeout=30, what="the holder named")
                    assert app.is_running
            report = (await (await ready(kube, "flux-sample")).flux(["flux", "queue", "status"])).stdout
            assert "Scheduling is started" in report  # the refused stop changed nothing

    asyncio.run(scenario())


@row
def a_pause_is_refused_while_a_dump_holds_the_lock(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "lk", 1)

    async def scenario():
        from fluxstate_tui.workflows.locking import Busy

        async with await connect(server) as kube:
            await ready(kube, "lk")
            with held_elsewhere(server, "lk", "dump"):
                r = await asyncio.to_thread(cli, server, tmp_path, "pause", "lk", "--yes")
                assert r.returncode == 1 and "held by" in one_error_line(r)
                with pytest.raises(Busy):
                    await pause(kube, await get_minicluster(kube, "lk", "default"))

    asyncio.run(scenario())


def _lease_denied(demo_factory, tmp_path, deny: str):
    server = demo_factory("--empty", "--speed", FAST, "--deny", deny)
    create_mc(server, "ld", 1)

    async def scenario():
        async with await connect(server) as kube:
            broker = await ready(kube, "ld")
            r = await asyncio.to_thread(cli, server, tmp_path, "pause", "ld", "--yes")
            assert r.returncode == 1 and "leases" in one_error_line(r)
            assert "Scheduling is started" in (await broker.flux(["flux", "queue", "status"])).stdout

    asyncio.run(scenario())


@row
def creating_leases_denied(demo_factory, tmp_path):
    _lease_denied(demo_factory, tmp_path, "create:leases")


@row
def updating_leases_denied(demo_factory, tmp_path):
    _lease_denied(demo_factory, tmp_path, "update:leases")


@row
def minicluster_deleted_with_kubectl_while_pause_waits(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "kd", 1)

    async def setup():
        async with await connect(server) as kube:
            broker = await ready(kube, "kd")
            await submit(broker, "sleep", "100000")
            await until_async(lambda: _running(broker), what="a running job")

    asyncio.run(setup())
    proc = cli_until(server, tmp_path, "wait for running jobs", "pause", "kd", "--yes")
    server.kubectl("delete", "minicluster", "kd", "--wait=false")
    _, err = proc.communicate(timeout=180)
    assert proc.returncode != 0 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("fluxstate-tui: error:")


@row
def broker_deleted_during_a_dump_leaves_a_whole_archive(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "bdd", 1)

    async def scenario():
        async with await connect(server) as kube:
            await prepared(kube, "bdd")
            mc = await get_minicluster(kube, "bdd", "default")
            await pause(kube, mc)
            await dump(kube, mc)
            task = asyncio.create_task(dump(kube, mc))
            await asyncio.sleep(0.05)
            await delete_broker(kube, "bdd")
            try:
                await task
            except Exception as exc:  # the dump may fail: one message, not a crash
                assert str(exc)
        archive = server.data_dir / "data" / "bdd.tar.gz"
        with tarfile.open(archive) as tar:
            assert any(n.endswith("/eventlog") for n in tar.getnames())

    asyncio.run(scenario())


@row
def a_damaged_journal_in_the_tui_is_one_message(demo_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    server = demo_factory("--speed", FAST)

    async def scenario():
        from fluxstate_tui.screens.progress import current_run
        from fluxstate_tui.workflows.journal import Journal

        async with await connect(server) as kube:
            await ready(kube, "flux-sample")
            path = Journal.path_for(kube.server, kube.context, "default", "flux-sample")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x00garbage{")
        app = FluxStateApp(Target(kubeconfig=str(server.kubeconfig)), refresh=0.5)
        async with app.run_test(size=(160, 45)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: clusters.summaries.get("default/flux-sample")
                        and clusters.summaries["default/flux-sample"].snapshot, timeout=30, what="listed")
            clusters.open_recreate(clusters.workflow_subject(), 3)
            await pilot.pause(0.3)
            await pilot.press("enter")
            run = await until(pilot, lambda: current_run(app), what="the recreate")
            await until(pilot, lambda: not run.running, what="refused")
            assert run.state == "failed" and str(path) in (run.error or "") and "\n" not in (run.error or "")
            assert app.is_running
        async with await connect(server) as kube:
            assert (await get_minicluster(kube, "flux-sample", "default")).size == 2

    asyncio.run(scenario())


@row
def api_frozen_mid_recreate_then_rerun_finishes(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "fz", 1)

    async def setup():
        async with await connect(server) as kube:
            return (await prepared(kube, "fz"))[1]

    ids = asyncio.run(setup())
    proc = cli_until(server, tmp_path, "wait for teardown", "recreate", "fz", "--size", "2", "--yes")
    server.proc.send_signal(signal.SIGSTOP)  # the API stops answering: requests time out
    try:
        _, err = proc.communicate(timeout=180)
    finally:
        server.proc.send_signal(signal.SIGCONT)
    assert proc.returncode != 0 and "Traceback" not in err
    r = cli(server, tmp_path, "recreate", "fz", "--yes")
    assert r.returncode == 0, r.stderr

    async def check():
        async with await connect(server) as kube:
            assert set(ids) <= await job_ids(await ready(kube, "fz"))
            assert (await get_minicluster(kube, "fz", "default")).size == 2

    asyncio.run(check())


@row
def a_job_submitted_while_a_recreate_pauses_comes_back(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "sub", 1)

    async def scenario():
        async with await connect(server) as kube:
            broker, ids = await prepared(kube, "sub")
            late: list[int] = []

            async def hook(step):
                if step == "dump":  # the queue is stopped: a new job waits, and must travel too
                    late.append(await submit(broker, "hostname"))

            await recreate(kube, await get_minicluster(kube, "sub", "default"), size=2, journal_root=tmp_path,
                           before_step=hook)
            assert set(ids) | set(late) <= await job_ids(await ready(kube, "sub"))

    asyncio.run(scenario())


@row
def reading_leases_denied(demo_factory, tmp_path):
    _lease_denied(demo_factory, tmp_path, "get:leases")


@row
def a_waiting_stop_cancelled_in_the_tui_keeps_its_jobs_running(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "cw", 1)

    async def scenario():
        from fluxstate_tui.screens.progress import current_run

        async with await connect(server) as kube:
            broker = await ready(kube, "cw")
            long_job = await submit(broker, "sleep", "100000")
            await until_async(lambda: _running(broker), what="a running job")
            app = FluxStateApp(Target(kubeconfig=str(server.kubeconfig)), refresh=0.5)
            async with app.run_test(size=(120, 36)) as pilot:
                clusters = app.screen
                await until(pilot, lambda: clusters.summaries.get("default/cw")
                            and clusters.summaries["default/cw"].snapshot, timeout=30, what="listed")
                await pilot.press("S")
                await pilot.pause(0.3)
                await pilot.press("y")
                run = await until(pilot, lambda: current_run(app), what="the stop")
                await until(pilot, lambda: run.current == "wait for running jobs", what="waiting")
                await pilot.press("ctrl+c")
                await pilot.pause(0.3)
                await pilot.press("y")
                await until(pilot, lambda: not run.running, what="cancelled")
                assert "queue stays stopped" in (run.error or "") and app.is_running
            assert (await states(broker))[long_job][0] == "RUN"

    asyncio.run(scenario())


@row
def someone_resizes_the_minicluster_under_a_recreate(demo_factory, tmp_path):
    server = demo_factory("--empty", "--speed", FAST)
    create_mc(server, "rs", 1, maxSize=3)

    async def scenario():
        async with await connect(server) as kube:
            _, ids = await prepared(kube, "rs")

            async def hook(step):
                if step == "dump":  # another user scales it meanwhile (kubectl talks to the API directly)
                    await asyncio.to_thread(server.kubectl, "scale", "minicluster", "rs", "--replicas=2")

            try:
                await recreate(kube, await get_minicluster(kube, "rs", "default"), size=3, journal_root=tmp_path,
                               before_step=hook)
            except (Refused, WorkflowError) as exc:
                assert str(exc)  # refused with a reason, or finished below: never silently wrong
            mc = await get_minicluster(kube, "rs", "default")
            assert mc.size in (2, 3) and not mc.deleting
            assert set(ids) <= await job_ids(await ready(kube, "rs"))

    asyncio.run(scenario())


@pytest.mark.parametrize("name", list(ROWS))
def test_fault(name, demo_factory, tmp_path, request):
    fn = ROWS[name]
    kwargs = {"demo_factory": demo_factory, "tmp_path": tmp_path}
    if "monkeypatch" in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        kwargs["monkeypatch"] = request.getfixturevalue("monkeypatch")
    fn(**kwargs)
