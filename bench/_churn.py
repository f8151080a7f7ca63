"""Churn for the steady-state bench: batches of short jobs submitted into flux-sample every INTERVAL
seconds, by `kubectl exec … flux submit --cc 1-M sleep S`, from a process of its own (as a user or
another tool would submit: neither its CPU nor its forks are the TUI's).

    python bench/_churn.py KUBECONFIG POD PER_TICK INTERVAL SLEEP

prints one line per submitted job, `<time.time() when flux submit returned> <job id as printed>`,
until stdin closes or it is killed. `start_churn()` runs it and collects those lines in a thread.

Each job runs SLEEP seconds (the demo's clock, speed 1), so most are seen twice by the TUI: once
running (or already done) and once done; the bench counts the row changes each refresh really made.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

VIEW = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket"


def main(argv: list[str]) -> int:
    kubeconfig, pod, per_tick, interval, sleep = argv[0], argv[1], int(argv[2]), float(argv[3]), argv[4]
    script = f"{VIEW} flux submit --cc 1-{per_tick} --job-name=churn sleep {sleep}"
    cmd = ["kubectl", "--kubeconfig", kubeconfig, "exec", "-n", "default", pod, "-c", "flux-sample",
           "--", "/bin/bash", "-c", script]
    next_at = time.monotonic()
    while True:
        out = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8")
        done = time.time()
        if out.returncode != 0:
            print(f"# submit failed: {out.stderr.strip()[-200:]}", flush=True)
        print("\n".join(f"{done:.6f} {line.strip()}" for line in out.stdout.splitlines() if line.strip()),
              flush=True)
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))


@dataclass
class Churn:
    proc: subprocess.Popen
    submitted: list[tuple[float, str]] = field(default_factory=list)   # (wall time, job id as printed)
    failures: list[str] = field(default_factory=list)

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            if line.startswith("#"):
                self.failures.append(line.strip())
                continue
            stamp, _, jobid = line.strip().partition(" ")
            if jobid:
                self.submitted.append((float(stamp), jobid))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_churn(kubeconfig: str, pod: str, per_tick: int, interval: float, sleep: float) -> Churn:
    proc = subprocess.Popen([sys.executable, __file__, kubeconfig, pod, str(per_tick), str(interval), str(sleep)],
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, encoding="utf-8")
    churn = Churn(proc)
    threading.Thread(target=churn._read, daemon=True).start()
    return churn


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
