"""`/version`, legacy and aggregated discovery, and the minimal `/openapi/v3` documents."""

from __future__ import annotations

import hashlib
import json

from .resources import ALL_VERBS, Resource, group_versions, resources_in

VERSION = {
    "major": "1",
    "minor": "32",  # picks the kubectl-dispatcher's built-in kubectl 1.32
    "gitVersion": "v1.32.5",
    "gitCommit": "9894294ef13a5b32803e3ca2c0d620a088cc84d1",
    "gitTreeState": "clean",
    "buildDate": "2025-05-15T00:00:00Z",
    "goVersion": "go1.23.8",
    "compiler": "gc",
    "platform": "linux/amd64",
}

AGGREGATED_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def wants_aggregated(accept: str) -> str | None:
    """The aggregated discovery version the Accept header asks for (v2 or v2beta1), else None."""
    for part in accept.split(","):
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in part.split(";")[1:])}
        if params.get("as") == "APIGroupDiscoveryList" and params.get("g") == "apidiscovery.k8s.io":
            if params.get("v") in ("v2", "v2beta1"):
                return params["v"]
    return None


def api_versions(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _gv(group: str, version: str) -> dict:
    return {"groupVersion": f"{group}/{version}", "version": version}


def api_group(group: str) -> dict | None:
    versions = [v for g, v in group_versions() if g == group and g]
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": [_gv(group, v) for v in versions],
            "preferredVersion": _gv(group, versions[0])}


def api_group_list() -> dict:
    groups = []
    for group, _ in group_versions():
        if group and not any(g["name"] == group for g in groups):
            body = api_group(group)
            groups.append({k: body[k] for k in ("name", "versions", "preferredVersion")})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _resource_entry(res: Resource) -> dict:
    entry = {"name": res.plural, "singularName": res.singular, "namespaced": res.namespaced, "kind": res.kind,
             "verbs": list(ALL_VERBS_FOR(res))}
    if res.short_names:
        entry["shortNames"] = list(res.short_names)
    if res.categories:
        entry["categories"] = list(res.categories)
    return entry


def ALL_VERBS_FOR(res: Resource) -> list[str]:
    return ALL_VERBS


def api_resource_list(group: str, version: str) -> dict | None:
    resources = resources_in(group, version)
    if not resources:
        return None
    out = []
    for res in resources:
        out.append(_resource_entry(res))
        for sub, (g, v, kind, verbs) in res.subresources.items():
            e = {"name": f"{res.plural}/{sub}", "singularName": "", "namespaced": res.namespaced, "kind": kind,
                 "verbs": list(verbs)}
            if (g, v) != (res.group, res.version):
                e["group"], e["version"] = g, v
            out.append(e)
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}


def _aggregated_resource(res: Resource) -> dict:
    entry = {
        "resource": res.plural,
        "responseKind": {"group": res.group, "version": res.version, "kind": res.kind},
        "scope": "Namespaced" if res.namespaced else "Cluster",
        "singularResource": res.singular,
        "verbs": list(ALL_VERBS_FOR(res)),
    }
    if res.short_names:
        entry["shortNames"] = list(res.short_names)
    if res.categories:
        entry["categories"] = list(res.categories)
    if res.subresources:
        entry["subresources"] = [
            {"subresource": sub, "responseKind": {"group": g, "version": v, "kind": kind}, "verbs": list(verbs)}
            for sub, (g, v, kind, verbs) in res.subresources.items()
        ]
    return entry


def aggregated(legacy: bool, version: str = "v2") -> dict:
    """APIGroupDiscoveryList for `/api` (legacy=True) or `/apis`."""
    items = []
    for group, ver in group_versions():
        if bool(group) == legacy:
            continue
        entry = {"version": ver, "resources": [_aggregated_resource(r) for r in resources_in(group, ver)],
                 "freshness": "Current"}
        existing = next((i for i in items if i["metadata"].get("name", "") == group), None)
        if existing:
            existing["versions"].append(entry)
            continue
        meta = {"creationTimestamp": None}
        if group:
            meta = {"name": group, "creationTimestamp": None}
        items.append({"metadata": meta, "versions": [entry]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}", "metadata": {},
            "items": items}


# -- OpenAPI v3 -------------------------------------------------------------------------------

def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def openapi_doc(group: str, version: str) -> dict | None:
    resources = resources_in(group, version)
    if not resources:
        return None
    paths = {}
    q = {"type": "string", "uniqueItems": True}
    for res in resources:
        item = (f"/{_gv_path(group, version)}/namespaces/{{namespace}}/{res.plural}/{{name}}" if res.namespaced
                else f"/{_gv_path(group, version)}/{res.plural}/{{name}}")
        content = {"application/json-patch+json": {"schema": {"type": "object"}},
                   "application/merge-patch+json": {"schema": {"type": "object"}},
                   "application/apply-patch+yaml": {"schema": {"type": "object"}}}
        if not res.custom:
            content["application/strategic-merge-patch+json"] = {"schema": {"type": "object"}}
        gvk = {"group": res.group, "version": res.version, "kind": res.kind}
        params = [{"name": n, "in": "query", "schema": q}
                  for n in ("dryRun", "fieldManager", "fieldValidation", "force")]
        paths[item] = {
            "patch": {
                "operationId": f"patch{'Namespaced' if res.namespaced else ''}{res.kind}",
                "parameters": params,
                "requestBody": {"required": True, "content": content},
                "responses": {"200": {"description": "OK",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
            },
        }
        collection = item.rsplit("/", 1)[0]
        paths[collection] = {
            "post": {
                "operationId": f"create{'Namespaced' if res.namespaced else ''}{res.kind}",
                "parameters": [{"name": n, "in": "query", "schema": q}
                               for n in ("dryRun", "fieldManager", "fieldValidation")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"201": {"description": "Created",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
                "x-kubernetes-action": "post",
                "x-kubernetes-group-version-kind": gvk,
            },
        }
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": VERSION["gitVersion"]},
            "components": {"schemas": {}}, "paths": paths}


def _hash(doc: dict) -> str:
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:64].upper()


def openapi_root() -> dict:
    paths = {}
    for group, version in group_versions():
        doc = openapi_doc(group, version)
        p = _gv_path(group, version)
        paths[p] = {"serverRelativeURL": f"/openapi/v3/{p}?hash={_hash(doc)}"}
    return {"paths": paths}
