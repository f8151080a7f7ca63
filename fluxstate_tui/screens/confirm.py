"""Confirmation and information modals for the state workflows (after Posting's ConfirmationModal).

The action button is named for the action ("Stop the queue of flux-sample"), Cancel is focused when
the action is destructive and nothing is typed, `y` confirms, `n` and `esc` cancel. A body that does
not fit the terminal scrolls (the whole dialog is one VerticalScroll, so tab brings any button into
view); a dialog with a text field starts in the field.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..flux.display import printable
from ..kube.resources import MiniCluster
from .base import flux_app

if TYPE_CHECKING:
    from ..workflows.ops import ArchiveInfo

MODAL_CSS = """
{cls} {{ align: center middle; }}
{cls} > .modal-body {{ width: 76; max-width: 95%; height: auto; max-height: 90%;
                       border: thick $primary; background: $surface; padding: 1 2; }}
{cls} > .modal-body.destructive {{ border: thick $error; }}
{cls} .modal-text {{ height: auto; margin-bottom: 1; }}
{cls} .modal-buttons {{ height: auto; align-horizontal: right; margin-top: 1; }}
{cls} .modal-buttons Button {{ margin-left: 2; }}
{cls} .modal-hint {{ height: 1; color: $text-muted; text-align: right; }}
"""
KEYS_HINT = "y confirms · n or esc cancels · tab moves"
# In a dialog that starts in a text field, y and n are letters: only enter and esc act.
FIELD_HINT = "enter confirms · esc cancels · tab moves"


R = TypeVar("R")


class Question(ModalScreen[R]):
    """A dialog with a title and a body of text (the body may hold cluster text: given as Text)."""

    def __init__(self, title: str, body: str | Text) -> None:
        super().__init__()
        self.modal_title = title
        self.body = body


class ActionModal(Question[R]):
    """A dialog with one button that acts, named for the action, and Cancel. Subclasses may put fields
    between the body and the buttons (compose_fields)."""

    hint = KEYS_HINT

    def __init__(self, title: str, body: str | Text, action_label: str, *, destructive: bool = True,
                 dismiss_label: str = "Cancel") -> None:
        super().__init__(title, body)
        self.action_label = action_label
        self.destructive = destructive
        self.dismiss_label = dismiss_label   # "Keep them" where the action itself is called cancel

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-body" + (" destructive" if self.destructive else "")) as box:
            box.border_title = self.modal_title
            yield Static(self.body, classes="modal-text", id="confirm-body")
            yield from self.compose_fields()
            with Horizontal(classes="modal-buttons"):
                yield Button(Text(self.action_label), id="confirm-button",
                             variant="error" if self.destructive else "primary")
                yield Button(Text(self.dismiss_label), id="cancel-button")
            yield Static(self.hint, classes="modal-hint")


class ConfirmModal(ActionModal[bool]):
    DEFAULT_CSS = MODAL_CSS.format(cls="ConfirmModal")
    BINDINGS = [
        Binding("y", "confirm", "Confirm"),
        Binding("n,escape", "cancel", "Cancel"),
    ]

    def on_mount(self) -> None:
        self.query_one("#cancel-button" if self.destructive else "#confirm-button", Button).focus()

    @on(Button.Pressed, "#confirm-button")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ChoiceModal(Question[str | None]):
    """A question with more than one way on: each button is named for what it does and returns its
    key; the last, Cancel, is focused (every choice here changes something)."""

    DEFAULT_CSS = MODAL_CSS.format(cls="ChoiceModal") + "ChoiceModal .modal-buttons { height: auto; }"
    BINDINGS = [Binding("escape,n", "cancel", "Cancel")]

    def __init__(self, title: str, body: str | Text, choices: list[tuple[str, str]], cancel: str = "Cancel") -> None:
        super().__init__(title, body)
        self.choices = choices
        self.cancel_label = cancel

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-body destructive") as box:
            box.border_title = self.modal_title
            yield Static(self.body, classes="modal-text", id="choice-body")
            for key, label in self.choices:
                with Horizontal(classes="modal-buttons"):
                    yield Button(Text(label), id=f"choice-{key}", variant="warning")
            with Horizontal(classes="modal-buttons"):
                yield Button(Text(self.cancel_label), id="cancel-button")
            yield Static("tab moves · enter presses · esc cancels", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#cancel-button", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        self.dismiss(button.removeprefix("choice-") if button.startswith("choice-") else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def human_size(n: int | None) -> str:
    if n is None:
        return "?"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def human_age(mtime: float | None, now: float | None = None) -> str:
    if mtime is None:
        return "?"
    seconds = max(0, int((now if now is not None else time.time()) - mtime))
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    if seconds < 172800:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def archive_text(info) -> Text:
    """archive_info() as lines: path, whether it exists, size, age, jobs inside, older versions."""
    text = Text()
    if info is None:
        return Text("reading the archive…", style="dim")
    if not info.path:
        return Text("this MiniCluster has no spec.archive.path: nothing is saved or restored", style="bold red")
    text.append("path      ", style="bold").append(printable(info.path) + "\n")
    text.append("exists    ", style="bold")
    if info.exists and info.readable is False:
        text.append("yes, but it is not an archive (tar cannot list it): a new broker would fail to load it; "
                    "dump again or delete it\n", style="bold red")
        text.append("size      ", style="bold").append(human_size(info.size) + "\n")
    elif info.exists:
        text.append("yes\n", style="green")
        text.append("size      ", style="bold").append(human_size(info.size) + "\n")
        text.append("written   ", style="bold").append(human_age(info.mtime) + "\n")
        text.append("jobs      ", style="bold").append(("?" if info.jobs is None else str(info.jobs)) + "\n")
    else:
        text.append("no — a create will start with an empty queue\n", style="yellow")
    versions = list(info.versions or [])
    text.append("versions  ", style="bold")
    text.append("\n          ".join(printable(v) for v in versions) if versions else "none kept")
    return text


@dataclass
class ArchiveRead(Message):
    info: ArchiveInfo | None
    error: str | None


class ArchiveModal(ModalScreen[None]):
    """`A`: what spec.archive.path holds right now. Read-only."""

    DEFAULT_CSS = MODAL_CSS.format(cls="ArchiveModal")
    BINDINGS = [Binding("escape,q,n,enter", "close", "Close")]

    def __init__(self, mc: MiniCluster) -> None:
        super().__init__()
        self.mc = mc
        self.info: ArchiveInfo | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-body") as box:
            box.border_title = f"Archive of {self.mc.name}"
            yield Static(archive_text(None), classes="modal-text", id="archive-info")
            with Horizontal(classes="modal-buttons"):
                yield Button("Close", id="close-button", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close-button", Button).focus()
        self.run_worker(self._load(), exit_on_error=False, group="archive-info")

    async def _load(self) -> None:
        from ..workflows.ops import archive_info  # start-up speed: the engine loads on first use

        try:
            kube = await flux_app(self.app).client()
            self.post_message(ArchiveRead(await archive_info(kube, self.mc), None))
        except Exception as exc:  # shown in the dialog: a bug or an unreachable cluster must not crash it
            self.post_message(ArchiveRead(None, getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"))

    def on_archive_read(self, message: ArchiveRead) -> None:
        self.info, self.error = message.info, message.error
        shown = archive_text(self.info) if message.error is None else \
            Text(f"cannot read the archive: {printable(message.error)}", style="bold red")
        self.query_one("#archive-info", Static).update(shown)

    @on(Button.Pressed, "#close-button")
    def action_close(self) -> None:
        self.dismiss(None)
