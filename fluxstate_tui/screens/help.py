"""`?`: every key of the screen underneath and of the app, in one table."""

from __future__ import annotations

from dataclasses import replace

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

# Keys that widgets handle themselves, worth saying out loud.
TABLE_KEYS = [("↑ ↓ / k j", "move"), ("PgUp PgDn", "page"), ("Home End / g G", "first / last")]
JOB_TABLE_KEYS = [("space / v", "mark the job (again: unmark) for an action on many; esc clears the marks")]


def key_name(binding: Binding, app) -> str:
    """Each key of a binding as the footer writes it ("esc / h"); Textual's own display of a binding
    with several keys runs them together ("c,super+^c")."""
    if binding.key_display:
        return binding.key_display
    keys = [k.strip() for k in binding.key.split(",") if k.strip()]
    return " / ".join(app.get_key_display(replace(binding, key=k)) for k in keys)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-width: 95%; height: auto; max-height: 90%;
                                  border: thick $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._table(), id="help-table")

    def _table(self) -> Table:
        table = Table(title="Keys", title_style="bold", expand=True, box=None, padding=(0, 1))
        table.add_column("key", style="bold cyan", no_wrap=True, max_width=18)
        table.add_column("does", ratio=1)
        seen = set()

        def add_all(bindings) -> None:
            for b in bindings:
                action = b.action.removeprefix("app.")
                if action in seen or not b.description:
                    continue
                if hasattr(self.under, "check_action") and self.under.check_action(b.action, ()) is False:
                    continue
                seen.add(action)
                table.add_row(key_name(b, self.app), b.description)

        table.add_row("",
                      Text(f"on this screen: {self.under.title or type(self.under).__name__}", style="bold underline"))
        add_all(b for _, b in self._screen_bindings())
        if type(self.under).__name__ in ("JobsScreen", "ClustersScreen"):
            for key, text in TABLE_KEYS + (JOB_TABLE_KEYS if type(self.under).__name__ == "JobsScreen" else []):
                table.add_row(key, text)
        table.add_row("", "")
        table.add_row("", Text("everywhere", style="bold underline"))
        add_all(b for b in type(self.app).BINDINGS if isinstance(b, Binding))
        table.add_row("ctrl+p / :", "command palette: open a MiniCluster, switch namespace or context, every action")
        return table

    def _screen_bindings(self):
        for cls in type(self.under).__mro__:
            for b in getattr(cls, "BINDINGS", []) or []:
                if isinstance(b, Binding):
                    yield cls, b
