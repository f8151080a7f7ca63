"""What workflows report while they run, and how they fail. Shared by the CLI and the TUI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Event:
    """One progress report.

    kind: "plan" (the step names, once, at the start), "step" (a step starts), "step-done",
    "log" (a line worth showing), "progress" (fraction of the current step, 0..1, or a count),
    "done" (the workflow finished; message is the one-line result), "failed" (message says why).
    """

    kind: str
    message: str = ""
    step: str | None = None
    steps: list[str] = field(default_factory=list)
    fraction: float | None = None


Progress = Callable[[Event], None]


def quiet(_: Event) -> None:
    """A progress callback that drops everything."""


class WorkflowError(Exception):
    """A workflow stopped. `message` is one sentence; `step` is where; nothing is lost (see the journal)."""

    def __init__(self, message: str, step: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.step = step


class Refused(WorkflowError):
    """Refused before changing anything: bad input, missing archive path, read-only mode..."""


class NeedsRecreate(Refused):
    """A live resize cannot reach the size asked for; a recreate can."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


class PauseTimeout(WorkflowError):
    """Jobs were still running when the pause gave up waiting; the queue stays stopped."""

    def __init__(self, message: str, running: list[str]) -> None:
        super().__init__(message, step="wait for running jobs")
        self.running = running
