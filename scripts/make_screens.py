"""Regenerate screens/*.svg: one screenshot per screen, taken from the TUI running on the demo cluster.

    .venv/bin/python scripts/make_screens.py [DIR]      (or: make screens)

The demo is the deterministic one (frozen clock, seeded names, a still scene of jobs), so the
screenshots only change when the TUI does. The dialogs are shot last and each is cancelled: nothing
they offer runs, so the earlier screenshots never depend on them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.widgets import Button, Input  # noqa: E402

from fluxstate_tui.app import FluxStateApp  # noqa: E402
from fluxstate_tui.demo.embedded import EmbeddedDemo  # noqa: E402
from fluxstate_tui.flux.node_view import NodeView  # noqa: E402
from fluxstate_tui.kube.broker import Broker  # noqa: E402
from fluxstate_tui.kube.client import Target  # noqa: E402
from fluxstate_tui.kube.resources import get_minicluster  # noqa: E402
from fluxstate_tui.screens.ask import AskModal  # noqa: E402
from fluxstate_tui.screens.confirm import ArchiveModal, ConfirmModal  # noqa: E402
from fluxstate_tui.screens.describe import DescribeScreen  # noqa: E402
from fluxstate_tui.screens.submit_form import SubmitModal  # noqa: E402
from fluxstate_tui.screens.workflow_dialogs import AssetsModal, RecreateModal, ScaleModal  # noqa: E402
from fluxstate_tui.widgets.trend import QueueTrend  # noqa: E402

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screens"
NO_NODES = NodeView([])
SIZE = (120, 34)
SEED_JOBS = 16


async def until(pilot, predicate, timeout: float = 30) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise SystemExit("the demo did not reach the expected state")


class Shooter:
    """The app under the pilot, and the screenshots taken of it."""

    def __init__(self, app: FluxStateApp, pilot) -> None:
        self.app, self.pilot = app, pilot

    async def shot(self, name: str) -> None:
        await self.pilot.pause(0.3)
        self.app.save_screenshot(str(OUT / f"{name}.svg"))
        print(f"screens/{name}.svg")

    async def until(self, predicate) -> None:
        await until(self.pilot, predicate)

    async def settle(self) -> None:
        """Refresh the screen now (ctrl+r) and wait for it: a dialog shot within the second after reads
        "updated just now" on the screen under it, which does not refresh while covered."""
        freshness = self.app.screen.freshness
        before = freshness.updated_at
        await self.pilot.press("ctrl+r")
        await self.until(lambda: freshness.updated_at != before)

    async def open(self, key: str, cls: type, ready=lambda screen: True):
        """Press a key (on a screen that has just refreshed) and wait for what it opens to be `ready`."""
        await self.settle()
        await self.pilot.press(key)
        await self.until(lambda: isinstance(self.app.screen, cls) and ready(self.app.screen))
        return self.app.screen

    async def type_in(self, text: str, *then: str) -> None:
        """Type into the focused field, as a user would, then press the other keys (tab, …)."""
        await self.pilot.press(*text, *then)


def button_says(screen, text: str):
    """A dialog is ready when its action button names the action for what was typed."""
    return lambda: str(screen.query_one("#confirm-button", Button).label) == text


async def shoot_views(s: Shooter) -> None:
    """The lists, a job's detail, the log, help, the nodes: the pictures the README shows first."""
    app, pilot = s.app, s.pilot
    clusters = app.screen
    await s.until(lambda: clusters.summaries.get("default/flux-sample")
                  and clusters.summaries["default/flux-sample"].snapshot)
    await s.shot("miniclusters")
    await pilot.press("enter")
    jobs = app.screen
    # every row, and the first refresh's stats drawn in the trend row
    await s.until(lambda: jobs.table.total_count == SEED_JOBS + 5 and jobs.query_one(QueueTrend).pending)
    await s.shot("jobs")
    for name, is_it in (("job-detail-pending", lambda job: job.name == "big-run"),
                        ("job-detail-failed", lambda job: job.result == "FAILED")):
        jobs.table.move_cursor_to(next(k for k in jobs.table.row_keys() if is_it(jobs.index.jobs[k])))
        await pilot.press("enter")
        await s.until(lambda: getattr(app.screen, "detail", None) is not None)
        await s.shot(name)
        await pilot.press("escape")
    await pilot.press("l")
    await s.until(lambda: getattr(app.screen, "lines_seen", 0) >= 3)
    await s.shot("broker-log")
    await pilot.press("escape")
    await pilot.press("question_mark")
    await s.shot("help")
    await pilot.press("escape")


