"""Issue 17 in one table: every goal, its figure at 1k/10k/100k jobs and its baseline from the same run.

    .venv/bin/python bench/report.py [--sizes 1000,10000,100000] [--runs 2] [--visits 20] [--quick]

The demo runs as `demo-server` in a process of its own for every figure (bench/demo_proc.py): a real
cluster is elsewhere, and the demo's CPU must neither count as ours nor hide our slowness behind its own.
Rows (each cell "ours (baseline)"):
- open: Enter on flux-sample to the newest rows, and to the full table painted (bench/open_jobs.py);
  baseline: the same `flux jobs -a -c 0` through the project's exec.
- steady state with ~1% of the jobs changing per refresh (bench/steady.py, a fresh process per size): the
  stall the user feels per refresh (the lateness of a 5 ms sleep in the app's loop, summed), key-to-screen
  p99, change-to-screen p95; baseline: the job table alone in a bare app fed the same diffs.
- memory (bench/memory.py, a fresh process per size): RSS at the first paint, and its growth over
  --visits visits of the jobs screen, with the jobs shown and back on the list; baseline: `python -c
  "import textual, kubernetes"`.
- filter / sort (bench/bench_table.py's rows, headless, 160x50): a filter keystroke and a sort in the
  job table until the screen settled; baseline: Textual's DataTable doing the same.
- CLI (bench/cli_jobs.py): `jobs NAME -c 0 --json` wall time and peak RSS over the output's size;
  baseline: `kubectl exec … flux jobs -a -c 0`. "RSS for its rows": the peak beyond the same command's
  listing one job (`-c 1`: the interpreter, the client, the connection), over the output's size.
- demo (bench/demo_side.py): `demo-server --seed-jobs N` to pods Running, and `flux jobs -a -c 0` in the
  broker through kubectl exec.
Figures are medians of --runs where a bench repeats; this is a 2-core machine that may be busy: the
baselines share the run's conditions. --quick: shorter steady-state phases and 5 visits.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import cli_jobs
import demo_side
import memory
import steady
from bench_table import BenchApp, initial_rows, settle
from demo_proc import DemoProcess, load_note
from open_jobs import fmt, measure
from textual.widgets import DataTable

from fluxstate_tui.heap import fix_mmap_threshold
from fluxstate_tui.widgets.job_table import JobTable

FILTERS = ("s", "sim-4")
SORTS = ("name", "ntasks")


async def timed(pilot, action: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    action()
    await settle(pilot)
    return time.perf_counter() - t0


async def jobtable_costs(n: int) -> dict[str, float]:
    app = BenchApp("jobtable")
    out: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(initial_rows(n))
        await settle(pilot)
        for text in FILTERS:  # typed one key after the other: each is one set_filter
            out[f"filter {text}"] = await timed(pilot, lambda text=text: table.set_filter(text))
        out["filter clear"] = await timed(pilot, lambda: table.set_filter(""))
        for column in SORTS:
            out[f"sort {column}"] = await timed(pilot, lambda column=column: table.sort_by(column))
    return out


async def datatable_costs(n: int) -> dict[str, float]:
    app = BenchApp("datatable")
    rows = initial_rows(n)
    out: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(DataTable)
        with app.batch_update():
            for key, (cells, _, _) in rows.items():
                table.add_row(*cells, key=str(key))
        await settle(pilot)

        def refill(needle: str) -> Callable[[], None]:
            def run() -> None:
                with app.batch_update():
                    table.clear()
                    for key, (cells, _, _) in rows.items():
                        if needle in "\0".join(cells).lower():
                            table.add_row(*cells, key=str(key))
            return run

        for text in FILTERS:
            out[f"filter {text}"] = await timed(pilot, refill(text))
        out["filter clear"] = await timed(pilot, refill(""))
        for column in SORTS:
            out[f"sort {column}"] = await timed(pilot, lambda column=column: table.sort(column))
    return out


async def median_of(runs: int, make: Callable[[], Awaitable[dict[str, float]]]) -> dict[str, float]:
    rounds = [await make() for _ in range(runs)]
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def cell(value: float, base: float | None, unit: str = "s", base_note: str = "") -> tuple[str, str]:
    def show(x: float) -> str:
        if x != x:
            return "n/a"
        if unit == "MiB":
            return f"{x:.0f} MiB"
        if unit == "x":
            return f"{x:.1f}x"
        return fmt(x).strip()
    return show(value), ("" if base is None else show(base)) + base_note


async def cli_figures(n: int, runs: int) -> dict[str, float]:
    with DemoProcess(seed_jobs=n) as demo:
        demo.wait_running()
        cli_jobs.wait_seeded(str(demo.kubeconfig), n)
        return await asyncio.to_thread(cli_jobs.measure, n, str(demo.kubeconfig), runs)


async def main() -> None:
    fix_mmap_threshold()  # the app runs in this process: set as the CLI sets it when it starts
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="shorter steady phases (10 s + 15 s), 5 visits")
    parser.add_argument("--no-datatable-100k", action="store_true", help="skip DataTable at 100k (minutes)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    quiet_s, keys_s, visits = (10.0, 15.0, 5) if args.quick else (20.0, 30.0, args.visits)
    rows: dict[str, tuple[str, dict[int, tuple[str, str]]]] = {}

    def put(name: str, goal: str, n: int, value: tuple[str, str]) -> None:
        rows.setdefault(name, (goal, {}))[1][n] = value

    for n in sizes:
        say = lambda what, n=n: print(f"  N={n:,}: {what}", file=sys.stderr, flush=True)  # noqa: E731
        opened = await measure(n, args.runs)
        put("open: newest rows on screen", "<= 1 s", n, cell(opened["after_first"], opened["exec"], base_note=" exec"))
        put("open: full table painted", "<= 3 s", n, cell(opened["after_full_painted"], opened["exec"],
                                                          base_note=" exec"))
        say("open")
        st = await asyncio.to_thread(steady.measure_in_subprocess, n, quiet_s, keys_s)
        put("steady: stall per refresh (1% changing)", "<= 30 ms", n,
            cell(st["quiet_stall_med"], st["widget_quiet_stall_med"], base_note=" table alone"))
        put("steady: key-to-screen p99", "<= 100 ms", n, cell(st["key_p99"], st["widget_key_p99"],
                                                               base_note=" table alone"))
        put("steady: change-to-screen p95 (refresh 2 s)", "<= 2.2 s", n, cell(st["change_p95"], None))
        say("steady state")
        mem = await asyncio.to_thread(memory.measure_in_subprocess, n, visits)
        put("memory: RSS at first paint", "<= 250 MiB", n, cell(mem["first_paint"], mem["baseline"], "MiB",
                                                                " import only"))
        put(f"memory: growth over {visits} visits, jobs shown", "flat", n, cell(mem["painted_growth"], None, "MiB"))
        put(f"memory: growth over {visits} visits, back on list", "", n,
            cell(mem["max_growth"], mem["after_1"], "MiB", " at visit 1"))
        say("memory")
        ours = await median_of(args.runs, lambda n=n: jobtable_costs(n))
        skip = n >= 100_000 and args.no_datatable_100k
        theirs = None if skip else await median_of(args.runs, lambda n=n: datatable_costs(n))
        for key in ours:
            put(key, "<= 150 ms", n, cell(ours[key], None if theirs is None else theirs[key],
                                          base_note=" DataTable" if theirs is not None else "DataTable skipped"))
        say("filter and sort")
        cli = await cli_figures(n, args.runs)
        put("CLI: jobs -c 0 --json", "", n, cell(cli["jobs_s"], cli.get("kubectl_s", float("nan")),
                                                base_note=" kubectl"))
        put("CLI: jobs --json peak RSS / output size", "", n, cell(cli["jobs_rss_per_out"], None, "x"))
        put("CLI: jobs --json RSS for its rows / output", "<= 2x", n,
            cell(cli["jobs_rows_rss_per_out"], None, "x", f"{cli['jobs_fixed_rss_mib']:.0f} MiB at -c 1"))
        say("CLI")
        demo = await asyncio.to_thread(demo_side.measure, n, 1)
        put("demo: --seed-jobs N to pods Running", "<= 3 s", n, cell(demo["running"], None))
        put("demo: flux jobs -a -c 0 in the pod (kubectl)", "<= 1.5 s", n, cell(demo["flux_jobs"], None))
        say("demo")

    width = max(map(len, rows))
    head = f"{'':<{width}} | {'goal':<10} | " + " | ".join(f"{f'{n:,} jobs':^30}" for n in sizes)
    print(head)
    print("-" * len(head))
    for name, (goal, by_size) in rows.items():
        cells = []
        for n in sizes:
            value, base = by_size[n][0], by_size[n][1].strip()
            cells.append((f"{value:>9}" + (f" ({base})" if base else ""))[:30].ljust(30))
        print(f"{name:<{width}} | {goal:<10} | " + " | ".join(cells))
    print(f"\n(baseline in brackets; {load_note()})")


if __name__ == "__main__":
    asyncio.run(main())
