"""The demo cluster's default state: the Flux Operator "State" tutorial's setup with jobs in it.

The objects are what the tutorial's volumes.yaml and minicluster.yaml create; the jobs are
submitted through the broker pod's shell exactly as a user would with kubectl exec.
"""

from __future__ import annotations

import logging
import shlex

from .cluster import DemoCluster

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


def apply_default_state(cluster: DemoCluster) -> None:
    for obj in VOLUMES:
        plural = "persistentvolumes" if obj["kind"] == "PersistentVolume" else "persistentvolumeclaims"
        cluster.store.create(plural, obj["metadata"].get("namespace"), obj)
    cluster.store.create("miniclusters", NAMESPACE, MINICLUSTER)


async def submit_demo_jobs(cluster: DemoCluster, seed_jobs: int = 0, timeout: float = 120.0) -> None:
    """Once flux-sample's broker answers, fill its queue."""
    await cluster.wait_until(lambda: cluster.flux_ready(NAMESPACE, NAME), timeout)
    broker = cluster.broker_pod(NAMESPACE, NAME)
    if broker is None:
        return
    if seed_jobs:
        cluster.kubelet.brokers[(NAMESPACE, NAME)].instance.seed_jobs(seed_jobs)

    async def submit(args: list[str]) -> str:
        script = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux submit " + shlex.join(args)
        rc, out, err = await cluster.run_in_pod(NAMESPACE, broker.name, ["/bin/bash", "-c", script])
        if rc != 0:
            log.warning("seed job %s failed: %s", args, err.strip())
        return out.strip()

    for args in FINISHED + RUNNING:
        await submit(args)
    big = await submit(PENDING)
    if big:
        await submit([f"--dependency=afterok:{big}", "--job-name=report", "echo", "done"])
    await submit(HELD)
