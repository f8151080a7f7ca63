"""JobTable: keyed Line-API table. Pilot tests with a tiny App, plus pure model tests."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from fluxstate_tui.widgets.job_table import Column, JobTable
from fluxstate_tui.widgets.table_model import TableModel, column_sort_value, fit, numeric_value

COLUMNS = [
    Column("jobid", "JOBID"),
    Column("user", "USER"),
    Column("name", "NAME", width=10),
    Column("st", "ST"),
    Column("ntasks", "NTASKS", align="right"),
    Column("nnodes", "NNODES", align="right"),
    Column("time", "TIME", align="right"),
    Column("info", "INFO"),
]
STATES = [  # (st cell, style, default-order rank): pending, then running, then inactive
    ("PD", "pending", 0),
    ("R", "running", 1),
    ("CD", "completed", 2),
    ("F", "failed", 2),
    ("CA", "canceled", 2),
    ("TO", "timeout", 2),
    ("PD", "held", 0),
]


def job_id(i: int) -> int:
    return 1_000_000 + i * 7


def make_row(i: int, state: int | None = None, tick: int = 0):
    st, style, rank = STATES[i % len(STATES) if state is None else state]
    nnodes = "-" if st == "PD" else str(i % 9 + 1)
    cells = (
        f"f{job_id(i):x}",
        f"user{i % 5}",
        f"sim{i % 11}",
        st,
        str((i * 37) % 200 + 1),
        nnodes,
        f"{(i + tick) % 90}.{tick}s",
        "held" if style == "held" else f"node[{i % 4}]",
    )
    return cells, (rank, -job_id(i)), style


def make_rows(n: int, start: int = 0) -> dict:
    return {job_id(i): make_row(i) for i in range(start, start + n)}


class TableApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[int | None] = []
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield JobTable(COLUMNS, id="jobs")

    def on_mount(self) -> None:
        self.query_one(JobTable).focus()

    def on_job_table_highlighted(self, message: JobTable.Highlighted) -> None:
        assert message.table is self.query_one(JobTable)
        self.highlighted.append(message.key)

    def on_job_table_selected(self, message: JobTable.Selected) -> None:
        self.selected.append(message.key)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


def visible_text(table: JobTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_first_load_and_render():
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(1000))
        await settle(pilot)
        assert table.total_count == table.row_count == 1000
        keys = table.row_keys()
        # default order = the rows' sort keys: pending first, newest first within a group
        expected = sorted(make_rows(1000), key=lambda k: make_rows(1000)[k][1])
        assert keys == expected
        assert table.cursor_key == keys[0]
        assert app.highlighted == [keys[0]]

        lines = visible_text(table)
        assert lines[0].split() == ["JOBID", "USER", "NAME", "ST", "NTASKS", "NNODES", "TIME", "INFO"]
        for y in (1, 2, 28):
            cells = table.cells(keys[y - 1])
            assert lines[y].split()[:4] == [cells[0], cells[1], cells[2], cells[3]]
            assert len(lines[y]) == 100
        # right-aligned numeric column: the value ends where the header label ends
        header = lines[0]
        end = header.index("NTASKS") + len("NTASKS")
        ntasks = table.cells(keys[0])[4]
        assert lines[1][end - len(ntasks) : end] == ntasks
        # the screenshot shows the same cells
        svg = app.export_screenshot()
        assert "JOBID" in svg and table.cells(keys[0])[0] in svg


async def test_cursor_keys_enter_and_click():
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(1000))
        await settle(pilot)
        keys = table.row_keys()
        await pilot.press("down", "j", "j")
        assert table.cursor_key == keys[3]
        await pilot.press("up", "k")
        assert table.cursor_key == keys[1]
        await pilot.press("enter")
        await settle(pilot)
        assert app.selected == [keys[1]]

        await pilot.press("pagedown")
        data_lines = table.size.height - 1
        assert table.cursor_row == 1 + data_lines
        assert table.scroll_y == data_lines  # the cursor stays on screen
        await pilot.press("pageup")
        assert table.cursor_row == 1 and table.scroll_y == 0
        await pilot.press("end")
        assert table.cursor_key == keys[-1]
        assert table.scroll_y == table.max_scroll_y
        assert table.render_line(table.size.height - 1).text.split()[0] == table.cells(keys[-1])[0]
        await pilot.press("home")
        assert table.cursor_key == keys[0] and table.scroll_y == 0
        await pilot.press("G")
        assert table.cursor_key == keys[-1]
        await pilot.press("g")
        assert table.cursor_key == keys[0]
        await pilot.press("up")  # clamps at the top
        assert table.cursor_key == keys[0]
        await settle(pilot)
        # each move to another key posted one Highlighted, in order
        assert app.highlighted[-3:] == [keys[0], keys[-1], keys[0]]
        assert app.highlighted[:4] == [keys[0], keys[1], keys[2], keys[3]]

        # mouse: first click moves the cursor, a click on the cursor row selects it
        await pilot.click(JobTable, offset=(3, 5))  # screen line 5 = row 4 (line 0 is the header)
        assert table.cursor_key == keys[4]
        await pilot.click(JobTable, offset=(3, 5))
        await settle(pilot)
        assert app.selected == [keys[1], keys[4]]
        await pilot.click(JobTable, offset=(3, 0))  # the header does nothing
        assert table.cursor_key == keys[4]


async def test_update_keeps_cursor_and_scroll():
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(1000))
        await settle(pilot)
        await pilot.press("pagedown", "pagedown", "down", "down")
        cursor, scroll_y = table.cursor_key, table.scroll_y
        assert scroll_y > 0
        highlights = len(app.highlighted)

        rng = random.Random(7)
        keys = [k for k in table.row_keys() if k != cursor]
        changed = rng.sample(range(1000), 10)
        upserts = {}
        for n, i in enumerate(changed):
            if job_id(i) == cursor:
                continue
            # half only tick TIME, half change state (which moves them in the default order)
            upserts[job_id(i)] = make_row(i, tick=3) if n % 2 else make_row(i, state=2, tick=3)
        upserts.update(make_rows(5, start=1000))  # new jobs
        removed = [k for k in rng.sample(keys, 5) if k not in upserts]
        table.update_rows(upserts, removed)
        await settle(pilot)

        assert table.cursor_key == cursor
        assert table.scroll_y == scroll_y
        assert table.total_count == 1000 + 5 - len(removed)
        assert not set(removed) & set(table.row_keys())
        for key, (cells, _sort_key, style) in upserts.items():
            assert table.cells(key) == cells
            assert table.style_of(key) == style
        order = table.row_keys()
        sort_keys = {**make_rows(1005), **{k: v for k, v in upserts.items()}}
        assert order == sorted(order, key=lambda k: sort_keys[k][1])
        assert len(app.highlighted) == highlights  # the cursor did not move: no message

        # an update that changes nothing in view still repaints the changed cell text
        top_key = order[round(table.scroll_y)]
        i = (top_key - 1_000_000) // 7
        cells, sort_key, style = table.cells(top_key), make_row(i)[1], table.style_of(top_key)
        new_cells = cells[:6] + ("99.9s",) + cells[7:]
        table.update_rows({top_key: (new_cells, sort_key, style)})
        await settle(pilot)
        assert "99.9s" in table.render_line(1).text


async def test_removing_cursor_row_moves_to_neighbour():
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(200))
        await settle(pilot)
        keys = table.row_keys()
        assert table.move_cursor_to(keys[10])
        table.update_rows({}, removed=[keys[10], keys[3]])
        await settle(pilot)
        # the row now at the cursor's old index (one row above it went too)
        assert table.cursor_key == keys[12]
        assert app.highlighted[-1] == keys[12]
        # at the end: clamps to the new last row
        await pilot.press("end")
        last = table.row_keys()
        table.update_rows({}, removed=[last[-1]])
        assert table.cursor_key == last[-2]
        # set_rows without the cursor key: same index rule
        table.move_cursor_to(last[5])
        table.set_rows({k: make_row((k - 1_000_000) // 7) for k in last if k != last[5]})
        assert table.cursor_key == last[6]
        # emptying the table
        table.set_rows({})
        await settle(pilot)
        assert table.cursor_key is None and table.row_count == 0
        assert app.highlighted[-1] is None
        assert table.render_line(1).text.strip() == ""
        await pilot.press("down", "enter", "end")  # no crash on an empty table


async def test_sort_by_keeps_cursor():
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(1000))
        await settle(pilot)
        default = table.row_keys()
        table.move_cursor_to(default[123])
        cursor = table.cursor_key

        table.sort_by("ntasks")
        assert (table.sort_column, table.sort_reverse) == ("ntasks", False)
        values = [int(table.cells(k)[4]) for k in table.row_keys()]
        assert values == sorted(values)  # numeric, not text ("10" after "9")
        # stable: ties keep the default order
        pos = {k: i for i, k in enumerate(default)}
        for a, b in pairwise(table.row_keys()):
            if table.cells(a)[4] == table.cells(b)[4]:
                assert pos[a] < pos[b]
        assert table.cursor_key == cursor
        assert table.row_keys()[round(table.scroll_y):][: table.size.height - 1].count(cursor) == 1
        assert "NTASKS▲" in table.render_line(0).text.replace(" ", "") or "▲NTASKS" in table.render_line(0).text

        table.sort_by("ntasks", reverse=True)
        values = [int(table.cells(k)[4]) for k in table.row_keys()]
        assert values == sorted(values, reverse=True)
        for a, b in pairwise(table.row_keys()):
            if table.cells(a)[4] == table.cells(b)[4]:
                assert pos[a] < pos[b]  # still stable when reversed
        assert "▼" in table.render_line(0).text
        assert table.cursor_key == cursor

        table.sort_by("nnodes")  # "-" sorts lowest
        nnodes = [table.cells(k)[5] for k in table.row_keys()]
        dashes = nnodes.count("-")
        assert dashes and nnodes[:dashes] == ["-"] * dashes
        assert [int(v) for v in nnodes[dashes:]] == sorted(int(v) for v in nnodes[dashes:])

        table.sort_by("user", reverse=True)
        users = [table.cells(k)[1] for k in table.row_keys()]
        assert users == sorted(users, reverse=True)

        table.sort_by("jobid")  # by the id, not the f58/hex text
        assert table.row_keys() == sorted(default)

        # updates while sorted by a column keep that order
        k = table.row_keys()[0]
        cells = table.cells(k)
        table.update_rows({k: (cells[:4] + ("7",) + cells[5:], (2, -k), "completed")})
        table.sort_by("ntasks")
        order = table.row_keys()
        assert [int(table.cells(x)[4]) for x in order] == sorted(int(table.cells(x)[4]) for x in order)

        table.sort_by(None)
        assert table.sort_column is None and "▲" not in table.render_line(0).text
        assert table.cursor_key == cursor
        await settle(pilot)


async def test_filter_by_name_state_and_id():
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(1000))
        await settle(pilot)
        keys = table.row_keys()

        sim3 = [k for k in keys if table.cells(k)[2] == "sim3"]
        table.move_cursor_to(sim3[4])
        table.set_filter("SIM3")  # case-insensitive
        assert table.filter_text == "SIM3"
        assert table.row_keys() == sim3
        assert table.row_count == len(sim3) and table.total_count == 1000
        assert table.cursor_key == sim3[4]  # still visible: stays

        table.set_filter("failed")  # a state word matches the style name
        failed = [k for k in keys if table.style_of(k) == "failed"]
        assert table.row_keys() == failed
        assert table.cursor_key == failed[0]  # the old cursor row is hidden: first row

        table.set_filter("held")
        assert all(table.style_of(k) == "held" for k in table.row_keys())
        table.set_filter("running")
        assert table.row_keys() == [k for k in keys if table.style_of(k) == "running"]

        target = keys[321]
        table.set_filter(table.cells(target)[0].upper())  # by id text
        assert target in table.row_keys()
        assert all(table.cells(target)[0] in table.cells(k)[0] for k in table.row_keys())

        table.set_filter("no-such-job")
        await settle(pilot)
        assert table.row_count == 0 and table.cursor_key is None

        # updates while filtered: a row that starts matching appears, one that stops vanishes
        table.set_filter("sim3")
        first = table.row_keys()[0]
        i = (first - 1_000_000) // 7
        cells, sort_key, style = make_row(i)
        table.update_rows({first: (cells[:2] + ("other",) + cells[3:], sort_key, style)})
        assert first not in table.row_keys()
        j = next(n for n in range(1000) if f"sim{n % 11}" != "sim3")
        cells, sort_key, style = make_row(j)
        table.update_rows({job_id(j): (cells[:2] + ("sim3x",) + cells[3:], sort_key, style)})
        assert job_id(j) in table.row_keys()

        table.set_filter("")
        assert table.row_count == 1000
        await settle(pilot)


async def test_100k_rows_stay_responsive():
    app = TableApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(JobTable)
        rows = make_rows(100_000)
        table.set_rows(rows)
        await settle(pilot)
        keys = table.row_keys()
        assert table.row_count == 100_000
        await pilot.press("down", "down")
        assert table.cursor_key == keys[2]
        await pilot.press("end")
        assert table.cursor_key == keys[-1]
        assert table.render_line(table.size.height - 1).text.split()[0] == table.cells(keys[-1])[0]
        await pilot.press("pageup", "up")
        cursor, scroll_y = table.cursor_key, table.scroll_y
        # 1% of rows change (time ticks, a few state changes), some come and go
        upserts = {job_id(i): make_row(i, tick=1) for i in range(0, 100_000, 100)}
        upserts.update({job_id(i): make_row(i, state=1) for i in range(5, 100_000, 5000)})
        upserts.update(make_rows(50, start=100_000))
        upserts.pop(cursor, None)
        removed = [k for k in keys[1000:1050] if k not in upserts]
        table.update_rows(upserts, removed)
        await settle(pilot)
        assert table.cursor_key == cursor and table.scroll_y == scroll_y
        assert table.total_count == 100_050 - len(removed)
        table.sort_by("time", reverse=True)
        assert table.cursor_key == cursor
        table.set_filter("sim7")
        await pilot.press("home")
        assert table.cells(table.cursor_key)[2] == "sim7"
        await settle(pilot)


async def test_widths_grow_never_shrink_and_cut_at_width():
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(20))
        await settle(pilot)
        first = table.row_keys()[0]
        cells, sort_key, style = table.cells(first), (-1,), "running"
        long_user = "a-very-long-user-name"
        table.update_rows({first: ((cells[0], long_user, "a-name-longer-than-ten") + cells[3:], sort_key, style)})
        await settle(pilot)
        line = table.render_line(1).text
        assert len(line) == 60  # cut at the widget width
        assert line.split()[0] == cells[0]  # JOBID always visible
        assert long_user in line
        assert "a-name-lo…" in line  # fixed-width column is cut with an ellipsis
        header = table.render_line(0).text
        assert header.index("NAME") > header.index("USER") + len(long_user)
        table.update_rows({}, removed=[first])  # the widest row goes: USER stays wide
        await settle(pilot)
        assert table.render_line(0).text == header


# --- the pure model ---------------------------------------------------------------------


def test_numeric_value_orders_fsd_and_dash():
    texts = ["1.5m", "-", "59s", "2h", "10", "9", "1d", "0.5ms", "inf"]
    ordered = sorted(texts, key=numeric_value)
    assert ordered == ["-", "0.5ms", "9", "10", "59s", "1.5m", "2h", "1d", "inf"]


def test_reverse_text_sort_value_is_exact_reverse():
    col = Column("user", "USER")
    words = ["a", "ab", "b", "", "abc", "Zed", "zz", "é", "x"]
    asc = sorted(words, key=lambda w: column_sort_value(col, 0, w, False))
    desc = sorted(words, key=lambda w: column_sort_value(col, 0, w, True))
    assert desc == asc[::-1]


def test_fit():
    assert fit("abc", 5, "left") == "abc  "
    assert fit("abc", 5, "right") == "  abc"
    assert fit("abcdef", 4, "left") == "abc…"
    assert fit("日本語", 4, "left") == "日 …"  # 4 cells: a wide char, a pad, the ellipsis


def test_model_update_costs_nothing_when_order_is_unchanged():
    model = TableModel(COLUMNS)
    model.set_rows(make_rows(100))
    order = model.order
    index_of = model.index_of
    change = model.update({job_id(3): make_row(3, tick=5)})
    assert not change.order_changed
    assert model.order is order and model.index_of is index_of  # no O(N) rebuild
    change = model.update({job_id(3): make_row(3, state=1)})  # failed -> running: moves
    assert change.order_changed
    assert model.order == sorted(model.order, key=model.sort_keys.__getitem__)
    assert model.index_of == {k: i for i, k in enumerate(model.order)}
    # many movers at once take the re-sort path; both paths give the same order
    big = {job_id(i): make_row(i, state=(i + 1) % 7) for i in range(100)}
    model.update(big)
    assert model.order == sorted(model.order, key=model.sort_keys.__getitem__)
    # an identical upsert is not a change
    assert model.update({job_id(3): big[job_id(3)]}).changed_keys == []


def test_model_rejects_unknown_sort_column():
    model = TableModel(COLUMNS)
    with pytest.raises(KeyError):
        model.sort_by("nope")


def expected_order(rows, column, reverse):
    if column is None:
        return sorted(rows, key=lambda k: rows[k][1], reverse=reverse)
    index = [c.key for c in COLUMNS].index(column)
    return sorted(rows, key=lambda k: (column_sort_value(COLUMNS[index], k, rows[k][0][index], reverse), rows[k][1]))


@pytest.mark.parametrize(
    "sort", [(None, False), (None, True), ("ntasks", False), ("time", True), ("user", True), ("jobid", True)]
)
def test_model_random_updates_match_brute_force(sort):
    """Random keyed diffs (few and many movers, adds, removes) against a from-scratch sort."""
    rng = random.Random(hash(sort) & 0xFFFF)
    model = TableModel(COLUMNS)
    rows = make_rows(600)
    model.set_rows(rows)
    model.sort_by(*sort)
    model.set_filter("sim1")
    next_i = 600
    for step in range(12):
        keys = list(rows)
        upserts = {}
        for k in rng.sample(keys, min(len(keys), rng.choice([3, 40, 300, 599]))):
            i = (k - 1_000_000) // 7
            upserts[k] = make_row(i, state=rng.randrange(len(STATES)), tick=step)
        for _ in range(rng.randrange(0, 30)):
            upserts[job_id(next_i)] = make_row(next_i)
            next_i += 1
        removed = [k for k in rng.sample(keys, rng.randrange(0, 20)) if k not in upserts]
        if step == 6:
            model.set_filter("")
        cursor = model.cursor_key
        model.update(upserts, removed)
        for k in removed:
            del rows[k]
        rows.update(upserts)

        expected = expected_order(rows, *sort)
        if model.filter_text:
            expected = [k for k in expected if "sim1" in rows[k][0][2]]
        assert model.order == expected
        assert model.index_of == {k: i for i, k in enumerate(expected)}
        if cursor in model.index_of:
            assert model.cursor_key == cursor


def test_model_switching_sorts_between_updates_matches_brute_force():
    """The default order kept for the next sort by a column (ties in place) must never be a stale one:
    sorts switch between diffs that add, remove and move rows, and between diffs that only change cells."""
    rng = random.Random(17)
    model = TableModel(COLUMNS)
    rows = make_rows(400)
    model.set_rows(rows)
    sorts = [(None, False), (None, True), ("ntasks", False), ("user", True), ("name", False), ("time", True)]
    next_i = 400
    for step in range(40):
        keys = list(rows)
        upserts, removed = {}, []
        kind = step % 4
        if kind == 0:  # the same rows, their sort keys unchanged
            upserts = {k: rows[k] for k in rng.sample(keys, 10)}
        elif kind == 1:  # new rows only
            for _ in range(rng.randrange(1, 5)):
                upserts[job_id(next_i)] = make_row(next_i)
                next_i += 1
        elif kind == 2:  # rows go only
            removed = rng.sample(keys, rng.randrange(1, 5))
        else:  # rows move
            for k in rng.sample(keys, rng.choice([2, 30, 200])):
                i = (k - 1_000_000) // 7
                upserts[k] = make_row(i, state=rng.randrange(len(STATES)), tick=step)
        if step == 21:  # everything anew: some rows gone, some new
            rows = {k: row for k, row in rows.items() if k not in removed} | upserts | make_rows(50, start=next_i)
            next_i += 50
            model.set_rows(rows)
        else:
            model.update(upserts, removed)
            for k in removed:
                del rows[k]
            rows.update(upserts)
        assert model.order == expected_order(rows, model.sort_column, model.sort_reverse)
        for _ in range(rng.randrange(1, 3)):
            column, reverse = rng.choice(sorts)
            model.sort_by(column, reverse)
            assert model.order == expected_order(rows, column, reverse), f"step {step}: sorted by {column}"


async def test_space_and_v_mark_rows_esc_clears_and_marks_of_removed_rows_go():
    counts: list[int] = []

    class MarkApp(TableApp):
        def on_job_table_marks_changed(self, message: JobTable.MarksChanged) -> None:
            counts.append(message.count)

    app = MarkApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(20))
        await settle(pilot)
        keys = table.row_keys()
        await pilot.press("space", "down", "v", "down", "down", "space")
        await settle(pilot)
        assert table.marked == {keys[0], keys[1], keys[3]}
        marked_style = table._line_style(keys[1], False, table.rich_style)
        plain_style = table._line_style(keys[2], False, table.rich_style)
        assert marked_style.bgcolor != plain_style.bgcolor and marked_style.bold
        await pilot.press("space")  # the cursor is on keys[3]: unmarked again
        await settle(pilot)
        assert table.marked == {keys[0], keys[1]}
        table.update_rows({}, removed=[keys[0]])   # a marked job purged: its mark goes, and the count says so
        await settle(pilot)
        assert table.marked == {keys[1]} and counts[-1] == 1
        table.clear_marks()
        await settle(pilot)
        assert table.marked == set() and counts[-1] == 0
        assert counts == [1, 2, 3, 2, 1, 0]


async def test_a_model_filled_off_the_ui_thread_takes_the_place_of_the_rows():
    """The first full listing of a big queue: a worker fills `blank_model()` and `adopt` swaps it in,
    as `set_rows` would have done (cursor kept on its key, marks of rows that went away dropped), unless
    the table's columns, sort or filter changed meanwhile (then nothing changes: the caller sets rows)."""
    import asyncio

    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(50))
        table.sort_by("user")
        await settle(pilot)
        table.move_cursor_to(job_id(7))
        table.action_toggle_mark()
        table.marked.add(job_id(10_000))  # a row the full listing no longer has
        full = {**make_rows(2000), **make_rows(5, start=5000)}
        blank = table.blank_model()
        model = await asyncio.to_thread(lambda: (blank.set_rows(full), blank)[1])
        assert table.total_count == 50  # nothing shown changes until it is adopted
        assert table.adopt(model)
        await settle(pilot)
        reference = TableModel(COLUMNS)
        reference.set_rows(full)
        reference.sort_by("user")
        assert table.row_keys() == reference.order and table.total_count == 2005
        assert table.cursor_key == job_id(7) and job_id(7) in table.marked and job_id(10_000) not in table.marked
        assert visible_text(table)[0].split()[0] == "JOBID"

        stale = table.blank_model()
        stale.set_rows(make_rows(3))
        table.set_filter("sim1")  # the user filtered while the worker was filling it
        assert not table.adopt(stale) and table.total_count == 2005


