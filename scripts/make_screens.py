"""Regenerate screens/*.svg: one screenshot per screen, taken from the TUI running on the demo cluster.

    .venv/bin/python scripts/make_screens.py [DIR]      (or: make screens)

The demo is the deterministic one (frozen clock, seeded names, a still scene of jobs), so the
screenshots only change when the TUI does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fluxstate_tui.app import FluxStateApp  # noqa: E402
from fluxstate_tui.demo.embedded import EmbeddedDemo  # noqa: E402
from fluxstate_tui.flux.node_view import NodeView  # noqa: E402
from fluxstate_tui.kube.broker import Broker  # noqa: E402
from fluxstate_tui.kube.client import Target  # noqa: E402
from fluxstate_tui.kube.resources import get_minicluster  # noqa: E402

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


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    os.environ["TZ"] = "UTC"  # the job detail shows the eventlog's first stamp in local time
    time.tzset()
    demo = EmbeddedDemo(speed=10, frozen=True, seed_jobs=SEED_JOBS).start().wait_seeded()
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=1.0)
    try:
        async with app.run_test(size=SIZE) as pilot:
            async def shot(name: str) -> None:
                await pilot.pause(0.3)
                app.save_screenshot(str(OUT / f"{name}.svg"))
                print(f"screens/{name}.svg")

            clusters = app.screen
            await until(pilot, lambda: clusters.summaries.get("default/flux-sample")
                        and clusters.summaries["default/flux-sample"].snapshot)
            await shot("miniclusters")
            await pilot.press("enter")
            jobs = app.screen
            await until(pilot, lambda: jobs.table.total_count == SEED_JOBS + 5)
            await shot("jobs")
            pending = next(k for k in jobs.table.row_keys() if jobs.index.jobs[k].name == "big-run")
            jobs.table.move_cursor_to(pending)
            await pilot.press("enter")
            await until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
            await shot("job-detail-pending")
            await pilot.press("escape")
            done = next(k for k in jobs.table.row_keys() if jobs.index.jobs[k].result == "FAILED")
            jobs.table.move_cursor_to(done)
            await pilot.press("enter")
            await until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
            await shot("job-detail-failed")
            await pilot.press("escape")
            await pilot.press("l")
            await until(pilot, lambda: getattr(app.screen, "lines_seen", 0) >= 3)
            await shot("broker-log")
            await pilot.press("escape")
            await pilot.press("question_mark")
            await shot("help")
            await pilot.press("escape")
            # A stuck queue, for the troubleshooting pictures: a rank drained and the queue stopped.
            kube = await app.client()
            broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
            await broker.flux(["flux", "resource", "drain", "1", "bad disk on /scratch"])
            await broker.flux(["flux", "queue", "stop", "-m", "maintenance"])
            await pilot.press("n")
            await until(pilot, lambda: any(r.state in ("drained", "draining")
                                           for r in (getattr(app.screen, "view", None) or NO_NODES).rows))
            await shot("nodes")
            await pilot.press("escape")
            await until(pilot, lambda: jobs.snapshot is not None and jobs.snapshot.queue is not None
                        and jobs.snapshot.queue.all_stopped)
            held = next(k for k in jobs.table.row_keys() if jobs.index.jobs[k].name == "held")
            jobs.table.move_cursor_to(held)
            await pilot.press("enter")
            await until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
            await shot("job-detail-fixes")
    finally:
        demo.stop()


if __name__ == "__main__":
    asyncio.run(main())
