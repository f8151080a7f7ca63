"""The workflow journal: every step and the saved manifest, on disk, written atomically.

Run a workflow again after a crash or a kill and it continues from the first step not marked done,
so a MiniCluster deleted by a half-finished recreate is always brought back.
Location: $XDG_STATE_HOME/fluxstate-tui/journal/ (default ~/.local/state/fluxstate-tui/journal/), with
the saved manifest beside it as `<journal>.manifest.yaml`.

A journal is read only after it passes a schema check (`journal_problem`): a file that was truncated,
edited, or copied from another cluster must stop the recreate with one line that says which file and
what is wrong with it, never a KeyError half-way through, and never continue on the wrong MiniCluster.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from .events import WorkflowError

STATUSES = ("pending", "running", "done", "failed")
NUMBER = (int, float)
# key -> the JSON types it may have (None: null)
TOP = {"workflow": (str,), "target": (dict,), "params": (dict,), "steps": (dict,), "order": (list,),
       "started": NUMBER, "finished": (*NUMBER, type(None)), "result": (str, type(None)), "log": (list,)}
OPTIONAL = {"manifest": (dict,), "job_ids": (list,), "archive": (dict,), "assets": (dict,), "held": (dict,),
            "old_uid": (str,), "new_uid": (str,)}
TARGET_KEYS = ("server", "context", "namespace", "name")
TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", dict: "an object", list: "a list",
              bool: "true/false", type(None): "null"}


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "fluxstate-tui"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "_"


def manifest_beside(path: Path) -> Path:
    """Where a journal's saved manifest is written (kept when the journal is moved aside)."""
    return path.with_suffix(".manifest.yaml")


def journal_beside(manifest: Path) -> Path:
    name = manifest.name
    return manifest.with_name(name[: -len(".manifest.yaml")] + ".json") if name.endswith(".manifest.yaml") \
        else manifest.with_suffix(".json")


class JournalDamaged(WorkflowError):
    """The journal cannot be trusted: which file, how, and where the saved manifest is."""

    def __init__(self, path: Path, how: str, name: str | None = None) -> None:
        manifest = manifest_beside(path)
        text = f"the recreate journal {path} is damaged: {how}; move it aside to start afresh"
        if manifest.is_file():
            text += (f" (if {name or 'the MiniCluster'} was deleted, `fluxstate-tui recreate {name or 'NAME'} "
                     f"--from-manifest {manifest}` brings it back from the manifest saved beside it)")
        super().__init__(text, step="journal")
        self.path = path
        self.how = how


def _kind(value: Any) -> str:
    return TYPE_NAMES.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def read_json(path: Path) -> tuple[Any, str | None]:
    """(data, None), or (None, how it is damaged) for a file that is not a JSON document."""
    raw = path.read_bytes()
    if not raw.strip():
        return None, "it is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"it is not text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        if _cut_off(text):
            return None, f"it ends in the middle of the JSON (cut off after {len(raw)} bytes)"
        return None, f"it is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"


