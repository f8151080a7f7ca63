"""The official kubernetes Python client (sync and kubernetes.aio) against the demo API server."""

from __future__ import annotations

import json
import threading
import time

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

G, V, P = "flux-framework.org", "v1alpha2", "miniclusters"


def mc(name: str, size: int = 2) -> dict:
    return {"apiVersion": f"{G}/{V}", "kind": "MiniCluster", "metadata": {"name": name},
            "spec": {"size": size, "containers": [{"image": "ghcr.io/flux-framework/flux-restful-api:latest"}]}}


def test_discovery(api_client):
    apis = client.ApisApi(api_client).get_api_versions()
    names = {g.name for g in apis.groups}
    assert {"batch", "flux-framework.org"} <= names
    res = client.CustomObjectsApi(api_client).get_api_resources(G, V)
    by_name = {r.name: r for r in res.resources}
    assert by_name["miniclusters"].kind == "MiniCluster" and by_name["miniclusters"].namespaced
    assert by_name["miniclusters/scale"].group == "autoscaling"
    core = client.CoreV1Api(api_client).get_api_resources()
    pv = next(r for r in core.resources if r.name == "persistentvolumes")
    assert pv.short_names == ["pv"] and not pv.namespaced
    ver = client.VersionApi(api_client).get_code()
    assert (ver.major, ver.minor) == ("1", "32")


