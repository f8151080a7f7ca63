"""`--demo`'s start-up: the app draws first, then starts its demo cluster and connects once it answers
(app.py); a demo that cannot start is said on the screen, never a hang or a traceback."""

from __future__ import annotations

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.kube.client import Target

from .pilot import text_of, until


async def test_the_app_starts_its_demo_and_lists_flux_sample_up_at_once(tmp_path):
    demo = EmbeddedDemo(speed=10, data_dir=tmp_path / "demo")
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=0.5, demo=demo)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            summary = await until(pilot, lambda: (s := clusters.summaries.get("default/flux-sample")) and s.snapshot
                                  and s, what="flux-sample listed")
            # up as if it had been running a while: the first listing already has its queue
            assert summary.ready_pods == 2 and summary.queue_text() == "started"
    finally:
        demo.stop()
    assert demo.failed is None


async def test_a_demo_that_cannot_start_is_said_on_the_screen(tmp_path):
    occupied = tmp_path / "a-file"
    occupied.write_text("not a directory")
    demo = EmbeddedDemo(speed=10, data_dir=occupied)
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=0.5, demo=demo)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: "failed to start" in text_of(clusters.query_one("#mc-empty")),
                        what="the demo's failure")
    finally:
        demo.stop()
    assert demo.failed is not None
    assert occupied.read_text() == "not a directory"
