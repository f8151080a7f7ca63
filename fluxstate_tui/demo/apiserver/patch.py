"""RFC 7386 JSON merge patch, RFC 6902 JSON patch, and a light strategic merge patch."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: returns the patched document (target is not modified)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# -- RFC 6902 ---------------------------------------------------------------------------------

def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError(422, "Invalid", f"invalid JSON pointer: {path!r}")
    return [_unescape(t) for t in path[1:].split("/")]


def _fail(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)


def _parent(doc: Any, tokens: list[str], path: str) -> tuple[Any, str]:
    cur = doc
    for tok in tokens[:-1]:
        if isinstance(cur, dict):
            if tok not in cur:
                raise _fail(f"doc is missing path: \"{path}\": missing value")
            cur = cur[tok]
        elif isinstance(cur, list):
            try:
                cur = cur[int(tok)]
            except (ValueError, IndexError):
                raise _fail(f"doc is missing path: \"{path}\": missing value") from None
        else:
            raise _fail(f"doc is missing path: \"{path}\": missing value")
    return cur, tokens[-1]


def _get(doc: Any, path: str) -> Any:
    cur = doc
    for tok in _pointer(path):
        if isinstance(cur, dict) and tok in cur:
            cur = cur[tok]
        elif isinstance(cur, list) and tok.isdigit() and int(tok) < len(cur):
            cur = cur[int(tok)]
        else:
            raise _fail(f"doc is missing path: \"{path}\": missing value")
    return cur


def _remove(doc: Any, path: str) -> tuple[Any, Any]:
    tokens = _pointer(path)
    if not tokens:
        return None, doc
    parent, last = _parent(doc, tokens, path)
    if isinstance(parent, dict):
        if last not in parent:
            raise _fail(f"doc is missing key: \"{path}\": missing value")
        return doc, parent.pop(last)
    if isinstance(parent, list):
        if not last.isdigit() or int(last) >= len(parent):
            raise _fail(f"doc is missing key: \"{path}\": missing value")
        return doc, parent.pop(int(last))
    raise _fail(f"doc is missing path: \"{path}\": missing value")


def _add(doc: Any, path: str, value: Any) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent, last = _parent(doc, tokens, path)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                idx = int(last)
            except ValueError:
                raise _fail(f"add operation does not apply: doc is missing path: \"{path}\": missing value") from None
            if idx < 0 or idx > len(parent):
                raise _fail(f"add operation does not apply: doc is missing path: \"{path}\": missing value")
            parent.insert(idx, value)
    else:
        raise _fail(f"add operation does not apply: doc is missing path: \"{path}\": missing value")
    return doc


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902: returns the patched document (doc is not modified)."""
    if not isinstance(ops, list):
        raise ApiError.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise ApiError.bad_request(f"invalid JSON patch operation: {op!r}")
        kind, path = op["op"], op.get("path")
        if path is None:
            raise ApiError.bad_request(f"invalid JSON patch operation, missing path: {op!r}")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            doc, _ = _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            tokens = _pointer(path)
            if not tokens:
                doc = copy.deepcopy(op.get("value"))
            else:
                parent, last = _parent(doc, tokens, path)
                if isinstance(parent, list):
                    parent[int(last)] = copy.deepcopy(op.get("value"))
                else:
                    parent[last] = copy.deepcopy(op.get("value"))
        elif kind == "move":
            doc, value = _remove(doc, op["from"])
            doc = _add(doc, path, value)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise _fail(f"testing value {path} failed: test failed")
        else:
            raise ApiError.bad_request(f"Unexpected kind: {kind}")
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
