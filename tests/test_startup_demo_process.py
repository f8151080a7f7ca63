"""`--demo`'s cluster in a child process (demo/embedded.py DemoProcess): it comes up and answers the real
client, the app lists flux-sample through it, a child that cannot start says why, and the child never
outlives the TUI, however the TUI ends."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.demo.embedded import DemoProcess
from fluxstate_tui.kube.apis import CORE_V1_MODELS
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.resources import list_miniclusters
from tests.conftest import REPO, wait_for
from tests.screens.pilot import text_of, until


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_child_answers_the_client_and_stops_with_its_data(tmp_path):
    demo = DemoProcess(speed=10).launch()
    try:
        demo.wait_ready()
        assert demo.failed is None and demo.url and demo.kubeconfig.exists()

        async def names():
            async with await KubeClient.connect(Target(kubeconfig=str(demo.kubeconfig))) as kube:
                return [mc.name for mc in await list_miniclusters(kube, "default")]

        assert asyncio.run(names()) == ["flux-sample"]
        child = demo._proc
        assert child is not None and child.poll() is None
    finally:
        demo.stop()
    assert child.returncode == 0  # stopped its cluster and exited when its stdin closed
    assert not demo.data_dir.exists()


async def test_the_app_lists_flux_sample_through_the_child():
    demo = DemoProcess(speed=10).launch()
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=0.5, demo=demo)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            summary = await until(pilot, lambda: (s := clusters.summaries.get("default/flux-sample")) and s.snapshot
                                  and s, what="flux-sample listed")
            assert summary.ready_pods == 2 and summary.queue_text() == "started"
            # the models the list never reads, built in a thread once it is shown (kube/client.py load_models)
            await until(pilot, lambda: "cut_class" in vars(CORE_V1_MODELS), what="the models built")
    finally:
        demo.stop()
    assert demo.failed is None


async def test_a_child_that_cannot_start_is_said_on_the_screen():
    demo = DemoProcess(speed=10, load=1000).launch()  # a rate the demo refuses as it starts
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=0.5, demo=demo)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: "failed to start" in text_of(clusters.query_one("#mc-empty")),
                        what="the demo's failure")
            assert "load rate" in text_of(clusters.query_one("#mc-empty"))
    finally:
        demo.stop()
    assert demo.failed is not None and "load rate" in str(demo.failed)
    with pytest.raises(RuntimeError, match="failed to start"):
        demo.wait_ready()  # asked again: the same answer, not a hang


@pytest.mark.parametrize("how", ["quits", "is killed"])
def test_the_child_never_outlives_the_tui(tmp_path, how):
    """A stand-in for the TUI launches the child and then ends: by stop() (q), or by SIGKILL (no cleanup)."""
    code = ("import sys, time\n"
            "from fluxstate_tui.demo.embedded import DemoProcess\n"
            "demo = DemoProcess(speed=10).launch().wait_ready()\n"
            "print(demo._proc.pid, demo.data_dir, flush=True)\n"
            "if sys.argv[1] == 'quits':\n"
            "    demo.stop()\n"
            "else:\n"
            "    time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", code, how.split()[-1]], stdout=subprocess.PIPE, text=True,
                              cwd=REPO)
    assert parent.stdout is not None
    pid, data_dir = parent.stdout.readline().split()
    assert alive(int(pid))
    if how == "is killed":
        parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    wait_for(lambda: not alive(int(pid)), 30, 0.1, "the child to exit")
    assert not os.path.exists(data_dir)  # removed by the child itself when its parent is gone


def test_a_ctrl_c_at_the_terminal_does_not_reach_the_child():
    demo = DemoProcess(speed=10).launch()
    try:
        demo.wait_ready()
        child = demo._proc
        assert child is not None
        assert os.getsid(child.pid) != os.getsid(os.getpid())  # its own session: the terminal's ^C misses it
        os.kill(child.pid, signal.SIGINT)  # and one sent to it anyway is ignored: it stops through stdin

        async def names():
            async with await KubeClient.connect(Target(kubeconfig=str(demo.kubeconfig))) as kube:
                return [mc.name for mc in await list_miniclusters(kube, "default")]

        assert asyncio.run(names()) == ["flux-sample"]
        assert child.poll() is None
    finally:
        demo.stop()
