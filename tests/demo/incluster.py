"""A demo cluster inside the test's event loop: MiniClusters made through its store, commands run in
its pods as `kubectl exec` runs them, and the Flux instance behind each broker to read timings from."""

from __future__ import annotations

import copy
import shlex
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fluxstate_tui.demo import seed
from fluxstate_tui.demo.cluster import DemoCluster
from fluxstate_tui.demo.flux import FluxInstance

NS, NAME = seed.NAMESPACE, seed.NAME
ARCHIVE = seed.MINICLUSTER["spec"]["archive"]["path"]


@asynccontextmanager
async def running_cluster(tmp_path: Path, speed: float = 20.0, **kw) -> AsyncIterator[DemoCluster]:
    cluster = DemoCluster(tmp_path / "demo", speed=speed, **kw)
    await cluster.start()
    try:
        yield cluster
    finally:
        await cluster.stop()


def minicluster(size: int = 1, **container) -> dict:
    """The State tutorial's MiniCluster (the demo's default) at another size, its container changed."""
    mc = copy.deepcopy(seed.MINICLUSTER)
    mc["spec"]["size"] = size
    mc["spec"]["containers"][0].update(container)
    return mc


async def create(cluster: DemoCluster, mc: dict) -> FluxInstance:
    """Create the MiniCluster and wait until its broker answers; its Flux instance."""
    cluster.store.create("miniclusters", NS, mc)
    await cluster.wait_until(lambda: cluster.flux_ready(NS, NAME))
    return instance(cluster)


def instance(cluster: DemoCluster) -> FluxInstance:
    broker = cluster.kubelet.brokers[(NS, NAME)]
    assert broker.instance is not None
    return broker.instance


async def delete(cluster: DemoCluster) -> None:
    """Delete the MiniCluster and wait until its pods are gone."""
    cluster.store.delete("miniclusters", NS, NAME)
    await cluster.wait_until(lambda: not cluster.store.list("pods", NS)
                             and cluster.store.get("miniclusters", NS, NAME) is None)


async def sh(cluster: DemoCluster, script: str) -> tuple[int, str, str]:
    pod = cluster.broker_pod(NS, NAME)
    assert pod is not None
    return await cluster.run_in_pod(NS, pod.name, ["/bin/sh", "-c", script])


async def flux(cluster: DemoCluster, *args: str) -> tuple[int, str, str]:
    return await sh(cluster, ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux " + shlex.join(args))
