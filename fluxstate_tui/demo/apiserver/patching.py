"""Patches (JSON, merge, strategic, apply) and the scale subresource of stored objects."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError, field_invalid
from .events import View
from .patch import json_patch, merge_patch, strategic_merge_patch
from .resources import SCALE_PATHS, resource


class PatchMixin:
    """Part of Store (uses its get/create/_check_identity/_prepare/_store_modified)."""

    def scale_of(self, plural: str, obj: dict) -> dict:
        paths = SCALE_PATHS.get(plural)
        if paths is None:
            raise ApiError.unknown_url()

        def dig(path: tuple[str, ...]) -> Any:
            cur: Any = obj
            for p in path:
                cur = cur.get(p) if isinstance(cur, dict) else None
            return cur

        meta = obj["metadata"]
        scale = {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": int(dig(paths["spec"]) if dig(paths["spec"]) is not None else 1)},
            "status": {"replicas": int(dig(paths["status"]) or 0)},
        }
        selector = dig(paths["selector"])
        if selector:
            scale["status"]["selector"] = selector
        return scale

    def get_scale(self, plural: str, namespace: str | None, name: str) -> dict:
        return self.scale_of(plural, self._get_or_404(plural, namespace, name))

    def replace_scale(self, plural: str, namespace: str | None, name: str, scale: dict, dry_run: bool = False) -> dict:
        res = resource(plural)
        with self._lock:
            old = self._get_or_404(plural, namespace, name)
            rv = (scale.get("metadata") or {}).get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise ApiError.conflict(plural, name)
            replicas = (scale.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                raise ApiError.invalid("Scale", name, [
                    field_invalid("spec.replicas", replicas, "must be greater than or equal to 0")])
            new = copy.deepcopy(old)
            cur: dict = new
            path = SCALE_PATHS[plural]["spec"]
            for p in path[:-1]:
                cur = cur.setdefault(p, {})
            cur[path[-1]] = replicas
            self._prepare(plural, new, old)
            stored = self._store_modified(res, old, new, dry_run)
            return self.scale_of(plural, stored)

    # -- patch ------------------------------------------------------------------------------

    def patch(self, plural: str, namespace: str | None, name: str, body: Any, patch_type: str,
              subresource: str | None = None, dry_run: bool = False) -> dict:
        """Patch an object (or its `status` / `scale` subresource).

        For patch_type "apply" a missing object is created; the caller can tell from
        `metadata.resourceVersion`/the ADDED event, or use `apply()` which also says so."""
        return self.apply_patch(plural, namespace, name, body, patch_type, subresource, dry_run)[0]

    def apply_patch(self, plural: str, namespace: str | None, name: str, body: Any, patch_type: str,
                    subresource: str | None = None, dry_run: bool = False,
                    view: View | None = None) -> tuple[dict, bool]:
        """Like patch(); returns (object, created). With a view, the patch is in the view's shape."""
        res = resource(plural)
        if patch_type not in ("merge", "json", "strategic", "apply"):
            raise ApiError.unsupported_media_type(patch_type)
        if patch_type == "strategic" and res.custom:
            raise ApiError.unsupported_media_type(patch_type)
        with self._lock:
            old = self.get(plural, namespace, name)
            if old is None:
                if patch_type == "apply" and subresource is None:
                    if not isinstance(body, dict):
                        raise ApiError.bad_request("apply patch body must be an object")
                    obj = view.into(body) if view else copy.deepcopy(body)
                    meta = obj.setdefault("metadata", {})
                    if meta.get("name") and meta["name"] != name:
                        raise ApiError.bad_request(f"the name of the object ({meta['name']}) does not match "
                                                   f"the name on the URL ({name})")
                    meta["name"] = name
                    if res.has_status:
                        obj.pop("status", None)
                    return self.create(plural, namespace, obj, dry_run=dry_run), True
                raise ApiError.not_found(plural, name)
            if subresource == "scale":
                base = self.scale_of(plural, old)
            else:
                base = view.out(old) if view else old
            if patch_type == "json":
                patched = json_patch(base, body)
            elif not isinstance(body, dict):
                raise ApiError.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
            elif patch_type == "strategic":
                patched = strategic_merge_patch(base, body)
            else:
                patched = merge_patch(base, body)
            if not isinstance(patched, dict):
                raise ApiError.bad_request("the patched object is not a JSON object")
            if subresource == "scale":
                return self.replace_scale(plural, namespace, name, patched, dry_run=dry_run), False
            if view is not None:
                patched = view.into(patched)
            patched.setdefault("metadata", {})
            if not isinstance(patched["metadata"], dict):
                raise ApiError.bad_request("metadata must be an object")
            # A patch's resourceVersion is a precondition only if the patch itself sets it.
            if (not (isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion"))
                    and patch_type != "json"):
                patched["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            if subresource == "status":
                new = copy.deepcopy(old)
                probe = copy.deepcopy(patched)
                self._check_identity(res, old, probe, name)
                if "status" in patched:
                    new["status"] = patched["status"]
                else:
                    new.pop("status", None)
                return self._store_modified(res, old, new, dry_run), False
            if subresource is not None:
                raise ApiError.unknown_url()
            new = patched
            self._check_identity(res, old, new, name)
            self._keep_status(res, old, new)
            self._prepare(plural, new, old)
            if self._same(old, new):
                return copy.deepcopy(old), False
            return self._store_modified(res, old, new, dry_run), False