def _cut_off(text: str) -> bool:
    """Whether the text ends inside a string, object or list (a write that stopped half-way), as
    opposed to JSON that is wrong somewhere in its middle."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return in_string or depth > 0


def manifest_problem(manifest: Any, name: str | None = None) -> str | None:
    """Why `manifest` is not a MiniCluster this tool could create (None if it is one)."""
    if not isinstance(manifest, dict):
        return f"the manifest is {_kind(manifest)}, not an object"
    if manifest.get("kind") != "MiniCluster":
        return f"the manifest's kind is {_short(manifest.get('kind'))}, not \"MiniCluster\""
    api = manifest.get("apiVersion")
    if not isinstance(api, str) or not api.startswith("flux-framework.org/"):
        return f"the manifest's apiVersion is {_short(api)}, not flux-framework.org/..."
    meta = manifest.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta.get("name"):
        return "the manifest has no metadata.name"
    if name is not None and meta["name"] != name:
        return f"the manifest is of MiniCluster {meta['name']}, not {name}"
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        return "the manifest has no spec"
    size = spec.get("size", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        return f"the manifest's spec.size is {_short(size)}, not a whole number of at least 1"
    return None


def journal_problem(data: Any, steps: Collection[str], target: dict | None = None) -> str | None:
    """Why `data` is not a recreate journal that can be continued (None if it is one)."""
    if not isinstance(data, dict):
        return f"it holds {_kind(data)}, not a journal object"
    missing = [k for k in TOP if k not in data]
    if missing:
        return f"it lacks {', '.join(missing)}"
    for key, types in (*TOP.items(), *OPTIONAL.items()):
        if key in data and (not isinstance(data[key], types) or isinstance(data[key], bool)):
            return f"{key} is {_kind(data[key])} ({_short(data[key])}), not {TYPE_NAMES[types[0]]}"
    if data["workflow"] != "recreate":
        return f"its workflow is {_short(data['workflow'])}, not \"recreate\""
    for key in TARGET_KEYS:
        if not isinstance(data["target"].get(key), str):
            return f"target.{key} is missing or not a string"
    if target is not None and any(data["target"][k] != target[k] for k in TARGET_KEYS):
        t = data["target"]
        return (f"it is the journal of {t['namespace']}/{t['name']} at {t['server']} (context {t['context']}), "
                f"not of {target['namespace']}/{target['name']} at {target['server']}")
    params = data["params"]
    for key in ("size", "old_size"):
        value = params.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"params.{key} is {_short(value)}, not a whole number of at least 1"
    assets = params.get("assets", [])
    if not isinstance(assets, list) or not all(isinstance(a, str) for a in assets):
        return "params.assets is not a list of paths"
    order = data["order"]
    if not order or not all(isinstance(s, str) for s in order) or len(set(order)) != len(order):
        return "its order is not a list of distinct step names"
    unknown = [s for s in [*order, *data["steps"]] if s not in steps]
    if unknown:
        return f"it names a step {_short(unknown[0])} that a recreate does not have"
    for step, entry in data["steps"].items():
        if not isinstance(entry, dict) or entry.get("status") not in STATUSES:
            shown = entry.get("status") if isinstance(entry, dict) else entry
            return f"steps.{step} has status {_short(shown)}, not one of {', '.join(STATUSES)}"
    started = [s for s in order if (data["steps"].get(s) or {}).get("status", "pending") != "pending"]
    if any(s != "preflight" for s in started) and "manifest" not in data:
        return f"it has no saved manifest, yet its steps went past preflight (to {started[-1]})"
    if "manifest" in data:
        problem = manifest_problem(data["manifest"], data["target"]["name"])
        if problem:
            return problem
    ids = data.get("job_ids")
    if ids is not None and not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
        return "job_ids is not a list of job ids"
    if (data["steps"].get("dump") or {}).get("status") == "done" and ids is None:
        return "the dump is marked done but no job ids were recorded (nothing to verify the restore against)"
    return None


class Journal:
    """One workflow on one MiniCluster of one cluster (server URL + context)."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path = path
        self.data = data

    @staticmethod
    def path_for(server: str, context: str, namespace: str, name: str, root: Path | None = None) -> Path:
        root = root or state_dir() / "journal"
        return root / f"{_slug(context)}--{_slug(server)}--{_slug(namespace)}--{_slug(name)}.json"

    @classmethod
    def load(cls, path: Path, steps: Collection[str], target: dict | None = None) -> Journal | None:
        """The journal at `path`, None if there is none; JournalDamaged if it fails the schema."""
        name = target["name"] if target else None
        try:
            data, how = read_json(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalDamaged(path, f"it cannot be read ({exc.strerror or exc})", name) from None
        how = how or journal_problem(data, steps, target)
        if how:
            raise JournalDamaged(path, how, name)
        return cls(path, data)

    @classmethod
    def start(cls, path: Path, workflow: str, target: dict, params: dict, steps: list[str]) -> Journal:
        journal = cls(path, {
            "workflow": workflow, "target": target, "params": params,
            "steps": {s: {"status": "pending"} for s in steps},
            "order": steps, "started": time.time(), "finished": None, "result": None, "log": [],
        })
        journal.save()
        return journal

    @property
    def finished(self) -> bool:
        return self.data.get("finished") is not None

    @property
    def params(self) -> dict:
        return self.data["params"]

    @property
    def manifest_path(self) -> Path:
        return manifest_beside(self.path)

    def status(self, step: str) -> str:
        return self.data["steps"].get(step, {}).get("status", "pending")

    def done(self, step: str) -> bool:
        return self.status(step) == "done"

    def first_open_step(self) -> str | None:
        return next((s for s in self.data["order"] if not self.done(s)), None)

    def mark(self, step: str, status: str, detail: str = "") -> None:
        entry = self.data["steps"].setdefault(step, {})
        entry["status"] = status
        entry["at"] = time.time()
        if detail:
            entry["detail"] = detail
        self.save()

    def reopen(self, first: str, why: str) -> None:
        """Mark `first` and every step after it pending again: the world undid them (see recreate.recheck)."""
        order = self.data["order"]
        for step in order[order.index(first):]:
            self.data["steps"][step] = {"status": "pending", "at": time.time()}
        self.note(why)

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.save()

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def note(self, line: str) -> None:
        self.data.setdefault("log", []).append([time.time(), line])
        self.data["log"] = self.data["log"][-200:]
        self.save()

    def finish(self, result: str) -> None:
        self.data["finished"] = time.time()
        self.data["result"] = result
        self.save()

    def move_aside(self, why: str) -> Path:
        """Rename the journal (and its manifest) out of the way, keeping both for reference."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.path.with_name(f"{self.path.stem}.{why}-{stamp}.json")
        os.replace(self.path, target)
        return target

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w") as fh:
            json.dump(self.data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
