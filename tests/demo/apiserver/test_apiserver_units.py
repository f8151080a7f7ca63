"""Unit tests: selectors, patches, Age rendering, store semantics, log buffers."""

from __future__ import annotations

import asyncio

import pytest

from fluxstate_tui.demo.apiserver import ApiError, PodLogs, Store
from fluxstate_tui.demo.apiserver.patch import json_patch, merge_patch, strategic_merge_patch
from fluxstate_tui.demo.apiserver.selectors import matches_labels
from fluxstate_tui.demo.apiserver.tables import human_duration, pod_status


def test_label_selectors():
    labels = {"job-name": "flux-sample", "job-index": "0"}
    assert matches_labels("job-name=flux-sample", labels)
    assert matches_labels("job-name==flux-sample,job-index", labels)
    assert not matches_labels("!job-index", labels)
    assert matches_labels("!other", labels)
    assert matches_labels("job-index in (0, 1),job-name notin (x)", labels)
    assert not matches_labels("job-index notin (0)", labels)
    assert matches_labels("job-index!=1", labels) and matches_labels("missing!=1", labels)
    assert matches_labels("", labels)
    with pytest.raises(ApiError):
        matches_labels("a in (", labels)


def test_patches():
    doc = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert merge_patch(doc, {"a": {"b": None, "c": [3]}, "e": 2}) == {"a": {"c": [3]}, "d": 1, "e": 2}
    assert doc["a"]["b"] == 1  # not modified
    out = json_patch(doc, [{"op": "add", "path": "/a/c/-", "value": 3}, {"op": "remove", "path": "/d"},
                           {"op": "replace", "path": "/a/b", "value": 5}, {"op": "copy", "from": "/a/b", "path": "/x"},
                           {"op": "move", "from": "/x", "path": "/y"}, {"op": "test", "path": "/y", "value": 5}])
    assert out == {"a": {"b": 5, "c": [1, 2, 3]}, "y": 5}
    with pytest.raises(ApiError) as ei:
        json_patch(doc, [{"op": "test", "path": "/d", "value": 2}])
    assert ei.value.code == 422
    with pytest.raises(ApiError):
        json_patch(doc, [{"op": "remove", "path": "/nope"}])
    pod = {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]}}
    smp = {"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
                    "containers": [{"name": "b", "image": "2"}, {"name": "a", "$patch": "delete"}]}}
    assert strategic_merge_patch(pod, smp) == {"spec": {"containers": [{"name": "b", "image": "2"}]}}


def test_human_duration():
    seconds = (5, 119, 180, 185, 3600 * 2 + 60 * 5, 3600 * 4 + 60 * 5, 3600 * 30, 86400 * 2 + 3600 * 3, 86400 * 30)
    assert [human_duration(s) for s in seconds] == ["5s", "119s", "3m", "3m5s", "125m", "4h5m", "30h", "2d3h", "30d"]


def test_pod_status_column():
    base = {"metadata": {}, "spec": {"containers": [{"name": "c"}], "initContainers": [{"name": "flux-view"}]}}
    assert pod_status({**base, "status": {"phase": "Pending", "initContainerStatuses": [
        {"name": "flux-view", "state": {"running": {}}}]}}) == "Init:0/1"
    assert pod_status({**base, "status": {"phase": "Pending", "containerStatuses": [
        {"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}}]}}) == "ContainerCreating"
    assert pod_status({**base, "status": {"phase": "Succeeded", "containerStatuses": [
        {"name": "c", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}) == "Completed"


def test_store_semantics():
    store = Store()
    events = []
    store.add_listener(lambda t, p, o: events.append((t, p, o["metadata"]["name"], o.get("_propagation"))))
    with pytest.raises(ApiError) as ei:
        store.create("pods", "nowhere", {"metadata": {"name": "x"}})
    assert ei.value.code == 404
    store.create("jobs", "default", {"metadata": {"name": "j"}, "spec": {"template": {}}})
    rv = store.resource_version
    # no change, no event
    assert store.update("jobs", "default", "j", lambda o: None)["metadata"]["resourceVersion"] == str(rv)
    store.update("jobs", "default", "j", lambda o: o.update(status={"active": 1}))
    assert store.resource_version == rv + 1
    assert store.update("jobs", "default", "missing", lambda o: None) is None
    # replace ignores status (status subresource), bumps generation on spec change
    j = store.get("jobs", "default", "j")
    j["spec"]["parallelism"] = 2
    j["status"] = {}
    out = store.replace("jobs", "default", "j", j)
    assert out["status"] == {"active": 1} and out["metadata"]["generation"] == 2
    store.delete("jobs", "default", "j", propagation="Orphan")
    assert events[-1] == ("DELETED", "jobs", "j", "Orphan")
    assert "_propagation" not in str(store.list("jobs"))
    # pods: graceful delete keeps them; grace 0 removes
    store.create("pods", "default", {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}})
    out = store.delete("pods", "default", "p")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30 and store.get("pods", "default", "p")
    assert store.delete("pods", "default", "p")["metadata"]["deletionTimestamp"] == out["metadata"]["deletionTimestamp"]
    store.update("pods", "default", "p", lambda o: o["status"].update(phase="Succeeded"))  # kubelet writes: stays
    assert store.get("pods", "default", "p")["status"]["phase"] == "Succeeded"
    store.remove("pods", "default", "p")
    assert events[-1][:3] == ("DELETED", "pods", "p")
    # list sorted, cluster-scoped kinds have no namespace
    store.create("persistentvolumes", None, {"metadata": {"name": "pv", "namespace": "x"}, "spec": {}})
    assert "namespace" not in store.get("persistentvolumes", None, "pv")["metadata"]


async def test_store_watch_selector_transitions():
    store = Store()
    store.create("pods", "default", {"metadata": {"name": "p", "labels": {"a": "1"}},
                                     "spec": {"containers": [{"name": "c"}]}})
    rv = str(store.resource_version)
    got = []

    async def consume():
        async for ev in store.watch("pods", "default", label_selector="a=1", resource_version=rv, timeout=1):
            got.append((ev["type"], ev["object"]["metadata"]["labels"].get("a")))

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    store.update("pods", "default", "p", lambda o: o["metadata"]["labels"].update(a="2"))
    store.update("pods", "default", "p", lambda o: o["metadata"]["labels"].update(a="1"))
    await task
    assert got == [("DELETED", "2"), ("ADDED", "1")]


async def test_pod_logs_follow_and_bound():
    logs = PodLogs(max_bytes=1000)
    logs.append("ns", "p", "c", "a\nb\n")
    chunks = []

    async def follow():
        async for chunk in logs.follow("ns", "p", "c", tail_lines=1):
            chunks.append(chunk)

    task = asyncio.create_task(follow())
    await asyncio.sleep(0.02)
    logs.append("ns", "p", "c", "c\n")
    await asyncio.sleep(0.02)
    logs.drop("ns", "p")
    await asyncio.wait_for(task, 1)
    assert "".join(chunks) == "b\nc\n"
    for i in range(500):
        logs.append("ns", "q", "c", f"line {i:04d}\n")
    text = logs.read("ns", "q", "c")
    assert len(text) <= 1100 and text.endswith("line 0499\n") and text.startswith("line ")
    assert logs.read("ns", "q", "c", tail_lines=1, limit_bytes=4) == "line"
