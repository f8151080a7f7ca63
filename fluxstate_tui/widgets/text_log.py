"""Textual's Log, measuring new lines on the UI thread.

Log measures the width of the lines it is given in a thread worker. Textual runs a thread worker by setting
its `active_worker` context variable in the executor thread's own context, where it stays until that thread
runs another worker: the worker holds its task, the task its context, and the context the screen. So a
popped screen with a Log (the broker log and its 5,000 lines, a workflow's progress) stayed alive for as
long as that pool thread idled — every visit, when the pool started a new thread for the next one
(Textual 8.2.8). Measuring a batch here costs about a millisecond per thousand lines.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Log


class TextLog(Log):
    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        if lines:
            process = self._process_line
            self._update_maximum_width(updates, max(cell_len(process(line)) for line in lines))
