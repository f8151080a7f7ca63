"""The filter and sort indexes of TableModel (search text kept per row, sort values shared per distinct
cell) give exactly the order a rescan would, through updates, removals, filters and every sort."""

from __future__ import annotations

import random

import pytest

from fluxstate_tui.widgets import table_sort
from fluxstate_tui.widgets.table_model import TableModel, column_sort_value

from .test_job_table import COLUMNS, job_id, make_row, make_rows


def expected_order(model: TableModel) -> list[int]:
    """The order by rescanning every row: sort values from scratch, the filter over the cells."""
    needle = model.filter_text.strip().lower()
    keys = list(model.cells)
    if model.sort_column is None:
        keys.sort(key=model.sort_keys.__getitem__, reverse=model.sort_reverse)
    else:
        i = model.col_index[model.sort_column]
        col = model.columns[i]
        keys.sort(key=lambda k: (column_sort_value(col, k, model.cells[k][i], model.sort_reverse), model.sort_keys[k]))
    searched = [model.col_index[c] for c in ("jobid", "user", "name", "st")]

    def hit(k: int) -> bool:
        cells = model.cells[k]
        return needle in "\0".join([cells[c] for c in searched] + [model.styles[k]]).lower()

    return [k for k in keys if hit(k)] if needle else keys


@pytest.mark.parametrize("seed", range(4))
def test_order_matches_a_rescan_through_changes(seed):
    rng = random.Random(seed)
    model = TableModel(COLUMNS)
    model.set_rows(make_rows(600))
    sorts = [None, "jobid", "user", "name", "st", "ntasks", "nnodes", "time", "info"]
    for step in range(60):
        action = rng.random()
        if action < 0.25:
            model.sort_by(rng.choice(sorts), rng.random() < 0.5)
        elif action < 0.45:
            model.set_filter(rng.choice(["", "sim1", "user3", "PD", "held", "Running", "f", "nothing-like-this"]))
        else:
            # State and TIME changes (rows move, the filter's text changes), new rows, removals;
            # sometimes more than the bisect path takes.
            n = rng.choice([3, 40, 700])
            upserts = {job_id(i): make_row(i, rng.randrange(7), tick=step) for i in rng.sample(range(900), n)}
            removed = set(rng.sample(sorted(model.cells), rng.choice([0, 5, 50])))
            model.update(upserts, removed)
        assert model.order == expected_order(model), f"step {step}"


def test_a_changed_cell_is_found_by_the_filter_at_once():
    model = TableModel(COLUMNS)
    model.set_rows(make_rows(50))
    model.set_filter("renamed")
    assert model.order == []
    cells, key, style = make_row(7)
    model.update({job_id(7): (cells[:2] + ("renamed",) + cells[3:], key, style)})
    assert model.order == [job_id(7)]
    model.update({job_id(7): make_row(7)})
    assert model.order == []


def churn_tick(rows: dict, running: list[int], next_i: int, t: int, count: int) -> tuple[dict, list[int], int]:
    """A refresh as on a busy cluster: `count` new jobs start (top of the running ones), the jobs that
    ran last tick finish (from the running ones to the top of the inactive ones)."""
    upserts = {}
    for k in running:
        cells, _, _ = rows[k]
        upserts[k] = (cells[:3] + ("CD",) + cells[4:], (2, -t, -k), "completed")
    started = []
    for _ in range(count):
        k = job_id(next_i)
        cells, _, _ = make_row(next_i)
        upserts[k] = (cells[:3] + ("R",) + cells[4:], (1, -t, 0), "running")  # same start time: ties
        started.append(k)
        next_i += 1
    return upserts, started, next_i


@pytest.mark.parametrize("sort", [(None, False), ("user", False), ("st", True)])
def test_a_busy_clusters_refresh_edits_the_order_in_place_and_matches_a_rescan(sort):
    """New jobs start and others finish in every refresh: the rows that move sit together, so the sorted
    order is edited in place (not rebuilt over every row), with rows of equal sort keys among them."""
    model = TableModel(COLUMNS)
    rows = {k: (cells, (2, -k, -k), "completed") for k, (cells, _, _) in make_rows(5000).items()}
    model.set_rows(rows)
    model.sort_by(*sort)
    running: list[int] = []
    next_i = 5000
    for t in range(1, 8):
        cursor = model.cursor_key
        before = model._sorted
        upserts, running, next_i = churn_tick(rows, running, next_i, t, 30)
        model.update(upserts)
        rows.update(upserts)
        assert model._sorted is before, "rebuilt over every row"
        assert_sorted_and_indexed(model, rows)
        assert model.cursor_key == cursor


def assert_sorted_and_indexed(model: TableModel, rows: dict) -> None:
    """Order by a rescan, up to the order among rows of equal value; every row found where it is."""
    expected = expected_order(model)
    assert sorted(model.order) == sorted(expected)
    place = model._place()
    values = [place(k) for k in model.order]
    assert values == [place(k) for k in expected]
    for position, k in enumerate(model.order):
        assert model.index(k) == position
    assert model.index(max(model.cells) + 1) is None


@pytest.mark.parametrize("max_runs", [0, 2, 10_000])
@pytest.mark.parametrize("seed", range(3))
def test_moves_in_place_or_rebuilt_give_the_same_order(monkeypatch, seed, max_runs):
    """Scattered moves, removals and rows of equal sort keys, through the in-place edits (many places
    allowed), the rebuild (none allowed) and the choice between them, under filters and sorts."""
    monkeypatch.setattr(table_sort, "MAX_RUNS", max_runs)
    rng = random.Random(seed)
    model = TableModel(COLUMNS)
    rows = {k: (cells, (key[0], key[1] // 50, 0), style) for k, (cells, key, style) in make_rows(4000).items()}
    model.set_rows(rows)
    for step in range(30):
        if step % 7 == 3:
            model.sort_by(rng.choice([None, "user", "st", "time"]))
        if step % 11 == 5:
            model.set_filter(rng.choice(["", "sim1", "PD"]))
        upserts = {}
        for k in rng.sample(sorted(rows), rng.choice([1, 5, 40])):
            cells, key, style = rows[k]
            upserts[k] = (cells[:6] + (f"{step}s",) + cells[7:], (key[0], key[1] + rng.choice([0, 1, 9]), 0), style)
        removed = [k for k in rng.sample(sorted(rows), rng.choice([0, 2, 20])) if k not in upserts]
        model.update(upserts, removed)
        for k in removed:
            del rows[k]
        rows.update(upserts)
        assert_sorted_and_indexed(model, rows)
