"""Benchmark: JobTable (Line API) vs Textual's DataTable used the best way, at 1k/10k/100k rows.

    .venv/bin/python bench/bench_table.py [--sizes 1000,10000,100000] [--refreshes 5] [--no-datatable-100k]

Headless (`App.run_test(size=(160, 50))`), one fresh App per (widget, N). "Settle" = two
`pilot.pause()` calls, as in anchors D.1. Measured on the main thread, wall clock:

- first paint: from the first row-adding call until the screen settled;
- refresh 1%: per refresh, the update calls (+ settle); mean over --refreshes refreshes.
  Every refresh changes 1% of the rows: each gets a new TIME cell, and one in five of them also
  changes state (ST cell, style, and sort key: in JobTable those rows move in the default order,
  so the refresh includes a re-sort; DataTable only gets `update_cell`s, it is not re-sorted);
- 10x pagedown with a settle after each (mostly Pilot key + settle overhead: ~0.1 s each).

DataTable is filled with keyed `add_row` (`add_rows` takes no keys) and updated with
`update_cell(..., update_width=False)`, both inside `app.batch_update()`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from fluxstate_tui.widgets.job_table import Column, JobTable  # noqa: E402

SIZE = (160, 50)
COLUMNS = [
    Column("jobid", "JOBID"),
    Column("user", "USER"),
    Column("name", "NAME"),
    Column("st", "ST"),
    Column("ntasks", "NTASKS", align="right"),
    Column("nnodes", "NNODES", align="right"),
    Column("time", "TIME", align="right"),
    Column("info", "INFO"),
]
STATES = [("PD", "pending", 0), ("R", "running", 1), ("CD", "completed", 2), ("F", "failed", 2)]
F58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def f58(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = F58[r] + out
    return "ƒ" + (out or "1")


def job_id(i: int) -> int:
    return (1 << 40) + i * 9973


def row(i: int, state: int, tick: int):
    st, style, rank = STATES[state]
    cells = (
        f58(job_id(i)),
        f"user{i % 23}",
        f"sim-{i % 97}",
        st,
        str((i * 37) % 256 + 1),
        "-" if st == "PD" else str(i % 16 + 1),
        "-" if st == "PD" else f"{(i * 7 + tick) % 3600 / 60:.4g}m",
        "" if st == "PD" else f"node[{i % 64}-{i % 64 + 3}]",
    )
    return cells, (rank, -job_id(i)), style


def initial_rows(n: int) -> dict[int, tuple]:
    return {job_id(i): row(i, i % 4, 0) for i in range(n)}


def refresh_batches(n: int, refreshes: int) -> list[dict[int, tuple]]:
    """Per refresh: 1% of rows (spread out) get a new TIME; 1 in 5 of those also change state."""
    step = 100
    batches = []
    state = {i: i % 4 for i in range(0, n, step // 2)}
    for r in range(1, refreshes + 1):
        batch = {}
        for m, i in enumerate(range(r % step, n, step)):
            s = state.get(i, i % 4)
            if m % 5 == 0:
                s = (s + 1) % 4
                state[i] = s
            batch[job_id(i)] = row(i, s, r)
        batches.append(batch)
    return batches


class BenchApp(App):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        if self.kind == "jobtable":
            yield JobTable(COLUMNS)
        else:
            table = DataTable(cursor_type="row")
            for col in COLUMNS:
                table.add_column(col.label, key=col.key)
            yield table

    def on_mount(self) -> None:
        self.query_one("*").focus()


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def bench_one(kind: str, n: int, refreshes: int) -> dict[str, float]:
    rows = initial_rows(n)
    batches = refresh_batches(n, refreshes)
    app = BenchApp(kind)
    result: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        t0 = time.perf_counter()
        await settle(pilot)
        result["settle"] = time.perf_counter() - t0

        gc.collect()
        if kind == "jobtable":
            table = app.query_one(JobTable)
            t0 = time.perf_counter()
            table.set_rows(rows)
            t1 = time.perf_counter()
        else:
            table = app.query_one(DataTable)
            t0 = time.perf_counter()
            with app.batch_update():
                add_row = table.add_row
                for key, (cells, _sort_key, _style) in rows.items():
                    add_row(*cells, key=str(key))
            t1 = time.perf_counter()
        await settle(pilot)
        t2 = time.perf_counter()
        result["load_call"] = t1 - t0
        result["first_paint"] = t2 - t0

        calls, totals = [], []
        current = {k: v[0] for k, v in rows.items()}
        col_keys = [c.key for c in COLUMNS]
        for batch in batches:
            gc.collect()
            t0 = time.perf_counter()
            if kind == "jobtable":
                table.update_rows(batch)
            else:
                with app.batch_update():
                    update_cell = table.update_cell
                    for key, (cells, _sort_key, _style) in batch.items():
                        old = current[key]
                        skey = str(key)
                        for c, (a, b) in enumerate(zip(old, cells, strict=True)):
                            if a != b:
                                update_cell(skey, col_keys[c], b, update_width=False)
            t1 = time.perf_counter()
            await settle(pilot)
            t2 = time.perf_counter()
            if kind != "jobtable":
                current.update({k: v[0] for k, v in batch.items()})
            calls.append(t1 - t0)
            totals.append(t2 - t0)
        result["refresh_call"] = statistics.mean(calls)
        result["refresh_total"] = statistics.mean(totals)

        t0 = time.perf_counter()
        for _ in range(10):
            await pilot.press("pagedown")
            await settle(pilot)
        result["pagedown10"] = time.perf_counter() - t0
    return result


def model_costs(n: int) -> tuple[float, float]:
    """Model only (no screen): a cells-only update and an update that re-sorts, at N rows."""
    from fluxstate_tui.widgets.table_model import TableModel

    model = TableModel(COLUMNS)
    model.set_rows(initial_rows(n))
    ticks = {job_id(i): row(i, i % 4, 9) for i in range(0, n, 100)}
    t0 = time.perf_counter()
    model.update(ticks)
    cells_only = time.perf_counter() - t0
    batch = refresh_batches(n, 1)[0]
    t0 = time.perf_counter()
    model.update(batch)
    resort = time.perf_counter() - t0
    return cells_only, resort


def fmt(value: float | None) -> str:
    if value is None:
        return "skipped"
    return f"{value * 1000:9.1f} ms" if value < 1 else f"{value:9.2f} s "


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--refreshes", type=int, default=5)
    parser.add_argument("--no-datatable-100k", action="store_true",
                        help="skip DataTable at 100k rows (it takes about half a minute)")
    parser.add_argument("--datatable-limit-next", type=float, default=120.0,
                        help="skip the next DataTable size if its first paint is predicted (linearly) "
                             "to take longer than this many seconds")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    import textual

    print(f"textual {textual.__version__}, python {sys.version.split()[0]}, size {SIZE}, "
          f"{args.refreshes} refreshes of 1% rows each", flush=True)
    results: dict[tuple[str, int], dict[str, float] | None] = {}
    notes = []
    datatable_too_slow = False
    for n in sizes:
        results[("jobtable", n)] = await bench_one("jobtable", n, args.refreshes)
        print(f"  JobTable  N={n:>7}: done", flush=True)
        if (n >= 100_000 and args.no_datatable_100k) or datatable_too_slow:
            results[("datatable", n)] = None
            notes.append(f"DataTable at N={n} skipped (--no-datatable-100k or the previous size took "
                         f"was predicted to take over {args.datatable_limit_next:.0f} s to paint).")
            continue
        res = await bench_one("datatable", n, args.refreshes)
        results[("datatable", n)] = res
        print(f"  DataTable N={n:>7}: done", flush=True)
        # first paint grows ~linearly with N: do not start a run expected to take minutes
        bigger = [m for m in sizes if m > n]
        if bigger and res["first_paint"] * bigger[0] / n > args.datatable_limit_next:
            datatable_too_slow = True

    header = (f"{'widget':<10} {'rows':>7} | {'load call':>12} {'first paint':>12} | "
              f"{'refresh call':>12} {'refresh+paint':>13} | {'10x pagedown':>12}")
    print()
    print(header)
    print("-" * len(header))
    for n in sizes:
        for kind, label in (("jobtable", "JobTable"), ("datatable", "DataTable")):
            res = results[(kind, n)]
            if res is None:
                print(f"{label:<10} {n:>7} | {'skipped':>12}")
                continue
            print(f"{label:<10} {n:>7} | {fmt(res['load_call']):>12} {fmt(res['first_paint']):>12} | "
                  f"{fmt(res['refresh_call']):>12} {fmt(res['refresh_total']):>13} | "
                  f"{fmt(res['pagedown10']):>12}")
    baseline = statistics.mean(r["settle"] for r in results.values() if r)
    print(f"\nsettle baseline (two pilot.pause() with nothing to do): {fmt(baseline).strip()}")
    print("refresh = 1% of rows changed (TIME for all, ST/state for 1 in 5 of them).")
    print("JobTable re-sorts on such a refresh (state changes move rows); DataTable is not re-sorted.")
    print("\nJobTable model alone (no screen), cost of one update at N rows:")
    for n in sizes:
        cells_only, resort = model_costs(n)
        print(f"  N={n:>7}: 1% TIME ticks only {fmt(cells_only).strip():>10};"
              f"  1% with state changes (rows move: reorder) {fmt(resort).strip():>10}")
    for note in notes:
        print("note:", note)


if __name__ == "__main__":
    asyncio.run(main())
