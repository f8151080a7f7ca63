"""The filter and sort indexes of TableModel (search text kept per row, sort values shared per distinct
cell) give exactly the order a rescan would, through updates, removals, filters and every sort."""

from __future__ import annotations

import random

import pytest

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
