"""The demo cluster's default state: the Flux Operator "State" tutorial's setup with jobs in it.

The objects are what the tutorial's volumes.yaml and minicluster.yaml create; the jobs are
submitted through the broker pod's shell exactly as a user would with kubectl exec. The
deterministic demo (`EmbeddedDemo(frozen=True)`) gets a still scene of them instead.
"""

from __future__ import annotations

import logging
import shlex

from .cluster import DemoCluster
from .flux import FluxInstance

log = logging.getLogger(__name__)

NAMESPACE = "default"
NAME = "flux-sample"

VOLUMES = [
    {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "data"},
        "spec": {
            "capacity": {"storage": "5Gi"},
            "accessModes": ["ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "manual",
            "hostPath": {"path": "/data"},
        },
    },
    {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": NAMESPACE},
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "storageClassName": "manual",
            "resources": {"requests": {"storage": "1Gi"}},
        },
    },
]

MINICLUSTER = {
    "apiVersion": "flux-framework.org/v1alpha2",
    "kind": "MiniCluster",
    "metadata": {"name": NAME, "namespace": NAMESPACE},
    "spec": {
        "size": 2,
        "interactive": True,
        "archive": {"path": "/state/archive.tar.gz"},
        "containers": [{
            "image": "rockylinux:9",
            "volumes": {"data": {"path": "/state", "hostPath": "/data"}},
        }],
    },
}

# A queue worth looking at: finished jobs of every result, jobs running for a while, a job
# waiting for two whole nodes behind them, one waiting on it, and a held job.
FINISHED = [
    ["--job-name=hello", "hostname"],
    ["sleep", "1"],
    ["-N2", "hostname"],
    ["false"],
    ["sh", "-c", "exit 3"],
    ["--job-name=analysis", "sleep", "2"],
    ["-t", "1s", "sleep", "30"],
]
RUNNING = [
    ["--job-name=simulation", "-n4", "sleep", "40"],
    ["--job-name=train", "-n2", "sleep", "70"],
]
PENDING = ["--job-name=big-run", "-N2", "sleep", "60"]
HELD = ["--urgency=0", "--job-name=held", "hostname"]


# The deterministic demo: the pods' clock stands at FROZEN_EPOCH (2025-06-02 09:00:00 UTC) and every
# random choice comes from FROZEN_SEED, so each run shows the same job ids, pod names and times.
FROZEN_EPOCH = 1748854800.0
FROZEN_SEED = 13

# Its scene holds still: the running jobs sleep forever, so the job waiting for two whole nodes and the
# one depending on it wait forever, and the held job stays held. Each running job is followed by the
# simulated seconds its frozen clock is moved on, so the TIME column reads like a run's.
STILL_RUNNING = [
    (["--job-name=simulation", "-n4", "sleep", "infinity"], 50.0),
    (["--job-name=train", "-n2", "sleep", "infinity"], 25.0),
]
STILL_UPTIME = 20 * 60.0  # how long the instance has run when the history is seeded


def apply_default_state(cluster: DemoCluster) -> None:
    """The tutorial's objects, flux-sample up as if it had been running a while (its pods Running,
    every broker rank joined), so the demo opens on a live queue. A MiniCluster made later starts
    at the simulated pace."""
    for obj in VOLUMES:
        plural = "persistentvolumes" if obj["kind"] == "PersistentVolume" else "persistentvolumeclaims"
        cluster.store.create(plural, obj["metadata"].get("namespace"), obj)
    cluster.store.create("miniclusters", NAMESPACE, MINICLUSTER)
    cluster.settle(lambda: every_rank_up(cluster))


def every_rank_up(cluster: DemoCluster) -> bool:
    broker = cluster.kubelet.brokers.get((NAMESPACE, NAME))
    return (broker is not None and broker.ready and broker.instance is not None
            and all(node.online for node in broker.instance.nodes))


class Submitter:
    """Submits jobs to flux-sample through its broker pod's shell, as `kubectl exec` would."""

    def __init__(self, cluster: DemoCluster, broker_pod: str, instance: FluxInstance) -> None:
        self.cluster = cluster
        self.broker_pod = broker_pod
        self.instance = instance

    @classmethod
    async def when_up(cls, cluster: DemoCluster, timeout: float) -> Submitter | None:
        """Once flux-sample's broker answers; None if its pod went away meanwhile."""
        await cluster.wait_until(lambda: cluster.flux_ready(NAMESPACE, NAME), timeout)
        pod = cluster.broker_pod(NAMESPACE, NAME)
        broker = cluster.kubelet.brokers.get((NAMESPACE, NAME))
        if pod is None or broker is None or broker.instance is None:
            return None
        return cls(cluster, pod.name, broker.instance)

    async def submit(self, args: list[str]) -> str:
        script = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux submit " + shlex.join(args)
        rc, out, err = await self.cluster.run_in_pod(NAMESPACE, self.broker_pod, ["/bin/bash", "-c", script])
        if rc != 0:
            log.warning("seed job %s failed: %s", args, err.strip())
        return out.strip()

    async def submit_waiting(self) -> None:
        """The jobs that wait: one for two whole nodes, one on it (a dependency), one held."""
        big = await self.submit(PENDING)
        if big:
            await self.submit([f"--dependency=afterok:{big}", "--job-name=report", "echo", "done"])
        await self.submit(HELD)


async def submit_demo_jobs(cluster: DemoCluster, seed_jobs: int = 0, timeout: float = 120.0) -> None:
    """Once flux-sample's broker answers, fill its queue."""
    flux = await Submitter.when_up(cluster, timeout)
    if flux is None:
        return
    if seed_jobs:
        flux.instance.seed_jobs(seed_jobs)
    for args in FINISHED + RUNNING:
        await flux.submit(args)
    await flux.submit_waiting()


async def submit_still_scene(cluster: DemoCluster, seed_jobs: int = 0, timeout: float = 120.0) -> None:
    """The deterministic demo's jobs on its frozen clock: `seed_jobs` finished ones of a seeded history,
    then STILL_RUNNING, then the waiting ones. Each starts before the next is submitted, so their
    order and ids never depend on how fast this machine runs."""
    flux = await Submitter.when_up(cluster, timeout)
    if flux is None:
        return
    nodes = flux.instance.nodes
    # Every rank up first: a job placed while one is still joining would land elsewhere.
    await cluster.wait_until(lambda: all(n.online for n in nodes), timeout)
    clock = cluster.pod_clock
    clock.advance(STILL_UPTIME)
    if seed_jobs:
        flux.instance.seed_jobs(seed_jobs)
    for args, then in STILL_RUNNING:
        await flux.submit(["--wait-event=start", *args])
        clock.advance(then)
    await flux.submit_waiting()
