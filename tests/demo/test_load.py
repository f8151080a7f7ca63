"""`--demo --load RATE`: a stream of mixed jobs keeps flux-sample's queue live (demo/load.py)."""

from __future__ import annotations

import asyncio
import random
import statistics
import time

import pytest

from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.demo.load import UTILISATION, Load, duration_scale, next_job
from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.resources import get_minicluster
from tests.conftest import wait_for


def test_the_mix_has_every_kind_and_only_flux_submit_arguments():
    rng = random.Random(1)
    names = {next(a for a in next_job(rng, 2, ["ƒ1"]) if a.startswith("--job-name=")) for _ in range(400)}
    assert names == {f"--job-name={n}" for n in ("short", "long", "wide", "fails", "too-slow", "after", "held")}
    with pytest.raises(ValueError):
        Load(None, 0)  # type: ignore[arg-type]


async def names_in(demo: EmbeddedDemo) -> list[str]:
    async with await KubeClient.connect(Target(kubeconfig=str(demo.kubeconfig))) as kube:
        broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
        out = await broker.flux(["flux", "jobs", "-a", "-n", "-c", "0", "-o", "{name}"])
        return out.stdout.split()


def test_the_stream_keeps_jobs_arriving():
    demo = EmbeddedDemo(speed=10, load=5).start()
    try:
        demo.wait_seeded()
        deadline = time.monotonic() + 60
        names: list[str] = []
        while time.monotonic() < deadline:
            names = asyncio.run(names_in(demo))
            if sum(n in ("short", "long", "wide", "fails", "too-slow", "after", "held") for n in names) >= 10:
                break
            time.sleep(0.5)
        streamed = [n for n in names if n in ("short", "long", "wide", "fails", "too-slow", "after", "held")]
        assert len(streamed) >= 10, names
        assert len(set(streamed)) >= 3   # a mix, not one kind
    finally:
        demo.stop()


def core_seconds(args: list[str], cores_per_node: int) -> float:
    """What one job of the mix takes of the cluster: cores x seconds it runs."""
    if "--job-name=fails" in args:
        return 0.0
    if "--job-name=too-slow" in args:
        return 2.0  # its time limit
    nodes = next((int(a[2:]) for a in args if a.startswith("-N")), None)
    return float(args[-1]) * (nodes * cores_per_node if nodes else 1)


@pytest.mark.parametrize(("rate", "size", "cores", "speed"), [(2, 2, 4, 1.0), (0.5, 4, 8, 1.0), (5, 2, 4, 10.0)])
def test_the_stream_asks_for_half_of_the_cores(rate, size, cores, speed):
    """Unscaled, 2 jobs a second asked for some 60 cores of the 8 a demo has: the queue only grew."""
    scale = duration_scale(rate, size, cores, speed)
    assert 0 < scale <= 1
    rng = random.Random(2)
    jobs = [next_job(rng, size, ["ƒ1"], scale) for _ in range(20000)]
    asked = statistics.mean(core_seconds(j, cores) for j in jobs) * rate / speed / (size * cores)
    assert asked == pytest.approx(UTILISATION, rel=0.1)


def test_the_stream_is_turned_on_and_off_while_the_demo_runs():
    demo = EmbeddedDemo(speed=10).start()
    try:
        demo.wait_seeded()
        seeded = len(asyncio.run(names_in(demo)))
        time.sleep(1)
        assert len(asyncio.run(names_in(demo))) == seeded  # no stream without --load
        demo.set_load(5)
        wait_for(lambda: len(asyncio.run(names_in(demo))) >= seeded + 5, timeout=30,
                 what="streamed jobs")
        demo.set_load(None)
        time.sleep(0.5)  # a submission under way when it stopped may still land
        before = len(asyncio.run(names_in(demo)))
        time.sleep(2)
        assert len(asyncio.run(names_in(demo))) == before
        with pytest.raises(ValueError):
            demo.set_load(1000)
    finally:
        demo.stop()
