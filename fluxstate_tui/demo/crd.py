"""Admission for MiniClusters: the CRD's defaults and the checks that get a 422 before anything runs."""

from __future__ import annotations

import re

from .apiserver import ApiError

# Pod hostnames are `<name>-<index>`, so the name must be a DNS label with room for the index.
NAME_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
MAX_NAME = 56


def default_minicluster(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("size", 1)
    spec.setdefault("tasks", 1)
    spec.setdefault("interactive", False)
    spec.setdefault("deadlineSeconds", 31500000)
    flux = spec.setdefault("flux", {})
    container = flux.setdefault("container", {})
    container.setdefault("image", "ghcr.io/converged-computing/flux-view-ubuntu:tag-noble")
    container.setdefault("name", "flux-view")
    container.setdefault("mountPath", "/mnt/flux")
    flux.setdefault("connectTimeout", "5s")
    flux.setdefault("logLevel", 6)
    spec.setdefault("logging", {})
    containers = spec.get("containers")
    if isinstance(containers, list) and len(containers) == 1 and isinstance(containers[0], dict):
        containers[0]["runFlux"] = True


def _invalid(obj: dict, causes: list[tuple[str, str]]) -> ApiError:
    name = obj.get("metadata", {}).get("name", "")
    details = ", ".join(f"{field}: {message}" for field, message in causes)
    if len(causes) > 1:
        details = f"[{details}]"
    return ApiError(
        422,
        "Invalid",
        f'MiniCluster.flux-framework.org "{name}" is invalid: {details}',
        {
            "name": name,
            "group": "flux-framework.org",
            "kind": "MiniCluster",
            "causes": [{"reason": "FieldValueInvalid", "message": m, "field": f} for f, m in causes],
        },
    )


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return None


def validate_minicluster(obj: dict, old: dict | None) -> None:
    causes: list[tuple[str, str]] = []
    name = obj.get("metadata", {}).get("name", "")
    if old is None and (not NAME_RE.match(name) or len(name) > MAX_NAME):
        causes.append((
            "metadata.name",
            f'Invalid value: "{name}": a MiniCluster name must be a lowercase RFC 1123 label of at most '
            f"{MAX_NAME} characters (lower case alphanumeric characters or '-', starting with a letter and "
            "ending with an alphanumeric character)",
        ))
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        raise _invalid(obj, causes + [("spec", "Required value")])
    size = _as_int(spec.get("size"))
    if size is None:
        causes.append(("spec.size", f'Invalid value: "{spec.get("size")}": spec.size in body must be of type integer'))
    elif size < 1:
        causes.append(("spec.size", f"Invalid value: {size}: spec.size in body should be greater than or equal to 1"))
    max_size = spec.get("maxSize")
    if max_size is not None:
        m = _as_int(max_size)
        if m is None:
            causes.append(("spec.maxSize",
                           f'Invalid value: "{max_size}": spec.maxSize in body must be of type integer'))
        elif old is None and size is not None and m < size:
            causes.append(("spec.maxSize",
                           f"Invalid value: {m}: spec.maxSize must be greater than or equal to spec.size ({size})"))
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        causes.append(("spec.containers", "Required value"))
    else:
        runners = [c for c in containers if isinstance(c, dict) and c.get("runFlux")]
        if len(containers) > 1 and len(runners) != 1:
            causes.append(("spec.containers", "Invalid value: exactly one container must have runFlux: true"))
    archive = spec.get("archive")
    if archive is not None and (not isinstance(archive, dict) or not isinstance(archive.get("path", ""), str)):
        causes.append(("spec.archive.path", "Invalid value: spec.archive.path in body must be of type string"))
    if causes:
        raise _invalid(obj, causes)
