"""`+` on the jobs screen: a form that submits jobs (flux submit through workflows/submit.py).

The command line is split into words here (shlex, as a shell would split it) and those words reach flux
as argv: nothing typed is ever run by a shell. Every field is checked as it is typed; the button names
what it will do ("Submit 3 job(s) to flux-sample") and does nothing while a field is wrong.
"""

from __future__ import annotations

import shlex

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..flux.display import printable
from ..flux.ids import f58_encode
from ..workflows.submit import SubmitRequest
from .confirm import FIELD_HINT, MODAL_CSS

FIELDS = [  # (id, label, placeholder)
    ("command", "command", "e.g. sleep 60   (split into words as a shell would; no shell runs it)"),
    ("name", "name", "optional"),
    ("nodes", "nodes", "-N (exclusive nodes), empty: none"),
    ("tasks", "tasks", "-n, empty: 1"),
    ("cores", "cores per task", "-c, empty: 1"),
    ("time", "time limit", "e.g. 30s, 5m, 2h; empty: none"),
    ("count", "copies", "1"),
    ("urgency", "urgency", "0-31; empty: 16"),
    ("queue", "queue", "a named queue; empty: the default"),
    ("after", "after job", "a job id: run once it succeeds"),
]
CSS = """
SubmitModal .field-row { height: 3; }
SubmitModal .field-row Label { width: 16; padding: 1 1 0 0; }
SubmitModal .field-row Input { width: 1fr; }
SubmitModal #submit-error { height: auto; color: $error; }
"""


def _number(text: str, label: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise ValueError(f"{label} must be a whole number")
    return int(text.strip())


def _count(text: str) -> int:
    n = _number(text, "copies")
    return 1 if n is None else n


def request_from(values: dict[str, str]) -> SubmitRequest:
    """The form's text as a request; ValueError says what is wrong with the text itself."""
    try:
        command = shlex.split(values["command"])
    except ValueError as exc:
        raise ValueError(f"the command cannot be split into words: {exc}") from None
    return SubmitRequest(command, nodes=_number(values["nodes"], "nodes"), tasks=_number(values["tasks"], "tasks"),
                         cores_per_task=_number(values["cores"], "cores per task"),
                         time_limit=values["time"].strip() or None, name=values["name"].strip() or None,
                         count=_count(values["count"]),
                         urgency=_number(values["urgency"], "urgency"), queue=values["queue"].strip() or None,
                         dependency=values["after"].strip() or None)


class SubmitModal(ModalScreen[SubmitRequest | None]):
    DEFAULT_CSS = MODAL_CSS.format(cls="SubmitModal") + CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, mc_name: str, after: int | None = None) -> None:
        super().__init__()
        self.mc_name = mc_name
        self.after = after    # the job under the cursor, offered as the dependency (empty by default)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-body") as box:
            box.border_title = f"Submit to {self.mc_name}"
            for key, label, placeholder in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label)
                    yield Input(placeholder=placeholder, id=f"submit-{key}")
            if self.after is not None:
                yield Static(Text(f"after job: {f58_encode(self.after)} is the job under the cursor", style="dim"))
            yield Static("", id="submit-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(f"Submit to {self.mc_name}", id="confirm-button", variant="primary", disabled=True)
                yield Button("Cancel", id="cancel-button")
            yield Static(FIELD_HINT, classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#submit-command", Input).focus()

    def _values(self) -> dict[str, str]:
        return {key: self.query_one(f"#submit-{key}", Input).value for key, _l, _p in FIELDS}

    def _check(self) -> SubmitRequest | None:
        try:
            request = request_from(self._values())
            problems = request.problems()
        except ValueError as exc:
            request, problems = None, [str(exc)]
        self.query_one("#submit-error", Static).update(Text(printable("; ".join(problems))))
        button = self.query_one("#confirm-button", Button)
        button.disabled = bool(problems)
        if request is not None and not problems:
            button.label = Text(f"Submit {request.count} job(s) to {self.mc_name}")
            return request
        return None

    def on_input_changed(self, _event: Input.Changed) -> None:
        self._check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm-button")
    def _submit(self) -> None:
        request = self._check()
        if request is not None:
            self.dismiss(request)

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)
