"""`--demo --load RATE`: a stream of mixed jobs into flux-sample, so a presenter always has a live queue.

RATE is jobs per second of wall-clock time (0.1 to 20). The mix is what a busy queue of a small cluster
looks like: mostly short jobs, some long ones, some across every node, a few that fail or time out, a
few held (released again a little later, as an operator would) and a few that wait on a recent job.
Jobs go in through the broker pod's shell, as `kubectl exec … flux submit` would (seed.Submitter), and the
stream follows flux-sample when a recreate replaces its broker.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shlex
from functools import partial

from .cluster import DemoCluster
from .seed import NAME, NAMESPACE, Submitter

log = logging.getLogger(__name__)

MIN_RATE, MAX_RATE = 0.1, 20.0
HELD_FOR = 20.0   # seconds a held job waits before the stream releases it


def next_job(rng: random.Random, size: int, recent: list[str]) -> list[str]:
    """`flux submit` arguments for one job of the mix (names say what the job is, for the audience)."""
    roll = rng.random()
    if roll < 0.45:
        return ["--job-name=short", "sleep", str(rng.randint(1, 8))]
    if roll < 0.60:
        return ["--job-name=long", "sleep", str(rng.randint(30, 120))]
    if roll < 0.72:
        return [f"-N{rng.randint(1, max(1, size))}", "--job-name=wide", "sleep", str(rng.randint(5, 40))]
    if roll < 0.80:
        return ["--job-name=fails", "sh", "-c", f"exit {rng.randint(1, 3)}"]
    if roll < 0.85:
        return ["-t", "2s", "--job-name=too-slow", "sleep", "30"]
    if roll < 0.92 and recent:
        return [f"--dependency=afterok:{rng.choice(recent)}", "--job-name=after", "sleep", str(rng.randint(1, 5))]
    return ["--urgency=0", "--job-name=held", "sleep", str(rng.randint(2, 10))]


def _released(jobid: str, task: asyncio.Future) -> None:
    # A job cancelled or already gone meanwhile cannot be released: nothing to do but note it.
    if not task.cancelled() and task.exception() is not None:
        log.debug("release of %s failed: %s", jobid, task.exception())


class Load:
    def __init__(self, cluster: DemoCluster, rate: float, seed: int | None = None) -> None:
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(f"load rate must be {MIN_RATE} to {MAX_RATE} jobs per second, not {rate}")
        self.cluster = cluster
        self.rate = rate
        self.rng = random.Random(seed)
        self.submitted = 0
        self.recent: list[str] = []

    async def run(self) -> None:
        """Forever (the demo cancels it at stop): submit, release what was held a while ago, wait."""
        submitter: Submitter | None = None
        while True:
            if submitter is None or self.cluster.broker_pod(NAMESPACE, NAME) is None or \
                    self.cluster.broker_pod(NAMESPACE, NAME).name != submitter.broker_pod:
                submitter = await Submitter.when_up(self.cluster, timeout=600)
                if submitter is None:
                    await asyncio.sleep(1)
                    continue
            size = submitter.instance.size
            args = next_job(self.rng, size, self.recent)
            jobid = await submitter.submit(args)
            if jobid:
                self.submitted += 1
                self.recent = (self.recent + [jobid])[-8:]
                if args[0] == "--urgency=0":
                    asyncio.get_running_loop().call_later(HELD_FOR, self._release, submitter, jobid)
            await asyncio.sleep(self.rng.expovariate(self.rate))

    def _release(self, submitter: Submitter, jobid: str) -> None:
        script = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket " + shlex.join(
            ["flux", "job", "urgency", jobid, "default"])
        task = asyncio.ensure_future(self.cluster.run_in_pod(NAMESPACE, submitter.broker_pod,
                                                             ["/bin/bash", "-c", script]))
        task.add_done_callback(partial(_released, jobid))
