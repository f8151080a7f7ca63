"""A tiny RBAC for the demo cluster: everything is allowed except what the user denies.

`demo-server --deny delete:miniclusters --deny create:pods/exec` makes those requests answer 403
exactly as a real apiserver would, and SelfSubjectAccessReview answers the same, so permission
checks and Forbidden errors can be seen and tested without a real cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ApiError

USER = "system:serviceaccount:default:fluxstate-demo"


class Policy:
    def __init__(self, denied: Iterable[str] = ()) -> None:
        self.denied: set[tuple[str, str]] = set()
        for rule in denied:
            verb, _, resource = rule.partition(":")
            if not verb or not resource:
                raise ValueError(f"a denial is VERB:RESOURCE (for example delete:miniclusters), not {rule!r}")
            self.denied.add((verb.strip(), resource.strip()))

    def allowed(self, verb: str, resource: str) -> bool:
        return not any((v in (verb, "*")) and (r in (resource, "*")) for v, r in self.denied)

    def check(self, verb: str, group: str, plural: str, sub: str | None, namespace: str | None,
              name: str | None) -> None:
        resource = f"{plural}/{sub}" if sub else plural
        if self.allowed(verb, resource):
            return
        gr = f"{plural}.{group}" if group else plural
        what = f'{gr} "{name}"' if name else gr
        where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
        raise ApiError(403, "Forbidden",
                       f'{what} is forbidden: User "{USER}" cannot {verb} resource "{resource}" in API group '
                       f'"{group}"{where}', {"name": name or "", "group": group, "kind": plural})

    def review(self, body: dict) -> dict:
        """A SelfSubjectAccessReview: the same answer the request itself would get."""
        attrs = (body.get("spec") or {}).get("resourceAttributes") or {}
        resource = attrs.get("resource", "")
        if attrs.get("subresource"):
            resource += "/" + attrs["subresource"]
        allowed = self.allowed(attrs.get("verb", ""), resource)
        out = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
               "metadata": {"creationTimestamp": None}, "spec": body.get("spec") or {},
               "status": {"allowed": allowed}}
        if not allowed:
            out["status"]["denied"] = True
            out["status"]["reason"] = f"denied by the demo cluster's --deny {attrs.get('verb')}:{resource}"
        return out


    def rules_review(self, body: dict, resources: Iterable[tuple[str, str]], verbs: list[str]) -> dict:
        """A SelfSubjectRulesReview: per served (group, resource), the verbs this policy allows."""
        rules = []
        for group, name in resources:
            allowed = [v for v in verbs if self.allowed(v, name)]
            if allowed:
                rules.append({"verbs": allowed, "apiGroups": [group], "resources": [name]})
        return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
                "metadata": {"creationTimestamp": None}, "spec": body.get("spec") or {},
                "status": {"resourceRules": rules,
                           "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis",
                                                                                       "/apis/*", "/healthz",
                                                                                       "/openapi/*", "/version"]}],
                           "incomplete": False}}


def self_subject_review() -> dict:
    """`kubectl auth whoami`: who the demo's one user is."""
    namespace = USER.split(":")[2]
    return {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
            "metadata": {"creationTimestamp": None},
            "status": {"userInfo": {"username": USER, "groups": ["system:serviceaccounts",
                                                                 f"system:serviceaccounts:{namespace}",
                                                                 "system:authenticated"]}}}


def verb_of(method: str, name: str | None, watch: bool) -> str:
    if method in ("GET", "HEAD"):
        return "watch" if watch else ("get" if name else "list")
    return {"POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete" if name else "deletecollection"}.get(method, method.lower())
