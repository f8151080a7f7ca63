"""The pure model behind `JobTable`: rows keyed by job id, display order, filter, cursor.

No Textual imports here, so it can be tested (and benchmarked) without a screen.

Cells are stored as shown: every cell goes through `printable` on the way in, because
`JobTable.render_line` hands row text to the terminal as Segments, which are written raw (an
escape sequence in a job name would reach the terminal). Filter and sort see the same text.

Costs (N = all rows, k = rows in one update):
- `update(upserts, removed)`: O(k) when no row changes place (e.g. only TIME cells tick).
  When rows move, are added or removed: each is found by bisection where its old values place it
  and taken out, then bisected into its new place; the sorted list is edited in place where they
  sit together (a few slices: O(k log N) plus a few pointer moves), else rebuilt in one O(N) pass
  (table_sort.py). `index_of` (key -> position) is rebuilt lazily, on first use after such a
  change; pinning the cursor bisects instead.
- `sort_by(column)`: O(N) lookups of the column's sort values, each computed once per distinct cell
  text (a column holds few: states, users, task counts), then one sort.
- `set_filter(text)`: O(N) C-level substring tests over per-row haystacks, built when a row
  arrives or changes (not on the first key press, which would then pay for all N rows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from rich.cells import cell_len, set_cell_size

from ..flux.display import printable
from .sort_values import Column, column_sort_value, numeric_value
from .table_sort import SortedRows

Row = tuple[tuple[str, ...], tuple, str]
"""(cells, default sort key, style name) as passed to `update` / `set_rows`."""

STYLE_NAMES = ("pending", "running", "completed", "failed", "canceled", "timeout", "held")
FILTER_COLUMNS = ("jobid", "user", "name", "st")
__all__ = ["Change", "Column", "Row", "TableModel", "column_sort_value", "fit", "numeric_value"]


# --- cell layout --------------------------------------------------------------------------


def fit(text: str, width: int, align: str) -> str:
    """Pad or cut `text` to exactly `width` cells; cut text ends with an ellipsis."""
    if text.isascii():
        size = len(text)
        if size > width:
            return text[: width - 1] + "…" if width > 1 else text[:width]
        return text.rjust(width) if align == "right" else text.ljust(width)
    size = cell_len(text)
    if size > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    pad = " " * (width - size)
    return pad + text if align == "right" else text + pad


_WIDE = re.compile("[^\u0000-\u10ff]")
"""Characters that may take two cells; everything below U+1100 takes one (or zero)."""


def text_width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


class TableModel(SortedRows):
    """Rows keyed by int, a display order (sorted, then filtered), and a cursor pinned to a key."""

    def __init__(self, columns: list[Column]) -> None:
        if not columns:
            raise ValueError("a table needs at least one column")
        self.columns: list[Column] = list(columns)
        self.ncols = len(self.columns)
        self.col_index: dict[str, int] = {c.key: i for i, c in enumerate(self.columns)}
        self.widths: list[int] = [
            # auto columns keep room for the sort marker next to the label
            c.width if c.width is not None else max(c.min_width, text_width(c.label) + 1)
            for c in self.columns
        ]
        self._auto = [i for i, c in enumerate(self.columns) if c.width is None]
        filter_cols = [self.col_index[k] for k in FILTER_COLUMNS if k in self.col_index]
        self._filter_cols = filter_cols or list(range(self.ncols))
        # One C call per row for the filter text (built for every row of a 100,000-job load).
        pick = itemgetter(*self._filter_cols)
        self._filter_cells = pick if len(self._filter_cols) > 1 else (lambda cells: (pick(cells),))

        self.cells: dict[int, tuple[str, ...]] = {}
        self.sort_keys: dict[int, tuple] = {}
        self.styles: dict[int, str] = {}
        self._sorted: list[int] = []  # all keys in display order (before the filter)
        # Every key in the default order (by sort_keys), kept from when it was last shown, while no row
        # came, went or changed its sort key since: a sort by a column starts from it, ties then already in
        # order, rather than sorting 100,000 rows by their sort keys first (some 40 ms). None: unknown.
        self._default_order: list[int] | None = None
        self.order: list[int] = []  # visible keys in display order
        self._index_of: dict[int, int] | None = {}
        # Sort values while sorted by a column, shared between rows of equal text (no tuple per row:
        # at 100,000 rows, allocating them set off the collector over the whole heap). Ties go by
        # sort_keys, as if each value were the pair (value, sort key).
        self._column_values: dict[int, Any] = {}
        self._hay: dict[int, str] = {}  # lowered filter text per key, kept in step with cells
        self._value_memo: dict[str, Any] = {}  # cell text -> sort value, for the current sort column

        self.sort_column: str | None = None
        self.sort_reverse: bool = False
        self.filter_text: str = ""
        self._needle: str = ""

        self.cursor_index: int = 0
        self.width_generation = 0
        """Bumped whenever a column width grows (rendered row text must be redone)."""

    # --- read -----------------------------------------------------------------------------

    @property
    def index_of(self) -> dict[int, int]:
        """Visible key -> display position (built on demand after the order changed)."""
        if self._index_of is None:
            self._index_of = {key: position for position, key in enumerate(self.order)}
        return self._index_of

    def index(self, key: int) -> int | None:
        """Display position of a visible key, else None."""
        if self._index_of is not None:
            return self._index_of.get(key)
        if self._ascending and key in self.cells:
            return self._position(self.order, key, self._place())  # the order is sorted: bisection
        try:
            return self.order.index(key)  # one C-level scan: cheaper than rebuilding the dict
        except ValueError:
            return None

    @property
    def row_count(self) -> int:
        return len(self.order)

    @property
    def total_count(self) -> int:
        return len(self.cells)

    @property
    def cursor_key(self) -> int | None:
        if not self.order:
            return None
        return self.order[self.cursor_index]

    @property
    def line_width(self) -> int:
        """Cells of one rendered line: a leading space plus the columns separated by one space."""
        return 1 + sum(self.widths) + self.ncols - 1

    def row_text(self, key: int) -> str:
        cells = self.cells[key]
        widths = self.widths
        return " " + " ".join(
            [fit(cells[i], widths[i], col.align) for i, col in enumerate(self.columns)]
        )

    def header_text(self) -> str:
        parts = []
        for i, col in enumerate(self.columns):
            label = col.label
            width = self.widths[i]
            if col.key == self.sort_column:
                marker = "▼" if self.sort_reverse else "▲"
                if text_width(label) + 1 > width:
                    label = set_cell_size(label, max(width - 1, 0))
                label = label + marker if col.align != "right" else marker + label
            parts.append(fit(label, width, col.align))
        return " " + " ".join(parts)

    # --- cursor ---------------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        if not self.order:
            self.cursor_index = 0
            return
        self.cursor_index = max(0, min(index, len(self.order) - 1))

    def move_cursor_to(self, key: int) -> bool:
        index = self.index(key)
        if index is None:
            return False
        self.cursor_index = index
        return True

    def _pin_cursor(self, key: int | None, fallback_index: int) -> None:
        """Put the cursor back on `key`, else on `fallback_index` (clamped)."""
        index = self.index(key) if key is not None else None
        self.move_cursor(fallback_index if index is None else index)

    # --- internals ------------------------------------------------------------------------

    def _normalise(self, cells: tuple[str, ...]) -> tuple[str, ...]:
        if type(cells) is not tuple:
            cells = tuple(cells)
        if not "".join(cells).isprintable():  # one C-level test per row; escaping is the rare case
            cells = tuple(map(printable, cells))
        if len(cells) == self.ncols:
            return cells
        cells = cells[: self.ncols]
        return cells + ("",) * (self.ncols - len(cells))

    def _grow_widths(self, rows: Iterable[tuple[str, ...]]) -> bool:
        if not self._auto:
            return False
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return False
        grown = False
        for i in self._auto:
            values = list(map(itemgetter(i), rows))
            joined = "".join(values)
            if joined.isascii() or _WIDE.search(joined) is None:
                # no wide characters: one cell per character (zero-width ones only overestimate)
                widest = max(map(len, values))
            else:
                widest = max(map(cell_len, set(values)))
            if widest > self.widths[i]:
                self.widths[i] = widest
                grown = True
        if grown:
            self.width_generation += 1
        return grown

    def _make_haystack(self, cells: tuple[str, ...], style: str) -> str:
        return "\0".join((*self._filter_cells(cells), style)).lower()

    def _matches(self, key: int) -> bool:
        return self._needle in self._hay[key]

    def _refilter(self) -> None:
        if self._needle:
            hay = self._hay
            needle = self._needle
            self.order = [k for k in self._sorted if needle in hay[k]]
        else:
            self.order = self._sorted
        self._index_of = None

    # --- write ----------------------------------------------------------------------------

    def update(self, upserts: Mapping[int, Row], removed: Iterable[int] = ()) -> Change:
        """Keyed diff. Returns what changed so the view can repaint the least."""
        prev_key, prev_index = self.cursor_key, self.cursor_index
        cells_d, keys_d, styles_d = self.cells, self.sort_keys, self.styles
        by_column = self.sort_column is not None
        filtering = bool(self._needle)
        order_dirty = False
        members_dirty = False

        gone = {k for k in removed if k in cells_d and k not in upserts}

        # What changes first, the rows untouched: rows that move are found in the sorted list where
        # their old values place them.
        added: list[int] = []
        changed: list[int] = []
        moved: set[int] = set()
        rekeyed = False  # a row's sort key changed: the default order is another
        writes = []
        normalise = self._normalise
        for k, (cells, sort_key, style) in upserts.items():
            cells = normalise(cells)
            old_cells = cells_d.get(k)
            if old_cells is None:
                added.append(k)
            else:
                if old_cells == cells and keys_d[k] == sort_key and styles_d[k] == style:
                    continue
                changed.append(k)
                if keys_d[k] != sort_key:  # by a column too: it breaks the ties
                    moved.add(k)
                    rekeyed = True
            value = self._column_value(k, cells) if by_column else None
            if by_column and old_cells is not None and self._column_values[k] != value:
                moved.add(k)
            writes.append((k, cells, sort_key, style, value, old_cells is not None))
        if gone or moved:
            # The rows that move come out and go back in (with the new ones) by bisection: the rest
            # stays where it is.
            self._take_out(gone | moved if gone else moved)

        for k in gone:
            del cells_d[k], keys_d[k], styles_d[k]
            self._hay.pop(k, None)
            self._column_values.pop(k, None)
        for k, cells, sort_key, style, value, existed in writes:
            if filtering and existed:
                was = self._matches(k)
            cells_d[k] = cells
            keys_d[k] = sort_key
            styles_d[k] = style
            self._hay[k] = self._make_haystack(cells, style)
            if by_column:
                self._column_values[k] = value
            if filtering and existed and was != self._matches(k):
                members_dirty = True

        if gone or added or rekeyed:
            self._default_order = None
        movers = [*moved, *added]
        if movers:
            order_dirty = True
            if not (self.sort_reverse and not by_column):
                self._merge_sorted(movers)
            else:
                self._sorted.extend(movers)
                self._resort()
        order_changed = order_dirty or members_dirty or bool(gone)
        if order_changed:
            self._refilter()
            self._pin_cursor(prev_key, prev_index)

        new_rows = [cells_d[k] for k in added] + [cells_d[k] for k in changed]
        widths_changed = self._grow_widths(new_rows)
        return Change(order_changed, widths_changed, changed)

    def set_rows(self, rows: Mapping[int, Row]) -> Change:
        """Replace everything. The cursor stays on its key if it survives, else its index."""
        prev_key, prev_index = self.cursor_key, self.cursor_index
        normalise = self._normalise
        self.cells = {k: normalise(v[0]) for k, v in rows.items()}
        self.sort_keys = {k: v[1] for k, v in rows.items()}
        self.styles = {k: v[2] for k, v in rows.items()}
        make = self._make_haystack
        styles = self.styles
        self._hay = {k: make(cells, styles[k]) for k, cells in self.cells.items()}
        self._sorted = list(self.cells)
        self._default_order = None
        if self.sort_column is not None:
            self._compute_column_values()
        self._resort()
        self._refilter()
        self._pin_cursor(prev_key, prev_index)
        widths_changed = self._grow_widths(list(self.cells.values()))
        return Change(True, widths_changed, [])

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        if column_key is not None and column_key not in self.col_index:
            raise KeyError(f"no column {column_key!r}")
        prev_key = self.cursor_key
        if self.sort_column is None and not self.sort_reverse:
            self._default_order = list(self._sorted)
        self.sort_column = column_key
        self.sort_reverse = bool(reverse)
        self._value_memo = {}
        if column_key is None:
            self._column_values = {}
        else:
            self._compute_column_values()
        self._resort()
        self._refilter()
        self._pin_cursor(prev_key, self.cursor_index)

    @property
    def settings(self) -> tuple:
        """What a model made apart (`blank`) must still share with this one to take its place."""
        return tuple(c.key for c in self.columns), self.sort_column, self.sort_reverse, self.filter_text

    def blank(self) -> TableModel:
        """An empty model with these columns, widths, sort and filter: filled (`set_rows`) off the UI
        thread, it replaces this one at once (a first load of 100,000 rows)."""
        model = TableModel(self.columns)
        model.widths = list(self.widths)
        model.sort_column, model.sort_reverse = self.sort_column, self.sort_reverse
        model.filter_text, model._needle = self.filter_text, self._needle
        return model

    def pin_cursor(self, key: int | None, fallback_index: int) -> None:
        self._pin_cursor(key, fallback_index)

    def set_filter(self, text: str) -> None:
        prev_key = self.cursor_key
        self.filter_text = text
        self._needle = text.strip().lower()
        self._refilter()
        self._pin_cursor(prev_key, 0)


@dataclass
class Change:
    order_changed: bool
    widths_changed: bool
    changed_keys: list[int]
