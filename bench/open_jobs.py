"""Opening the jobs screen of a big queue: Enter to the first rows, and to the full table, beside the
`flux jobs -a -c 0` exec it waits on, at 1k/10k/100k jobs.

    .venv/bin/python bench/open_jobs.py [--sizes 1000,10000,100000] [--runs 2]

One `demo-server --seed-jobs N` per size in a process of its own (bench/demo_proc.py: a real cluster is
elsewhere, so the demo's CPU must not count as ours, nor hide our slowness behind its own), the app in this process in
`App.run_test(size=(160, 50))` (headless), the MiniCluster list up, then Enter, polled every 10 ms:
- first rows: the jobs table holds rows (the next poll paints them);
- full table: it holds all N seeded jobs.
"after" is the code as it is (a preview of the newest `jobs.PREVIEW_ROWS` jobs first); "before" is the
same code with the preview off (`PREVIEW_ROWS = 0`: one full read, as before issue 17). The baseline,
in the same run: `flux jobs -a -n -c 0 -o <the table's format>` through the project's exec (the read the
full table cannot be faster than), the median of --runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_proc import DemoProcess  # noqa: E402

from fluxstate_tui.app import FluxStateApp  # noqa: E402
from fluxstate_tui.flux import commands as fc  # noqa: E402
from fluxstate_tui.flux.rows import ROW_FORMAT  # noqa: E402
from fluxstate_tui.heap import fix_mmap_threshold  # noqa: E402
from fluxstate_tui.kube.broker import Broker  # noqa: E402
from fluxstate_tui.kube.client import Target  # noqa: E402
from fluxstate_tui.kube.resources import get_minicluster  # noqa: E402
from fluxstate_tui.screens import jobs as jobs_screen  # noqa: E402

SIZE = (160, 50)
POLL = 0.01
TIMEOUT = 180.0


async def wait_for(predicate, what: str) -> float:
    # asyncio.sleep, not pilot.pause: a pause waits for the app to go idle, i.e. past the first rows.
    end = time.perf_counter() + TIMEOUT
    while not predicate():
        if time.perf_counter() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL)
    return time.perf_counter()


async def open_once(kubeconfig: str, n: int, preview: bool) -> dict[str, float]:
    """Enter on flux-sample; seconds to the first rows and to all n."""
    saved = jobs_screen.PREVIEW_ROWS
    jobs_screen.PREVIEW_ROWS = saved if preview else 0
    try:
        app = FluxStateApp(Target(kubeconfig=kubeconfig), refresh=2.0)
        async with app.run_test(size=SIZE) as pilot:
            clusters = app.screen
            await wait_for(lambda: "default/flux-sample" in clusters.summaries
                           and clusters.summaries["default/flux-sample"].snapshot is not None, "flux-sample listed")
            await pilot.pause(0.2)
            t0 = time.perf_counter()
            # Not awaited: Pilot.press returns only once the app is idle, after the full table.
            press = asyncio.create_task(pilot.press("enter"))
            await wait_for(lambda: isinstance(app.screen, jobs_screen.JobsScreen), "the jobs screen")
            screen = app.screen
            first = await wait_for(lambda: screen.table.total_count > 0, "the first rows")
            shown_first = screen.table.total_count
            full = await wait_for(lambda: screen.table.total_count >= n, "the full table")
            await press
            await pilot.pause()  # the full table painted
            done = time.perf_counter()
    finally:
        jobs_screen.PREVIEW_ROWS = saved
    return {"first": first - t0, "full": full - t0, "full_painted": done - t0, "rows_first": float(shown_first)}


async def exec_baseline(kubeconfig: str, n: int, runs: int) -> float:
    """The same `flux jobs -a -c 0` the full read makes, through the project's exec (no parsing); waits
    for the n seeded jobs first."""
    app = FluxStateApp(Target(kubeconfig=kubeconfig), refresh=60.0)
    times = []
    async with app.run_test(size=SIZE):
        kube = await app.client()
        broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
        end = time.perf_counter() + TIMEOUT
        while True:
            try:
                stats = await broker.snapshot(None, sections=("stats",))
                if stats.total_jobs >= n:
                    break
            except Exception:  # noqa: BLE001 - the pods are still starting
                pass
            if time.perf_counter() > end:
                raise RuntimeError("the demo's jobs did not appear")
            await asyncio.sleep(0.2)
        for _ in range(runs):
            t0 = time.perf_counter()
            await broker.flux(fc.jobs(ROW_FORMAT, count=0), timeout=120)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def measure(n: int, runs: int) -> dict[str, float]:
    with DemoProcess(seed_jobs=n) as demo:
        demo.wait_running()
        kubeconfig = str(demo.kubeconfig)
        result: dict[str, float] = {"exec": await exec_baseline(kubeconfig, n, runs)}
        for label, preview in (("before", False), ("after", True)):
            rounds = [await open_once(kubeconfig, n, preview) for _ in range(runs)]
            for key in rounds[0]:
                result[f"{label}_{key}"] = statistics.median(r[key] for r in rounds)
        return result


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms" if seconds < 1 else f"{seconds:7.2f} s "


async def main() -> None:
    fix_mmap_threshold()  # the app runs in this process: set as the CLI sets it when it starts
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    header = (f"{'jobs':>7} | {'flux jobs exec':>14} | {'first rows before':>17} {'after':>10} | "
              f"{'full table before':>17} {'after':>10}")
    print(header)
    print("-" * len(header))
    for n in (int(s) for s in args.sizes.split(",")):
        r = await measure(n, args.runs)
        print(f"{n:>7} | {fmt(r['exec']):>14} | {fmt(r['before_first']):>17} "
              f"{fmt(r['after_first']):>10} | {fmt(r['before_full_painted']):>17} "
              f"{fmt(r['after_full_painted']):>10}", flush=True)
    print(f"\nafter: the first {jobs_screen.PREVIEW_ROWS} rows, then the rest. First rows: the table holds them "
          "(polled every 10 ms); full table: all N, then painted. Medians of --runs.")


if __name__ == "__main__":
    asyncio.run(main())
