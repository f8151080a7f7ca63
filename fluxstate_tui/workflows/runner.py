"""Running a workflow and keeping its state: what the progress screen shows, with no Textual here.

A `WorkflowRun` is fed the engine's Events and keeps steps, fractions, the log and the outcome; the
TUI shows it and can close and reopen its screen at any point. `Runs` keeps one run per MiniCluster
(namespace, name), so two MiniClusters can run workflows at once while one MiniCluster runs one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .events import Event, Progress, WorkflowError

MAX_LOG = 2000

# What a workflow is, for the runner: given the progress callback, return the one-line result.
Job = Callable[[Progress], Awaitable[str]]
Target = tuple[str, str]    # (namespace, name) of a MiniCluster


@dataclass
class Offer:
    """A second way out that the progress screen offers while one step runs (e.g. cancel the running
    jobs a stop waits for)."""

    key: str
    label: str
    step: str
    callback: Callable[[], object]


class WorkflowRun:
    """The state of one workflow, fed by its Events. Whoever shows it sets `on_change` (the TUI turns
    each change into a Message); the run itself knows nothing of screens."""

    def __init__(self, title: str, *, target: tuple[str, str] = ("", ""), cancel_note: str = "",
                 offer: Offer | None = None) -> None:
        self.title = title
        self.target = target                    # (namespace, name) of the MiniCluster it acts on
        self.cancel_note = cancel_note          # what a cancel leaves behind, and how to go on
        self.offer = offer
        self.cancel_requested = False
        self.steps: list[str] = []
        self.step_state: dict[str, str] = {}
        self.current: str | None = None
        self.fraction: float | None = None
        self.status = ""                        # the last "progress" message
        self.log: list[str] = []
        self.log_count = 0                      # lines ever logged (the list keeps the last MAX_LOG)
        self.started = time.monotonic()
        self.ended: float | None = None
        self.state = "running"                  # running, done, failed
        self.result: str | None = None
        self.error: str | None = None
        self.failed_step: str | None = None
        self.on_change: Callable[[Event], None] | None = None
        self.cancel_hook: Callable[[], object] | None = None   # stops the task that runs the job

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def overall(self) -> float | None:
        """Progress of the whole workflow, 0..1: finished steps plus the share of the current one. The
        bar shows this, so it is full only when the workflow is (a step's own fraction can reach 1 while
        the step still waits for something else)."""
        if self.state == "done":
            return 1.0
        if not self.steps:
            return None
        done = sum(1 for s in self.steps if self.step_state.get(s) == "done")
        share = self.fraction if self.fraction is not None and self.step_state.get(self.current or "") == "current" \
            else 0.0
        return min(1.0, (done + max(0.0, min(share, 0.99))) / len(self.steps))

    @property
    def offer_active(self) -> bool:
        return self.running and self.offer is not None and self.current == self.offer.step

    def cancel(self) -> None:
        """Stop the workflow at the next await; run_job() records what is left (cancel_note)."""
        if self.running and self.cancel_hook is not None:
            self.cancel_requested = True
            self.cancel_hook()

    def _add_step(self, step: str) -> None:
        if step not in self.step_state:
            self.steps.append(step)
            self.step_state[step] = "pending"

    def _log(self, line: str) -> None:
        self.log_count += 1
        self.log.append(line)
        if len(self.log) > MAX_LOG:
            del self.log[: len(self.log) - MAX_LOG]

    def handle(self, event: Event) -> None:
        """The progress callback handed to the engine."""
        kind = event.kind
        if kind == "plan":
            for step in event.steps:
                self._add_step(step)
        elif kind == "step" and event.step:
            self._add_step(event.step)
            if self.current and self.step_state.get(self.current) == "current":
                self.step_state[self.current] = "done"
            self.current = event.step
            self.step_state[event.step] = "current"
            self.fraction = None
            self.status = "" if event.message == event.step else event.message
            self._log(f"▶ {event.step}" + (f": {self.status}" if self.status else ""))
        elif kind == "step-done":
            finished = event.step or self.current
            if finished:
                self._add_step(finished)
                self.step_state[finished] = "done"
                self._log(f"✔ {finished}" + (f": {event.message}" if event.message else ""))
            if finished == self.current:
                self.fraction = 1.0
        elif kind == "log":
            for line in (event.message or "").splitlines() or [""]:
                self._log(line)
        elif kind == "progress":
            self.fraction = event.fraction
            if event.message:
                self.status = event.message
        elif kind == "done":
            self.result = event.message or self.result
        elif kind == "failed":
            self.error = event.message or self.error
            if event.step:
                self.failed_step = event.step
        self._tell(event)

    def _tell(self, event: Event) -> None:
        if self.on_change is not None:
            self.on_change(event)

    def finish(self, result: str) -> None:
        self.state = "done"
        self.result = result
        self.ended = time.monotonic()
        if self.current and self.step_state.get(self.current) == "current":
            self.step_state[self.current] = "done"
        self.fraction = 1.0 if self.current else self.fraction
        self._tell(Event("done", message=result))

    def fail(self, message: str, step: str | None = None) -> None:
        self.state = "failed"
        self.error = message
        self.ended = time.monotonic()
        step = step or self.failed_step or self.current
        self.failed_step = step
        if step:
            self._add_step(step)
            self.step_state[step] = "failed"
        self._tell(Event("failed", message=message, step=step))


async def run_job(run: WorkflowRun, job: Job) -> BaseException | None:
    """Run `job`, feeding `run`; the exception it failed with, or None. A cancel is recorded (with what
    it leaves behind) and raised on, as a cancelled task must."""
    try:
        result = await job(run.handle)
    except asyncio.CancelledError:
        where = f" at “{run.current}”" if run.current else ""
        run.fail(f"cancelled{where}" + (f"; {run.cancel_note}" if run.cancel_note else ""))
        raise
    except BaseException as exc:  # a bug or an unexpected answer too: recorded, never a crash
        if isinstance(exc, WorkflowError):
            run.fail(exc.message, exc.step)
        else:
            run.fail(f"{type(exc).__name__}: {exc}")
        return exc
    run.finish(str(result))
    return None


class Runs:
    """The workflows of one app: the newest run per MiniCluster, and the newest of all (for `w`)."""

    def __init__(self) -> None:
        self.by_target: dict[Target, WorkflowRun] = {}
        self.latest: WorkflowRun | None = None

    def running(self, target: Target) -> WorkflowRun | None:
        run = self.by_target.get(target)
        return run if run is not None and run.running else None

    def add(self, run: WorkflowRun) -> None:
        self.by_target[run.target] = run
        self.latest = run

    def any_running(self) -> list[WorkflowRun]:
        return [r for r in self.by_target.values() if r.running]
