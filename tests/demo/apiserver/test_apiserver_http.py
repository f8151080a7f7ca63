"""Raw HTTP behaviour: discovery shapes, OpenAPI, Tables, error bodies, robustness, serve()."""

from __future__ import annotations

import json

import aiohttp
import pytest

from fluxstate_tui.demo.apiserver import PodLogs, Store, make_app, serve

TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
AGG_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")


async def _noexec(*args):
    return 0


@pytest.fixture
async def http():
    store, logs = Store(), PodLogs()
    runner, port = await serve(make_app(store, logs, _noexec))
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
        session.store = store  # type: ignore[attr-defined]
        yield session
    await runner.cleanup()


async def test_serve_refuses_non_loopback():
    with pytest.raises(ValueError, match="refusing to bind 0.0.0.0: the demo server only listens on loopback"):
        await serve(make_app(Store(), PodLogs(), _noexec), host="0.0.0.0")


async def test_discovery_and_openapi(http):
    async with http.get("/version") as r:
        assert (await r.json())["minor"] == "32"
    async with http.get("/api") as r:
        assert (await r.json())["kind"] == "APIVersions"
    async with http.get("/apis", headers={"Accept": AGG_ACCEPT}) as r:
        assert r.headers["Content-Type"].startswith(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        body = await r.json(content_type=None)
        mcs = next(i for i in body["items"] if i["metadata"]["name"] == "flux-framework.org")
        res = mcs["versions"][0]["resources"][0]
        assert res["resource"] == "miniclusters" and "shortNames" not in res
        assert {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
                "verbs": ["get", "patch", "update"]} in res["subresources"]
    async with http.get("/apis/flux-framework.org") as r:
        assert (await r.json())["preferredVersion"]["version"] == "v1alpha2"
    async with http.get("/openapi/v3") as r:
        paths = (await r.json())["paths"]
        assert set(paths) == {"api/v1", "apis/batch/v1", "apis/flux-framework.org/v1alpha2",
                              "apis/coordination.k8s.io/v1", "apis/events.k8s.io/v1"}
    async with http.get(paths["api/v1"]["serverRelativeURL"]) as r:
        doc = await r.json()
        kinds = {op["patch"]["x-kubernetes-group-version-kind"]["kind"]
                 for op in doc["paths"].values() if "patch" in op}
        assert {"Pod", "PersistentVolume", "PersistentVolumeClaim", "ConfigMap", "Service", "Namespace"} <= kinds
    async with http.get("/openapi/v2") as r:
        assert r.status == 404


async def test_errors_and_robustness(http):
    async with http.get("/nope/at/all") as r:
        assert r.status == 404
        assert await r.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                  "message": "the server could not find the requested resource", "reason": "NotFound",
                                  "details": {}, "code": 404}
    async with http.post("/api/v1/namespaces/default/pods", data=b"{not json",
                         headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400 and (await r.json())["reason"] == "BadRequest"
    # a body type the apiserver does not read is 415, as aiohttp's default for bytes is
    async with http.post("/api/v1/namespaces/default/pods", data=b"{}") as r:
        assert r.status == 415 and (await r.json())["reason"] == "UnsupportedMediaType"
    async with http.put("/api/v1/namespaces/default/pods") as r:
        assert r.status == 405 and (await r.json())["reason"] == "MethodNotAllowed"
    async with http.get("/api/v1/namespaces/default/pods?labelSelector=a%20in%20(") as r:
        assert r.status == 400
    # YAML body with a yaml Content-Type; no Content-Type means JSON
    async with http.post("/api/v1/namespaces/default/configmaps", data=b"metadata: {name: y}\ndata: {k: v}\n",
                         headers={"Content-Type": "application/yaml"}) as r:
        assert r.status == 201 and (await r.json())["data"] == {"k": "v"}
    async with http.post("/api/v1/namespaces/default/configmaps",
                         data=json.dumps({"metadata": {"generateName": "g-"}}),
                         skip_auto_headers=("Content-Type",)) as r:
        name = (await r.json())["metadata"]["name"]
        assert r.status == 201 and name.startswith("g-") and len(name) == 7
    async with http.patch("/api/v1/namespaces/default/configmaps/y", data=b"{}",
                          headers={"Content-Type": "text/plain"}) as r:
        assert r.status == 415
    async with http.put("/api/v1/namespaces/default/configmaps/y",
                        json={"metadata": {"name": "y", "resourceVersion": "1"}, "data": {}}) as r:
        assert r.status == 409 and (await r.json())["reason"] == "Conflict"
    # apply-patch creates (201) then updates (200)
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ap"}, "data": {"a": "1"}})
    hdr = {"Content-Type": "application/apply-patch+yaml"}
    async with http.patch("/api/v1/namespaces/default/configmaps/ap?fieldManager=t", data=body, headers=hdr) as r:
        assert r.status == 201
    async with http.patch("/api/v1/namespaces/default/configmaps/ap?fieldManager=t", data=body, headers=hdr) as r:
        assert r.status == 200
    # exec without an upgrade (kubectl's SPDY fallback) -> 400 Upgrade request required
    http.store.create("pods", "default", {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
                                          "status": {"phase": "Running"}})
    async with http.post("/api/v1/namespaces/default/pods/p/exec?command=ls&stdout=true",
                         headers={"Upgrade": "SPDY/3.1", "Connection": "Upgrade"}) as r:
        assert r.status == 400 and (await r.json())["message"] == "Upgrade request required"
    # the connection is still usable after all that
    async with http.get("/api/v1/namespaces/default/configmaps") as r:
        assert r.status == 200 and (await r.json())["kind"] == "ConfigMapList"


async def test_tables(http):
    store = http.store
    store.create("configmaps", "default", {"metadata": {"name": "cm"}, "data": {"a": "1", "b": "2"}})
    store.create("miniclusters", "default", {"metadata": {"name": "mc"}, "spec": {"size": 1}})
    store.create("pods", "default", {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
                                     "status": {"phase": "Running"}})
    store.delete("pods", "default", "p")
    async with http.get("/api/v1/namespaces/default/configmaps", headers={"Accept": TABLE_ACCEPT}) as r:
        t = await r.json()
        assert t["kind"] == "Table" and [c["name"] for c in t["columnDefinitions"]] == ["Name", "Data", "Age"]
        assert t["rows"][0]["cells"][:2] == ["cm", 2] and t["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    async with http.get("/apis/flux-framework.org/v1alpha2/miniclusters", headers={"Accept": TABLE_ACCEPT}) as r:
        t = await r.json()
        assert [c["name"] for c in t["columnDefinitions"]] == ["Name", "Age"]
        assert t["rows"][0]["cells"][0] == "mc" and t["rows"][0]["cells"][1].endswith("s")
    async with http.get("/api/v1/namespaces/default/pods/p", headers={"Accept": TABLE_ACCEPT}) as r:
        assert (await r.json())["rows"][0]["cells"][2] == "Terminating"


async def test_content_negotiation(http):
    """Accept and Content-Type as k8s.io/apiserver negotiates them."""
    ns = "/api/v1/namespaces/default"
    async with http.get(ns, headers={"Accept": "application/vnd.kubernetes.protobuf"}) as r:
        body = await r.json()
        assert r.status == 406 and body["reason"] == "NotAcceptable"
        assert body["message"] == "only the following media types are accepted: application/json, application/yaml"
    async with http.get(ns, headers={"Accept": "application/vnd.kubernetes.protobuf,application/json"}) as r:
        assert r.status == 200 and (await r.json())["kind"] == "Namespace"
    async with http.get(ns, headers={"Accept": "application/yaml"}) as r:
        assert r.content_type == "application/yaml" and "kind: Namespace" in await r.text()
    partial = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    async with http.get("/api/v1/namespaces", headers={"Accept": partial}) as r:
        body = await r.json()
        assert body["kind"] == "PartialObjectMetadataList" and "status" not in body["items"][0]
    # a custom resource has no protobuf form: 415 without protobuf in the list; a built-in lists it
    mcs = "/apis/flux-framework.org/v1alpha2/namespaces/default/miniclusters"
    for url, listed in ((mcs, False), ("/api/v1/namespaces/default/configmaps", True)):
        async with http.post(url, data=b"{}", headers={"Content-Type": "application/cbor"}) as r:
            message = (await r.json())["message"]
            assert r.status == 415 and ("application/vnd.kubernetes.protobuf" in message) == listed
    async with http.post(mcs, data=b"k8s\x00", headers={"Content-Type": "application/vnd.kubernetes.protobuf"}) as r:
        assert r.status == 415


async def test_watch_list_ends_its_initial_events_with_a_bookmark(http):
    """client-go's watch-list (kubectl 1.37's delete waits with it): the current objects, then a BOOKMARK
    annotated k8s.io/initial-events-end, then live events."""
    url = "/api/v1/namespaces/default/configmaps"
    async with http.post(url, json={"metadata": {"name": "seen"}}) as r:
        assert r.status == 201
    query = "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&timeoutSeconds=1"
    async with http.get(url + query) as r:
        assert r.status == 422 and "resourceVersionMatch" in (await r.json())["message"]
    async with http.get(url + query + "&resourceVersionMatch=NotOlderThan") as r:
        events = [json.loads(line) for line in (await r.text()).splitlines()]
    assert [(e["type"], e["object"]["metadata"].get("name")) for e in events] == [("ADDED", "seen"),
                                                                                  ("BOOKMARK", None)]
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert events[1]["object"]["kind"] == "ConfigMap"