class Layouts:
    """Counts the layouts of a screen (`Screen._refresh_layout`), the cost a refresh should not pay."""

    def __init__(self, screen) -> None:
        self.count = 0
        original = screen._refresh_layout

        def counted(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)

        screen._refresh_layout = counted


class TableAndFooterApp(App):
    """The table above another widget: the table's height is what is left (auto, up to max-height)."""

    CSS = "JobTable { max-height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield JobTable(COLUMNS, id="jobs")
        yield Static("below the table", id="below")


async def test_rows_added_to_a_full_table_lay_nothing_out_and_the_scrollbar_follows():
    app = TableAndFooterApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(100))
        await settle(pilot)
        room = table.size.height
        layouts = Layouts(app.screen)
        table.update_rows(make_rows(50, start=100))
        await settle(pilot)
        assert layouts.count == 0
        assert table.size.height == room
        assert table.virtual_size.height == 151
        assert table.vertical_scrollbar.window_virtual_size == 151
        table.focus()
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_key == table.row_keys()[-1]
        assert visible_text(table)[-1].split()[0] == f"f{table.row_keys()[-1]:x}"
        # and back under a screenful: the table shrinks (a layout: its box changes)
        table.update_rows({}, table.row_keys()[3:])
        await settle(pilot)
        assert layouts.count >= 1
        assert table.size.height == 4


async def test_rows_added_to_a_short_table_grow_it():
    app = TableAndFooterApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(JobTable)
        table.set_rows(make_rows(3))
        await settle(pilot)
        assert table.size.height == 4
        below = app.query_one("#below").region.y
        table.update_rows(make_rows(5, start=3))
        await settle(pilot)
        assert table.size.height == 9
        assert app.query_one("#below").region.y == below + 5
