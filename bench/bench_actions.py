"""Releasing 1,000 held jobs in one action, beside a plain exec and what one exec per job would cost.

    .venv/bin/python bench/bench_actions.py [--jobs 1000] [--speed 1]

On an in-process demo cluster (as `--demo` runs it): submits N held jobs in one `flux submit --cc`, then
times, each over the real kubernetes client and websocket exec:
  - one exec of `flux uptime` and one of `flux jobs` listing every job (the baselines);
  - the release action of the engine (workflows/job_actions.py): one script, `flux job urgency` per job;
  - one exec per job, measured on a sample and scaled to N (what the batching saves);
and checks that every job was released.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fluxstate_tui.demo.embedded import EmbeddedDemo  # noqa: E402
from fluxstate_tui.flux import commands as fc  # noqa: E402
from fluxstate_tui.flux.ids import parse_jobid  # noqa: E402
from fluxstate_tui.kube.broker import Broker  # noqa: E402
from fluxstate_tui.kube.client import KubeClient, Target  # noqa: E402
from fluxstate_tui.kube.resources import get_minicluster  # noqa: E402
from fluxstate_tui.workflows.job_actions import act_on_jobs  # noqa: E402

SAMPLE = 20  # jobs released one exec each, to scale the per-job cost up to N
ROUNDS = 3   # baselines: the best of 3; the release: the median of 3 (held again in between)


async def timed(coro) -> tuple[float, object]:
    t0 = time.perf_counter()
    value = await coro
    return time.perf_counter() - t0, value


async def main(jobs: int, speed: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = str(Path(tmp) / "state")  # the action's audit line goes here
        demo = EmbeddedDemo(speed=speed, data_dir=Path(tmp) / "demo").start()
        try:
            async with await KubeClient.connect(Target(kubeconfig=str(demo.kubeconfig))) as kube:
                broker = None
                for _ in range(600):
                    try:
                        mc = await get_minicluster(kube, "flux-sample", "default")
                        broker = Broker(kube, mc)
                        if await broker.ready():
                            break
                    except Exception:
                        pass
                    await asyncio.sleep(0.2)
                assert broker is not None
                await broker.flux(fc.queue_stop("bench"))  # released jobs stay queued: only urgency is timed
                out = (await broker.flux(["flux", "submit", "--urgency=0", f"--cc=1-{jobs}",
                                          "hostname"], timeout=600)).stdout
                ids = [parse_jobid(w) for w in out.split()]
                assert len(ids) == jobs, f"submitted {len(ids)} of {jobs}"
                t_uptime = min([(await timed(broker.flux(fc.uptime())))[0] for _ in range(ROUNDS)])
                t_jobs, listing = min([await timed(broker.flux(fc.jobs("{id}", count=0), timeout=300))
                                       for _ in range(ROUNDS)], key=lambda t: t[0])
                releases = []
                for round_ in range(ROUNDS):
                    if round_:
                        await act_on_jobs(kube, mc, "hold", ids)
                    t_release, result = await timed(act_on_jobs(kube, mc, "release", ids))
                    assert result.outcome == "ok" and len(result.succeeded) == jobs, result.summary()
                    releases.append(t_release)
                t_release = statistics.median(releases)
                await act_on_jobs(kube, mc, "hold", ids[:SAMPLE])
                t0 = time.perf_counter()
                for jid in ids[:SAMPLE]:
                    await broker.flux(fc.job_urgency(str(jid), "default"))
                per_job = (time.perf_counter() - t0) / SAMPLE
                urgencies = (await broker.flux(fc.jobs("{urgency}", count=0), timeout=300)).stdout.split()
                assert urgencies.count("16") >= jobs, "not every job was released"
        finally:
            demo.stop()
    n_listed = len(listing.stdout.split())  # type: ignore[attr-defined]
    print(f"release {jobs:,} held jobs of flux-sample (demo speed {speed:g})")
    rows = [("one exec: flux uptime", t_uptime, ""),
            (f"one exec: flux jobs ({n_listed:,} jobs)", t_jobs, ""),
            (f"release action: {result.execs} exec(s)", t_release, f"{t_release / jobs * 1000:.2f} ms per job"),
            (f"one exec per job (measured on {SAMPLE}, x{jobs / SAMPLE:g})", per_job * jobs,
             f"{per_job * 1000:.1f} ms per job")]
    for label, seconds, note in rows:
        print(f"  {label:<44} {seconds:8.3f}s   {note}".rstrip())


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--jobs", type=int, default=1000, help="held jobs to release (default 1000)")
    cli.add_argument("--speed", type=float, default=1.0, help="the demo cluster's --speed (default 1)")
    given = cli.parse_args()
    if given.jobs < SAMPLE:
        cli.error(f"--jobs must be at least {SAMPLE}")
    asyncio.run(main(given.jobs, given.speed))
