"""Events in the demo cluster: core/v1 and events.k8s.io/v1 through the official client, what the
job controller, scheduler and kubelet record, counts, retention, and kube/events.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from fluxstate_tui.demo.apiserver import Store
from fluxstate_tui.demo.apiserver import events as server_events
from fluxstate_tui.demo.apiserver.protobuf import decode
from fluxstate_tui.demo.recorder import EventRecorder
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.events import list_events
from tests.conftest import FAST, DemoServer, start_demo_server, wait_for

NS = "default"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemoServer:
    server = start_demo_server(tmp_path_factory.mktemp("events"), "--speed", FAST)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(demo):
    api = config.new_client_from_config(config_file=str(demo.kubeconfig))
    yield api
    api.close()


def broker_pod(core) -> client.V1Pod:
    def running():
        pods = core.list_namespaced_pod(NS, label_selector="hpa-selector=flux-sample,job-index=0").items
        return next((p for p in pods if p.status.phase == "Running" and not p.metadata.deletion_timestamp), None)

    return wait_for(running, 30, 0.2, "a running broker")


def test_what_the_components_record(api):
    core = client.CoreV1Api(api)
    pod = broker_pod(core)
    selector = f"involvedObject.name={pod.metadata.name},involvedObject.kind=Pod,involvedObject.uid={pod.metadata.uid}"

    def started():
        items = core.list_namespaced_event(NS, field_selector=selector).items
        return items if any(e.message == "Started container flux-sample" for e in items) else None

    events = wait_for(started, 30, 0.2, "the broker's Started event")
    by_reason = {}
    for e in events:
        by_reason.setdefault(e.reason, []).append(e)
    scheduled = by_reason["Scheduled"][0]
    assert scheduled.message == f"Successfully assigned {NS}/{pod.metadata.name} to fluxstate-demo"
    assert scheduled.reporting_component == "default-scheduler" and scheduled.action == "Binding"
    assert scheduled.event_time is not None and scheduled.first_timestamp is None and not scheduled.count
    kubelet = [e for e in events if e.source.component == "kubelet"]
    assert {e.source.host for e in kubelet} == {"fluxstate-demo"}
    assert all(e.count == 1 and e.first_timestamp == e.last_timestamp for e in kubelet)
    assert [(e.reason, e.involved_object.field_path) for e in kubelet][:3] == [
        ("Pulled", "spec.initContainers{flux-view}"), ("Created", "spec.initContainers{flux-view}"),
        ("Started", "spec.initContainers{flux-view}")]
    assert {e.message for e in by_reason["Pulled"]} == {
        f'Container image "{c.image}" already present on machine'
        for c in pod.spec.init_containers + pod.spec.containers}
    job_events = core.list_namespaced_event(NS, field_selector="involvedObject.kind=Job,reason=SuccessfulCreate")
    assert f"Created pod: {pod.metadata.name}" in {e.message for e in job_events.items}
    assert {e.source.component for e in job_events.items} == {"job-controller"}


def test_events_k8s_io_is_the_same_store(api):
    core, v1 = client.CoreV1Api(api), client.EventsV1Api(api)
    pod = broker_pod(core)
    listed = v1.list_namespaced_event(NS, field_selector=f"regarding.name={pod.metadata.name},reason=Scheduled")
    assert [(e.regarding.uid, e.reporting_controller) for e in listed.items] == [(pod.metadata.uid,
                                                                                   "default-scheduler")]
    one = core.list_namespaced_event(NS, field_selector="reason=SuccessfulCreate").items[0]
    # A legacy event has no eventTime: the apiserver sends null, which this client's model refuses
    # (kubernetes-client/python#1616), so it is read raw.
    same = json.loads(v1.read_namespaced_event(one.metadata.name, NS, _preload_content=False).data)
    assert (same["note"], same["deprecatedCount"], same["deprecatedSource"]["component"], same["eventTime"]) \
        == (one.message, 1, "job-controller", None)
    with pytest.raises(ApiException) as err:
        v1.list_namespaced_event(NS, field_selector="involvedObject.name=x")
    assert err.value.status == 400


def test_create_watch_and_validate(api):
    core, v1 = client.CoreV1Api(api), client.EventsV1Api(api)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    body = client.EventsV1Event(
        metadata=client.V1ObjectMeta(name="by-hand.1"), event_time=now, reporting_controller="example.com/tool",
        reporting_instance="tool-1", action="Checking", reason="Checked", type="Normal", note="all good",
        regarding=client.V1ObjectReference(kind="Pod", name="nobody", namespace=NS))
    created = v1.create_namespaced_event(NS, body)
    assert created.note == "all good"
    stored = core.read_namespaced_event("by-hand.1", NS)
    assert (stored.message, stored.reporting_component, stored.involved_object.name) == ("all good",
                                                                                          "example.com/tool", "nobody")
    body.metadata.name, body.reporting_controller = "by-hand.2", None
    with pytest.raises(ApiException) as err:
        v1.create_namespaced_event(NS, body)
    assert err.value.status == 422 and "reportingController: Required value" in err.value.body
    bad = client.CoreV1Event(metadata=client.V1ObjectMeta(name="wrong-ns.1"), reason="X", message="y",
                             involved_object=client.V1ObjectReference(kind="Pod", name="p", namespace="kube-system"))
    with pytest.raises(ApiException) as err:
        core.create_namespaced_event(NS, bad)
    assert err.value.status == 422 and "does not match event.namespace" in err.value.body
    seen = []
    for ev in watch.Watch().stream(core.list_namespaced_event, NS, field_selector="metadata.name=by-hand.1",
                                   timeout_seconds=2):
        seen.append((ev["type"], ev["object"].message))
        break
    assert seen == [("ADDED", "all good")]
    core.delete_namespaced_event("by-hand.1", NS)


def test_repeats_count_and_retention_bounds_the_store(monkeypatch):
    now = [1_000_000.0]
    store = Store(now=lambda: now[0])
    pod = store.create("pods", NS, {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}})
    rec = EventRecorder(store, "kubelet", "node")
    for _ in range(3):
        now[0] += 5
        rec.event(pod, "Warning", "BackOff", "Back-off restarting failed container c")
    (event,) = store.list("events")
    assert event["count"] == 3 and event["firstTimestamp"] != event["lastTimestamp"]
    monkeypatch.setattr(server_events, "MAX_EVENTS", 50)
    for i in range(80):
        rec.event(pod, "Normal", "Tick", f"tick {i}")
    assert store.count("events") == 50
    assert {e["message"] for e in store.list("events")} == {f"tick {i}" for i in range(30, 80)}
    now[0] += server_events.TTL + 1
    for i in range(server_events.Retention.CHECK_EVERY):
        rec.event(pod, "Normal", "Late", f"late {i}")
    assert {e["reason"] for e in store.list("events")} == {"Late"}


def test_kube_events_api(demo, api, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(demo.kubeconfig))
    pod = broker_pod(client.CoreV1Api(api))

    async def fetch():
        async with await KubeClient.connect(Target()) as kube:
            mine = await list_events(kube, kind="Pod", name=pod.metadata.name, namespace=NS, uid=pod.metadata.uid)
            job = await list_events(kube, kind="Job", name="flux-sample", namespace=NS)
            none = await list_events(kube, kind="MiniCluster", name="flux-sample", namespace=NS)
            return mine, job, none

    mine, job, none = asyncio.run(fetch())
    assert mine[0].reason == "Scheduled" and mine[0].source == "default-scheduler" and mine[0].count == 1
    assert [r.reason for r in mine[1:4]] == ["Pulled", "Created", "Started"]
    assert all(r.last_seen is not None and r.name == pod.metadata.name for r in mine)
    assert {r.reason for r in job} == {"SuccessfulCreate"} and none == []


def test_protobuf_body_from_kubectl():
    """The bytes kubectl 1.32 sends for `kubectl create namespace team-b` (from `kubectl -v=8`)."""
    body = bytes.fromhex("6b3873000a0f0a0276311209" "4e616d657370616365121e0a160a067465616d2d6212001a00220"
                         "02a003200380042001200" "1a020a001a002200")
    assert decode(body) == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}}
