"""`fluxstate-tui jobs flux-sample -c 0 --json` and `status flux-sample` at 1k/10k/100k jobs: wall time,
peak RSS, the output's size and RSS / output, beside the raw `kubectl exec … flux jobs -a -c 0` in the same
run (the read no listing can beat).

    .venv/bin/python bench/cli_jobs.py [--sizes 1000,10000,100000] [--runs 3] [--before DIR]

One `demo-server --seed-jobs N` per size. Each command runs as a subprocess of this one (`python -m
fluxstate_tui.cli`, from this checkout, or from DIR with --before: a worktree of an older commit, measured
in the same run); its peak RSS is its own (`os.wait4`), its output is read through a pipe and counted.
Figures are medians of --runs. `measure(n, kubeconfig)` gives one size's figures (bench/report.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MC = "flux-sample"
RAW = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux jobs -a -c 0"


TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)


def run_counted(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int, int]:
    """(seconds, peak RSS in MiB, bytes on stdout, exit code) of one command; stdout is read and dropped.

    The peak is GNU time's %M where it is installed: a child's own ru_maxrss on Linux starts from its
    parent's RSS at the fork (the high-water mark is carried over the exec), so a bench that already
    holds 400 MiB would see every command it runs at 400 MiB. Without GNU time, that is what is shown."""
    with tempfile.NamedTemporaryFile("r") as peak:
        prefix = [TIME, "-o", peak.name, "-f", "%M"] if TIME else []
        t0 = time.perf_counter()
        proc = subprocess.Popen(prefix + argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        assert proc.stdout is not None
        size = 0
        fd = proc.stdout.fileno()
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait for it again
        proc.stdout.close()
        text = peak.read().strip().splitlines()
        kib = int(text[-1]) if TIME and text and text[-1].isdigit() else usage.ru_maxrss
    return seconds, kib / 1024, size, proc.returncode


def _cli(*args: str) -> list[str]:
    """The CLI of the checkout it is run in (its cwd: `-m` imports from there)."""
    return [sys.executable, "-m", "fluxstate_tui.cli", *args]


def broker_pod(env: dict[str, str]) -> str:
    out = subprocess.run(["kubectl", "get", "pods", "-l", f"hpa-selector={MC},job-index=0", "-o", "name"],
                         env=env, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    return out[0].removeprefix("pod/")


def measure(n: int, kubeconfig: str, runs: int = 3, checkout: Path = REPO) -> dict[str, float]:
    """One size's figures (medians of `runs`) against a demo whose flux-sample holds `n` seeded jobs:
    jobs_s, jobs_rss_mib, jobs_out_mib, jobs_rss_per_out, jobs_fixed_rss_mib (`-c 1`: no rows),
    jobs_rows_rss_per_out ((peak - fixed) / output), status_s, status_rss_mib, and kubectl_s /
    kubectl_out_mib (absent without kubectl). `checkout`: whose CLI to run (another worktree: "before")."""
    env = {**os.environ, "KUBECONFIG": kubeconfig}
    rounds: list[dict[str, float]] = []
    pod = broker_pod(env) if shutil.which("kubectl") else None
    for _ in range(runs):
        out: dict[str, float] = {}
        seconds, rss, size, code = run_counted(_cli("jobs", MC, "-c", "0", "--json"), env, checkout)
        if code != 0:
            raise RuntimeError(f"jobs exited {code}")
        out.update(jobs_s=seconds, jobs_rss_mib=rss, jobs_out_mib=size / 2**20, jobs_rss_per_out=rss / (size / 2**20))
        # The same command listing one job: the interpreter, the client and the connection, no rows. What the
        # N-job run holds beyond it is what its rows cost; "not all rows twice" is that under 2x the output.
        _, fixed, _, code = run_counted(_cli("jobs", MC, "-c", "1", "--json"), env, checkout)
        if code != 0:
            raise RuntimeError(f"jobs -c 1 exited {code}")
        out.update(jobs_fixed_rss_mib=fixed,
                   jobs_rows_rss_per_out=max(0.0, rss - fixed) / (size / 2**20))
        seconds, rss, _, code = run_counted(_cli("status", MC), env, checkout)
        if code != 0:
            raise RuntimeError(f"status exited {code}")
        out.update(status_s=seconds, status_rss_mib=rss)
        if pod is not None:
            seconds, _, size, code = run_counted(
                ["kubectl", "exec", pod, "-c", MC, "--", "/bin/bash", "-c", RAW], env, checkout)
            if code != 0:
                raise RuntimeError(f"kubectl exec exited {code}")
            out.update(kubectl_s=seconds, kubectl_out_mib=size / 2**20)
        rounds.append(out)
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def wait_seeded(kubeconfig: str, n: int, timeout: float = 180) -> None:
    """Until flux-sample holds the n seeded jobs (they are loaded just after `ready`)."""
    env = {**os.environ, "KUBECONFIG": kubeconfig}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(_cli("jobs", MC, "-c", "1", "--json"), env=env, cwd=REPO, capture_output=True,
                              text=True, timeout=120)
        if done.returncode == 0 and json.loads(done.stdout)["total"] >= n:
            return
        time.sleep(0.5)
    raise RuntimeError(f"flux-sample never held {n} jobs")


@contextlib.contextmanager
def demo_server(n: int) -> Iterator[str]:
    """A `demo-server --seed-jobs n` of this checkout; yields its kubeconfig path."""
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        proc = subprocess.Popen(_cli("demo-server", "--seed-jobs", str(n), "--data-dir", tmp),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO)
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 120)
            line = proc.stdout.readline() if ready else ""
            if not line.startswith("ready: "):
                raise RuntimeError(f"demo-server did not start: {line!r}")
            kubeconfig = dict(part.split("=", 1) for part in line.split()[1:])["kubeconfig"]
            wait_seeded(kubeconfig, n)
            yield kubeconfig
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout (git worktree) of the code to compare with")
    args = parser.parse_args()
    if not shutil.which("kubectl"):
        print("note: kubectl is not installed: no baseline column", file=sys.stderr)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        with demo_server(n) as kubeconfig:
            if args.before is not None:
                rows.append((f"{n:,} before", measure(n, kubeconfig, args.runs, args.before.resolve())))
            rows.append((f"{n:,}", measure(n, kubeconfig, args.runs)))
        print(f"  N={n}: done", file=sys.stderr, flush=True)
    head = (f"{'jobs':>16} | {'jobs -c 0 --json':>16} {'peak RSS':>10} {'output':>9} {'RSS/out':>7} {'rows/out':>8} | "
            f"{'status':>8} {'peak RSS':>10} | {'kubectl exec flux jobs -a -c 0':>30}")
    print(head)
    print("-" * len(head))
    for label, f in rows:
        raw = (f"{f['kubectl_s']:>7.2f} s ({f['kubectl_out_mib']:.1f} MiB out)" if "kubectl_s" in f else "skipped")
        print(f"{label:>16} | {f['jobs_s']:>14.2f} s {f['jobs_rss_mib']:>6.0f} MiB {f['jobs_out_mib']:>5.1f} MiB "
              f"{f['jobs_rss_per_out']:>6.1f}x {f['jobs_rows_rss_per_out']:>7.1f}x | "
              f"{f['status_s']:>6.2f} s {f['status_rss_mib']:>6.0f} MiB | {raw:>30}")
    print(f"\n(medians of {args.runs} runs; each command a subprocess, its own peak RSS; rows/out: the peak beyond "
          "the same command's with -c 1, over the output)")


if __name__ == "__main__":
    main()
