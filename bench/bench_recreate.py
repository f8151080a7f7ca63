"""How long a recreate takes, and how much of that is ours beyond the demo cluster's own delays.

    .venv/bin/python bench/bench_recreate.py [--jobs 1000] [--speed 1]

Runs the real workflow (kubernetes client, exec, dump, delete, create, restore) against an
in-process demo cluster and prints the time of each step. The demo's simulated delays (operator
reaction, pod start, broker start, pod termination) are listed, and subtracted for the figure
that measures our own overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fluxstate_tui.demo import controllers, kubelet  # noqa: E402
from fluxstate_tui.demo.embedded import EmbeddedDemo  # noqa: E402
from fluxstate_tui.kube.broker import Broker  # noqa: E402
from fluxstate_tui.kube.client import KubeClient, Target  # noqa: E402
from fluxstate_tui.kube.resources import get_minicluster  # noqa: E402
from fluxstate_tui.workflows import Event, recreate  # noqa: E402


async def main(jobs: int, speed: float) -> None:
    # The demo cluster on its own thread and loop, as `--demo` runs it: the client's work here
    # must not slow down the simulated pods and jobs.
    with tempfile.TemporaryDirectory() as tmp:
        demo = EmbeddedDemo(speed=speed, seed_jobs=jobs, data_dir=Path(tmp) / "demo").start()
        kubeconfig = str(demo.kubeconfig)
        async with await KubeClient.connect(Target(kubeconfig=kubeconfig)) as kube:
            for _ in range(600):  # until the seeded jobs are in
                try:
                    mc = await get_minicluster(kube, "flux-sample", "default")
                    result = await Broker(kube, mc).flux(["flux", "jobs", "-a", "-A", "-n", "-c", "0", "-o", "{id}"])
                    out = result.stdout
                    if len(out.split()) >= jobs + 12:
                        break
                except Exception:
                    pass
                await asyncio.sleep(0.2)
        times: dict[str, float] = {}
        current = {"step": None, "t": 0.0}

        def progress(event: Event) -> None:
            now = time.perf_counter()
            if event.kind == "step":
                current.update(step=event.step, t=now)
            elif event.kind == "step-done" and event.step == current["step"]:
                times[event.step] = now - current["t"]

        async with await KubeClient.connect(Target(kubeconfig=kubeconfig)) as kube:
            mc = await get_minicluster(kube, "flux-sample", "default")
            t0 = time.perf_counter()
            await recreate(kube, mc, size=3, progress=progress, journal_root=Path(tmp) / "journal",
                           cancel_running=True, pause_timeout=5)
            total = time.perf_counter() - t0
        demo.stop()
    # What the demo cluster waits on purpose, in simulated seconds: teardown, then start-up.
    demo_delays = (kubelet.STOP_GRACE + controllers.OPERATOR_DELAY + kubelet.APP_RUNNING + kubelet.BROKER_UP) / speed
    print(f"recreate flux-sample 2 -> 3 with {jobs:,} extra finished jobs (demo speed {speed:g})")
    for step, seconds in times.items():
        print(f"  {step:<20} {seconds:7.2f}s")
    print(f"  {'total':<20} {total:7.2f}s")
    print(f"  demo cluster's own delays (pod stop, operator, pod start, broker start): {demo_delays:.2f}s")
    print(f"  recreate beyond those delays: {total - demo_delays:.2f}s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--speed", type=float, default=1.0)
    args = parser.parse_args()
    asyncio.run(main(args.jobs, args.speed))
