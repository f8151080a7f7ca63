"""JSON merge patch (RFC 7386, json-merge-patch), JSON patch (RFC 6902, jsonpatch) with the API
server's error answers, and a light strategic merge patch (no library does that one)."""

from __future__ import annotations

import copy
from typing import Any

import json_merge_patch
import jsonpatch
import jsonpointer

from .errors import ApiError


def drop_nulls(value: Any) -> Any:
    """The object as stored: null fields removed at every depth. The real server decodes a null
    field of a built-in kind as absent, and prunes it from a custom resource (no field of the
    MiniCluster schema is nullable); clients built from OpenAPI models send every unset field as null."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: returns the patched document (target is not modified)."""
    return json_merge_patch.merge(copy.deepcopy(target), copy.deepcopy(patch))


# -- RFC 6902 ---------------------------------------------------------------------------------

def _fail(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)


def _resolves(doc: Any, parts: list[str]) -> bool:
    try:
        jsonpointer.JsonPointer.from_parts(parts).resolve(doc)
    except jsonpointer.JsonPointerException:
        return False
    return True


def _missing(doc: Any, kind: str, path: str) -> ApiError:
    """The message the real server (evanphx/json-patch) gives for a path the document lacks."""
    if kind == "add":
        return _fail(f"add operation does not apply: doc is missing path: \"{path}\": missing value")
    parts = jsonpointer.JsonPointer(path).parts
    if kind == "remove" and parts and _resolves(doc, parts[:-1]):
        return _fail(f"doc is missing key: \"{path}\": missing value")
    return _fail(f"doc is missing path: \"{path}\": missing value")


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902: returns the patched document (doc is not modified)."""
    if not isinstance(ops, list):
        raise ApiError.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in copy.deepcopy(ops):
        if not isinstance(op, dict) or "op" not in op:
            raise ApiError.bad_request(f"invalid JSON patch operation: {op!r}")
        kind, path = op["op"], op.get("path")
        if path is None:
            raise ApiError.bad_request(f"invalid JSON patch operation, missing path: {op!r}")
        if kind not in ("add", "remove", "replace", "move", "copy", "test"):
            raise ApiError.bad_request(f"Unexpected kind: {kind}")
        if path and not path.startswith("/"):
            raise _fail(f"invalid JSON pointer: {path!r}")
        try:
            doc = jsonpatch.JsonPatch([op]).apply(doc, in_place=True)
        except jsonpatch.JsonPatchTestFailed:
            raise _fail(f"testing value {path} failed: test failed") from None
        except jsonpatch.InvalidJsonPatch:
            raise ApiError.bad_request(f"invalid JSON patch operation: {op!r}") from None
        except (jsonpatch.JsonPatchConflict, jsonpointer.JsonPointerException):
            if kind in ("move", "copy") and isinstance(op.get("from"), str):
                try:
                    jsonpointer.resolve_pointer(doc, op["from"])
                except jsonpointer.JsonPointerException:
                    raise _missing(doc, "remove" if kind == "move" else "get", op["from"]) from None
            raise _missing(doc, "add" if kind in ("add", "move", "copy") else kind, path) from None
    return doc


# -- strategic merge patch (light) -------------------------------------------------------------

# Merge keys of the list fields in built-in kinds we serve (k8s.io/api patchMergeKey tags).
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "mountPath", "ports": "containerPort", "conditions": "type",
    "imagePullSecrets": "name", "hostAliases": "ip", "podIPs": "ip", "containerStatuses": "name",
    "initContainerStatuses": "name", "ownerReferences": "uid", "envFrom": None,
}


def strategic_merge_patch(target: Any, patch: Any, field: str = "") -> Any:
    """Enough of the strategic merge patch for kubectl's apply of built-in kinds: maps merge,
    `$patch` directives are honoured, lists with a known merge key merge by that key, other lists
    are replaced, `$setElementOrder`/`$retainKeys`/`$deleteFromPrimitiveList` are handled or dropped."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$"):
            if key.startswith("$deleteFromPrimitiveList/"):
                name = key.split("/", 1)[1]
                if isinstance(result.get(name), list):
                    result[name] = [v for v in result[name] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(result.get(key), list) and MERGE_KEYS.get(key):
            result[key] = _merge_list(result[key], value, MERGE_KEYS[key], key)
        elif isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value, key)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = copy.deepcopy(value)
    if isinstance(retain, list):
        for key in list(result):
            if key not in retain:
                result.pop(key)
    return result


def _merge_list(current: list, patch: list, key: str, field: str) -> list:
    if not all(isinstance(i, dict) for i in current + patch):
        return copy.deepcopy(patch)
    out = copy.deepcopy(current)
    for item in patch:
        if item.get("$patch") == "replace":
            return [{k: v for k, v in i.items() if k != "$patch"} for i in patch if i.get("$patch") != "delete"]
        ident = item.get(key)
        idx = next((n for n, cur in enumerate(out) if cur.get(key) == ident), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(strategic_merge_patch({}, item, field))
        else:
            out[idx] = strategic_merge_patch(out[idx], item, field)
    return out
