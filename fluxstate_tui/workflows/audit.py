"""The audit log: one JSON line for every action that changes a cluster, whoever started it.

`$XDG_STATE_HOME/fluxstate-tui/audit.jsonl` (default ~/.local/state/fluxstate-tui/audit.jsonl), one
object per line: time (epoch seconds, when the action started), duration, local user, host, pid, kube
context and server, namespace, MiniCluster, action, arguments, result (one line, or the action's own
summary), error (None on success) and outcome (ok, partial, refused, failed, interrupted).

The engine writes it (workflows call `audited` / `record`), so the CLI and the TUI record alike.
Each line is one os.write() to a file opened with O_APPEND: lines from several processes never
interleave, and a reader skips a damaged line without losing the others. The log must never stop an
action: if it cannot be written (read-only home, full disk), the action still runs and its result says
so (`AuditNote.error`), because refusing an urgent cancel over a log file would be worse than a gap.
A SIGKILL mid-action leaves no line: the line is written when the action ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import inspect
import json
import math
import os
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..kube.errors import Forbidden
from .events import Refused
from .journal import state_dir

MAX_LINE = 60_000       # bytes: a line stays one write() far below any filesystem's atomic size
MAX_LIST = 200          # items of a list argument kept before it is cut (the count is kept)
MAX_TEXT = 2000         # characters of a string kept
OUTCOMES = ("ok", "partial", "refused", "failed", "interrupted")


def audit_path() -> Path:
    return state_dir() / "audit.jsonl"


def local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container with an arbitrary uid)
        return f"uid {os.getuid()}"


def _bounded(value: Any, depth: int = 0) -> Any:
    """JSON-safe and bounded: long strings and lists are cut with a note, unknown objects become text."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + f"… ({len(value)} characters)"
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth > 4:
        return str(value)[:MAX_TEXT]
    if isinstance(value, dict):
        return {str(k): _bounded(v, depth + 1) for k, v in list(value.items())[:MAX_LIST]}
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        kept = [_bounded(v, depth + 1) for v in items[:MAX_LIST]]
        return kept + ([f"… and {len(items) - MAX_LIST} more"] if len(items) > MAX_LIST else [])
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return _bounded(to_json(), depth + 1)
    return str(value)[:MAX_TEXT]


@dataclass
class AuditEntry:
    """What one action did; filled in while it runs, written once when it ends."""

    action: str
    namespace: str
    minicluster: str
    context: str = ""
    server: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)
    result: Any = None
    error: str | None = None
    outcome: str = "ok"

    def to_json(self, ended: float) -> dict:
        return {"time": round(self.time, 3), "duration": round(max(0.0, ended - self.time), 3),
                "user": local_user(), "host": socket.gethostname(), "pid": os.getpid(),
                "context": self.context, "server": self.server, "namespace": self.namespace,
                "minicluster": self.minicluster, "action": self.action, "arguments": _bounded(self.arguments),
                "outcome": self.outcome, "result": _bounded(self.result), "error": self.error}


def encode(doc: dict) -> bytes:
    """One line of ASCII JSON (a control character or newline in any value is escaped), at most MAX_LINE
    bytes: arguments and result are dropped to a note before the line is cut."""
    line = json.dumps(doc, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    if len(line) >= MAX_LINE:
        doc = {**doc, "arguments": {"cut": f"{len(line)} bytes of arguments and result not kept"},
               "result": str(doc.get("result"))[:MAX_TEXT]}
        line = json.dumps(doc, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return (line + "\n").encode("ascii")


def append(doc: dict, path: Path | None = None) -> str | None:
    """Append one line; None when written, else why not (never raises)."""
    path = path or audit_path()
    try:
        data = encode(doc)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            written = os.write(fd, data)
        finally:
            os.close(fd)
        if written != len(data):
            return f"the audit log {path} took only {written} of {len(data)} bytes"
        return None
    except (OSError, ValueError, TypeError) as exc:
        return f"the audit log {path} could not be written: {getattr(exc, 'strerror', None) or exc}"


def record(entry: AuditEntry, path: Path | None = None) -> str | None:
    return append(entry.to_json(time.time()), path)


class AuditNote:
    """What `audited` yields: the entry to fill in, and after the block, whether it was written."""

    def __init__(self, entry: AuditEntry) -> None:
        self.entry = entry
        self.error: str | None = None


def _message(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc or type(exc).__name__)


@contextlib.asynccontextmanager
async def audited(entry: AuditEntry, warn: Callable[[str], None] | None = None,
                  path: Path | None = None) -> AsyncIterator[AuditNote]:
    """Run the block as `entry`'s action and write its line however the block ends (an exception's
    message becomes the error and is raised on). `warn` hears why a line could not be written."""
    note = AuditNote(entry)
    try:
        yield note
    except BaseException as exc:
        stopped = isinstance(exc, KeyboardInterrupt | asyncio.CancelledError | GeneratorExit)
        entry.error = "interrupted" if stopped else _message(exc)
        entry.outcome = ("refused" if isinstance(exc, Refused | Forbidden) else "interrupted" if stopped
                         else "failed")
        _write(note, warn, path)
        raise
    _write(note, warn, path)


def _write(note: AuditNote, warn: Callable[[str], None] | None, path: Path | None) -> None:
    note.error = record(note.entry, path)
    if note.error and warn is not None:
        warn(note.error)


# Parameters that name the target or are plumbing, not what the person asked for.
NOT_ARGUMENTS = frozenset(("kube", "mc", "progress", "name", "namespace", "journal_root"))


def call_entry(action: str, fn: Callable[..., Any], args: tuple, kwargs: dict, *, context: str, server: str,
               namespace: str, name: str) -> AuditEntry:
    """The entry for a workflow call `fn(*args, **kwargs)`: its arguments by parameter name."""
    try:
        bound = dict(inspect.signature(fn).bind_partial(*args, **kwargs).arguments)
    except TypeError:
        bound = dict(kwargs)
    arguments = {k: v for k, v in bound.items() if k not in NOT_ARGUMENTS and not callable(v)}
    return AuditEntry(action, namespace, name, context=context, server=server, arguments=arguments)


def settle(note: AuditNote, result: Any) -> None:
    """Record a finished action's result (a result object's own outcome, if it has one)."""
    note.entry.result = result
    outcome = getattr(result, "outcome", None)
    if outcome in OUTCOMES:
        note.entry.outcome = outcome


# ---- reading ------------------------------------------------------------------------------------

@dataclass
class AuditLog:
    entries: list[dict]
    damaged: int = 0          # lines that are not a JSON object (cut off, edited): skipped
    path: Path | None = None


def read(path: Path | None = None, since: float | None = None) -> AuditLog:
    """Every entry (oldest first), or those at or after `since` (epoch seconds). A missing file is an
    empty log; OSError for one that exists but cannot be read."""
    path = path or audit_path()
    log = AuditLog([], 0, path)
    if not path.exists():
        return log
    with open(path, "rb") as fh:
        for raw in _lines(fh):
            try:
                doc = json.loads(raw)
            except ValueError:
                log.damaged += 1
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("time"), int | float):
                log.damaged += 1
                continue
            if since is None or doc["time"] >= since:
                log.entries.append(doc)
    return log


def _lines(fh: Iterable[bytes]) -> Iterator[bytes]:
    for raw in fh:
        if raw.strip():
            yield raw
