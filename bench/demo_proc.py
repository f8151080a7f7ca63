"""A `fluxstate-tui demo-server` in a process of its own, for the benchmarks: its CPU is not ours (a real
cluster runs elsewhere), and it is started, waited on and stopped the same way by every bench.

    from demo_proc import DemoProcess

    with DemoProcess(seed_jobs=100_000, cores_per_node=1024) as demo:   # returns once `ready:` is printed
        demo.wait_running()          # flux-sample's pods Running (polled through the API, like kubectl)
        demo.wait_seeded()           # and all N seeded jobs in its instance (`flux jobs --stats-only`)
        demo.kubeconfig              # a Path, for Target(kubeconfig=str(demo.kubeconfig)) or kubectl
        demo.ready_s, demo.running_s # seconds from the launch to the `ready:` line / to the pods Running
        demo.kubectl_flux(["jobs", "-a", "-c", "0"])   # `kubectl exec` into the broker (None without kubectl)

The process is started with `sys.executable -m fluxstate_tui.cli` from this checkout (the worktree the
bench runs in, not an installed copy), and stopped with SIGTERM (then SIGKILL) by its own pid.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE, NAME = "default", "flux-sample"
VIEW = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket"


class DemoProcess:
    def __init__(self, *, seed_jobs: int = 0, speed: float = 1.0, cores_per_node: int | None = None,
                 extra: tuple[str, ...] = (), ready_timeout: float = 300.0) -> None:
        self.seed_jobs = seed_jobs
        self.speed = speed
        self.cores_per_node = cores_per_node
        self.extra = tuple(extra)
        self.ready_timeout = ready_timeout
        self.data_dir = Path(tempfile.mkdtemp(prefix="fluxstate-bench-"))
        self.kubeconfig: Path | None = None
        self.url: str | None = None
        self.proc: subprocess.Popen | None = None
        self.launched = 0.0
        self.ready_s: float | None = None
        self.running_s: float | None = None
        self._stderr: list[str] = []

    # ---- life ----------------------------------------------------------------------------------

    def start(self) -> DemoProcess:
        argv = [sys.executable, "-m", "fluxstate_tui.cli", "demo-server", "--seed-jobs", str(self.seed_jobs),
                "--speed", str(self.speed), "--data-dir", str(self.data_dir)]
        if self.cores_per_node:
            argv += ["--cores-per-node", str(self.cores_per_node)]
        argv += list(self.extra)
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.launched = time.perf_counter()
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        line = self._read_ready()
        self.ready_s = time.perf_counter() - self.launched
        fields = dict(part.split("=", 1) for part in line.split()[1:])
        self.kubeconfig, self.url = Path(fields["kubeconfig"]), fields["server"]
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        return self

    def _read_ready(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        result: list[str] = []

        def read() -> None:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                if line.startswith("ready:"):
                    result.append(line.strip())
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.ready_timeout)
        if not result:
            self.stop()
            raise RuntimeError(f"demo-server printed no ready line in {self.ready_timeout:g}s: "
                               + " | ".join(self._stderr[-5:]))
        return result[0]

    def _drain_stdout(self) -> None:
        for _ in self.proc.stdout:  # type: ignore[union-attr]
            pass

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self._stderr = (self._stderr + [line.rstrip()])[-50:]

    def stop(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> DemoProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss_mib(self) -> float:
        return rss_mib(self.pid)

    # ---- the API, as kubectl reads it ----------------------------------------------------------

    def get(self, path: str) -> dict:
        request = urllib.request.Request(self.url + path, headers={"Authorization": "Bearer fluxstate-demo"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def pods(self) -> list[dict]:
        return self.get(f"/api/v1/namespaces/{NAMESPACE}/pods")["items"]

    def flux_pods(self) -> list[dict]:
        return [p for p in self.pods() if p["metadata"].get("labels", {}).get("job-name") == NAME
                or p["metadata"]["name"].startswith(NAME + "-")]

    def broker_pod(self) -> str:
        names = sorted(p["metadata"]["name"] for p in self.flux_pods()
                       if p.get("status", {}).get("phase") == "Running")
        rank0 = [n for n in names if n.startswith(f"{NAME}-0")]
        if not rank0:
            raise RuntimeError(f"no Running broker pod of {NAME}: {names}")
        return rank0[0]

    def wait_running(self, timeout: float = 120.0, poll: float = 0.02) -> float:
        """Until every pod of flux-sample is Running and ready; seconds since the launch (also .running_s)."""
        end = time.perf_counter() + timeout
        while True:
            pods = self.flux_pods()
            if pods and all(p.get("status", {}).get("phase") == "Running" and _ready(p) for p in pods):
                self.running_s = time.perf_counter() - self.launched
                return self.running_s
            if time.perf_counter() > end:
                raise RuntimeError(f"{NAME}'s pods not Running in {timeout:g}s")
            time.sleep(poll)

    def wait_seeded(self, timeout: float = 120.0) -> float:
        """Until flux-sample's instance counts at least `seed_jobs` jobs (`flux jobs --stats-only` through
        kubectl; the `ready:` line comes before the seeding, and the pods can answer before it is over).
        Seconds since the launch. Without kubectl: waits for the pods only."""
        self.wait_running(timeout)
        if self.kubectl() is None:
            return time.perf_counter() - self.launched
        end = time.perf_counter() + timeout
        while True:
            out = self.kubectl_flux(["jobs", "--stats-only"], timeout=timeout)
            counts = [int(w) for w in (out.stdout.replace(",", " ").split() if out else []) if w.isdigit()]
            if sum(counts) >= self.seed_jobs:
                return time.perf_counter() - self.launched
            if time.perf_counter() > end:
                raise RuntimeError(f"flux-sample holds {sum(counts)} jobs, not {self.seed_jobs}, after {timeout:g}s")
            time.sleep(0.1)

    # ---- kubectl exec into the broker ----------------------------------------------------------

    def kubectl(self) -> str | None:
        return shutil.which("kubectl")

    def kubectl_flux(self, argv: list[str], timeout: float = 300.0) -> subprocess.CompletedProcess | None:
        """`kubectl exec` of `flux ARGV` in the broker pod (through flux proxy, as the TUI does); None
        when kubectl is missing."""
        return self.kubectl_shell(f"{VIEW} {shlex.join(['flux', *argv])}", timeout)

    def kubectl_shell(self, script: str, timeout: float = 300.0) -> subprocess.CompletedProcess | None:
        kubectl = self.kubectl()
        if kubectl is None:
            return None
        argv = [kubectl, "--kubeconfig", str(self.kubeconfig), "exec", "-n", NAMESPACE, self.broker_pod(),
                "--", "/bin/bash", "-c", script]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def _ready(pod: dict) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions) or not conditions


def rss_mib(pid: int | str = "self") -> float:
    """VmRSS of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_note() -> str:
    """The machine's load, for the printout: the benchmarks share 2 cores with whatever else runs."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"
