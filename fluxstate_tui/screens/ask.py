"""A dialog that asks for one line of text before it acts (a drain reason, an urgency, a signal).

As Posting's: the focus starts in the field (so y and n are letters there, and enter acts), the
button is named for the action, esc cancels. A value the action cannot take is said under the
field and the button does nothing until it is fixed.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from ..flux.display import printable
from .confirm import FIELD_HINT, MODAL_CSS, ActionModal
from .workflow_dialogs import SIZE_CSS

# A checker returns None for a good value, else the sentence that says what is wrong.
Check = Callable[[str], "str | None"]


class AskModal(ActionModal[str | None]):
    DEFAULT_CSS = MODAL_CSS.format(cls="AskModal") + SIZE_CSS.format(cls="AskModal") + \
        "AskModal .size-row Input { width: 1fr; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    hint = FIELD_HINT

    def __init__(self, title: str, body: str | Text, *, label: str, action_label: str, value: str = "",
                 placeholder: str = "", check: Check | None = None, destructive: bool = True) -> None:
        super().__init__(title, body, action_label, destructive=destructive)
        self.field = (label, value, placeholder)
        self.check = check

    def compose_fields(self) -> ComposeResult:
        label, value, placeholder = self.field
        with Horizontal(classes="size-row"):
            yield Label(label)
            yield Input(value=value, placeholder=placeholder, id="ask-input")
        yield Static("", classes="size-error", id="ask-error")

    def on_mount(self) -> None:
        self.query_one("#ask-input", Input).focus()

    def _problem(self, value: str) -> str | None:
        return self.check(value) if self.check is not None else None

    def on_input_changed(self, event: Input.Changed) -> None:
        problem = self._problem(event.value.strip())
        self.query_one("#ask-error", Static).update(Text(printable(problem or "")))
        self.query_one("#confirm-button", Button).disabled = problem is not None

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm-button")
    def _confirm(self) -> None:
        value = self.query_one("#ask-input", Input).value.strip()
        if self._problem(value) is None:
            self.dismiss(value)

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)
