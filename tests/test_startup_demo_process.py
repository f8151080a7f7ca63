"""`--demo`'s cluster in a child process (demo/embedded.py DemoProcess): it comes up and answers the real
client and the child never outlives the TUI, however the TUI ends. The app listing flux-sample through
it, and a child that cannot start saying why: tests/screens/test_startup.py, for both kinds of demo."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from fluxstate_tui.demo.embedded import DemoProcess
from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.resources import get_minicluster, list_miniclusters
from tests.conftest import REPO, wait_for


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def minicluster_names(kubeconfig) -> list[str]:
    async with await KubeClient.connect(Target(kubeconfig=str(kubeconfig))) as kube:
        return [mc.name for mc in await list_miniclusters(kube, "default")]


def test_the_child_answers_the_client_and_stops_with_its_data(tmp_path):
    demo = DemoProcess(speed=10).launch()
    try:
        demo.wait_ready()
        assert demo.failed is None and demo.url and demo.kubeconfig.exists()

        assert asyncio.run(minicluster_names(demo.kubeconfig)) == ["flux-sample"]
        child = demo._proc
        assert child is not None and child.poll() is None
    finally:
        demo.stop()
    assert child.returncode == 0  # stopped its cluster and exited when its stdin closed
    assert not demo.data_dir.exists()


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

        assert asyncio.run(minicluster_names(demo.kubeconfig)) == ["flux-sample"]
        assert child.poll() is None
    finally:
        demo.stop()


async def streamed_jobs(kubeconfig) -> int:
    """Jobs of the names only the stream of jobs gives (demo/load.py; the seeded scene has none of them)."""
    async with await KubeClient.connect(Target(kubeconfig=str(kubeconfig))) as kube:
        broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
        names = (await broker.flux(["flux", "jobs", "-a", "-n", "-c", "0", "-o", "{name}"])).stdout.split()
        return sum(n in ("short", "long", "wide") for n in names)


def test_the_childs_stream_of_jobs_is_turned_on_from_the_tui():
    """The palette's "Demo: stream jobs" reaches a child process demo as a line on its stdin."""
    demo = DemoProcess(speed=10).launch()
    try:
        demo.wait_ready()
        time.sleep(1)
        assert asyncio.run(streamed_jobs(demo.kubeconfig)) == 0
        demo.set_load(5)
        assert demo.load == 5
        wait_for(lambda: asyncio.run(streamed_jobs(demo.kubeconfig)) >= 5, what="streamed jobs")
    finally:
        demo.stop()
    assert demo._proc is not None and demo._proc.returncode == 0
