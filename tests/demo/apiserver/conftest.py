"""Fixtures: the demo API server in a background thread, a kubeconfig, clients and kubectl."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from fluxstate_tui.demo.apiserver import PodLogs, Store, make_app, serve
from fluxstate_tui.demo.proc import Stdin


async def fake_exec(namespace, pod, container, argv, stdin: Stdin, stdout, stderr) -> int:
    """Test scaffolding: a handful of commands."""
    cmd = argv[0]
    if cmd == "echo":
        await stdout((" ".join(argv[1:]) + "\n").encode())
        return 0
    if cmd == "false":
        await stderr(b"boom\n")
        return 1
    if cmd == "exit":
        return int(argv[1])
    if cmd == "cat":
        data = await stdin.read()
        await stdout(data)
        return 0
    if cmd == "both":
        await stdout(b"to-out\n")
        await stderr(b"to-err\n")
        return 0
    if cmd == "sleep":
        await asyncio.sleep(float(argv[1]))
        await stdout(b"slept\n")
        return 0
    if cmd == "big":
        await stdout(b"x" * int(argv[1]))
        return 0
    if cmd == "hostname":
        await stdout((pod["spec"].get("hostname", pod["metadata"]["name"]) + "\n").encode())
        return 0
    if cmd == "crash":
        raise RuntimeError("simulated failure")
    await stderr(f"{cmd}: command not found\n".encode())
    return 127


class ServerThread:
    def __init__(self) -> None:
        self.store = Store()
        self.logs = PodLogs()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner, self.port = self.run(serve(make_app(self.store, self.logs, fake_exec)))
        self.url = f"http://127.0.0.1:{self.port}"

    def run(self, coro, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def later(self, delay: float, fn, *args) -> None:
        """Run fn(*args) in the server's loop after delay seconds (a fake controller)."""
        self.loop.call_soon_threadsafe(lambda: self.loop.call_later(delay, fn, *args))

    def close(self) -> None:
        try:
            self.run(self.runner.cleanup(), timeout=15)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


def _make_pod(name: str, *, labels: dict | None = None, phase: str = "Running", containers=("flux-sample",),
             waiting: str | None = None, init: bool = True) -> dict:
    """A pod shaped like the flux-operator's, with all pydantic-required status fields."""
    spec = {"containers": [{"name": c, "image": "ghcr.io/flux-framework/flux-restful-api:latest"} for c in containers],
            "hostname": name.rsplit("-", 1)[0], "nodeName": "demo-node", "restartPolicy": "OnFailure"}
    if init:
        spec["initContainers"] = [{"name": "flux-view", "image": "ghcr.io/converged-computing/flux-view-rocky:tag-9"}]
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
    status = {
        "phase": phase,
        "podIP": "10.244.0.7",
        "containerStatuses": [
            {"name": c, "image": spec["containers"][0]["image"], "imageID": "", "ready": not waiting,
             "restartCount": 0, "started": not waiting, "state": state} for c in containers
        ],
    }
    if init:
        status["initContainerStatuses"] = [{"name": "flux-view", "image": "x", "imageID": "", "ready": True,
                                            "restartCount": 0,
                                            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": spec, "status": status}


@pytest.fixture(name="make_pod")
def make_pod_fixture():
    return _make_pod


@pytest.fixture
def server():
    srv = ServerThread()
    yield srv
    srv.close()


@pytest.fixture
def kubeconfig(server, tmp_path, monkeypatch) -> Path:
    cfg = {
        "apiVersion": "v1", "kind": "Config", "current-context": "demo",
        "clusters": [{"name": "demo", "cluster": {"server": server.url}}],
        "contexts": [{"name": "demo", "context": {"cluster": "demo", "user": "demo", "namespace": "default"}}],
        "users": [{"name": "demo", "user": {"token": "fake-token"}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(cfg))
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kubecache"))
    return path


@pytest.fixture
def api_client(kubeconfig):
    from kubernetes import config

    client = config.new_client_from_config(config_file=str(kubeconfig))
    yield client
    client.close()


KUBECTL = shutil.which("kubectl")


@pytest.fixture
def kubectl(kubeconfig, tmp_path):
    if KUBECTL is None:
        pytest.skip("kubectl is not installed")
    env = dict(os.environ)
    env.update({"KUBECONFIG": str(kubeconfig), "KUBECACHEDIR": str(tmp_path / "kubecache"), "HOME": str(tmp_path)})
    for k in ("CLOUDSDK_CONFIG",):
        env.pop(k, None)

    def run(*args: str, input: str | None = None, timeout: float = 30,
            check: bool = False) -> subprocess.CompletedProcess:
        proc = subprocess.run([KUBECTL, *args], input=input, capture_output=True, text=True, timeout=timeout, env=env)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run
