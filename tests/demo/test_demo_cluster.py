"""The demo cluster end to end, through the official kubernetes client as users drive it."""

from __future__ import annotations

import asyncio
import json
import shlex
import socket
import subprocess
import sys
import tarfile

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

from tests.conftest import REPO, DemoServer, wait_for

GVP = dict(group="flux-framework.org", version="v1alpha2", plural="miniclusters")
NS = "default"


def apis(server: DemoServer):
    api = config.new_client_from_config(config_file=str(server.kubeconfig))
    return client.CoreV1Api(api), client.CustomObjectsApi(api), client.BatchV1Api(api)


def exec_in(core, pod: str, command: list[str], container: str | None = None, timeout: float = 60):
    kwargs = dict(command=command, stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    if container:
        kwargs["container"] = container
    ws = stream(core.connect_get_namespaced_pod_exec, pod, NS, **kwargs)
    ws.run_forever(timeout=timeout)
    out, err, rc = ws.read_stdout(), ws.read_stderr(), ws.returncode
    ws.close()
    return rc, out, err


def flux(core, pod: str, *args: str, container: str = "flux-sample"):
    script = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux " + shlex.join(args)
    return exec_in(core, pod, ["/bin/bash", "-c", script], container=container)


def broker(core, name: str) -> str | None:
    for p in core.list_namespaced_pod(NS, label_selector=f"hpa-selector={name}").items:
        if (p.metadata.annotations or {}).get("batch.kubernetes.io/job-completion-index") == "0" \
                and p.status.phase == "Running" and p.metadata.deletion_timestamp is None:
            return p.metadata.name
    return None


def wait_flux(core, name: str, timeout: float = 30) -> str:
    def ready():
        pod = broker(core, name)
        return pod if pod and flux(core, pod, "uptime", container=name)[0] == 0 else None

    return wait_for(ready, timeout, 0.2, f"Flux in {name}")


def minicluster(name: str = "flux-sample", size: int = 2, **spec) -> dict:
    return {
        "apiVersion": "flux-framework.org/v1alpha2",
        "kind": "MiniCluster",
        "metadata": {"name": name},
        "spec": {
            "size": size,
            "interactive": True,
            "archive": {"path": "/state/archive.tar.gz"},
            "containers": [{"image": "rockylinux:9", "volumes": {"data": {"path": "/state", "hostPath": "/data"}}}],
            **spec,
        },
    }


def jobs_json(core, pod: str, name: str = "flux-sample") -> list[dict]:
    rc, out, err = flux(core, pod, "jobs", "-a", "-A", "-c", "0", "--json", container=name)
    assert rc == 0, err
    return json.loads(out)["jobs"]


# ---- the command -----------------------------------------------------------------------------

def test_ready_line_kubeconfig_and_clean_exit(empty_demo):
    cfg = yaml.safe_load(empty_demo.kubeconfig.read_text())
    assert cfg["current-context"] == "fluxstate-demo"
    ctx = cfg["contexts"][0]["context"]
    assert ctx["namespace"] == "default"
    assert cfg["clusters"][0]["cluster"]["server"] == empty_demo.url
    assert empty_demo.url.startswith("http://127.0.0.1:")
    assert empty_demo.stop() == 0
    assert empty_demo.proc.stdout.read() == ""  # exactly one line on stdout


def _cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout)


