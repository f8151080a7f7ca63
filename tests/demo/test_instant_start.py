"""The demo opens on flux-sample already up, as if it had been running a while (DemoCluster.settle):
pods Running, every broker rank joined, the events of each step recorded; a MiniCluster made later
still goes through every simulated delay."""

from __future__ import annotations

import asyncio
import copy

from fluxstate_tui.demo.cluster import DemoCluster
from fluxstate_tui.demo.seed import MINICLUSTER, NAME, NAMESPACE, apply_default_state, every_rank_up


def pods_of(cluster: DemoCluster, name: str) -> list[dict]:
    return [p for p in cluster.store.list("pods", NAMESPACE)
            if (p["metadata"].get("labels") or {}).get("hpa-selector") == name]


def test_flux_sample_is_up_as_the_demo_starts_and_later_ones_boot_as_usual(tmp_path):
    async def main():
        cluster = DemoCluster(tmp_path)
        await cluster.start()
        try:
            apply_default_state(cluster)
            # no controller pass and no time between: up at once
            assert every_rank_up(cluster)
            pods = pods_of(cluster, NAME)
            assert len(pods) == 2 and all(p["status"]["phase"] == "Running" for p in pods)
            assert all(c["ready"] for p in pods for c in p["status"]["containerStatuses"])
            reasons = {(e["involvedObject"]["name"], e["reason"]) for e in cluster.store.list("events", NAMESPACE)}
            for pod in pods:
                for reason in ("Scheduled", "Pulled", "Created", "Started"):
                    assert (pod["metadata"]["name"], reason) in reasons
            assert (NAME, "SuccessfulCreate") in reasons
            rc, out, err = await cluster.run_in_pod(NAMESPACE, pods[0]["metadata"]["name"], [
                "/bin/bash", "-c", ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux resource list"])
            assert rc == 0, err
            assert "free" in out

            later = copy.deepcopy(MINICLUSTER)
            later["metadata"]["name"] = "later"
            cluster.store.create("miniclusters", NAMESPACE, later)
            await asyncio.sleep(0.3)  # a few controller passes: inside the operator's delay
            assert pods_of(cluster, "later") == []
            await cluster.wait_until(lambda: len(pods_of(cluster, "later")) == 2, 10)
            assert all(p["status"].get("phase") == "Pending" for p in pods_of(cluster, "later"))
            await cluster.wait_until(lambda: cluster.flux_ready(NAMESPACE, "later"), 20)
        finally:
            await cluster.stop()

    asyncio.run(main())
