"""Finalizers on an object being deleted, as the apiserver's ObjectMeta update validation has them.

An object with a deletionTimestamp may still be updated (a controller records what it did, removes its
own finalizer), and it goes when its last finalizer does (store.py `_store_modified`); but no new
finalizer may be added, else a deletion could be put off forever: 422 Invalid, field
metadata.finalizers, with the message of k8s.io/apimachinery's ValidateNoNewFinalizers.
"""

from __future__ import annotations

import json

from .errors import ApiError


def check_no_new_finalizers(kind: str, old: dict, new: dict) -> None:
    if not old["metadata"].get("deletionTimestamp"):
        return
    added = sorted(set(new["metadata"].get("finalizers") or []) - set(old["metadata"].get("finalizers") or []))
    if added:
        go = "[]string{" + ", ".join(json.dumps(f) for f in added) + "}"  # Go's %#v of a []string
        raise ApiError.invalid(kind, old["metadata"]["name"], [{
            "reason": "FieldValueForbidden", "field": "metadata.finalizers",
            "message": f"Forbidden: no new finalizers can be added if the object is being deleted, "
                       f"found new finalizers {go}"}])
