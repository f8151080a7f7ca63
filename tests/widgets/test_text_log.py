"""TextLog: Textual's Log without the thread worker whose context kept popped screens alive."""

from __future__ import annotations

import gc

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.worker import Worker

from fluxstate_tui.widgets.text_log import TextLog


class LogScreen(Screen):
    def compose(self) -> ComposeResult:
        yield TextLog(max_lines=100)


class LogApp(App):
    def on_mount(self) -> None:
        self.push_screen(LogScreen())


async def test_lines_are_measured_without_a_worker_and_the_popped_screen_goes():
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.screen.query_one(TextLog)
        log.write_lines(["short", "wide " * 20, "wide in cells: " + "表" * 50])
        await pilot.pause()
        # measured on the UI thread, in the call: no worker, so none left in a pool thread's context
        assert not list(app.workers)
        assert log.virtual_size.width == max(100, 15 + 2 * 50)
        assert log.virtual_size.height == 3
        app.pop_screen()
        await pilot.pause(0.2)
        gc.collect()
        assert not [o for o in gc.get_objects() if isinstance(o, LogScreen)]
        assert not [o for o in gc.get_objects() if isinstance(o, Worker)]
