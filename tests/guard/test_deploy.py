"""deploy/guard.yaml: what the shipped manifest grants covers what the guard does."""

from __future__ import annotations

import yaml

from fluxstate_tui.kube import access
from tests.conftest import REPO


def test_the_cluster_role_covers_the_guard():
    docs = {d["kind"]: d for d in yaml.safe_load_all((REPO / "deploy" / "guard.yaml").read_text())}
    granted = {(group, resource, verb) for rule in docs["ClusterRole"]["rules"] for group in rule["apiGroups"]
               for resource in rule["resources"] for verb in rule["verbs"]}
    needs = {*access.NEEDS["pause"], *access.NEEDS["dump"], *access.NEEDS["protect"]}
    for verb, group, resource, sub in needs:
        assert (group, f"{resource}/{sub}" if sub else resource, verb) in granted, (verb, group, resource, sub)
    for verb in ("list", "watch", "patch"):  # kopf's watch, its finalizer and progress annotations
        assert ("flux-framework.org", "miniclusters", verb) in granted
    assert ("", "events", "create") in granted and ("", "pods", "list") in granted
    binding, deployment = docs["ClusterRoleBinding"], docs["Deployment"]
    account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account,
                                    "namespace": deployment["metadata"]["namespace"]}]
    assert "fluxstate-tui guard -A" in deployment["spec"]["template"]["spec"]["containers"][0]["args"][0]
