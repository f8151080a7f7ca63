"""What the TUI tests share: starting the app on a demo cluster, waiting through Pilot, reading widgets."""

from __future__ import annotations

import io

from rich.console import Console
from textual.message import Message

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.kube.client import Target
from fluxstate_tui.screens.base import Fetched, FetchFailed
from fluxstate_tui.screens.jobs import JobsScreen


def text_of(widget) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def make_app(demo, **kw) -> FluxStateApp:
    kubeconfig = kw.pop("kubeconfig", str(demo.kubeconfig))
    return FluxStateApp(Target(kubeconfig=kubeconfig), refresh=kw.pop("refresh", 0.5), **kw)


async def until(pilot, predicate, timeout: float = 20, what: str = "condition"):
    for _ in range(int(timeout / 0.05)):
        value = predicate()
        if value:
            return value
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Fetches:
    """Counts the refreshes a screen finishes, from the messages Textual dispatches: pass it as
    `run_test(message_hook=...)`. A live screen posts one Fetched or FetchFailed a refresh, and only
    the screen on top refreshes, so the count is that screen's."""

    def __init__(self) -> None:
        self.count = 0
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)
        if isinstance(message, (Fetched, FetchFailed)):
            self.count += 1


async def open_jobs(app, pilot) -> JobsScreen:
    clusters = app.screen
    await until(pilot, lambda: "default/flux-sample" in clusters.summaries
                and clusters.summaries["default/flux-sample"].snapshot is not None, what="flux-sample listed")
    await pilot.press("enter")
    jobs = app.screen
    assert isinstance(jobs, JobsScreen)
    await until(pilot, lambda: jobs.table.total_count >= 12, what="the seeded jobs")
    return jobs


def note_text(app) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


def focused_id(app) -> str:
    return app.focused.id if app.focused is not None else ""