def test_minicluster_crud(server, api_client):
    co = client.CustomObjectsApi(api_client)
    created = co.create_namespaced_custom_object(G, V, "default", P, mc("flux-sample"))
    meta = created["metadata"]
    assert (meta["generation"] == 1 and meta["uid"] and meta["resourceVersion"]
            and meta["creationTimestamp"].endswith("Z"))
    got = co.get_namespaced_custom_object(G, V, "default", P, "flux-sample")
    assert got["spec"]["size"] == 2
    lst = co.list_namespaced_custom_object(G, V, "default", P)
    assert lst["kind"] == "MiniClusterList" and [i["metadata"]["name"] for i in lst["items"]] == ["flux-sample"]
    assert int(lst["metadata"]["resourceVersion"]) >= int(meta["resourceVersion"])
    assert co.list_cluster_custom_object(G, V, P)["items"][0]["metadata"]["namespace"] == "default"

    patched = co.patch_namespaced_custom_object(G, V, "default", P, "flux-sample", {"spec": {"size": 4}})
    assert patched["spec"]["size"] == 4 and patched["metadata"]["generation"] == 2
    jp = co.patch_namespaced_custom_object(G, V, "default", P, "flux-sample",
                                           [{"op": "replace", "path": "/spec/size", "value": 1},
                                            {"op": "add", "path": "/metadata/labels", "value": {"a": "b"}}],
                                           _content_type="application/json-patch+json")
    assert jp["spec"]["size"] == 1 and jp["metadata"]["labels"] == {"a": "b"}

    # status subresource: the main resource ignores status, /status only takes status
    co.patch_namespaced_custom_object(G, V, "default", P, "flux-sample", {"status": {"size": 9}})
    assert "status" not in co.get_namespaced_custom_object(G, V, "default", P, "flux-sample")
    st = co.patch_namespaced_custom_object_status(G, V, "default", P, "flux-sample",
                                                  {"status": {"size": 1, "selector": "hpa-selector=flux-sample"},
                                                   "spec": {"size": 7}})
    assert st["status"]["size"] == 1 and st["spec"]["size"] == 1

    # scale subresource
    scale = co.get_namespaced_custom_object_scale(G, V, "default", P, "flux-sample")
    assert (scale["kind"] == "Scale" and scale["spec"]["replicas"] == 1
            and scale["status"]["selector"] == "hpa-selector=flux-sample")
    scale = co.patch_namespaced_custom_object_scale(G, V, "default", P, "flux-sample", {"spec": {"replicas": 3}})
    assert scale["spec"]["replicas"] == 3
    assert co.get_namespaced_custom_object(G, V, "default", P, "flux-sample")["spec"]["size"] == 3

    # errors
    with pytest.raises(ApiException) as ei:
        co.create_namespaced_custom_object(G, V, "default", P, mc("flux-sample"))
    assert ei.value.status == 409
    body = json.loads(ei.value.body)
    assert body["reason"] == "AlreadyExists"
    assert body["message"] == 'miniclusters.flux-framework.org "flux-sample" already exists'
    with pytest.raises(ApiException) as ei:
        co.get_namespaced_custom_object(G, V, "default", P, "nope")
    assert ei.value.status == 404
    assert json.loads(ei.value.body)["details"] == {"name": "nope", "group": G, "kind": P}
    with pytest.raises(ApiException) as ei:
        co.create_namespaced_custom_object(G, V, "default", P, mc("Bad_Name"))
    assert ei.value.status == 422 and "a lowercase RFC 1123 subdomain" in json.loads(ei.value.body)["message"]
    with pytest.raises(ApiException) as ei:
        co.create_namespaced_custom_object(G, V, "nowhere", P, mc("x"))
    assert ei.value.status == 404 and json.loads(ei.value.body)["message"] == 'namespaces "nowhere" not found'
    with pytest.raises(ApiException) as ei:
        co.patch_namespaced_custom_object(G, V, "default", P, "flux-sample", {"spec": {}},
                                          _content_type="application/strategic-merge-patch+json")
    assert ei.value.status == 415

    # validators and defaulters hook in
    def validate(new, old):
        if new.get("spec", {}).get("size", 1) > 10:
            from fluxstate_tui.demo.apiserver import ApiError
            raise ApiError.invalid("MiniCluster", new["metadata"]["name"], [
                {"reason": "FieldValueInvalid", "field": "spec.size", "message": "Invalid value: 11: too big"}])
    server.store.validators[P] = validate
    with pytest.raises(ApiException) as ei:
        co.patch_namespaced_custom_object(G, V, "default", P, "flux-sample", {"spec": {"size": 11}})
    assert ei.value.status == 422
    assert json.loads(ei.value.body)["message"] == (
        'MiniCluster.flux-framework.org "flux-sample" is invalid: spec.size: Invalid value: 11: too big')

    # dry run create stores nothing
    co.create_namespaced_custom_object(G, V, "default", P, mc("dry"), dry_run="All")
    assert server.store.get(P, "default", "dry") is None

    # delete: plain delete -> Status Success
    co.create_namespaced_custom_object(G, V, "default", P, mc("gone"))
    out = co.delete_namespaced_custom_object(G, V, "default", P, "gone")
    assert out["status"] == "Success" and out["details"]["name"] == "gone" and out["details"]["uid"]
    # Foreground: stays with deletionTimestamp and the finalizer
    out = co.delete_namespaced_custom_object(G, V, "default", P, "flux-sample", propagation_policy="Foreground")
    assert out["metadata"]["deletionTimestamp"] and "foregroundDeletion" in out["metadata"]["finalizers"]
    # a controller removing the finalizer finishes the deletion
    seen = []
    server.store.add_listener(lambda t, p, o: seen.append((t, p, o.get("_propagation"))))
    server.store.update(P, "default", "flux-sample", lambda o: o["metadata"].update(finalizers=[]))
    assert server.store.get(P, "default", "flux-sample") is None
    assert seen == [("DELETED", P, "Foreground")]


