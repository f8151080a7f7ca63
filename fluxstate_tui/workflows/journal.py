"""The workflow journal: every step and the saved manifest, on disk, written atomically.

Run a workflow again after a crash or a kill and it continues from the first step not marked done,
so a MiniCluster deleted by a half-finished recreate is always brought back.
Location: $XDG_STATE_HOME/fluxstate-tui/journal/ (default ~/.local/state/fluxstate-tui/journal/).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "fluxstate-tui"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "_"


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
    def load(cls, path: Path) -> Journal | None:
        try:
            return cls(path, json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except ValueError as exc:
            raise RuntimeError(f"the journal {path} is damaged ({exc}); move it away to start afresh") from exc

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

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w") as fh:
            json.dump(self.data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
