"""`R`, `Z` and `F`: the recreate, scale and assets dialogs. Ask for a size or paths, say what will
happen, and only then hand the answer back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..limits import MAX_SIZE
from .base import flux_app
from .confirm import FIELD_HINT, MODAL_CSS, human_age, human_size

if TYPE_CHECKING:
    from ..kube.resources import MiniCluster
    from ..workflows.ops import ArchiveInfo


def annotated_assets(mc: MiniCluster) -> list[str]:
    from ..workflows.assets import ANNOTATION  # start-up speed: the engine loads on first use

    text = ((mc.raw.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION, "")
    return [p.strip() for p in text.split(",") if p.strip()]

SIZE_CSS = """
{cls} .size-row {{ height: 3; margin-bottom: 0; }}
{cls} .size-row Label {{ padding: 1 1 0 0; width: auto; }}
{cls} .size-row Input {{ width: 14; }}
{cls} .size-error {{ height: auto; color: $error; padding: 0 0 0 1; }}
{cls} .size-note {{ height: auto; color: $warning; padding: 0 0 0 1; }}
"""


def parse_size(text: str) -> tuple[int | None, str]:
    """(size, "") for a whole number ≥ 1, else (None, why not) — the why is shown under the input."""
    text = text.strip()
    if not text:
        return None, "type the new size (a whole number ≥ 1)"
    if not text.isdigit():
        return None, f"“{text}” is not a whole number"
    size = int(text)
    if size < 1:
        return None, "the size must be at least 1"
    if size > MAX_SIZE:
        return None, f"at most {MAX_SIZE} here (the CLI's --max-size allows more)"
    return size, ""


class SizeModal(ModalScreen[int | None]):
    """Shared by the recreate and scale modals: a size Input that keeps the action button honest."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, mc: MiniCluster, size: int | None = None) -> None:
        super().__init__()
        self.mc = mc
        self.initial = size
        self.size_value: int | None = size if size is not None and size >= 1 else None

    # subclasses: the border title, the label of the button for a size, and the body
    modal_title = ""

    def button_label(self, size: int | None) -> str:
        return f"Size {size if size is not None else '…'}"

    def compose_body(self) -> ComposeResult:
        yield from ()

    def size_note(self, size: int) -> str:
        return ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-body destructive") as box:
            box.border_title = self.modal_title
            yield from self.compose_body()
            with Horizontal(classes="size-row"):
                yield Label("new size")
                yield Input(value="" if self.initial is None else str(self.initial), placeholder="N",
                            id="size-input")
            yield Static("", classes="size-error", id="size-error")
            yield Static("", classes="size-note", id="size-note")
            yield from self.compose_after()
            with Horizontal(classes="modal-buttons"):
                yield Button(Text(self.button_label(self.size_value)), id="confirm-button", variant="error",
                             disabled=self.size_value is None)
                yield Button("Cancel", id="cancel-button")
            yield Static(FIELD_HINT, classes="modal-hint")

    def compose_after(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        # Posting's rule: the dialog starts where the user types; Enter confirms only a valid size.
        self.query_one("#size-input", Input).focus()
        self._validate(self.query_one("#size-input", Input).value, quiet_empty=True)

    def _validate(self, text: str, quiet_empty: bool = False) -> None:
        size, error = parse_size(text)
        self.size_value = size
        if quiet_empty and not text.strip():
            error = ""
        self.query_one("#size-error", Static).update(Text(error))
        self.query_one("#size-note", Static).update(Text(self.size_note(size) if size else ""))
        button = self.query_one("#confirm-button", Button)
        button.label = Text(self.button_label(size))
        button.disabled = size is None
        self.size_changed(size)

    def size_changed(self, size: int | None) -> None:
        """Subclasses refresh whatever depends on the size."""

    @property
    def error_text(self) -> str:
        return str(self.query_one("#size-error", Static).content)

    @on(Input.Changed, "#size-input")
    def _changed(self, event: Input.Changed) -> None:
        self._validate(event.value)

    @on(Input.Submitted, "#size-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    @on(Button.Pressed, "#confirm-button")
    def action_confirm(self) -> None:
        if self.size_value is None:
            self._validate(self.query_one("#size-input", Input).value)
            self.query_one("#size-input", Input).focus()
            return
        self.dismiss(self.size_value)

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)


class RecreateModal(SizeModal):
    """`R`: what a recreate will do — archive, jobs carried, old and new size, every step."""

    DEFAULT_CSS = MODAL_CSS.format(cls="RecreateModal") + SIZE_CSS.format(cls="RecreateModal") + \
        "RecreateModal #assets-input { width: 1fr; }"

    def __init__(self, mc: MiniCluster, *, jobs: int | None = None, size: int | None = None,
                 queue_stopped: bool | None = None) -> None:
        super().__init__(mc, size)
        self.jobs = jobs
        self.queue_stopped = queue_stopped
        self.info: ArchiveInfo | None = None
        self.info_error: str | None = None
        self.modal_title = f"Recreate {mc.name}"

    def button_label(self, size: int | None) -> str:
        return f"Recreate {self.mc.name} at size {size if size is not None else '…'}"

    def size_note(self, size: int) -> str:
        if size > self.mc.max_size:
            return f"maxSize will be raised from {self.mc.max_size} to {size}"
        return ""

    def compose_body(self) -> ComposeResult:
        yield Static(self._facts(), classes="modal-text", id="recreate-facts")

    def compose_after(self) -> ComposeResult:
        with Horizontal(classes="size-row"):
            yield Label("assets  ")
            yield Input(value=", ".join(annotated_assets(self.mc)), id="assets-input",
                        placeholder="paths in the broker pod to carry, comma-separated (optional)")
        yield Static("", classes="size-error", id="assets-error")
        yield Static(self._plan(self.size_value), classes="modal-text", id="recreate-plan")

    def asset_paths(self) -> list[str]:
        text = self.query_one("#assets-input", Input).value
        return [p.strip() for p in text.split(",") if p.strip()]

    @on(Input.Changed, "#assets-input")
    def _assets_changed(self, event: Input.Changed) -> None:
        bad = [p for p in self.asset_paths() if not p.startswith("/")]
        self.query_one("#assets-error", Static).update(
            Text(f"asset paths must be absolute: {', '.join(bad)}" if bad else ""))
        self.size_changed(self.size_value)

    def action_confirm(self) -> None:
        if any(not p.startswith("/") for p in self.asset_paths()):
            self.query_one("#assets-input", Input).focus()
            return
        super().action_confirm()

    def on_mount(self) -> None:
        super().on_mount()
        if self.mc.archive_path:
            self.run_worker(self._load_archive(), exit_on_error=False, group="archive-info")

    async def _load_archive(self) -> None:
        from ..workflows.ops import archive_info  # start-up speed: the engine loads on first use

        try:

            self.info = await archive_info(await flux_app(self.app).client(), self.mc)
        except Exception as exc:
            self.info_error = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        self.query_one("#recreate-facts", Static).update(self._facts())

    def _facts(self) -> Text:
        mc = self.mc
        text = Text()
        text.append("archive   ", style="bold")
        if not mc.archive_path:
            text.append("none — spec.archive.path is not set: a recreate would lose the queue, "
                        "and is refused\n", style="bold red")
        else:
            text.append(mc.archive_path)
            info = self.info
            if self.info_error:
                text.append(f" (cannot check it: {self.info_error})", style="yellow")
            elif info is None:
                text.append(" (checking…)", style="dim")
            elif info.exists and info.readable is False:
                text.append(" (exists, but is not an archive tar can read: the recreate writes a new one)",
                            style="yellow")
            elif info.exists:
                jobs = "" if info.jobs is None else f", {info.jobs} jobs"
                text.append(f" (exists now: {human_size(info.size)}, written {human_age(info.mtime)}{jobs}; "
                            "it will be replaced and kept as a version)", style="dim")
            else:
                text.append(" (does not exist yet)", style="dim")
            text.append("\n")
        text.append("jobs      ", style="bold")
        text.append(("?" if self.jobs is None else str(self.jobs)) + " to carry over\n")
        text.append("size      ", style="bold")
        limit = f"maximumSize {mc.maximum_size}" if mc.maximum_size else f"maxSize {mc.max_size}"
        text.append(f"{mc.size} now ({limit})")
        if self.queue_stopped is False:
            text.append("\nqueue     ", style="bold").append("started: it will be stopped, running jobs finish first")
        return text

    def _plan(self, size: int | None) -> Text:
        n = str(size) if size is not None else "N"
        name = self.mc.name
        steps = [
            "stop the queue and wait for running jobs to finish",
            f"dump the queue to {self.mc.archive_path or '(no archive path)'} and verify it",
            f"delete {name} and wait until its pods are gone",
            f"create {name} at size {n}, everything else unchanged",
            "wait until the broker runs and Flux answers",
            "verify every job id from before is there",
            "start the queue",
        ]
        assets = self.asset_paths() if self.is_mounted else annotated_assets(self.mc)
        if assets:
            steps[1] += f", and pack {', '.join(assets)} beside it (pending jobs are held meanwhile)"
            steps.insert(6, "unpack the assets in the new broker pod and check every sha256")
        text = Text("What will happen\n", style="bold")
        for i, step in enumerate(steps, 1):
            text.append(f" {i}. {step}" + ("\n" if i < len(steps) else ""), style="")
        return text

    def size_changed(self, size: int | None) -> None:
        if self.is_mounted and self.query("#recreate-plan"):
            self.query_one("#recreate-plan", Static).update(self._plan(size))


class ScaleModal(SizeModal):
    """`Z`: a live resize within maximumSize (above it, a recreate is offered)."""

    DEFAULT_CSS = MODAL_CSS.format(cls="ScaleModal") + SIZE_CSS.format(cls="ScaleModal")

    def __init__(self, mc: MiniCluster, size: int | None = None) -> None:
        super().__init__(mc, size)
        self.modal_title = f"Scale {mc.name}"

    def button_label(self, size: int | None) -> str:
        return f"Scale {self.mc.name} to {size if size is not None else '…'}"

    def size_note(self, size: int) -> str:
        if size > self.mc.scale_limit:
            return (f"above maximumSize {self.mc.scale_limit}: a live resize cannot get there; "
                    "you will be offered a recreate")
        if size < self.mc.size:
            return (f"pods {size}..{self.mc.size - 1} go away: jobs running on those ranks are listed "
                    "before anything changes")
        return ""

    def compose_body(self) -> ComposeResult:
        mc = self.mc
        text = Text()
        text.append("size      ", style="bold").append(f"{mc.size} now\n")
        text.append("limit     ", style="bold").append(f"{mc.scale_limit} (maximumSize, fixed at creation)")
        yield Static(text, classes="modal-text", id="scale-facts")


class AssetsModal(ModalScreen[list | None]):
    """`F`: the paths of the broker pod carried with the queue, kept in the MiniCluster's
    `fluxstate-tui/assets` annotation so every dump and recreate packs them."""

    DEFAULT_CSS = MODAL_CSS.format(cls="AssetsModal") + SIZE_CSS.format(cls="AssetsModal") + \
        "AssetsModal .size-row Input { width: 1fr; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, mc: MiniCluster) -> None:
        super().__init__()
        self.mc = mc

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-body") as box:
            box.border_title = f"Filesystem assets of {self.mc.name}"
            yield Static(Text(
                "A Flux dump holds job records, not the files jobs wrote. Paths named here are packed beside the "
                "archive on every dump and recreate (sha256 checked when unpacked). Paths on a volume of the "
                "MiniCluster survive a recreate by themselves.", style="dim"), classes="modal-text")
            with Horizontal(classes="size-row"):
                yield Label("paths")
                yield Input(value=", ".join(annotated_assets(self.mc)), id="assets-input",
                            placeholder="/work/results, /scratch/run1 (comma-separated; empty: none)")
            yield Static("", classes="size-error", id="assets-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(f"Save on {self.mc.name}", id="confirm-button", variant="primary")
                yield Button("Cancel", id="cancel-button")
            yield Static("enter saves · esc cancels", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#assets-input", Input).focus()

    def paths(self) -> list[str]:
        return [p.strip() for p in self.query_one("#assets-input", Input).value.split(",") if p.strip()]

    @on(Input.Submitted, "#assets-input")
    @on(Button.Pressed, "#confirm-button")
    def action_confirm(self) -> None:
        bad = [p for p in self.paths() if not p.startswith("/")]
        if bad:
            self.query_one("#assets-error", Static).update(Text(f"asset paths must be absolute: {', '.join(bad)}"))
            return
        self.dismiss(self.paths())

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)
