"""Finalizers and deletionTimestamp as a real API server has them: a delete of an object with
finalizers marks it and answers 200 with it, later writes may change it but add no finalizer, it goes
when its last finalizer does (watch: MODIFIED, then DELETED), and garbage collection of its dependents
waits until it is really gone."""

from __future__ import annotations

import json
import subprocess

import pytest
from kubernetes import client, config

from fluxstate_tui.demo.apiserver import ApiError, Store
from fluxstate_tui.demo.controllers import GarbageCollector
from tests.conftest import needs_kubectl

MC = {"apiVersion": "flux-framework.org/v1alpha2", "kind": "MiniCluster",
      "metadata": {"name": "kept", "finalizers": ["fluxstate-tui/guard"]}, "spec": {"size": 1}}


def events_of(store: Store) -> list[tuple[str, str, str | None]]:
    seen: list[tuple[str, str, str | None]] = []
    store.add_listener(lambda kind, plural, obj: seen.append((kind, plural, obj["metadata"].get("deletionTimestamp"))))
    return seen


def test_delete_marks_then_last_finalizer_removes():
    store = Store()
    store.create("miniclusters", "default", MC)
    seen = events_of(store)
    marked = store.delete("miniclusters", "default", "kept")
    meta = marked["metadata"]
    assert meta["deletionTimestamp"] and meta["deletionGracePeriodSeconds"] == 0
    assert meta["finalizers"] == ["fluxstate-tui/guard"]
    # still there, and still writable: a controller records what it did on it
    store.patch("miniclusters", "default", "kept", {"metadata": {"annotations": {"done": "yes"}}}, "merge")
    assert store.get("miniclusters", "default", "kept")["metadata"]["annotations"] == {"done": "yes"}
    # a second delete changes nothing
    assert store.delete("miniclusters", "default", "kept")["metadata"]["deletionTimestamp"] == meta["deletionTimestamp"]
    store.patch("miniclusters", "default", "kept", {"metadata": {"finalizers": None}}, "merge")
    assert store.get("miniclusters", "default", "kept") is None
    assert [(k, d is not None) for k, p, d in seen if p == "miniclusters"] == [
        ("MODIFIED", True), ("MODIFIED", True), ("DELETED", True)]


@pytest.mark.parametrize("how", ["merge", "json", "replace"])
def test_no_new_finalizer_on_an_object_being_deleted(how):
    store = Store()
    store.create("miniclusters", "default", MC)
    store.delete("miniclusters", "default", "kept")
    with pytest.raises(ApiError) as err:
        if how == "merge":
            store.patch("miniclusters", "default", "kept",
                        {"metadata": {"finalizers": ["fluxstate-tui/guard", "a/b", "c/d"]}}, "merge")
        elif how == "json":
            store.patch("miniclusters", "default", "kept",
                        [{"op": "add", "path": "/metadata/finalizers/-", "value": "a/b"}], "json")
        else:
            obj = store.get("miniclusters", "default", "kept")
            obj["metadata"]["finalizers"].append("a/b")
            store.replace("miniclusters", "default", "kept", obj)
    assert err.value.code == 422 and err.value.reason == "Invalid"
    assert err.value.message.startswith('MiniCluster.flux-framework.org "kept" is invalid: metadata.finalizers: '
                                        "Forbidden: no new finalizers can be added if the object is being deleted, "
                                        'found new finalizers []string{"a/b"')
    assert err.value.details["causes"][0]["reason"] == "FieldValueForbidden"
    # removing one, or keeping the same list, is fine
    store.patch("miniclusters", "default", "kept", {"metadata": {"labels": {"x": "y"}}}, "merge")


def test_new_finalizers_are_fine_before_the_delete():
    store = Store()
    store.create("miniclusters", "default", {**MC, "metadata": {"name": "kept"}})
    store.patch("miniclusters", "default", "kept", {"metadata": {"finalizers": ["a/b"]}}, "merge")
    assert store.get("miniclusters", "default", "kept")["metadata"]["finalizers"] == ["a/b"]


def test_dependents_wait_until_the_owner_is_really_gone():
    store = Store()
    owner = store.create("miniclusters", "default", MC)
    ref = {"apiVersion": "flux-framework.org/v1alpha2", "kind": "MiniCluster", "name": "kept",
           "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    store.create("configmaps", "default", {"metadata": {"name": "kept-entrypoint", "ownerReferences": [ref]}})
    gc = GarbageCollector(store)
    store.delete("miniclusters", "default", "kept", propagation="Background")
    for _ in range(3):
        gc.reconcile()
    assert store.get("configmaps", "default", "kept-entrypoint") is not None  # its owner is still there
    store.patch("miniclusters", "default", "kept", {"metadata": {"finalizers": []}}, "merge")
    gc.reconcile()
    assert store.get("configmaps", "default", "kept-entrypoint") is None


@needs_kubectl()
def test_kubectl_sees_the_refusal_and_waits(server, kubeconfig, tmp_path):
    api = config.new_client_from_config(config_file=str(kubeconfig))
    custom = client.CustomObjectsApi(api)
    gvp = dict(group="flux-framework.org", version="v1alpha2", plural="miniclusters")
    custom.create_namespaced_custom_object(namespace="default", body=json.loads(json.dumps(MC)), **gvp)
    env = {"KUBECONFIG": str(kubeconfig), "KUBECACHEDIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}

    def kubectl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, timeout=60)

    # the official client: 200 with the object, marked
    body = custom.delete_namespaced_custom_object(namespace="default", name="kept", **gvp)
    assert body["metadata"]["deletionTimestamp"] and body["kind"] == "MiniCluster"
    refused = kubectl("patch", "minicluster", "kept", "--type=merge", "-p",
                      '{"metadata":{"finalizers":["fluxstate-tui/guard","x/y"]}}')
    assert refused.returncode == 1
    assert "no new finalizers can be added if the object is being deleted" in refused.stderr
    waited = kubectl("delete", "minicluster", "kept", "--timeout=2s")
    assert waited.returncode == 1 and "timed out waiting" in waited.stderr
    assert kubectl("get", "minicluster", "kept").returncode == 0
