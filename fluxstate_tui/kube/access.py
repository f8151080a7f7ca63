"""Checking permissions before acting (SelfSubjectAccessReview), so a workflow never stops half-way
because the user may delete a MiniCluster but not create one."""

from __future__ import annotations

from collections.abc import Iterable

from .client import KubeClient
from .errors import Forbidden, NotFound

MC_GROUP = "flux-framework.org"

# (verb, group, resource, subresource) each workflow needs.
EXEC = ("create", "", "pods", "exec")
# The lock every mutating workflow takes (kube/lease.py): read, create, renew, take over, release.
LEASE = [(verb, "coordination.k8s.io", "leases", "") for verb in ("get", "create", "update", "delete")]
NEEDS = {
    "pause": [EXEC, *LEASE],
    "resume": [EXEC, *LEASE],
    "dump": [EXEC, *LEASE],
    "archive": [EXEC, *LEASE],
    # Job actions (cancel, hold, release, urgency, kill) take no lock: they must work while a pause waits.
    "jobs": [EXEC],
    "queue": [EXEC, *LEASE],
    "nodes": [EXEC, *LEASE],
    "scale": [("patch", MC_GROUP, "miniclusters", "scale"), ("list", "", "pods", ""), *LEASE],
    # protect, unprotect and guard --release write the MiniCluster's metadata (annotation, finalizer)
    "protect": [("get", MC_GROUP, "miniclusters", ""), ("patch", MC_GROUP, "miniclusters", "")],
    "recreate": [("get", MC_GROUP, "miniclusters", ""), ("delete", MC_GROUP, "miniclusters", ""),
                 ("create", MC_GROUP, "miniclusters", ""), ("list", "", "pods", ""), EXEC,
                 ("get", "batch", "jobs", ""), ("get", "", "configmaps", ""), ("get", "", "services", ""),
                 *LEASE],
}


async def check(kube: KubeClient, namespace: str, needs: Iterable[tuple[str, str, str, str]]) -> None:
    """Raise Forbidden for the first thing the user may not do. Clusters without the
    authorization API (rare) are not checked; the request itself will say."""
    # start-up speed: the client loads on connecting, not with the modules the TUI draws with (kube/client.py)
    from kubernetes.aio import client as aclient

    api = aclient.AuthorizationV1Api(kube.api)
    for verb, group, resource, sub in needs:
        body = aclient.V1SelfSubjectAccessReview(
            api_version="authorization.k8s.io/v1", kind="SelfSubjectAccessReview",
            spec=aclient.V1SelfSubjectAccessReviewSpec(resource_attributes=aclient.V1ResourceAttributes(
                namespace=namespace, verb=verb, group=group, resource=resource, subresource=sub)))
        try:
            review = await kube.call(api.create_self_subject_access_review(body), verb="create",
                                     resource="selfsubjectaccessreviews")
        except NotFound:
            return
        except Exception as exc:  # noqa: BLE001  (an unanswerable review must not block the workflow)
            if "404" in str(exc):
                return
            raise
        status = review.status
        if status is None or not status.allowed:
            full = f"{resource}/{sub}" if sub else resource
            raise Forbidden(verb, full + (f".{group}" if group else ""), namespace,
                            (status.reason if status else "") or "")
