"""sync_rows keeps a small DataTable in step with keyed rows, and its render caches to what is shown."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from fluxstate_tui.widgets.keyed_table import cursor_row_key, sync_rows

COLUMNS = [("NAME", "name"), ("PENDING", "pending")]


class ListApp(App):
    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row")
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table


def rows(tick: int, names=("a", "b", "c")) -> dict[str, list[Text]]:
    return {name: [Text(name), Text(str(tick * 3 + i))] for i, name in enumerate(names)}


async def test_rows_follow_the_keys_and_the_cursor_stays_on_its_row():
    app = ListApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(DataTable)
        sync_rows(table, COLUMNS, rows(0))
        await pilot.pause()
        table.move_cursor(row=2)
        sync_rows(table, COLUMNS, {"z": [Text("z"), Text("9")], **rows(1, names=("b", "c"))})
        await pilot.pause()
        assert [k.value for k in table.rows] == ["b", "c", "z"]
        assert table.get_cell("c", "pending") == Text("4")
        assert cursor_row_key(table) == "c"


async def test_render_caches_hold_what_is_shown_not_every_refresh_before():
    app = ListApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(DataTable)
        sizes = []
        for tick in range(60):  # a list open for two minutes at the default 2 s refresh
            sync_rows(table, COLUMNS, rows(tick))
            await pilot.pause()
            sizes.append((len(table._cell_render_cache), len(table._line_cache), len(table._row_render_cache)))
        assert sizes[-1] == sizes[5]  # none of them grows with the refreshes
        assert sizes[-1][0] <= 4 * len(COLUMNS) * 2  # header and three rows, a cursor variant at most
        sync_rows(table, COLUMNS, rows(59))  # nothing changed: the caches stay warm
        await pilot.pause()
        assert len(table._cell_render_cache) == sizes[-1][0]
