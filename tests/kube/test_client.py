"""The client layer and the read-only CLI against the demo cluster, failures included."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys

import pytest
import yaml

from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.errors import BrokerNotReady, ConfigError, ExecTimeout, FluxCommandFailed, NotFound, Unreachable
from fluxstate_tui.kube.execution import exec_pod
from fluxstate_tui.kube.resources import get_minicluster, list_miniclusters, minicluster_pods, pick_broker
from tests.conftest import REPO, wait_for


def cli(server, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=server.env if server else None, timeout=timeout)


def run(coro):
    return asyncio.run(coro)


async def connect(server, **kw) -> KubeClient:
    return await KubeClient.connect(Target(kubeconfig=str(server.kubeconfig), **kw))


def wait_ready(server, name: str = "flux-sample") -> None:
    def ready():
        r = cli(server, "status", name, "--json")
        return r.returncode == 0 and json.loads(r.stdout)["stats"] is not None

    wait_for(ready, 60, 0.3, f"Flux in {name}")


# ---- the commands, on the seeded demo ---------------------------------------------------------

def test_ls_jobs_status(demo_factory):
    # Slow enough that the seeded jobs are still running and waiting while we look.
    seeded_demo = demo_factory("--speed", "2")
    wait_ready(seeded_demo)
    r = cli(seeded_demo, "ls")
    assert r.returncode == 0, r.stderr
    header, row = r.stdout.splitlines()[:2]
    assert header.split() == ["NAMESPACE", "NAME", "SIZE", "PODS", "BROKER", "QUEUE", "RUN", "PEND", "DONE", "ARCHIVE"]
    assert row.split()[:4] == ["default", "flux-sample", "2/2", "2/2"] and "(none yet)" in row

    doc = json.loads(cli(seeded_demo, "ls", "-A", "--json").stdout)
    mc = doc["miniclusters"][0]
    assert set(mc) == {"namespace", "name", "size", "maxSize", "maximumSize", "pods", "broker", "fluxReady",
                       "queue", "jobs", "archive", "error", "guard"}
    assert mc["guard"] is None   # not protected, no guard record
    assert mc["fluxReady"] and mc["queue"]["state"] == "started"
    assert mc["archive"] == {"path": "/state/archive.tar.gz", "exists": False, "size": None}

    wait_for(lambda: json.loads(cli(seeded_demo, "jobs", "flux-sample", "--json").stdout)["total"] >= 12, 30, 0.3,
             "all seeded jobs")
    doc = json.loads(cli(seeded_demo, "jobs", "flux-sample", "--json").stdout)
    assert doc["truncated"] is False and doc["minicluster"] == "flux-sample"
    states = [j["state"] for j in doc["jobs"]]
    first_inactive = states.index("INACTIVE")
    assert all(s != "INACTIVE" for s in states[:first_inactive])  # flux order: active first
    held = next(j for j in doc["jobs"] if j["name"] == "held")
    assert held["status"] == "S" and held["reason"].startswith("held (urgency 0)")
    text = cli(seeded_demo, "jobs", "flux-sample").stdout
    assert text.splitlines()[0].split() == ["JOBID", "USER", "NAME", "ST", "NTASKS", "NNODES", "TIME", "INFO"]

    r = cli(seeded_demo, "jobs", "flux-sample", "--count", "3")
    assert len(r.stdout.splitlines()) == 4 and "showing 3 of" in r.stderr and "--count 0" in r.stderr

    status = json.loads(cli(seeded_demo, "status", "flux-sample", "--json").stdout)
    assert status["version"] == "0.88.0" and status["resources"]["nodes"]["total"] == 2
    reasons = {p["name"]: p["reason"] for p in status["pending"]}
    assert reasons["held"].startswith("held") and reasons["report"].startswith("waiting on after-success=")
    text = cli(seeded_demo, "status", "flux-sample").stdout
    assert "pending" in text and "scheduling started" in text


# ---- failures ----------------------------------------------------------------------------------

def test_no_cluster_at_the_address(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "kubeconfig"
    cfg.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {}}], "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}))
    r = subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", "ls", "--kubeconfig", str(cfg)],
                       capture_output=True, text=True, cwd=REPO, timeout=60)
    assert r.returncode == 1 and r.stderr.startswith("fluxstate-tui: error: cannot reach the Kubernetes API")
    assert len(r.stderr.strip().splitlines()) == 1
    with pytest.raises(Unreachable):
        run(_list(cfg))


async def _list(cfg):
    async with await KubeClient.connect(Target(kubeconfig=str(cfg))) as kube:
        await list_miniclusters(kube, "default")


def test_unknown_context_unknown_minicluster_and_usage(empty_demo):
    r = cli(empty_demo, "ls", "--context", "nope")
    assert r.returncode == 1 and "context 'nope' not found" in r.stderr and "fluxstate-demo" in r.stderr
    r = cli(empty_demo, "jobs", "nope")
    assert r.returncode == 1
    assert r.stderr.strip() == "fluxstate-tui: error: MiniCluster 'nope' not found in namespace 'default'"
    r = cli(empty_demo, "status")
    assert r.returncode == 2 and "required: name" in r.stderr
    r = cli(empty_demo, "ls")
    assert r.returncode == 0 and "no MiniClusters found" in r.stderr
    with pytest.raises(ConfigError):
        run(connect(empty_demo, context="nope"))
    with pytest.raises(NotFound):
        run(_get(empty_demo, "nope"))


async def _get(server, name):
    async with await connect(server) as kube:
        return await get_minicluster(kube, name, kube.namespace)


def _create(server, name: str, size: int = 1, volume: dict | None = None) -> None:
    volume = volume or {"path": "/state", "hostPath": "/data"}
    body = {"apiVersion": "flux-framework.org/v1alpha2", "kind": "MiniCluster", "metadata": {"name": name},
            "spec": {"size": size, "interactive": True, "archive": {"path": "/state/archive.tar.gz"},
                     "containers": [{"image": "rockylinux:9", "volumes": {"data": volume}}]}}
    _apply(server, body)


def _apply(server, body: dict) -> None:
    from kubernetes import client, config

    api = config.new_client_from_config(config_file=str(server.kubeconfig))
    client.CustomObjectsApi(api).create_namespaced_custom_object(
        group="flux-framework.org", version="v1alpha2", plural="miniclusters", namespace="default", body=body)


def _core(server):
    from kubernetes import client, config

    return client.CoreV1Api(config.new_client_from_config(config_file=str(server.kubeconfig)))


def test_pods_not_running_yet(empty_demo):
    # The pods wait for their volume claim to be bound, so they are not running, whatever the
    # speed of the machine, until the test makes a volume for it; then Flux comes up.
    core = _core(empty_demo)
    core.create_namespaced_persistent_volume_claim("default", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "slow-data"},
        "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "manual",
                 "resources": {"requests": {"storage": "1Gi"}}}})
    _create(empty_demo, "slow", volume={"path": "/state", "claimName": "slow-data"})

    def summary():
        return json.loads(cli(empty_demo, "ls", "--json").stdout)["miniclusters"][0]

    wait_for(lambda: summary()["pods"]["total"] == 1, 60, 0.3, "the broker pod to be created")
    r = cli(empty_demo, "jobs", "slow")
    assert r.returncode == 1
    assert "no running broker pod" in r.stderr and "Pending" in r.stderr
    s = summary()
    assert s["fluxReady"] is False and s["pods"] == {"ready": 0, "total": 1}
    assert s["error"] == "no running broker pod yet"

    core.create_persistent_volume({
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "slow-data"},
        "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany"], "storageClassName": "manual",
                 "hostPath": {"path": "/data"}}})
    wait_for(lambda: summary()["fluxReady"], 60, 0.3, "Flux in slow once its claim is bound")


def test_broker_not_ready_when_flux_cannot_start(empty_demo):
    (empty_demo.data_dir / "data").mkdir(exist_ok=True)
    (empty_demo.data_dir / "data" / "archive.tar.gz").write_bytes(b"this is not an archive")
    _create(empty_demo, "broken")

    async def check():
        async with await connect(empty_demo) as kube:
            mc = await get_minicluster(kube, "broken", "default")

            async def running():
                return pick_broker(await minicluster_pods(kube, mc))

            for _ in range(100):
                if await running():
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            broker = Broker(kube, mc)
            assert not await broker.ready()
            with pytest.raises(BrokerNotReady, match="Flux is not answering"):
                await broker.flux(["flux", "jobs"])
            log = (await kube.core.read_namespaced_pod_log((await broker.pod()).name, "default"))
            assert "Found existing archive" in log

    run(check())
    r = cli(empty_demo, "status", "broken")
    assert r.returncode == 1 and "Flux is not answering" in r.stderr


def test_exec_timeout_and_failing_flux_command(empty_demo):
    _create(empty_demo, "ex")
    wait_ready(empty_demo, "ex")

    async def check():
        async with await connect(empty_demo) as kube:
            mc = await get_minicluster(kube, "ex", "default")
            broker = Broker(kube, mc)
            pod = await broker.pod()
            result = await exec_pod(kube, "default", pod.name, "ex",
                                    ["/bin/bash", "-c", "echo out; echo err >&2; exit 5"])
            assert (result.returncode, result.stdout, result.stderr) == (5, "out\n", "err\n")
            with pytest.raises(ExecTimeout, match="did not finish within 0.5s"):
                await exec_pod(kube, "default", pod.name, "ex", ["sleep", "600"], timeout=0.5)
            with pytest.raises(FluxCommandFailed) as info:
                await broker.flux(["flux", "cancel", "ƒ1111111111"])
            assert info.value.returncode == 1 and "unknown job id" in str(info.value)
            big = await exec_pod(kube, "default", pod.name, "ex", ["/bin/bash", "-c", "seq 1 200000"], max_output=1000)
            assert big.truncated and len(big.stdout) == 1000
            with pytest.raises(NotFound):
                await exec_pod(kube, "default", "no-such-pod", "ex", ["true"])

    run(check())