@pytest.mark.parametrize("args,code,needle", [
    (["demo-server", "--host", "0.0.0.0"], 1, "only listens on loopback"),
    (["demo-server", "--speed", "0"], 2, "must be greater than 0"),
    (["demo-server", "--port", "http"], 2, "not a whole number"),
    (["demo-server", "--empty", "--seed-jobs", "5"], 1, "drop --empty"),
])
def test_bad_options_get_one_line_errors(args, code, needle):
    result = _cli(*args)
    assert result.returncode == code
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = _cli("demo-server", "--empty", "--port", str(port), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "address already in use" in result.stderr
    assert "Traceback" not in result.stderr


# ---- default state ---------------------------------------------------------------------------

def test_default_state_is_the_state_tutorial_setup(seeded_demo):
    core, crd, batch = apis(seeded_demo)
    pv = core.read_persistent_volume("data")
    assert pv.spec.host_path.path == "/data"
    wait_for(lambda: core.read_namespaced_persistent_volume_claim("data", NS).status.phase == "Bound",
             what="PVC bound")
    mc = crd.get_namespaced_custom_object(namespace=NS, name="flux-sample", **GVP)
    assert mc["spec"]["size"] == 2 and mc["spec"]["interactive"] is True
    assert mc["spec"]["archive"]["path"] == "/state/archive.tar.gz"
    pod = wait_flux(core, "flux-sample")
    def seeded():
        # flux-sample starts up at once now: wait for the seeded jobs and for some of them to have ended
        js = jobs_json(core, pod)
        return js if len(js) >= 10 and {"COMPLETED", "FAILED"} <= {j.get("result") for j in js} else None

    jobs = wait_for(seeded, 60, 0.3, "seeded jobs, some ended")
    states = {j["state"] for j in jobs}
    results = {j.get("result") for j in jobs}
    assert {"RUN", "SCHED", "INACTIVE"} <= states
    assert {"COMPLETED", "FAILED"} <= results
    assert any(j.get("urgency") == 0 for j in jobs)  # the held job


# ---- the operator ----------------------------------------------------------------------------

def test_minicluster_objects_resize_and_foreground_delete(empty_demo):
    core, crd, batch = apis(empty_demo)
    crd.create_namespaced_custom_object(namespace=NS, body=minicluster("mc", size=2, maxSize=3), **GVP)

    def pods():
        return [p for p in core.list_namespaced_pod(NS, label_selector="hpa-selector=mc").items
                if p.metadata.deletion_timestamp is None]

    wait_for(lambda: len([p for p in pods() if p.status.phase == "Running"]) == 2, what="2 running pods")
    job = batch.read_namespaced_job("mc", NS)
    assert job.spec.completion_mode == "Indexed" and job.spec.parallelism == 2
    assert core.read_namespaced_config_map("mc-entrypoint", NS).data
    assert core.read_namespaced_service("mc", NS).spec.cluster_ip == "None"
    p0 = next(p for p in pods() if p.metadata.annotations["batch.kubernetes.io/job-completion-index"] == "0")
    assert p0.metadata.name.startswith("mc-0-") and len(p0.metadata.name) == len("mc-0-") + 5
    assert p0.spec.hostname == "mc-0"
    assert [c.name for c in p0.spec.containers] == ["mc"]
    assert [c.name for c in p0.spec.init_containers] == ["flux-view"]
    assert p0.metadata.labels["job-index"] == "0"
    status = crd.get_namespaced_custom_object(namespace=NS, name="mc", **GVP)["status"]
    assert status["selector"] == "hpa-selector=mc" and status["maximumSize"] == 3

    crd.patch_namespaced_custom_object_scale(namespace=NS, name="mc", body={"spec": {"replicas": 3}}, **GVP)
    wait_for(lambda: len([p for p in pods() if p.status.phase == "Running"]) == 3, what="3 pods")
    # Above the maximum: the operator rewrites the request to the maximum.
    crd.patch_namespaced_custom_object(namespace=NS, name="mc", body={"spec": {"size": 5}}, **GVP)
    wait_for(lambda: crd.get_namespaced_custom_object(namespace=NS, name="mc", **GVP)["spec"]["size"] == 3,
             what="size clamped to 3")
    oplog = core.read_namespaced_pod_log(
        core.list_namespaced_pod("operator-system").items[0].metadata.name, "operator-system")
    assert '"Status": "Denied"' in oplog
    crd.patch_namespaced_custom_object_scale(namespace=NS, name="mc", body={"spec": {"replicas": 1}}, **GVP)
    wait_for(lambda: len(pods()) == 1, what="scale down to 1")
    assert pods()[0].metadata.annotations["batch.kubernetes.io/job-completion-index"] == "0"

    body = client.V1DeleteOptions(propagation_policy="Foreground")
    gone = crd.delete_namespaced_custom_object(namespace=NS, name="mc", body=body, **GVP)
    assert gone["metadata"]["deletionTimestamp"] and "foregroundDeletion" in gone["metadata"]["finalizers"]

    def all_gone():
        try:
            crd.get_namespaced_custom_object(namespace=NS, name="mc", **GVP)
            return False
        except ApiException as exc:
            assert exc.status == 404
        return (not core.list_namespaced_pod(NS, label_selector="hpa-selector=mc").items
                and not batch.list_namespaced_job(NS).items
                and not [c for c in core.list_namespaced_config_map(NS).items if c.metadata.name == "mc-entrypoint"])

    wait_for(all_gone, what="MiniCluster and everything it owns gone")


@pytest.mark.parametrize("spec,field", [({"size": 0}, "spec.size"), ({"size": "two"}, "spec.size")])
def test_invalid_minicluster_is_422(empty_demo, spec, field):
    _, crd, _ = apis(empty_demo)
    body = minicluster("bad")
    body["spec"].update(spec)
    with pytest.raises(ApiException) as info:
        crd.create_namespaced_custom_object(namespace=NS, body=body, **GVP)
    assert info.value.status == 422
    status = json.loads(info.value.body)
    assert status["reason"] == "Invalid" and field in status["message"]


def test_bad_name_and_duplicate(empty_demo):
    _, crd, _ = apis(empty_demo)
    with pytest.raises(ApiException) as info:
        crd.create_namespaced_custom_object(namespace=NS, body=minicluster("Bad_Name"), **GVP)
    assert info.value.status == 422
    crd.create_namespaced_custom_object(namespace=NS, body=minicluster("twice"), **GVP)
    with pytest.raises(ApiException) as info:
        crd.create_namespaced_custom_object(namespace=NS, body=minicluster("twice"), **GVP)
    assert info.value.status == 409


# ---- exec, logs ------------------------------------------------------------------------------

def test_exec_exit_codes_streams_and_missing_programs(empty_demo):
    core, crd, _ = apis(empty_demo)
    crd.create_namespaced_custom_object(namespace=NS, body=minicluster("ex", size=1), **GVP)
    pod = wait_flux(core, "ex")
    assert exec_in(core, pod, ["/bin/bash", "-c", "echo out; echo err >&2; exit 3"]) == (3, "out\n", "err\n")
    rc, out, err = exec_in(core, pod, ["/bin/bash", "-c", "flux jobs"])
    assert rc == 127 and "flux: command not found" in err  # not on PATH before sourcing flux-view.sh
    rc, out, err = exec_in(core, pod, ["no-such-program"])
    assert rc == 126 and "executable file not found" in err
    rc, out, _ = exec_in(core, pod, ["/bin/bash", "-c", ". /mnt/flux/flux-view.sh && echo $fluxsocket"])
    assert out == "local:///mnt/flux/config/run/flux/local\n"
    log = core.read_namespaced_pod_log(pod, NS, container="ex")
    assert "🧠 Running in interactive mode" in log


def test_async_client_exec(empty_demo):
    core, crd, _ = apis(empty_demo)
    crd.create_namespaced_custom_object(namespace=NS, body=minicluster("aio", size=1), **GVP)
    pod = wait_flux(core, "aio")

    async def run_official():
        from kubernetes import aio
        from kubernetes.aio import config as aconfig
        from kubernetes.aio.stream import WsApiClient

        cfg = aio.client.Configuration()
        await aconfig.load_kube_config(config_file=str(empty_demo.kubeconfig), client_configuration=cfg)
        async with WsApiClient(configuration=cfg) as ws_api:
            v1 = aio.client.CoreV1Api(api_client=ws_api)
            text = await v1.connect_get_namespaced_pod_exec(
                pod, NS, command=["/bin/bash", "-c", "hostname"], stderr=True, stdin=False, stdout=True, tty=False)
            return text

    assert asyncio.run(run_official()).strip() == "aio-0"


# ---- state: dump, delete, recreate at a new size ----------------------------------------------

def test_dump_delete_recreate_bigger_keeps_history_and_runs_pending(empty_demo):
    core, crd, _ = apis(empty_demo)
    crd.create_namespaced_custom_object(namespace=NS, body=minicluster(size=1), **GVP)
    pod = wait_flux(core, "flux-sample")
    for cmd in (["hostname"], ["false"], ["sleep", "1"]):
        assert flux(core, pod, "submit", *cmd)[0] == 0
    wait_for(lambda: sum(j["state"] == "INACTIVE" for j in jobs_json(core, pod)) == 3, what="3 jobs done")
    assert flux(core, pod, "queue", "stop")[0] == 0
    pending = flux(core, pod, "submit", "-N2", "hostname")[1].strip()  # 2 nodes: only the new cluster fits it
    before = {j["id"]: j for j in jobs_json(core, pod)}
    assert flux(core, pod, "queue", "idle", "--timeout=30s")[0] == 0
    rc, _, err = flux(core, pod, "dump", "/state/archive.tar.gz")
    assert rc == 0, err
    archive = empty_demo.data_dir / "data" / "archive.tar.gz"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert any(n.endswith("/eventlog") and n.startswith("job/") for n in names)
    rc, out, _ = exec_in(core, pod, ["ls", "-l", "/state"], container="flux-sample")
    assert rc == 0 and "archive.tar.gz" in out

    crd.delete_namespaced_custom_object(namespace=NS, name="flux-sample",
                                        body=client.V1DeleteOptions(propagation_policy="Foreground"), **GVP)
    wait_for(lambda: not core.list_namespaced_pod(NS, label_selector="hpa-selector=flux-sample").items,
             what="old pods gone")
    wait_for(lambda: not crd.list_namespaced_custom_object(namespace=NS, **GVP)["items"], what="old CR gone")
    crd.create_namespaced_custom_object(namespace=NS, body=minicluster(size=2), **GVP)
    pod = wait_flux(core, "flux-sample")
    log = core.read_namespaced_pod_log(pod, NS, container="flux-sample")
    assert "Found existing archive at /state/archive.tar.gz" in log
    assert "restoring content from /state/archive.tar.gz" in log  # the pod's path, never the host's
    after = {j["id"]: j for j in jobs_json(core, pod)}
    assert set(before) <= set(after)
    for jid, job in before.items():
        if job["state"] == "INACTIVE":
            assert after[jid]["result"] == job["result"]
    pending_id = next(j["id"] for j in before.values() if j["jobid"].lstrip("ƒf") == pending.lstrip("ƒf"))
    wait_for(lambda: {j["id"]: j for j in jobs_json(core, pod)}[pending_id].get("result") == "COMPLETED",
             what="the pending job runs on the bigger cluster")
