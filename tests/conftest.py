"""Shared fixtures: a demo server started the way users start it, and clients pointed at it."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FAST = "25"  # --speed for tests: pods come up in ~0.2 s, `sleep 25` jobs take a second


@dataclass
class DemoServer:
    proc: subprocess.Popen
    kubeconfig: Path
    url: str
    data_dir: Path
    env: dict[str, str]

    def kubectl(self, *args: str, input: str | None = None, check: bool = True,
                timeout: float = 60) -> subprocess.CompletedProcess:
        result = subprocess.run(["kubectl", *args], env=self.env, input=input, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_demo_server(data_dir: Path, *extra: str, timeout: float = 30) -> DemoServer:
    cmd = [sys.executable, "-m", "fluxstate_tui.cli", "demo-server", "--data-dir", str(data_dir), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            break
        if proc.poll() is not None:
            break
    if not line.startswith("ready: "):
        proc.kill()
        raise AssertionError(f"demo server did not start: {line!r} {proc.stderr.read()}")
    fields = dict(part.split("=", 1) for part in line.split()[1:])
    env = dict(os.environ)
    env["KUBECONFIG"] = fields["kubeconfig"]
    env["KUBECACHEDIR"] = str(data_dir / ".kube-cache")
    return DemoServer(proc, Path(fields["kubeconfig"]), fields["server"], data_dir, env)


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Journals and audit lines of workflows run in-process go to a temporary $XDG_STATE_HOME, never the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture
def demo_factory(tmp_path: Path) -> Iterator[Callable[..., DemoServer]]:
    servers: list[DemoServer] = []

    def factory(*extra: str) -> DemoServer:
        server = start_demo_server(tmp_path / f"demo{len(servers)}", *extra)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def empty_demo(demo_factory) -> DemoServer:
    return demo_factory("--empty", "--speed", FAST)


@pytest.fixture
def seeded_demo(demo_factory) -> DemoServer:
    return demo_factory("--speed", FAST)


def needs_kubectl() -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")


def wait_for(predicate: Callable[[], object], timeout: float = 30, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last value: {last!r})")
