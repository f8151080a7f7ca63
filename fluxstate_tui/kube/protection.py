"""What a MiniCluster's metadata says about its guard (pure reading; workflows/protect.py writes it).

`fluxstate-tui/protect: "true"` asks for protection; the finalizer `fluxstate-tui/guard` holds a
deleted MiniCluster until a guard has dumped its queue; `fluxstate-tui/guard-dump` is the record of
the last thing a guard (or a recreate, or a person's release) did about it: one JSON object with
time, uid, deletion (the deletionTimestamp it answers), outcome (dumping, ok, failed, released,
recreated), archive, jobs, running (jobs canceled at the idle timeout), reason and by.
"""

from __future__ import annotations

import json

from .resources import MiniCluster

PROTECT_KEY = "fluxstate-tui/protect"
FINALIZER = "fluxstate-tui/guard"
RECORD_KEY = "fluxstate-tui/guard-dump"
# kopf keeps its handlers' progress under this prefix (guard/operator.py); a saved manifest drops it
KOPF_PREFIX = "guard.fluxstate-tui"
OUTCOMES = ("dumping", "ok", "failed", "released", "recreated")


def meta_of(obj: dict) -> dict:
    return obj.get("metadata") or {}


def annotations_of(obj: dict) -> dict[str, str]:
    return meta_of(obj).get("annotations") or {}


def finalizers(obj: dict) -> list[str]:
    return list(meta_of(obj).get("finalizers") or [])


def is_protected(obj: dict) -> bool:
    return annotations_of(obj).get(PROTECT_KEY, "").strip().lower() == "true"


def holds(obj: dict) -> bool:
    """The guard's finalizer is on it: a delete waits for a guard."""
    return FINALIZER in finalizers(obj)


def wants_guard(obj: dict) -> bool:
    """What a guard handles: a protected MiniCluster, and one being deleted that the finalizer still holds
    (its protect annotation removed meanwhile must not let its queue go undumped)."""
    return is_protected(obj) or (bool(meta_of(obj).get("deletionTimestamp")) and holds(obj))


def read_record(obj: dict) -> dict | None:
    """The last guard record on the MiniCluster, or None; a damaged one says so rather than vanish."""
    text = annotations_of(obj).get(RECORD_KEY)
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or doc.get("outcome") not in OUTCOMES:
        return {"outcome": "failed", "reason": f"the {RECORD_KEY} annotation is damaged: {text[:200]!r}"}
    return doc


def answered(obj: dict) -> dict | None:
    """The record of a finished dump for this very deletion (same uid, same deletionTimestamp), if any:
    a second guard, or one restarted after it wrote it, must not dump again."""
    record = read_record(obj)
    meta = meta_of(obj)
    if (record and record.get("outcome") in ("ok", "recreated", "released") and record.get("uid") == meta.get("uid")
            and record.get("deletion") == meta.get("deletionTimestamp")):
        return record
    return None


def guard_status(mc: MiniCluster) -> dict | None:
    """What `ls --json` shows as `guard` (the TUI's hook too): None for a MiniCluster no guard concerns,
    else {protected, held, deleting, outcome, time, archive, jobs, running, reason} where outcome is
    the last record's for this MiniCluster (uid), or None if there is none yet."""
    obj = mc.raw
    record = read_record(obj)
    if record is not None and record.get("uid") not in (None, mc.uid):
        record = None  # carried over from a MiniCluster of the same name that was recreated
    if not is_protected(obj) and not holds(obj) and record is None:
        return None
    record = record or {}
    return {"protected": is_protected(obj), "held": holds(obj) and mc.deleting, "deleting": mc.deleting,
            "outcome": record.get("outcome"), "time": record.get("time"), "archive": record.get("archive"),
            "jobs": record.get("jobs"), "running": record.get("running") or [], "reason": record.get("reason")}


def guard_text(mc: MiniCluster) -> str:
    """One cell for `ls`: protected, dumping, kept (FAILED: why), released..."""
    status = guard_status(mc)
    if status is None:
        return "-"
    outcome = status["outcome"]
    if outcome == "failed" and status["held"]:
        return f"KEPT, dump failed: {status['reason']}"
    if outcome == "dumping" and status["held"]:
        return f"dumping since {status['time']}"
    if status["held"]:
        return "deleting: waits for a guard"
    return "protected" if status["protected"] else (outcome or "-")
