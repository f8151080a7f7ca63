"""Issue 17, memory: RSS of the TUI holding N jobs, and across 20 visits of the jobs screen.

    .venv/bin/python bench/memory.py [--sizes 1000,10000,100000] [--visits 20] [--trace]

`demo-server --seed-jobs N` in a process of its own (bench/demo_proc.py); the app (FluxStateApp, refresh 2 s)
headless in this process (`App.run_test(size=(160, 50))`). A visit: Enter on flux-sample, wait until the
table holds all N jobs and is painted, escape back to the list, 0.5 s of the list. Figures, VmRSS of this
process (/proc/self/status):
- list: the MiniCluster list up, before the first visit;
- first paint: the full table in and painted, first visit;
- after visit 1 / after visit V: back on the list after that visit (the collector left to itself, as in use);
- growth shown: the most RSS with the jobs shown (painted) in any visit exceeds that of visit 1 (goal: flat):
  what the TUI needs to show N jobs, visit after visit;
- growth back: the same, back on the list after each visit. Freed memory the allocator keeps (pymalloc
  frees an arena only once every object in it is gone) counts here: it is reused by the next visit;
- collected: RSS after visit V once `gc.collect()` ran, and the Job / JobsScreen objects alive then.
Baseline, in the same run: a `python -c "import textual, kubernetes"` process's RSS (what any Textual app
talking to Kubernetes holds with no data at all).

Each size runs in a fresh process (`measure_in_subprocess`, what bench/report.py should call): RSS is a
high-water mark (glibc keeps freed memory), so a size measured after another would start from its peak.

--trace runs tracemalloc from the start (slower, and it adds its own memory to RSS): it prints the biggest
allocation sites at the first paint, and what grew between visit 1 and visit V.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_proc import DemoProcess, load_note, rss_mib  # noqa: E402

from fluxstate_tui.app import FluxStateApp  # noqa: E402
from fluxstate_tui.flux.model import Job  # noqa: E402
from fluxstate_tui.heap import fix_mmap_threshold  # noqa: E402
from fluxstate_tui.kube.client import Target  # noqa: E402

SIZE = (160, 50)
TIMEOUT = 300.0


def baseline_rss() -> float:
    """RSS of a bare `import textual, kubernetes` process, MiB."""
    code = ("import textual, kubernetes\n"
            "print([l for l in open('/proc/self/status') if l.startswith('VmRSS:')][0].split()[1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return int(out.strip()) / 1024


def alive(kind: type) -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


async def wait_for(predicate: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    end = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def top_sites(snapshot: tracemalloc.Snapshot, limit: int = 12) -> list[str]:
    stats = snapshot.statistics("lineno")
    return [f"{s.size / 2**20:8.1f} MiB {s.count:>9} blocks  {s.traceback[0].filename.split('site-packages/')[-1]}"
            f":{s.traceback[0].lineno}" for s in stats[:limit]]


def grown_sites(new: tracemalloc.Snapshot, old: tracemalloc.Snapshot, limit: int = 8) -> list[str]:
    stats = new.compare_to(old, "lineno")
    return [f"{s.size_diff / 2**20:+8.1f} MiB {s.count_diff:>+9} blocks  "
            f"{s.traceback[0].filename.split('site-packages/')[-1]}:{s.traceback[0].lineno}" for s in stats[:limit]]


async def measure(n: int, visits: int = 20, trace: bool = False) -> dict:
    """RSS (MiB) of the app at N jobs, after each of `visits` visits of the jobs screen; the baseline."""
    from fluxstate_tui.screens import jobs as jobs_screen

    out: dict = {"baseline": baseline_rss()}
    if trace:
        tracemalloc.start(1)
    with DemoProcess(seed_jobs=n) as demo:
        demo.wait_running()
        out["demo_rss"] = demo.rss_mib()
        app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=2.0)
        after: list[float] = []
        painted: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            clusters = app.screen
            await wait_for(lambda: "default/flux-sample" in clusters.summaries
                           and clusters.summaries["default/flux-sample"].snapshot is not None, "flux-sample listed")
            await pilot.pause(0.5)
            out["list"] = rss_mib()
            snap_first = snap_one = None
            for visit in range(visits):
                await pilot.press("enter")
                await wait_for(lambda: isinstance(app.screen, jobs_screen.JobsScreen), "the jobs screen")
                screen = app.screen
                await wait_for(lambda s=screen: s.table.total_count >= n and s.index.loaded, "the full table")
                await pilot.pause()  # painted
                painted.append(rss_mib())
                if visit == 0:
                    out["first_paint"] = painted[0]
                    out["jobs_alive_first"] = alive(Job)
                    if trace:
                        snap_first = tracemalloc.take_snapshot()
                await pilot.press("escape")
                await wait_for(lambda: app.screen is clusters, "back to the list")
                await asyncio.sleep(0.5)
                after.append(rss_mib())
                if trace and visit == 0:
                    snap_one = tracemalloc.take_snapshot()
                print(f"    N={n} visit {visit + 1}: painted {painted[-1]:.0f} MiB, back {after[-1]:.0f} MiB",
                      file=sys.stderr, flush=True)
            gc.collect()
            out["collected"] = rss_mib()
            out["jobs_alive"] = alive(Job)
            out["screens_alive"] = alive(jobs_screen.JobsScreen)
            if trace and snap_first is not None and snap_one is not None:
                last = tracemalloc.take_snapshot()
                out["trace_first"] = top_sites(snap_first)
                out["trace_grown"] = grown_sites(last, snap_one)
                out["traced_peak"] = tracemalloc.get_traced_memory()[1] / 2**20
    if trace:
        tracemalloc.stop()
    out["after"] = after
    out["painted"] = painted
    out["after_1"], out["after_last"] = after[0], after[-1]
    out["max_growth"] = max(after) - after[0]
    out["painted_growth"] = max(painted) - painted[0]
    out["max_painted"] = max(painted)
    return out


def measure_in_subprocess(n: int, visits: int = 20, trace: bool = False) -> dict:
    """`measure` in a fresh interpreter (RSS starts from nothing), its figures returned."""
    argv = [sys.executable, __file__, "--one", str(n), "--visits", str(visits)] + (["--trace"] if trace else [])
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"bench/memory.py --one {n} failed: {out.stderr[-2000:]}")
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def main() -> None:
    fix_mmap_threshold()  # the app runs in this process: set as the CLI sets it when it starts
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--trace", action="store_true", help="tracemalloc: where the memory is (slower)")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # one size, JSON out
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(await measure(args.one, args.visits, args.trace)))
        return
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        r = measure_in_subprocess(n, args.visits, args.trace)
        rows.append((n, r))
        if args.trace:
            print(f"\nN={n:,}: biggest allocation sites at the first paint (tracemalloc, peak "
                  f"{r['traced_peak']:.0f} MiB traced):")
            print("\n".join("  " + line for line in r["trace_first"]))
            print(f"N={n:,}: grown between visit 1 and visit {args.visits}:")
            print("\n".join("  " + line for line in r["trace_grown"]))
    v = args.visits
    head = (f"{'jobs':>7} | {'list':>5} | {'first paint':>11} | {'max painted':>11} | {'after 1':>7} | "
            f"{f'after {v}':>8} | {'growth shown':>12} | {'growth back':>11} | {'collected':>9} | {'Jobs alive':>10} | "
            f"{'import textual,kubernetes':>25}")
    print("\n" + head + "   (MiB; goal: <= 250 at 100k, flat)")
    print("-" * len(head))
    for n, r in rows:
        print(f"{n:>7} | {r['list']:5.0f} | {r['first_paint']:11.0f} | {r['max_painted']:11.0f} | "
              f"{r['after_1']:7.0f} | {r['after_last']:8.0f} | {r['painted_growth']:+12.0f} | "
              f"{r['max_growth']:+11.0f} | {r['collected']:9.0f} | "
              f"{r['jobs_alive']:>10} | {r['baseline']:25.0f}")
    print("\nRSS with the jobs shown, each visit: " + "; ".join(
        f"{n}: " + " ".join(f"{x:.0f}" for x in r["painted"]) for n, r in rows))
    print("RSS after each visit, back on the list: " + "; ".join(
        f"{n}: " + " ".join(f"{x:.0f}" for x in r["after"]) for n, r in rows))
    print("Job objects alive at the first paint: " + ", ".join(f"{n}: {r['jobs_alive_first']}" for n, r in rows))
    print(load_note())


if __name__ == "__main__":
    asyncio.run(main())
