"""Issue 17 in one table: opening a big queue, filtering and sorting it, each beside its baseline
measured in the same run, at 1k/10k/100k jobs.

    .venv/bin/python bench/report.py [--sizes 1000,10000,100000] [--runs 2] [--no-datatable-100k]

- open (bench/open_jobs.py): Enter on flux-sample of an `EmbeddedDemo(seed_jobs=N)` to the first rows
  and to the full table painted, with the preview ("after") and without it ("before"); baseline: the
  `flux jobs -a -c 0` the full read makes, through the project's exec.
- filter / sort (bench/bench_table.py's rows, headless, 160x50): one keystroke of the filter
  (`set_filter`, "s" then "sim-4") and a sort by NAME and by NTASKS in JobTable, each until the screen
  settled; baseline: Textual's DataTable, its `sort` by the same column, and a filter the way a DataTable
  filters (`clear()` and `add_row` of the matches). Every figure is the median of --runs.
- model before → after: the same filter and sorts on `TableModel` alone (no screen, no settle), the
  model of --before (a git revision, default HEAD: run before committing) beside the working tree's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Awaitable, Callable

from bench_table import COLUMNS, BenchApp, initial_rows, settle
from open_jobs import fmt, measure
from textual.widgets import DataTable

from fluxstate_tui.widgets import table_model
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


def model_at(rev: str) -> types.ModuleType:
    """widgets/table_model.py as of `rev`, loaded beside the current one (same package)."""
    source = subprocess.run(["git", "show", f"{rev}:fluxstate_tui/widgets/table_model.py"], check=True,
                            capture_output=True, text=True, cwd=sys.path[0]).stdout
    module = types.ModuleType("fluxstate_tui.widgets._table_model_before")
    module.__package__ = "fluxstate_tui.widgets"
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{rev}:table_model.py", "exec"), module.__dict__)
    return module


def model_costs(module: types.ModuleType, n: int) -> dict[str, float]:
    model = module.TableModel(COLUMNS)
    model.set_rows(initial_rows(n))
    out = {}
    steps = [(f"filter {t}", lambda t=t: model.set_filter(t)) for t in FILTERS]
    steps += [("filter clear", lambda: model.set_filter(""))]
    steps += [(f"sort {c}", lambda c=c: model.sort_by(c)) for c in SORTS]
    for name, step in steps:
        gc.collect()
        t0 = time.perf_counter()
        step()
        out[f"model {name}"] = time.perf_counter() - t0
    return out


async def median_of(runs: int, make: Callable[[], Awaitable[dict[str, float]]]) -> dict[str, float]:
    rounds = [await make() for _ in range(runs)]
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--before", default="HEAD", help="git revision of the model to compare with")
    parser.add_argument("--no-datatable-100k", action="store_true", help="skip DataTable at 100k (minutes)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    table: dict[str, dict[int, tuple[str, str]]] = {}
    for n in sizes:
        opened = await measure(n, args.runs)
        ours = await median_of(args.runs, lambda n=n: jobtable_costs(n))
        skip = n >= 100_000 and args.no_datatable_100k
        theirs = None if skip else await median_of(args.runs, lambda n=n: datatable_costs(n))
        exec_ = fmt(opened["exec"]) + " exec"
        table.setdefault("open: first rows (before → after)", {})[n] = (
            f"{fmt(opened['before_first']).strip()} → {fmt(opened['after_first']).strip()}", exec_)
        table.setdefault("open: full table (before → after)", {})[n] = (
            f"{fmt(opened['before_full_painted']).strip()} → {fmt(opened['after_full_painted']).strip()}", exec_)
        for key in ours:
            base = "skipped" if theirs is None else fmt(theirs[key]).strip() + " DataTable"
            table.setdefault(key, {})[n] = (fmt(ours[key]).strip(), base)
        before = await median_of(args.runs, lambda n=n: asyncio.to_thread(model_costs, model_at(args.before), n))
        after = await median_of(args.runs, lambda n=n: asyncio.to_thread(model_costs, table_model, n))
        for key in before:
            table.setdefault(key + " (before → after)", {})[n] = (
                f"{fmt(before[key]).strip()} → {fmt(after[key]).strip()}", "model only")
        print(f"  N={n}: done", file=sys.stderr, flush=True)

    width = max(map(len, table))
    head = f"{'':<{width}} | " + " | ".join(f"{f'{n:,} jobs':^34}" for n in sizes)
    print(head)
    print("-" * len(head))
    for name, by_size in table.items():
        cells = [f"{by_size[n][0]:>15} ({by_size[n][1]})"[:34].ljust(34) for n in sizes]
        print(f"{name:<{width}} | " + " | ".join(cells))
    print("\n(baseline in brackets: the exec of `flux jobs -a -c 0` for opening; Textual's DataTable for the rest)")


if __name__ == "__main__":
    asyncio.run(main())
