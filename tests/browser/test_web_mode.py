"""The TUI as textual-serve runs it (Textual's web driver sets `app.is_web`), through Pilot: what cannot work
in a browser is hidden there and refused with one notice. No browser needed."""

from __future__ import annotations

import pytest

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.screens.clusters import ClustersScreen
from fluxstate_tui.screens.views import NO_SHELL_IN_BROWSER
from tests.screens.pilot import make_app, open_jobs, until


@pytest.fixture(scope="module")
def demo():
    d = EmbeddedDemo(speed=10).start()
    yield d
    d.stop()


@pytest.fixture
def in_browser(monkeypatch):
    monkeypatch.setattr(FluxStateApp, "is_web", property(lambda app: True))


def notes_of(app: FluxStateApp, monkeypatch) -> list[str]:
    notes: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(message))
    return notes


async def test_in_a_browser_the_shell_key_says_why_once_and_nothing_is_suspended(demo, in_browser, monkeypatch):
    app = make_app(demo)
    notes = notes_of(app, monkeypatch)
    monkeypatch.setattr(FluxStateApp, "suspend", lambda app: pytest.fail("suspended in a browser"))
    async with app.run_test(size=(140, 40)) as pilot:
        clusters = app.screen
        assert isinstance(clusters, ClustersScreen)
        await until(pilot, lambda: "default/flux-sample" in clusters.summaries, what="flux-sample listed")
        await pilot.press("s")
        await until(pilot, lambda: notes, what="the notice")
        assert notes == [NO_SHELL_IN_BROWSER] and app.screen is clusters
        jobs = await open_jobs(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert notes == [NO_SHELL_IN_BROWSER] * 2 and app.screen is jobs
        await pilot.press("slash", "s")          # in the filter, s is a letter like any other
        await pilot.pause()
        assert len(notes) == 2


async def test_in_a_browser_the_shell_key_is_hidden_from_help_and_the_palette(demo, in_browser):
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: "default/flux-sample" in clusters.summaries, what="flux-sample listed")
        assert clusters.check_action("shell", ()) is False
        titles = [command.title for command in app.get_system_commands(clusters)]
        assert not [t for t in titles if "Shell" in t] and any("Broker log" in t for t in titles)


async def test_in_a_terminal_the_shell_key_is_there(demo):
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: "default/flux-sample" in clusters.summaries, what="flux-sample listed")
        assert clusters.check_action("shell", ()) is True
        assert any("Shell (s)" in command.title for command in app.get_system_commands(clusters))
