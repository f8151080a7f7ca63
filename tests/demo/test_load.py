"""`--demo --load RATE`: a stream of mixed jobs keeps flux-sample's queue live (demo/load.py)."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.demo.load import Load, next_job
from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.resources import get_minicluster


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
