"""`JobTable`: a keyed Line-API table for Flux job lists that stays usable at 100,000 rows.

Why not `DataTable`: its first paint measures every cell (about 15 s at 100k rows) and
`remove_row` is O(N) (anchors D.1). Here rows live in plain dicts and lists
(`table_model.TableModel`), `render_line` renders only the visible lines, and a refresh costs
O(changed rows), plus one `list.sort` over precomputed keys when the order changed.

Usage::

    table = JobTable([Column("jobid", "JOBID"), Column("user", "USER"), ...])
    table.set_rows({jobid: (cells, sort_key, "running"), ...})       # first load
    table.update_rows({jobid: (cells, sort_key, "completed")}, removed=[old_jobid])

Messages: `JobTable.Highlighted(key)` when the cursor lands on another key,
`JobTable.Selected(key)` on enter or on a click on the cursor row.

Cells are cluster data (a job's name is whatever its submitter chose). `render_line` builds
Segments from plain strings, and Segments reach the terminal as they are (no markup, but no
escaping either), so the model stores every cell through `printable` and the line text is passed
through it once more here: no escape sequence, bell or 8-bit CSI of a job name reaches the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ..flux.display import printable
from .table_model import STYLE_NAMES, Column, Row, TableModel

__all__ = ["Column", "JobTable", "Row"]

_ROW_TEXT_CACHE_LIMIT = 4096


T = TypeVar("T")


class FromModel(Generic[T]):
    """A read-only attribute of the table that is its model's attribute of that name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, table: Any, owner: type | None = None) -> T:
        return getattr(table._model, self.name)


