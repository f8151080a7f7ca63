"""The Flux Operator's own Python SDK (`fluxoperator` on PyPI) drives the State tutorial's level 2
("Saving Pending Jobs", sdk/python/v1alpha2/examples/state-pending-jobs-minicluster.py) against the
demo: a client the demo did not write, doing what it does on a real cluster.

Two things differ from the tutorial's script, both on the client side: kubernetes >= 35 checks that
a custom object's body is a dict, so the SDK's MiniCluster model goes through its own `to_dict`
(which sends every unset field as null, as the real server accepts); and the SDK's `delete()` calls
`config.load_kube_config()` with no arguments, so the default kubeconfig location is pointed at the
demo's."""

from __future__ import annotations

import concurrent.futures
import re

import pytest
from kubernetes import client, config
from kubernetes.config import kube_config

from tests.conftest import FAST, DemoServer

pytest.importorskip("fluxoperator", reason="the Flux Operator SDK is not installed (pip install fluxoperator six)")

from fluxoperator.client import FluxBrokerMiniCluster  # noqa: E402
from fluxoperator.models import (  # noqa: E402
    ContainerResources,
    ContainerVolume,
    MiniCluster,
    MiniClusterArchive,
    MiniClusterContainer,
    MiniClusterSpec,
)

NAME = "save-state"
NS = "default"
SDK_TIMEOUT = 120  # the SDK's waits have no timeout of their own


@pytest.fixture
def sdk_demo(demo_factory, monkeypatch) -> DemoServer:
    server = demo_factory("--empty", "--speed", FAST)
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(server.kubeconfig))
    default = client.Configuration.get_default_copy()
    config.load_kube_config(config_file=str(server.kubeconfig))
    yield server
    client.Configuration.set_default(default)


def _minicluster(size: int) -> MiniCluster:
    container = MiniClusterContainer(
        image="rockylinux:9", run_flux=True, resources=ContainerResources(limits={"cpu": 2}),
        volumes={"data": ContainerVolume(path="/state", host_path="/data")})
    return MiniCluster(kind="MiniCluster", api_version="flux-framework.org/v1alpha2",
                       metadata=client.V1ObjectMeta(name=NAME, namespace=NS),
                       spec=MiniClusterSpec(size=size, containers=[container], interactive=True,
                                            archive=MiniClusterArchive(path="/state/archive.tar.gz")))


def _create(crd: client.CustomObjectsApi, size: int) -> dict:
    return crd.create_namespaced_custom_object(group="flux-framework.org", version="v1alpha2", namespace=NS,
                                               plural="miniclusters", body=_minicluster(size).to_dict(serialize=True))


def _states(cli: FluxBrokerMiniCluster) -> dict[str, str]:
    out = cli.execute("flux jobs -a --no-header -o '{id.f58} {state}'", print_result=False)
    return dict(line.split() for line in out.splitlines())


def _tutorial(server: DemoServer) -> dict:
    crd = client.CustomObjectsApi()
    cli = FluxBrokerMiniCluster()
    seen: dict = {}
    pods = cli.load(_create(crd, size=2))
    seen["pods"] = sorted(p.metadata.name.rsplit("-", 1)[0] for p in pods.items)
    seen["broker"] = cli.broker_pod
    # 2 ranks x 2 cores (the cpu limit): 4 sleeps run, 2 wait behind them
    seen["ids"] = [cli.execute(f"flux submit sleep {10 + i}").strip() for i in range(6)]
    seen["whoami"] = cli.execute("flux submit whoami").strip()
    cli.execute("flux queue stop")
    seen["idle"] = cli.execute("flux queue idle")
    seen["dump"] = cli.execute("flux dump /state/archive.tar.gz")
    seen["before"] = _states(cli)
    seen["statedir"] = cli.kubectl_exec("ls -l /mnt/flux/config/var/lib/flux")
    seen["state"] = cli.kubectl_exec("ls -l /state")
    cli.delete()
    seen["pods_after_delete"] = [p.metadata.name for p in client.CoreV1Api().list_namespaced_pod(NS).items]

    pods = cli.load(_create(crd, size=3))  # "Increase size by 1"
    seen["new_pods"] = len(pods.items)
    seen["resources"] = cli.execute("flux resource list")
    seen["after"] = _states(cli)
    for _ in range(200):
        if all(state == "INACTIVE" for state in _states(cli).values()):
            break
        cli.execute("flux queue idle --timeout=1s", print_result=False)
    seen["final"] = _states(cli)
    cli.delete()
    return seen


def test_the_sdks_pending_jobs_tutorial_runs_against_the_demo(sdk_demo):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        seen = pool.submit(_tutorial, sdk_demo).result(timeout=SDK_TIMEOUT)
    assert seen["pods"] == [f"{NAME}-0", f"{NAME}-1"] and seen["broker"].startswith(f"{NAME}-0-")
    assert all(re.fullmatch("ƒ[1-9A-HJ-NP-Za-km-z]+", jid) for jid in [*seen["ids"], seen["whoami"]])
    assert seen["idle"].strip().endswith("3 jobs")  # `flux queue idle` counts the pending ones
    assert seen["dump"].rstrip().endswith("keys")
    pending = {jid for jid, state in seen["before"].items() if state == "SCHED"}
    assert pending == set(seen["ids"][4:]) | {seen["whoami"]}
    assert re.search(r"^-rw-r--r-- 1 root root +\d+ .* content\.sqlite$", seen["statedir"], re.M)
    assert re.search(r" content\.sqlite-wal$", seen["statedir"], re.M)
    assert " archive.tar.gz" in seen["state"]
    assert seen["pods_after_delete"] == []  # delete() waited for the pods to go

    assert seen["new_pods"] == 3
    assert sum(int(row.split()[2]) for row in seen["resources"].splitlines()[1:]) == 6  # 3 ranks x 2 cores
    assert set(seen["before"]) <= set(seen["after"])  # the old history, ids kept
    assert all(seen["after"][jid] == "INACTIVE" for jid, state in seen["before"].items() if state == "INACTIVE")
    assert all(seen["final"][jid] == "INACTIVE" for jid in pending)  # the pending jobs ran on the new cluster
