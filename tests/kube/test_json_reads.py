"""The pods and nodes the lists read as JSON, without the client's models (KubeClient.read): the same Pods,
the same capacity and the same errors as through the models, and connecting builds no pod model."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.errors import Forbidden
from fluxstate_tui.kube.resources import INDEX_KEY, Pod, get_minicluster, minicluster_pods, pod_capacity
from tests.conftest import REPO


def pod_from_model(p) -> Pod:
    """What kube/resources.py built from the client's V1Pod before it read JSON: the reference."""
    meta, status = p.metadata, p.status
    index = (meta.annotations or {}).get(INDEX_KEY) or (meta.labels or {}).get(INDEX_KEY)
    return Pod(name=meta.name, namespace=meta.namespace,
               index=int(index) if index is not None and str(index).isdigit() else None,
               phase=(status.phase if status else None) or "Unknown",
               ready=any(c.type == "Ready" and c.status == "True" for c in (status.conditions or [])) if status
               else False,
               deleting=meta.deletion_timestamp is not None, created=meta.creation_timestamp,
               containers=[c.name for c in (p.spec.containers or [])] if p.spec else [])


def test_pods_and_capacity_read_as_json_are_what_the_models_give(seeded_demo):
    async def main():
        async with await KubeClient.connect(Target(kubeconfig=str(seeded_demo.kubeconfig))) as kube:
            mc = await get_minicluster(kube, "flux-sample", "default")
            mine = await minicluster_pods(kube, mc)
            # the endpoint with models (kube.core's fallback, apis.py)
            listed = await kube.core.list_namespaced_pod("default", label_selector=mc.selector)
            nodes = await kube.core.list_node()
            return mine, [pod_from_model(p) for p in listed.items], await pod_capacity(kube), nodes

    mine, theirs, capacity, nodes = asyncio.run(main())
    assert [p.index for p in mine] == [0, 1]
    assert sorted(mine, key=lambda p: p.name) == sorted(theirs, key=lambda p: p.name)
    assert all(p.created is not None and p.created.tzinfo is not None for p in mine)
    assert capacity == sum(int(n.status.allocatable["pods"]) for n in nodes.items) > 0


def test_a_refused_json_read_is_the_same_error(demo_factory):
    server = demo_factory("--speed", "10", "--deny", "list:pods", "--deny", "list:nodes")

    async def main():
        async with await KubeClient.connect(Target(kubeconfig=str(server.kubeconfig))) as kube:
            mc = await get_minicluster(kube, "flux-sample", "default")
            with pytest.raises(Forbidden) as mine:
                await minicluster_pods(kube, mc)
            with pytest.raises(Forbidden) as theirs:
                await kube.call(kube.core.list_namespaced_pod("default", label_selector=mc.selector),
                                verb="list", resource="pods", namespace="default")
            return mine.value.message, theirs.value.message, await pod_capacity(kube)

    mine, theirs, capacity = asyncio.run(main())
    assert mine == theirs and "pods" in mine
    assert capacity is None  # nodes unreadable: nothing known, as before


def test_connecting_and_listing_build_no_pod_model(seeded_demo):
    """The MiniCluster list's path: the pod models (some 180 pydantic classes) are built only for a screen
    that asks for them."""
    code = ("import asyncio, sys\n"
            "from fluxstate_tui.kube.client import KubeClient, Target\n"
            "from fluxstate_tui.readmodel import overview\n"
            "async def main():\n"
            f"    async with await KubeClient.connect(Target(kubeconfig={str(seeded_demo.kubeconfig)!r})) as kube:\n"
            "        (s,) = await overview(kube, 'default')\n"
            "        assert s.pods and s.snapshot is not None, s.error\n"
            "asyncio.run(main())\n"
            "print(sorted(m for m in sys.modules if m.startswith('kubernetes.aio.client.models.v1_pod')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
