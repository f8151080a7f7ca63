"""Label selectors (the `labelSelector=` grammar) and field selectors."""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import ApiError
from .events import CORE_FIELDS

LabelPredicate = Callable[[dict], bool]

_KEY = r"[A-Za-z0-9./_-]+"
_VALUE = r"[A-Za-z0-9._-]*"


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _requirement(req: str) -> Callable[[dict], bool]:
    m = re.fullmatch(rf"({_KEY})\s+(in|notin)\s+\(\s*([^)]*)\)", req)
    if m:
        key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
        if op == "in":
            return lambda labels: key in labels and labels[key] in values
        return lambda labels: key not in labels or labels[key] not in values
    m = re.fullmatch(rf"({_KEY})\s*(==|!=|=)\s*({_VALUE})", req)
    if m:
        key, op, value = m.group(1), m.group(2), m.group(3)
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: key in labels and labels[key] == value
    m = re.fullmatch(rf"!\s*({_KEY})", req)
    if m:
        key = m.group(1)
        return lambda labels: key not in labels
    m = re.fullmatch(rf"({_KEY})", req)
    if m:
        key = m.group(1)
        return lambda labels: key in labels
    raise ApiError.bad_request(f"unable to parse requirement: found '{req}', expected: identifier")


def parse_label_selector(selector: str | None) -> LabelPredicate:
    """A predicate over an object's `metadata.labels` dict (the object itself is passed)."""
    if not selector or not selector.strip():
        return lambda obj: True
    reqs = [_requirement(r) for r in _split_top(selector)]

    def match(obj: dict) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(r(labels) for r in reqs)

    return match


def matches_labels(selector: str | None, labels: dict) -> bool:
    return parse_label_selector(selector)({"metadata": {"labels": labels}})


# Fields each kind supports in fieldSelector (besides metadata.name / metadata.namespace).
FIELDS: dict[str, tuple[str, ...]] = {
    "pods": ("status.phase", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
             "spec.serviceAccountName", "spec.hostNetwork", "status.podIP", "status.nominatedNodeName"),
    "namespaces": ("status.phase",),
    "jobs": ("status.successful",),
    "persistentvolumeclaims": ("status.phase",),
    "persistentvolumes": ("status.phase",),
    "services": ("spec.clusterIP", "spec.type"),
    "events": CORE_FIELDS,
}
# A field label that names another path of the object (an event's `source` is its source.component).
FIELD_PATHS = {("events", "source"): "source.component"}


def _field_value(obj: dict, path: str) -> str:
    cur: object = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def parse_field_selector(selector: str | None, plural: str = "") -> Callable[[dict], bool]:
    if not selector or not selector.strip():
        return lambda obj: True
    allowed = ("metadata.name", "metadata.namespace") + FIELDS.get(plural, ())
    reqs = []
    for req in _split_top(selector):
        m = re.fullmatch(r"([A-Za-z0-9._-]+)\s*(==|!=|=)\s*(.*)", req)
        if not m:
            raise ApiError.bad_request(f"invalid selector: '{selector}'; can't understand '{req}'")
        path, op, value = m.group(1), m.group(2), m.group(3).strip()
        if path not in allowed:
            raise ApiError.bad_request(f'field label not supported: {path}')
        reqs.append((FIELD_PATHS.get((plural, path), path), op == "!=", value))

    def match(obj: dict) -> bool:
        for path, negate, value in reqs:
            if (_field_value(obj, path) == value) == negate:
                return False
        return True

    return match


def make_filter(plural: str, label_selector: str | None, field_selector: str | None) -> Callable[[dict], bool]:
    lab = parse_label_selector(label_selector)
    fld = parse_field_selector(field_selector, plural)
    return lambda obj: lab(obj) and fld(obj)
