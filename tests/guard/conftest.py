"""A guard (`fluxstate-tui guard`) started as users start it, beside a demo server, and the helpers the
guard tests share."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fluxstate_tui.workflows import audit
from tests.conftest import REPO, DemoServer, wait_for


@dataclass
class Guard:
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int | None:
        self.proc.terminate()  # SIGTERM, as a Deployment stops it: kopf ends its handlers and closes its client
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def cli(server: DemoServer, state: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = dict(server.env, XDG_STATE_HOME=str(state))
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], env=env, cwd=REPO, input=input,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def start_guard(tmp_path: Path, state_home: Path) -> Iterator[Callable[..., Guard]]:
    guards: list[Guard] = []

    def start(server: DemoServer, *extra: str) -> Guard:
        log = tmp_path / f"guard{len(guards)}.log"
        env = dict(server.env, XDG_STATE_HOME=str(state_home))
        with open(log, "w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "guard", *extra], env=env, cwd=REPO,
                                    stdout=out, stderr=subprocess.STDOUT)
        guard = Guard(proc, log)
        guards.append(guard)
        wait_for(lambda: "Initial authentication has finished" in guard.output() or proc.poll() is not None,
                 what="the guard to start")
        assert proc.poll() is None, guard.output()
        return guard

    yield start
    for guard in guards:
        guard.stop()


def mc_json(server: DemoServer, name: str) -> dict | None:
    got = server.kubectl("get", "minicluster", name, "-o", "json", check=False)
    return json.loads(got.stdout) if got.returncode == 0 else None


def record(server: DemoServer, name: str) -> dict | None:
    obj = mc_json(server, name)
    text = ((obj or {}).get("metadata", {}).get("annotations") or {}).get("fluxstate-tui/guard-dump")
    return json.loads(text) if text else None


def event_reasons(server: DemoServer, name: str) -> list[str]:
    got = server.kubectl("get", "events", "--field-selector", f"involvedObject.name={name}", "-o", "json")
    items = sorted(json.loads(got.stdout)["items"], key=lambda e: e["metadata"]["resourceVersion"])
    return [e["reason"] for e in items if e.get("source", {}).get("component") == "fluxstate-tui-guard"]


def audit_lines(state: Path, action: str, name: str) -> list[dict]:
    return [e for e in audit.read(state / "fluxstate-tui" / "audit.jsonl").entries
            if e["action"] == action and e["minicluster"] == name]


def gone(server: DemoServer, name: str, timeout: float = 60) -> None:
    wait_for(lambda: mc_json(server, name) is None, timeout=timeout, what=f"{name} to be gone")


def finalizers(server: DemoServer, name: str) -> list[str]:
    return ((mc_json(server, name) or {}).get("metadata") or {}).get("finalizers") or []


def until(predicate: Callable[[], object], timeout: float = 60, what: str = "condition") -> object:
    return wait_for(predicate, timeout=timeout, interval=0.2, what=what)


MANIFEST = """
apiVersion: flux-framework.org/v1alpha2
kind: MiniCluster
metadata: {{name: {name}}}
spec:
  size: {size}
  interactive: true
  archive: {{path: {archive}}}
  containers:
    - image: rockylinux:9
      volumes: {{data: {{path: /state, hostPath: /data}}}}
"""


def create_at(server: DemoServer, name: str, size: int, archive: str) -> None:
    """A MiniCluster like tests/workflows' create_mc, with an archive path of the test's choosing."""
    server.kubectl("apply", "-f", "-", input=MANIFEST.format(name=name, size=size, archive=archive))
