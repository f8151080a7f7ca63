"""`--demo --load RATE`: a stream of mixed jobs into flux-sample, so a presenter always has a live queue.

RATE is jobs per second of wall-clock time (0.1 to 20). The mix is what a busy queue of a small cluster
looks like: mostly short jobs, some long ones, some across every node, a few that fail or time out, a
few held (released again a little later, as an operator would) and a few that wait on a recent job.
How long the jobs run is scaled to the cluster and the rate: on average the stream asks for UTILISATION
of the cores, so jobs keep starting and ending and a queue forms now and then, rather than one that only
grows (unscaled, 2 jobs a second ask for some 60 cores of a 2-node, 8-core demo).
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
# Half: sched-simple takes jobs first come, first served, so a job across whole nodes leaves cores idle while
# it waits for them; at three quarters a backlog (the seeded scene's big-run holds the queue for two minutes)
# hardly shrank.
UTILISATION = 0.5

# The mix: (up to this roll, seconds it runs unscaled: fewest, most). `wide` takes 1..size whole nodes,
# `too-slow` runs into its 2 s limit, `fails` exits at once; the others take one core.
SHORT, LONG, WIDE, FAILS, TOO_SLOW, AFTER = 0.45, 0.60, 0.72, 0.80, 0.85, 0.92  # the rest: held
SECONDS = {"short": (1, 8), "long": (30, 120), "wide": (5, 40), "after": (1, 5), "held": (2, 10)}
SHARE = {"short": SHORT, "long": LONG - SHORT, "wide": WIDE - LONG, "too-slow": TOO_SLOW - FAILS,
         "after": AFTER - TOO_SLOW, "held": 1 - AFTER}


def next_job(rng: random.Random, size: int, recent: list[str], scale: float = 1.0) -> list[str]:
    """`flux submit` arguments for one job of the mix (names say what the job is, for the audience), its
    run time `scale`d."""
    def runs(kind: str) -> str:
        return f"{max(0.1, rng.randint(*SECONDS[kind]) * scale):.1f}"

    roll = rng.random()
    if roll < SHORT:
        return ["--job-name=short", "sleep", runs("short")]
    if roll < LONG:
        return ["--job-name=long", "sleep", runs("long")]
    if roll < WIDE:
        return [f"-N{rng.randint(1, max(1, size))}", "--job-name=wide", "sleep", runs("wide")]
    if roll < FAILS:
        return ["--job-name=fails", "sh", "-c", f"exit {rng.randint(1, 3)}"]
    if roll < TOO_SLOW:
        return ["-t", "2s", "--job-name=too-slow", "sleep", "30"]
    if roll < AFTER and recent:
        return [f"--dependency=afterok:{rng.choice(recent)}", "--job-name=after", "sleep", runs("after")]
    return ["--urgency=0", "--job-name=held", "sleep", runs("held")]


def duration_scale(rate: float, size: int, cores_per_node: int, speed: float) -> float:
    """What the mix's run times are multiplied by so that `rate` jobs per wall-clock second ask for
    UTILISATION of the cores (a demo `speed` times faster runs each job that much sooner); at most 1."""
    def mean(kind: str) -> float:
        return sum(SECONDS[kind]) / 2

    wide_cores = (1 + max(1, size)) / 2 * cores_per_node
    core_seconds = (SHARE["short"] * mean("short") + SHARE["long"] * mean("long")
                    + SHARE["wide"] * mean("wide") * wide_cores + SHARE["too-slow"] * 2.0
                    + SHARE["after"] * mean("after") + SHARE["held"] * mean("held"))
    wanted = UTILISATION * max(1, size) * cores_per_node * speed / rate
    return min(1.0, wanted / core_seconds)


def _released(jobid: str, task: asyncio.Future) -> None:
    # A job cancelled or already gone meanwhile cannot be released: nothing to do but note it.
    if not task.cancelled() and task.exception() is not None:
        log.debug("release of %s failed: %s", jobid, task.exception())


def check_rate(rate: float) -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"load rate must be {MIN_RATE} to {MAX_RATE} jobs per second, not {rate}")


class Load:
    def __init__(self, cluster: DemoCluster, rate: float, seed: int | None = None) -> None:
        check_rate(rate)
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
            inst = submitter.instance
            scale = duration_scale(self.rate, inst.size, inst.cores_per_node, inst.clock.speed)
            args = next_job(self.rng, inst.size, self.recent, scale)
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
