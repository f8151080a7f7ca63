"""The audit log: one JSON line per action, appended atomically, never in the way of the action."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fluxstate_tui.workflows import audit
from fluxstate_tui.workflows.events import Refused
from tests.conftest import REPO


def _entry(**kw) -> audit.AuditEntry:
    return audit.AuditEntry(kw.pop("action", "hold"), "default", "mc", context="ctx", server="http://s", **kw)


def test_a_line_holds_who_where_what_and_how_it_ended(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    async def act() -> None:
        async with audit.audited(_entry(arguments={"jobs": ["ƒ1"], "reason": "a\nb; $(x)"})) as note:
            audit.settle(note, {"outcome": "ok"})
        with pytest.raises(Refused):
            async with audit.audited(_entry(action="drain")):
                raise Refused("no such rank")

    asyncio.run(act())
    path = tmp_path / "fluxstate-tui" / "audit.jsonl"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and all(line.isascii() for line in lines)  # control characters escaped in JSON
    first, second = (json.loads(line) for line in lines[:2])
    assert first["arguments"]["reason"] == "a\nb; $(x)" and first["outcome"] == "ok" and first["error"] is None
    assert {k: first[k] for k in ("context", "server", "namespace", "minicluster", "action")} == {
        "context": "ctx", "server": "http://s", "namespace": "default", "minicluster": "mc", "action": "hold"}
    assert first["user"] and first["pid"] == os.getpid() and first["duration"] >= 0
    assert (second["action"], second["outcome"], second["error"]) == ("drain", "refused", "no such rank")
    log = audit.read()
    assert [e["action"] for e in log.entries] == ["hold", "drain"]
    assert audit.read(since=first["time"] + 3600).entries == []


def test_an_unwritable_log_warns_and_the_action_goes_on(tmp_path, monkeypatch):
    blocked = tmp_path / "state"
    blocked.write_text("a file where the directory should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked))
    warnings: list[str] = []
    ran = []

    async def act() -> audit.AuditNote:
        async with audit.audited(_entry(), warnings.append) as note:
            ran.append(True)
        return note

    note = asyncio.run(act())
    assert ran and note.error and "could not be written" in note.error and warnings == [note.error]


def test_damaged_lines_are_skipped_and_counted(tmp_path):
    path = tmp_path / "audit.jsonl"
    good = audit.encode({"time": 1.0, "action": "hold"})
    path.write_bytes(good + b'{"time": 2, "act\n' + b"[1, 2]\n" + b"\xff\xfe\n" + good)
    log = audit.read(path)
    assert (len(log.entries), log.damaged) == (2, 3)


def test_huge_arguments_keep_the_line_bounded():
    ids = [f"ƒ{i}" for i in range(100_000)]
    doc = _entry(arguments={"jobs": ids, "reason": "x" * 10**6}).to_json(0)
    line = audit.encode(doc)
    assert len(line) < audit.MAX_LINE and line.endswith(b"\n") and line.count(b"\n") == 1
    back = json.loads(line)
    assert back["arguments"]["jobs"][-1] == f"… and {100_000 - audit.MAX_LIST} more"


def _writer(path: str, n: int, tag: int) -> None:
    for i in range(n):
        assert audit.append({"time": float(i), "writer": tag, "pad": "y" * (i % 3000)}, Path(path)) is None


def test_concurrent_writers_never_interleave(tmp_path):
    path = tmp_path / "audit.jsonl"
    procs = [multiprocessing.Process(target=_writer, args=(str(path), 200, t)) for t in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    log = audit.read(path)
    assert log.damaged == 0 and len(log.entries) == 800
    assert sorted({e["writer"] for e in log.entries}) == [0, 1, 2, 3]


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=60, stdin=subprocess.DEVNULL)


def test_the_audit_command(tmp_path):
    path = tmp_path / "fluxstate-tui" / "audit.jsonl"
    path.parent.mkdir(parents=True)
    old = audit.encode({"time": 1000.0, "user": "alice", "action": "cancel", "namespace": "ns", "minicluster": "mc",
                        "context": "c", "outcome": "partial", "arguments": {"jobs": ["ƒ2"]}, "error": None,
                        "result": {"failed": {"ƒ2": "job is inactive"}}})
    new = audit.encode({"time": 1_500_000_000.0, "user": "bob", "action": "drain", "namespace": "ns",
                        "minicluster": "mc\x1b[31m", "outcome": "ok", "arguments": {"ranks": [1]}, "error": None})
    path.write_bytes(old + b"not json\n" + new)
    r = _cli(tmp_path, "audit")
    assert r.returncode == 0 and "1 damaged line(s)" in r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and "alice" in lines[0] and "partial" in lines[0] and "\x1b" not in r.stdout
    r = _cli(tmp_path, "audit", "--since", "2001-01-01", "--json")
    doc = json.loads(r.stdout)
    assert [e["user"] for e in doc["entries"]] == ["bob"] and doc["damaged"] == 1
    r = _cli(tmp_path, "audit", "--since", "1d")
    assert r.returncode == 0 and r.stdout == "" and "no audit entries in that time" in r.stderr
    for bad in ("yesterday", "nan", "inf", "1e30s"):
        r = _cli(tmp_path, "audit", "--since", bad)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (bad, r.stderr)
