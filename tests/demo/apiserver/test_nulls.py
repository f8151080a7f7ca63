"""Null fields: what clients built from OpenAPI models send for every unset field.

The real API server decodes a null field of a built-in kind as absent and prunes it from a custom
resource; a JSON merge patch's null still deletes."""

from __future__ import annotations

from fluxstate_tui.demo.apiserver import Store
from fluxstate_tui.demo.crd import default_minicluster, validate_minicluster


def _store() -> Store:
    store = Store()
    store.defaulters["miniclusters"] = default_minicluster
    store.validators["miniclusters"] = validate_minicluster
    return store


def test_nulls_are_not_stored_at_any_depth():
    body = {
        "apiVersion": "flux-framework.org/v1alpha2", "kind": "MiniCluster",
        "metadata": {"name": "sdk", "namespace": "default", "labels": None, "annotations": None, "uid": None},
        "spec": {"size": 2, "flux": None, "logging": None, "network": None, "archive": {"path": "/state/a.tar.gz"},
                 "containers": [{"image": "rockylinux:9", "commands": None, "resources": None,
                                 "volumes": {"data": {"path": "/state", "hostPath": "/data", "claimName": None}}}]},
        "status": None,
    }
    stored = _store().create("miniclusters", "default", body)
    assert stored["spec"]["flux"]["container"]["name"] == "flux-view"  # defaulted, as if never sent
    assert stored["spec"]["logging"] == {} and "network" not in stored["spec"]
    assert stored["spec"]["containers"][0] == {"image": "rockylinux:9", "runFlux": True,
                                               "volumes": {"data": {"path": "/state", "hostPath": "/data"}}}
    assert "labels" not in stored["metadata"] and stored["metadata"]["uid"]


def test_a_merge_patch_null_still_deletes():
    store = _store()
    store.create("configmaps", "default", {"metadata": {"name": "c", "labels": {"a": "1", "b": "2"}},
                                           "data": {"k": "v", "gone": None}})
    assert store.get("configmaps", "default", "c")["data"] == {"k": "v"}
    store.apply_patch("configmaps", "default", "c", {"metadata": {"labels": {"a": None}}}, "merge", None)
    assert store.get("configmaps", "default", "c")["metadata"]["labels"] == {"b": "2"}
