"""How the queue has moved over the last minutes, drawn from the refreshes already made (no extra exec):
pending and running as Textual Sparklines on the jobs screen, and `spark()` for a table cell."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline

POINTS = 120          # refreshes kept: four minutes at the default 2 s
BLOCKS = "▁▂▃▄▅▆▇█"


def spark(values: list[int] | deque[int], width: int = 12) -> Text:
    """The last `width` values as block characters, scaled to their own maximum (all zero: a flat line)."""
    tail = list(values)[-width:]
    top = max(tail, default=0)
    if top <= 0:
        return Text(BLOCKS[0] * len(tail), style="dim")
    return Text("".join(BLOCKS[min(len(BLOCKS) - 1, round(v / top * (len(BLOCKS) - 1)))] for v in tail), style="cyan")


class QueueTrend(Horizontal):
    DEFAULT_CSS = """
    QueueTrend { height: 1; padding: 0 1; }
    QueueTrend Label { width: auto; padding: 0 1 0 0; color: $text-muted; }
    QueueTrend Sparkline { width: 1fr; margin-right: 2; }
    QueueTrend #trend-pending > .sparkline--max-color { color: $warning; }
    QueueTrend #trend-running > .sparkline--max-color { color: $success; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pending: deque[int] = deque(maxlen=POINTS)
        self.running: deque[int] = deque(maxlen=POINTS)

    def compose(self) -> ComposeResult:
        yield Label("pending")
        yield Sparkline([], id="trend-pending")
        yield Label("running")
        yield Sparkline([], id="trend-running")

    def add(self, pending: int, running: int) -> None:
        self.pending.append(pending)
        self.running.append(running)
        self.query_one("#trend-pending", Sparkline).data = list(self.pending)
        self.query_one("#trend-running", Sparkline).data = list(self.running)
        self.tooltip = f"the last {len(self.pending)} refreshes: now {pending} pending, {running} running"
