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
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ..flux.display import printable
from .confirm import FIELD_HINT, MODAL_CSS, Question
from .workflow_dialogs import SIZE_CSS

# A checker returns None for a good value, else the sentence that says what is wrong.
Check = Callable[[str], "str | None"]


class AskModal(Question[str | None]):
    DEFAULT_CSS = MODAL_CSS.format(cls="AskModal") + SIZE_CSS.format(cls="AskModal") + \
        "AskModal .size-row Input { width: 1fr; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, body: str | Text, *, label: str, action_label: str, value: str = "",
                 placeholder: str = "", check: Check | None = None, destructive: bool = True) -> None:
        super().__init__(title, body)
        self.label = label
        self.action_label = action_label
        self.value = value
        self.placeholder = placeholder
        self.check = check
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-body" + (" destructive" if self.destructive else "")) as box:
            box.border_title = self.modal_title
            yield Static(self.body, classes="modal-text", id="ask-body")
            with Horizontal(classes="size-row"):
                yield Label(self.label)
                yield Input(value=self.value, placeholder=self.placeholder, id="ask-input")
            yield Static("", classes="size-error", id="ask-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(Text(self.action_label), id="confirm-button",
                             variant="error" if self.destructive else "primary")
                yield Button("Cancel", id="cancel-button")
            yield Static(FIELD_HINT, classes="modal-hint")

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
