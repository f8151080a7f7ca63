"""Cores per Flux node: the container's CPU limit when it has one, else the demo's --cores-per-node."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest
from kubernetes import client, config
from kubernetes.stream import stream

from fluxstate_tui.demo.cluster import OPERATOR_NS
from fluxstate_tui.demo.quantity import QUANTITY_ERROR, cpu_cores, parse_quantity
from tests.conftest import FAST, REPO, wait_for
from tests.demo.incluster import NAME, NS, create, flux, minicluster, running_cluster


@pytest.mark.parametrize("text,value", [
    ("2", 2), (2, 2), ("1500m", Fraction(3, 2)), ("0.5", Fraction(1, 2)), ("1e3", 1000), ("2k", 2000),
    ("5Gi", 5 * 2**30), ("100Mi", 100 * 2**20), ("250u", Fraction(1, 4000)),
])
def test_quantities_parse_as_the_api_server_reads_them(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "two", "2 cores", "1.5.1", "5GB", True, "--1"])
def test_bad_quantities_are_refused_with_the_api_servers_words(text):
    with pytest.raises(ValueError, match="quantities must match"):
        parse_quantity(text)


@pytest.mark.parametrize("limits,cores", [
    ({"cpu": "2"}, 2), ({"cpu": 3}, 3), ({"cpu": "1500m"}, 1), ({"cpu": "500m"}, 1), ({"memory": "1Gi"}, 4), ({}, 4),
])
def test_a_cpu_limit_is_the_cores_hwloc_finds(limits, cores):
    assert cpu_cores({"resources": {"limits": limits}}, default=4) == cores


async def _resources(cluster) -> tuple[str, dict]:
    await cluster.wait_until(lambda: all(n.online for n in cluster.kubelet.brokers[(NS, NAME)].instance.nodes))
    listing = (await flux(cluster, "resource", "list"))[1].splitlines()[1].split()
    return listing[2], json.loads((await flux(cluster, "resource", "R"))[1])["execution"]["R_lite"]


async def test_the_containers_cpu_limit_sets_the_instances_cores(tmp_path):
    async with running_cluster(tmp_path) as cluster:
        inst = await create(cluster, minicluster(size=2, resources={"limits": {"cpu": "2", "memory": "1Gi"}}))
        free, r_lite = await _resources(cluster)
        assert free == "4" and r_lite == [{"rank": "0-1", "children": {"core": "0-1"}}]
        rc, wide, _ = await flux(cluster, "submit", "-N2", "-n4", "hostname")
        rc, too_big, _ = await flux(cluster, "submit", "-n5", "hostname")
        await cluster.wait_until(lambda: len(inst.inactive) == 2)
        eventlog = (await flux(cluster, "job", "eventlog", wide.strip()))[1]
        assert 'alloc annotations={"sched":{"resource_summary":"rank[0-1]/core[0-1]"}}' in eventlog
        eventlog = (await flux(cluster, "job", "eventlog", too_big.strip()))[1]
        assert "only 4 such slot(s) available (total cores: 4)" in eventlog
        dmesg = (await flux(cluster, "dmesg"))[1]
        assert "sched-simple.info[0]: ready: queue-depth=8 log-level=info pool-class=Rv1Pool Rv1 rank[0-1]/core[0-1]" \
            in dmesg

        pod = cluster.store.list("pods", NS)[0]
        app = pod["spec"]["containers"][0]
        # the operator copies the resources; the API server defaults requests to limits; the init
        # container has none, so the pod is Burstable, not Guaranteed
        assert app["resources"] == {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "2", "memory": "1Gi"}}
        assert pod["status"]["qosClass"] == "Burstable"


async def test_a_fractional_limit_is_floored_and_no_limit_takes_the_demos_default(tmp_path):
    async with running_cluster(tmp_path, cores_per_node=3) as cluster:
        await create(cluster, minicluster(size=1, resources={"limits": {"cpu": "1500m"}}))
        assert (await _resources(cluster))[0] == "1"
        cluster.store.delete("miniclusters", NS, NAME)
        await cluster.wait_until(lambda: not cluster.store.list("pods", NS))
        await cluster.wait_until(lambda: cluster.store.get("miniclusters", NS, NAME) is None)
        await create(cluster, minicluster(size=2))
        free, r_lite = await _resources(cluster)
        assert free == "6" and r_lite == [{"rank": "0-1", "children": {"core": "0-2"}}]
        assert cluster.store.list("pods", NS)[0]["status"]["qosClass"] == "BestEffort"


async def test_a_quantity_the_operator_cannot_parse_makes_no_job_and_one_error_line(tmp_path):
    async with running_cluster(tmp_path) as cluster:
        cluster.store.create("miniclusters", NS, minicluster(size=1, resources={"limits": {"cpu": "two"}}))

        def errors() -> list[str]:
            text = cluster.logs.read(OPERATOR_NS, cluster.operator_pod, "manager")
            return [line for line in text.splitlines() if "\tERROR\tReconciler error\t" in line]

        await cluster.wait_until(lambda: errors())
        await cluster.clock.sleep(1.0)  # several reconciles later
        assert len(errors()) == 1 and json.loads(errors()[0].split("\t")[3])["error"] == QUANTITY_ERROR
        assert cluster.store.get("jobs", NS, NAME) is None and not cluster.store.list("pods", NS)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=30)


@pytest.mark.parametrize("args,needle", [
    (["demo-server", "--cores-per-node", "0"], "must be at least 1: 0"),
    (["demo-server", "--cores-per-node", "1025"], "must be 1 to 1024: 1025"),
    (["demo-server", "--cores-per-node", "four"], "not a whole number: 'four'"),
    (["--demo-cores-per-node", "nan"], "not a whole number: 'nan'"),
    (["--demo-cores-per-node", "2"], "--demo-cores-per-node needs --demo"),
    (["--demo-cores-per-node", "2", "ls"], "--demo-cores-per-node applies to the TUI only"),
])
def test_bad_cores_per_node_is_one_line_and_exit_2(args, needle):
    result = _cli(*args)
    assert result.returncode == 2
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_demo_server_cores_per_node_sizes_the_default_minicluster(demo_factory):
    server = demo_factory("--speed", FAST, "--cores-per-node", "3")
    core = client.CoreV1Api(config.new_client_from_config(config_file=str(server.kubeconfig)))
    script = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux resource R"

    def resources() -> list | None:
        pods = core.list_namespaced_pod(NS, label_selector=f"hpa-selector={NAME},job-index=0").items
        if not pods or pods[0].status.phase != "Running":
            return None
        out = stream(core.connect_get_namespaced_pod_exec, pods[0].metadata.name, NS, command=["/bin/sh", "-c", script],
                     stderr=True, stdin=False, stdout=True, tty=False)
        return json.loads(out)["execution"]["R_lite"] if out.startswith("{") else None

    assert wait_for(resources, 30, 0.2, "flux-sample's broker") == [{"rank": "0-1", "children": {"core": "0-2"}}]
