"""`--demo`'s start-up: the app draws first, then starts its demo cluster and connects once it answers
(app.py); a demo that cannot start is said on the screen, never a hang or a traceback. Both kinds of
demo: in a thread of this process (EmbeddedDemo: the tests, `serve --demo`) and in a child process
(DemoProcess: `fluxstate-tui --demo`)."""

from __future__ import annotations

import pytest

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.demo.embedded import DemoProcess, EmbeddedDemo
from fluxstate_tui.kube.apis import CORE_V1_MODELS
from fluxstate_tui.kube.client import Target

from .pilot import text_of, until


def in_a_thread(tmp_path, **options):
    return EmbeddedDemo(speed=10, data_dir=tmp_path / "demo", **options)


def in_a_child(tmp_path, **options):
    return DemoProcess(speed=10, **options)


KINDS = pytest.mark.parametrize("make_demo", [in_a_thread, in_a_child], ids=["thread", "child process"])


@KINDS
async def test_the_app_starts_its_demo_and_lists_flux_sample_up_at_once(tmp_path, make_demo):
    demo = make_demo(tmp_path)
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=0.5, demo=demo)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            summary = await until(pilot, lambda: (s := clusters.summaries.get("default/flux-sample")) and s.snapshot
                                  and s, what="flux-sample listed")
            # up as if it had been running a while: the first listing already has its queue
            assert summary.ready_pods == 2 and summary.queue_text() == "started"
            # the models the list never reads, built in a thread once it is shown (kube/client.py load_models)
            await until(pilot, lambda: "cut_class" in vars(CORE_V1_MODELS), what="the models built")
    finally:
        demo.stop()
    assert demo.failed is None


def a_data_dir_it_cannot_use(tmp_path):
    occupied = tmp_path / "a-file"
    occupied.write_text("not a directory")
    return EmbeddedDemo(speed=10, data_dir=occupied), "File exists"


def a_load_rate_it_refuses(tmp_path):
    return DemoProcess(speed=10, load=1000), "load rate"


@pytest.mark.parametrize("broken", [a_data_dir_it_cannot_use, a_load_rate_it_refuses],
                         ids=["thread", "child process"])
async def test_a_demo_that_cannot_start_is_said_on_the_screen(tmp_path, broken):
    demo, why = broken(tmp_path)
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=0.5, demo=demo)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: "failed to start" in text_of(clusters.query_one("#mc-empty")),
                        what="the demo's failure")
            assert why in text_of(clusters.query_one("#mc-empty"))
    finally:
        demo.stop()
    assert demo.failed is not None and why in str(demo.failed)
    with pytest.raises(RuntimeError, match="failed to start"):
        demo.wait_ready()  # asked again: the same answer, not a hang
