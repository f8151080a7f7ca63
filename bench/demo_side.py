"""Issue 17, the demo side: the demo must never hide a slowness of ours behind its own.

    .venv/bin/python bench/demo_side.py [--sizes 1000,10000,100000] [--runs 3]

Per size, --runs launches of `fluxstate-tui demo-server --seed-jobs N` (a process of its own, bench/demo_proc.py):
- ready: from the launch to its `ready: kubeconfig=… server=…` line;
- pods Running: from the launch to every pod of flux-sample Running and Ready, polled every 20 ms through the
  API (as `kubectl get pods` reads it; the server answers only once the seeded jobs are in, if it is busy);
- flux jobs: `kubectl exec <broker> -- flux jobs -a -c 0` (through `flux proxy`, as the TUI runs it), to its
  last byte: the wall time and the bytes. Skipped with a note when kubectl is missing.
Goals at 100k: ready with pods Running <= 3 s, flux jobs <= 1.5 s. Medians of --runs. Baseline beside them,
in the same run: `kubectl get pods` (one API round trip through kubectl: what every kubectl call costs here)
and `kubectl exec <broker> -- true` (an exec that does nothing: the exec's own cost).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_proc import NAMESPACE, DemoProcess, load_note  # noqa: E402


def timed(run) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = run()
    return time.perf_counter() - t0, result


def measure(n: int, runs: int = 3) -> dict[str, float]:
    """Seconds (medians of `runs` launches) for one size; NaN where kubectl is missing."""
    ready, running, jobs, get_pods, exec_true, size = [], [], [], [], [], []
    kubectl = shutil.which("kubectl")
    for _ in range(runs):
        with DemoProcess(seed_jobs=n) as demo:
            ready.append(demo.ready_s)
            running.append(demo.wait_running())
            if kubectl is None:
                continue
            elapsed, result = timed(lambda demo=demo: demo.kubectl_flux(["jobs", "-a", "-c", "0"]))
            if result.returncode != 0:  # type: ignore[union-attr]
                raise RuntimeError(f"flux jobs failed: {result.stderr[-300:]}")  # type: ignore[union-attr]
            jobs.append(elapsed)
            size.append(len(result.stdout.encode()))  # type: ignore[union-attr]
            argv = [kubectl, "--kubeconfig", str(demo.kubeconfig), "get", "pods", "-n", NAMESPACE]
            get_pods.append(timed(lambda argv=argv: subprocess.run(argv, capture_output=True, check=True))[0])
            exec_true.append(timed(lambda demo=demo: demo.kubectl_shell("true"))[0])
    nan = float("nan")

    def med(values: list[float]) -> float:
        return statistics.median(values) if values else nan

    return {"ready": med(ready), "running": med(running), "flux_jobs": med(jobs), "bytes": med(size),
            "kubectl_get_pods": med(get_pods), "kubectl_exec_true": med(exec_true)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("kubectl") is None:
        print("note: kubectl not found: `flux jobs` through kubectl exec is skipped")
    head = (f"{'jobs':>7} | {'ready':>7} | {'pods Running':>12} | {'flux jobs -a -c 0':>17} {'output':>9} | "
            f"{'kubectl get pods':>16} | {'kubectl exec true':>17}")
    print(head + "   (s; goals at 100k: pods Running <= 3, flux jobs <= 1.5)")
    print("-" * len(head))
    for n in (int(s) for s in args.sizes.split(",")):
        r = measure(n, args.runs)
        print(f"{n:>7} | {r['ready']:7.2f} | {r['running']:12.2f} | {r['flux_jobs']:17.2f} "
              f"{r['bytes'] / 2**20:6.1f} MiB | {r['kubectl_get_pods']:16.2f} | {r['kubectl_exec_true']:17.2f}",
              flush=True)
    print(f"\nmedians of {args.runs} launches; {load_note()}")


if __name__ == "__main__":
    main()
