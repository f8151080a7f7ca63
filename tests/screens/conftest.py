"""The TUI tests' fixtures: each module gets its own in-process demo cluster (as `--demo` runs it),
with the options its module asks for in DEMO (e.g. `DEMO = {"speed": 5, "empty": True}`)."""

from __future__ import annotations

import pytest

from fluxstate_tui.demo.embedded import EmbeddedDemo


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    """Workflow journals and the audit log go to a temporary $XDG_STATE_HOME, never the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def demo(request):
    d = EmbeddedDemo(**getattr(request.module, "DEMO", {"speed": 10})).start()
    yield d
    d.stop()
