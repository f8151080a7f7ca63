"""The line that says how fresh the data on screen is: live, paused, loading or stale (and why)."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from ..flux.display import printable


class Freshness(Static):
    DEFAULT_CSS = """
    Freshness { height: 1; padding: 0 1; background: $boost; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.updated_at: float | None = None
        self.error: str | None = None
        self.busy: str | None = None    # a workflow is changing what this screen shows
        self.paused = False
        self.context = ""
        self._shown: Text | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self._redraw()

    def _tick(self) -> None:
        # The age, each second, only where it can be seen. A screen under another is redrawn on every
        # change of it, and Textual answers that by repainting all of the screen on top (its
        # `_background_screens` always holds the one just under it): at 100,000 jobs, a full repaint of the
        # jobs screen every second for a line nobody could see. A screen coming back redraws this line
        # (RefreshScreen.on_screen_resume).
        if self._visible():
            self._redraw()

    def _visible(self) -> bool:
        """On the top screen, or under screens that let it show through (a modal dialog's dimmed backdrop)."""
        stack = self.app.screen_stack
        screen = self.screen
        if screen not in stack:
            return False
        return all(above.styles.background.a < 1 for above in stack[stack.index(screen) + 1:])

    def _show(self, *, error: str | None = None, busy: str | None = None) -> None:
        self.error, self.busy = error, busy
        self._redraw()

    def mark_loading(self) -> None:
        """Before the first fetch ("loading…" until one succeeds). Not Widget.loading: that would cover
        this line with a loading indicator."""
        self._redraw()

    def mark_updated(self) -> None:
        self.updated_at = time.monotonic()
        self._show()

    def mark_failed(self, error: str) -> None:
        self._show(error=error)

    def mark_busy(self, note: str) -> None:
        self._show(busy=note)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._redraw()

    @property
    def stale(self) -> bool:
        return self.error is not None

    def _age(self) -> str:
        if self.updated_at is None:
            return "never"
        age = int(time.monotonic() - self.updated_at)
        return "just now" if age < 1 else f"{age}s ago"

    def _redraw(self) -> None:
        text = Text()
        if self.paused:
            text.append(" ⏸ PAUSED ", style="bold reverse")
            text.append(f"  updated {self._age()}  (p resumes)")
        elif self.busy is not None:
            text.append(" ⟳ BUSY ", style="bold reverse yellow")
            text.append(f"  updated {self._age()}  ")
            text.append(printable(self.busy), style="yellow")
        elif self.error is not None:
            text.append(" STALE ", style="bold reverse red")
            text.append(f"  updated {self._age()}  ")
            text.append(printable(self.error), style="red")
        elif self.updated_at is None:
            text.append(" loading… ")
        else:
            text.append(" ● LIVE ", style="bold reverse green")
            text.append(f"  updated {self._age()}")
        if self.context:
            text.append(f"   {self.context}", style="dim")
        if text == self._shown:
            return
        self._shown = text
        # One line, always (height: 1): a repaint, not a layout of the whole screen every second.
        self.update(text, layout=False)
