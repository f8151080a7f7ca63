"""Keeping a small DataTable in step with keyed rows: remove the gone, update changed cells, add the new,
and keep the cursor on its key. For lists of a few hundred rows (MiniClusters, ranks); the job list has
its own Line-API table (job_table.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.widgets import DataTable


def sync_rows(table: DataTable, columns: Sequence[tuple[str, str]], wanted: Mapping[str, Sequence[Text]]) -> None:
    cursor_key = cursor_row_key(table)
    changed = False
    with table.app.batch_update():
        for key in [k.value for k in list(table.rows) if k.value is not None and k.value not in wanted]:
            table.remove_row(key)
            changed = True
        for key, cells in wanted.items():
            if key in table.rows:
                for (_label, col), value in zip(columns, cells, strict=True):
                    if table.get_cell(key, col) != value:
                        # A few hundred rows: keeping the columns wide enough costs nothing.
                        table.update_cell(key, col, value, update_width=True)
                        changed = True
            else:
                table.add_row(*cells, key=key)
                changed = True
        if changed:
            # DataTable keys its render caches by a count of its updates, so each refresh that changes a
            # cell leaves a screenful of dead entries behind, kept until the caches' bounds (10,000 cells,
            # 1,000 lines) push them out: a list left open, or visited between 100,000-job screens, grew by
            # megabytes (and pinned the allocator's arenas that the job screen's memory had freed).
            table._clear_caches()
        if cursor_key is not None and cursor_key in wanted:
            table.move_cursor(row=table.get_row_index(cursor_key), scroll=False)


def cursor_row_key(table: DataTable) -> str | None:
    if not table.row_count:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except Exception:  # the cursor on no row (a table emptied under it)
        return None