def test_pods_list_and_labels(server, api_client, make_pod):
    store = server.store
    for i in range(3):
        store.create("pods", "default", make_pod(f"flux-sample-{i}-abcde", labels={
            "job-name": "flux-sample", "job-index": str(i), "app": "flux-operator"}))
    store.create("pods", "default", make_pod("other-0-zzzzz", labels={"job-name": "other"}))
    core = client.CoreV1Api(api_client)
    pods = core.list_namespaced_pod("default", label_selector="job-name=flux-sample")
    assert [p.metadata.name for p in pods.items] == [f"flux-sample-{i}-abcde" for i in range(3)]
    assert pods.items[0].status.container_statuses[0].ready is True
    assert len(core.list_namespaced_pod("default",
                                        label_selector="job-name in (flux-sample,other),job-index!=1").items) == 3
    assert [p.metadata.name
            for p in core.list_namespaced_pod("default", label_selector="!job-index").items] == ["other-0-zzzzz"]
    assert len(core.list_pod_for_all_namespaces(label_selector="app").items) == 3
    assert len(core.list_namespaced_pod("default", field_selector="metadata.name=other-0-zzzzz").items) == 1
    assert len(core.list_namespaced_pod("default", field_selector="status.phase=Running").items) == 4
    with pytest.raises(ApiException) as ei:
        core.list_namespaced_pod("default", field_selector="spec.bogus=1")
    assert ei.value.status == 400
    with pytest.raises(ApiException) as ei:
        core.read_namespaced_pod("nope", "default")
    assert ei.value.status == 404 and json.loads(ei.value.body)["message"] == 'pods "nope" not found'

    # graceful pod delete keeps the pod until the kubelet removes it
    out = core.delete_namespaced_pod("other-0-zzzzz", "default")
    assert out.metadata.deletion_timestamp is not None and out.metadata.deletion_grace_period_seconds == 30
    assert store.get("pods", "default", "other-0-zzzzz") is not None
    store.remove("pods", "default", "other-0-zzzzz")
    core.delete_namespaced_pod("flux-sample-2-abcde", "default", grace_period_seconds=0)
    assert store.get("pods", "default", "flux-sample-2-abcde") is None

    # built-in kinds: jobs, configmaps, PV/PVC round-trip through pydantic models
    batch = client.BatchV1Api(api_client)
    job = batch.create_namespaced_job("default", {"metadata": {"name": "flux-sample"}, "spec": {
        "completions": 2, "parallelism": 2,
        "template": {"spec": {"containers": [{"name": "c", "image": "i"}], "restartPolicy": "OnFailure"}}}})
    assert job.metadata.generation == 1
    core.create_namespaced_config_map("default", {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    core.patch_namespaced_config_map("cm", "default", {"data": {"b": "2"}})
    assert core.read_namespaced_config_map("cm", "default").data == {"a": "1", "b": "2"}
    core.create_persistent_volume({"metadata": {"name": "pv1"}, "spec": {"capacity": {"storage": "1Gi"},
                                   "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/x"}}})
    assert core.read_persistent_volume("pv1").status.phase == "Pending"
    core.create_namespaced_persistent_volume_claim("default", {"metadata": {"name": "pvc1"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    assert core.list_namespaced_persistent_volume_claim("default").items[0].metadata.name == "pvc1"


def test_watch(server, api_client, make_pod):
    store = server.store
    core = client.CoreV1Api(api_client)
    store.create("pods", "default", make_pod("w-0-aaaaa", labels={"job-name": "w"}))
    rv = core.list_namespaced_pod("default").metadata.resource_version

    def writer():
        time.sleep(0.3)
        store.create("pods", "default", make_pod("w-1-aaaaa", labels={"job-name": "w"}))
        store.create("pods", "default", make_pod("x-1-aaaaa", labels={"job-name": "x"}))
        store.update("pods", "default", "w-1-aaaaa", lambda p: p["status"].update(phase="Succeeded"))
        store.remove("pods", "default", "w-0-aaaaa")

    threading.Thread(target=writer).start()
    events = []
    w = watch.Watch()
    for ev in w.stream(core.list_namespaced_pod, "default", label_selector="job-name=w", resource_version=rv,
                       timeout_seconds=2):
        events.append((ev["type"], ev["object"].metadata.name))
        if len(events) == 3:
            w.stop()
    assert events == [("ADDED", "w-1-aaaaa"), ("MODIFIED", "w-1-aaaaa"), ("DELETED", "w-0-aaaaa")]

    # no RV: synthetic ADDED for what exists, then ends at timeoutSeconds
    t0 = time.monotonic()
    evs = [(e["type"], e["object"].metadata.name)
           for e in watch.Watch().stream(core.list_namespaced_pod, "default", timeout_seconds=1)]
    assert evs == [("ADDED", "w-1-aaaaa"), ("ADDED", "x-1-aaaaa")]
    assert 0.8 < time.monotonic() - t0 < 5

    # custom objects watch, with a field selector as kubectl's delete-wait uses
    co = client.CustomObjectsApi(api_client)
    co.create_namespaced_custom_object(G, V, "default", P, mc("wmc"))
    rv = co.list_namespaced_custom_object(G, V, "default", P)["metadata"]["resourceVersion"]
    server.later(0.2, lambda: store.delete(P, "default", "wmc"))
    evs = [e["type"] for e in watch.Watch().stream(co.list_namespaced_custom_object, G, V, "default", P,
                                                   field_selector="metadata.name=wmc", resource_version=rv,
                                                   timeout_seconds=2)]
    assert evs == ["DELETED"]


def test_watch_expired_rv(server, kubeconfig):
    import urllib.request

    store = server.store
    store._compacted = store.resource_version  # pretend history was compacted
    with urllib.request.urlopen(f"{server.url}/api/v1/namespaces/default/pods"
                                "?watch=true&resourceVersion=5&timeoutSeconds=1") as resp:
        line = json.loads(resp.readline())
    assert line["type"] == "ERROR" and line["object"]["code"] == 410 and line["object"]["reason"] == "Expired"


def test_logs(server, api_client, make_pod):
    store, logs = server.store, server.logs
    store.create("pods", "default", make_pod("log-0-aaaaa"))
    for i in range(5):
        logs.append("default", "log-0-aaaaa", "flux-sample", f"line {i}\n")
    core = client.CoreV1Api(api_client)
    assert core.read_namespaced_pod_log("log-0-aaaaa", "default") == "".join(f"line {i}\n" for i in range(5))
    assert core.read_namespaced_pod_log("log-0-aaaaa", "default", container="flux-sample",
                                        tail_lines=2) == "line 3\nline 4\n"
    assert core.read_namespaced_pod_log("log-0-aaaaa", "default", limit_bytes=4) == "line"
    with pytest.raises(ApiException) as ei:
        core.read_namespaced_pod_log("log-0-aaaaa", "default", previous=True)
    assert ei.value.status == 400 and "previous terminated container" in json.loads(ei.value.body)["message"]
    with pytest.raises(ApiException) as ei:
        core.read_namespaced_pod_log("log-0-aaaaa", "default", container="nope")
    assert json.loads(ei.value.body)["message"] == "container nope is not valid for pod log-0-aaaaa"
    store.create("pods", "default", make_pod("log-1-aaaaa", phase="Pending", waiting="ContainerCreating"))
    with pytest.raises(ApiException) as ei:
        core.read_namespaced_pod_log("log-1-aaaaa", "default")
    assert json.loads(ei.value.body)["message"] == (
        'container "flux-sample" in pod "log-1-aaaaa" is waiting to start: ContainerCreating')
    store.create("pods", "default", make_pod("log-2-aaaaa", containers=("a", "b")))
    with pytest.raises(ApiException) as ei:
        core.read_namespaced_pod_log("log-2-aaaaa", "default")
    assert json.loads(ei.value.body)["message"] == (
        "a container name must be specified for pod log-2-aaaaa, choose one of: [a b] "
        "or one of the init containers: [flux-view]")
    logs.append("default", "log-0-aaaaa", "flux-view", "view ready\n")
    assert core.read_namespaced_pod_log("log-0-aaaaa", "default", container="flux-view") == "view ready\n"

    # follow: existing lines then new ones, ending when the container closes
    def feeder():
        time.sleep(0.3)
        logs.append("default", "log-0-aaaaa", "flux-sample", "line 5\n")
        time.sleep(0.2)
        logs.append("default", "log-0-aaaaa", "flux-sample", "line 6\n")
        logs.close("default", "log-0-aaaaa", "flux-sample")

    threading.Thread(target=feeder).start()
    lines = list(watch.Watch().stream(core.read_namespaced_pod_log, "log-0-aaaaa", "default", tail_lines=1))
    assert lines == ["line 4", "line 5", "line 6"]


def _exec_pod(server, make_pod):
    server.store.create("pods", "default", make_pod("flux-sample-0-abcde"))


def test_exec_sync(server, api_client, make_pod):
    _exec_pod(server, make_pod)
    core = client.CoreV1Api(api_client)

    def run(argv, stdin=None):
        ws = stream(core.connect_get_namespaced_pod_exec, "flux-sample-0-abcde", "default", command=argv,
                    stderr=True, stdin=stdin is not None, stdout=True, tty=False, _preload_content=False)
        if stdin is not None:
            ws.write_stdin(stdin)
            ws.close_channel(0)
        ws.run_forever(timeout=10)
        out, err, rc = ws.read_stdout(), ws.read_stderr(), ws.returncode
        ws.close()
        return out, err, rc

    assert run(["echo", "hi", "there"]) == ("hi there\n", "", 0)
    assert run(["false"]) == ("", "boom\n", 1)
    assert run(["exit", "3"])[2] == 3
    assert run(["both"]) == ("to-out\n", "to-err\n", 0)
    assert run(["cat"], stdin="hello stdin\n") == ("hello stdin\n", "", 0)
    out, _, rc = run(["big", str(200_000)])
    assert len(out) == 200_000 and rc == 0
    # preloaded form: one string
    assert stream(core.connect_get_namespaced_pod_exec, "flux-sample-0-abcde", "default", command=["echo", "pre"],
                  stderr=True, stdin=False, stdout=True, tty=False) == "pre\n"
    # exec_fn raising -> 500 InternalError status on channel 3, proper close
    ws = stream(core.connect_get_namespaced_pod_exec, "flux-sample-0-abcde", "default", command=["crash"],
                stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    ws.run_forever(timeout=10)
    err = json.loads(ws.read_channel(3))
    assert err["reason"] == "InternalError" and "simulated failure" in err["message"]
    ws.close()
    # handshake failures
    with pytest.raises(ApiException) as ei:
        stream(core.connect_get_namespaced_pod_exec, "nope", "default", command=["echo"], stderr=True, stdin=False,
               stdout=True, tty=False)
    assert "404" in ei.value.reason
    server.store.create("pods", "default", make_pod("pending-0-abcde", phase="Pending", waiting="ContainerCreating"))
    with pytest.raises(ApiException) as ei:
        stream(core.connect_get_namespaced_pod_exec, "pending-0-abcde", "default", command=["echo"], stderr=True,
               stdin=False, stdout=True, tty=False)
    assert "400" in ei.value.reason and 'container not found (\\"flux-sample\\")' in ei.value.reason
    with pytest.raises(ApiException) as ei:
        stream(core.connect_get_namespaced_pod_exec, "flux-sample-0-abcde", "default", command=["echo"],
               container="zzz", stderr=True, stdin=False, stdout=True, tty=False)
    assert "container zzz is not valid for pod flux-sample-0-abcde" in ei.value.reason


async def test_exec_aio(server, kubeconfig, make_pod):
    from kubernetes.aio import client as aclient
    from kubernetes.aio import config as aconfig
    from kubernetes.aio.stream import WsApiClient

    _exec_pod(server, make_pod)
    cfg = aclient.Configuration()
    await aconfig.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
    async with WsApiClient(configuration=cfg) as ws_api:
        core = aclient.CoreV1Api(api_client=ws_api)
        out = await core.connect_get_namespaced_pod_exec("flux-sample-0-abcde", "default",
                                                         command=["echo", "aio", "hi"],
                                                         stderr=True, stdin=False, stdout=True, tty=False)
        assert out == "aio hi\n"
        resp = await core.connect_get_namespaced_pod_exec_without_preload_content(
            "flux-sample-0-abcde", "default", command=["exit", "3"], stderr=True, stdin=False, stdout=True, tty=False)
        rc = None
        async with resp as ws:  # aiohttp ws_connect context manager
            async for msg in ws:
                data = msg.data
                if data[0] == 3:
                    rc = WsApiClient.parse_error_data(data[1:])
        assert rc == 3
    # the plain async client lists pods too
    async with aclient.ApiClient(configuration=cfg) as api:
        pods = await aclient.CoreV1Api(api).list_namespaced_pod("default")
        assert [p.metadata.name for p in pods.items] == ["flux-sample-0-abcde"]