class JobTable(ScrollView, can_focus=True):
    """A fast, keyed table of jobs: fixed header line, row cursor pinned to a job id."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "job-table--header",
        "job-table--cursor",
        "job-table--marked",
        *(f"job-table--{name}" for name in STYLE_NAMES),
    }

    DEFAULT_CSS = """
    JobTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        overflow-x: hidden;
        overflow-y: auto;

        & > .job-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .job-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .job-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .job-table--pending { color: $text-warning; }
        & > .job-table--running { color: $text-success; text-style: bold; }
        & > .job-table--completed { color: $text-muted; }
        & > .job-table--failed { color: $text-error; text-style: bold; }
        & > .job-table--canceled { color: $text-accent; }
        & > .job-table--timeout { color: $text-error; }
        & > .job-table--held { color: $text-warning; text-style: italic; }
        & > .job-table--marked { background: $accent 35%; text-style: bold; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up,k", "cursor_up", "Cursor up", show=False),
        Binding("down,j", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First row", show=False),
        Binding("end,G", "last", "Last row", show=False),
        # k9s: space marks the row under the cursor for an action on many (v as in vim's visual mode).
        Binding("space,v", "toggle_mark", "Mark", show=False),
    ]

    @dataclass
    class RowMessage(Message):
        table: JobTable

        @property
        def control(self) -> JobTable:
            return self.table

    @dataclass
    class Highlighted(RowMessage):
        """The cursor moved to another key (None: the table became empty)."""

        key: int | None

    @dataclass
    class MarksChanged(RowMessage):
        """A row was marked or unmarked, or marked rows went away."""

        count: int

    @dataclass
    class Selected(RowMessage):
        """Enter pressed on a row, or the cursor row clicked."""

        key: int

    def __init__(
        self,
        columns: list[Column],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._model = TableModel(columns)
        self._row_text: dict[int, tuple[int, str]] = {}  # key -> (width generation, text)
        self._last_highlighted: int | None = None
        self.marked: set[int] = set()   # keys marked for an action on many, in no order
        # Line styles of the paint under way, by (state, cursor, marked): a paint asks for ~50 lines, and
        # working out the widget's style (its ancestors' colours) and the component styles for each took
        # ~5 ms of a 100,000-job refresh. Set anew by render_lines, which each paint calls first.
        self._paint_styles: dict[tuple[str, bool, bool], Style] = {}
        self._paint_base: Style | None = None
        self._sync_virtual_size()

    def on_unmount(self) -> None:
        # The rows go with the table (see JobsScreen.on_unmount: the widget may be held a while after it).
        self._model = TableModel(self._model.columns)
        self._row_text = {}
        self.marked = set()

    # --- public read API ------------------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return list(self._model.columns)

    # The model's state, read under the names the screens use.
    sort_column = FromModel[str | None]("sort_column")
    sort_reverse = FromModel[bool]("sort_reverse")
    filter_text = FromModel[str]("filter_text")
    cursor_key = FromModel[int | None]("cursor_key")
    cursor_row = FromModel[int]("cursor_index")     # index of the cursor among the visible rows
    row_count = FromModel[int]("row_count")
    total_count = FromModel[int]("total_count")

    def row_keys(self) -> list[int]:
        return list(self._model.order)

    def cells(self, key: int) -> tuple[str, ...]:
        return self._model.cells[key]

    def style_of(self, key: int) -> str:
        return self._model.styles[key]

    def __contains__(self, key: object) -> bool:
        return key in self._model.cells

    # --- public write API -----------------------------------------------------------------

    def update_rows(self, upserts: Mapping[int, Row], removed: Iterable[int] = ()) -> None:
        """Keyed diff: add or replace `upserts`, drop `removed`. Keeps cursor key and scroll_y."""
        change = self._model.update(upserts, removed)
        gone = self.marked.intersection(removed)
        if gone:
            self.marked -= gone
            self.post_message(self.MarksChanged(self, len(self.marked)))
        if change.widths_changed:
            self._row_text.clear()
        else:
            pop = self._row_text.pop
            for key in change.changed_keys:
                pop(key, None)
        self._after_change(layout=change.order_changed or change.widths_changed)

    def set_rows(self, rows: Mapping[int, Row]) -> None:
        """Replace all rows (first load). Same cursor rule as `update_rows`."""
        self._model.set_rows(rows)
        if self.marked - rows.keys():
            self.marked &= rows.keys()
            self.post_message(self.MarksChanged(self, len(self.marked)))
        self._row_text.clear()
        self._after_change(layout=True)

    def blank_model(self) -> TableModel:
        """An empty model like this table's, for a worker to fill with `set_rows` and hand to `adopt`."""
        return self._model.blank()

    def adopt(self, model: TableModel) -> bool:
        """Put a model filled elsewhere in place of this one's rows, as `set_rows` would. False (and
        nothing changed) if the columns, sort or filter changed since `blank_model`."""
        old = self._model
        if model.settings != old.settings:
            return False
        model.pin_cursor(old.cursor_key, old.cursor_index)
        self._model = model
        if self.marked - model.cells.keys():
            self.marked &= model.cells.keys()
            self.post_message(self.MarksChanged(self, len(self.marked)))
        self._row_text.clear()
        self._after_change(layout=True)
        return True

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        """Sort by a column's text (numeric for right-aligned columns), or None = default order."""
        self._model.sort_by(column_key, reverse)
        self._after_change(layout=True)
        self._scroll_cursor_into_view()

    def set_filter(self, text: str) -> None:
        """Case-insensitive substring over JOBID/USER/NAME/ST and the state name; "" = all."""
        self._model.set_filter(text)
        self._after_change(layout=True)
        self._scroll_cursor_into_view()

    def move_cursor_to(self, key: int) -> bool:
        """Move the cursor to `key` (scrolling it into view). False if it is not visible."""
        if not self._model.move_cursor_to(key):
            return False
        self._cursor_moved()
        return True

    # --- internals ------------------------------------------------------------------------

    def _sync_virtual_size(self) -> None:
        size = Size(self._model.line_width, self._model.row_count + 1)
        old = self.virtual_size
        if size == old:
            return
        height = self.size.height
        if height and old.height > height and size.height > height:
            # The table already fills its room (height: auto up to max-height) and still will, so its box stays
            # (its width is its container's, and overflow-x is hidden). Assigning virtual_size, a layout
            # reactive, would lay out the whole screen (10-40 ms with the jobs screen's widgets) on every refresh
            # that adds a row. Set it quietly and update the scrollbar as ScrollView does when its size changes.
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)
            self.refresh()
        else:
            self.virtual_size = size

    def _after_change(self, layout: bool) -> None:
        if layout:
            self._sync_virtual_size()
        self.refresh()
        self._post_highlight_if_moved()

    def _post_highlight_if_moved(self) -> None:
        key = self._model.cursor_key
        if key != self._last_highlighted:
            self._last_highlighted = key
            self.post_message(self.Highlighted(self, key))

    def _cursor_moved(self) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_highlight_if_moved()

    @property
    def _data_height(self) -> int:
        """Lines available for rows (the header takes one)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_cursor_into_view(self) -> None:
        index = self._model.cursor_index
        top = round(self.scroll_y)
        height = self._data_height
        if index < top:
            self.scroll_to(y=index, animate=False, force=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, force=True)

    def _move_cursor(self, index: int) -> None:
        self._model.move_cursor(index)
        self._cursor_moved()

    # --- rendering ------------------------------------------------------------------------

    def _text_for(self, key: int) -> str:
        generation = self._model.width_generation
        cached = self._row_text.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        if len(self._row_text) >= _ROW_TEXT_CACHE_LIMIT:
            self._row_text.clear()
        text = printable(self._model.row_text(key))  # already safe cells: a no-op kept as the last guard
        self._row_text[key] = (generation, text)
        return text

    @staticmethod
    def _fit_line(text: str, width: int) -> tuple[str, int]:
        if text.isascii():
            if len(text) >= width:
                return text[:width], width
            return text + " " * (width - len(text)), width
        return set_cell_size(text, width), width

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint_base = None
        self._paint_styles.clear()
        return super().render_lines(crop)

    def _base_style(self) -> Style:
        if self._paint_base is None:
            self._paint_base = self.rich_style
        return self._paint_base

    def _line_style(self, key: int, is_cursor: bool, base: Style) -> Style:
        state = self._model.styles.get(key, "")
        paint_key = (state, is_cursor, key in self.marked)
        style = self._paint_styles.get(paint_key)
        if style is None:
            style = self._paint_styles[paint_key] = self._compute_line_style(state, is_cursor, paint_key[2], base)
        return style

    def _compute_line_style(self, state: str, is_cursor: bool, marked: bool, base: Style) -> Style:
        style = base
        if state in STYLE_NAMES:
            state_style = self.get_component_rich_style(f"job-table--{state}")
            style = style + Style(
                color=state_style.color,
                bold=state_style.bold,
                italic=state_style.italic,
                dim=state_style.dim,
                strike=state_style.strike,
            )
        if marked:
            marked_style = self.get_component_rich_style("job-table--marked")
            style = style + Style(bgcolor=marked_style.bgcolor, bold=True)
        if is_cursor:
            cursor = self.get_component_rich_style("job-table--cursor")
            if self.has_focus:
                style = base + cursor
            else:
                style = style + Style(bgcolor=cursor.bgcolor)
        return style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base_style()
        if width <= 0:
            return Strip([])
        model = self._model
        if y == 0:
            style = base + self.get_component_rich_style("job-table--header")
            text, _ = self._fit_line(printable(model.header_text()), width)
            return Strip([Segment(text, style)], width)
        index = round(self.scroll_y) + y - 1
        if index >= len(model.order) or index < 0:
            return Strip.blank(width, base)
        key = model.order[index]
        style = self._line_style(key, index == model.cursor_index, base)
        text, cell_length = self._fit_line(self._text_for(key), width)
        return Strip([Segment(text, style)], cell_length)

    # --- input ----------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._move_cursor(self._model.cursor_index - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._model.cursor_index + 1)

    def action_page_up(self) -> None:
        height = self._data_height
        self.scroll_to(y=max(0, round(self.scroll_y) - height), animate=False, force=True)
        self._move_cursor(self._model.cursor_index - height)

    def action_page_down(self) -> None:
        height = self._data_height
        self.scroll_to(y=round(self.scroll_y) + height, animate=False, force=True)
        self._move_cursor(self._model.cursor_index + height)

    def action_first(self) -> None:
        self._move_cursor(0)

    def action_last(self) -> None:
        self._move_cursor(self._model.row_count - 1)

    def action_toggle_mark(self) -> None:
        key = self._model.cursor_key
        if key is None:
            return
        self.marked ^= {key}
        self.refresh()
        self.post_message(self.MarksChanged(self, len(self.marked)))

    def clear_marks(self) -> None:
        if self.marked:
            self.marked.clear()
            self.refresh()
            self.post_message(self.MarksChanged(self, 0))

    def action_select_cursor(self) -> None:
        key = self._model.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = round(self.scroll_y) + offset.y - 1
        if not 0 <= index < self._model.row_count:
            return
        event.stop()
        if index == self._model.cursor_index:
            self.action_select_cursor()
        else:
            self._move_cursor(index)

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.refresh()