async def shoot_stuck_queue(s: Shooter) -> None:
    """A stuck queue, for the troubleshooting pictures: a rank drained and the queue stopped."""
    app, pilot = s.app, s.pilot
    jobs = app.screen
    kube = await app.client()
    broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
    await broker.flux(["flux", "resource", "drain", "1", "bad disk on /scratch"])
    await broker.flux(["flux", "queue", "stop", "-m", "maintenance"])
    await pilot.press("n")
    await s.until(lambda: any(r.state in ("drained", "draining")
                              for r in (getattr(app.screen, "view", None) or NO_NODES).rows))
    await s.shot("nodes")
    await pilot.press("escape")
    await s.until(lambda: jobs.snapshot is not None and jobs.snapshot.queue is not None
                  and jobs.snapshot.queue.all_stopped)
    held = next(k for k in jobs.table.row_keys() if jobs.index.jobs[k].name == "held")
    jobs.table.move_cursor_to(held)
    await pilot.press("enter")
    await s.until(lambda: getattr(app.screen, "detail", None) is not None)
    await s.shot("job-detail-fixes")
    await pilot.press("escape")


async def shoot_dialogs(s: Shooter) -> None:
    """The jobs screen's dialogs and views, each shot filled in and then cancelled (esc)."""
    jobs = s.app.screen
    form = await s.open("plus", SubmitModal)
    # Set, not typed: typing takes longer than the second in which the jobs screen under the form reads
    # "updated just now" (it does not refresh while covered), and the shot would vary.
    for field, value in (("command", "hostname"), ("nodes", "2"), ("tasks", "4"), ("count", "3")):
        form.query_one(f"#submit-{field}", Input).value = value
    await s.until(button_says(form, "Submit 3 job(s) to flux-sample"))
    await s.shot("submit-form")
    await s.pilot.press("escape")

    await s.open("d", DescribeScreen, lambda screen: screen.described is not None)
    await s.shot("describe")
    await s.pilot.press("escape")

    recreate = await s.open("R", RecreateModal, lambda m: m.info is not None or m.info_error is not None)
    await s.type_in("4")
    await s.until(button_says(recreate, "Recreate flux-sample at size 4"))
    await s.shot("recreate-dialog")
    await s.pilot.press("escape")

    scale = await s.open("Z", ScaleModal)
    await s.type_in("1")
    await s.until(button_says(scale, "Scale flux-sample to 1"))
    await s.shot("scale-dialog")
    await s.pilot.press("escape")

    await s.open("A", ArchiveModal, lambda m: m.info is not None or m.error is not None)
    await s.shot("archive")
    await s.pilot.press("escape")

    await s.open("F", AssetsModal)
    await s.shot("assets")
    await s.pilot.press("escape")

    pending = next(k for k in jobs.table.row_keys() if jobs.index.jobs[k].name == "big-run")
    jobs.table.move_cursor_to(pending)
    await s.open("u", AskModal)
    await s.shot("urgency-dialog")
    await s.pilot.press("escape")

    await s.open("P", ConfirmModal)
    await s.shot("protect-dialog")
    await s.pilot.press("escape")

    await s.open("M", AskModal)
    await s.shot("move-dialog")
    await s.pilot.press("escape")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    os.environ["TZ"] = "UTC"  # the job detail shows the eventlog's first stamp in local time
    time.tzset()
    demo = EmbeddedDemo(speed=10, frozen=True, seed_jobs=SEED_JOBS).start().wait_seeded()
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=1.0)
    try:
        async with app.run_test(size=SIZE) as pilot:
            shooter = Shooter(app, pilot)
            await shoot_views(shooter)
            await shoot_stuck_queue(shooter)
            await shoot_dialogs(shooter)
    finally:
        demo.stop()


if __name__ == "__main__":
    asyncio.run(main())
