"""Issue 17: reopening the jobs screen must not keep the screens it left, nor their jobs: memory is flat
across 20 visits.

Each visit of a 100,000-job queue used to stay in memory (291 → 801 MiB over 8 visits): the timeouts a
fetch schedules sit cancelled in the event loop until they would have fired, and each held the
worker's context, which names the worker and its screen. Counted here with the collector rather than
RSS, so the bound does not depend on the machine or on what the demo (in this process) does meanwhile:
the Job objects, the screens and tables, and the widgets alive, visit 2 against visit 20 (visit 1 loads
what stays for good: the screen's module, Textual's caches). bench/memory.py measures the RSS.

The screens the lists open (a job's detail, the nodes, the broker log, describe) are popped the same
way and must go the same way: the job detail holds the jobs screen's last snapshot, whose job list is
every job of the queue after a full read. (Failing when written: each is kept by a cancelled timeout of
its worker's reads, ~30 s, as the jobs screen was; and every visit leaves a Header and some 20 FooterKeys
in watcher lists of the app and of the list's Footer, Textual's issue #6666.)
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter

import pytest
from textual.dom import DOMNode

from fluxstate_tui.flux.model import Job
from fluxstate_tui.screens import jobs as jobs_module
from fluxstate_tui.screens.broker_log import BrokerLogScreen
from fluxstate_tui.screens.clusters import ClustersScreen
from fluxstate_tui.screens.describe import DescribeScreen
from fluxstate_tui.screens.job_detail import JobDetailScreen
from fluxstate_tui.screens.jobs import JobsScreen
from fluxstate_tui.screens.nodes import NodesScreen
from fluxstate_tui.widgets.job_table import JobTable

from .pilot import make_app, until

SEEDED = 2000
DEMO = {"speed": 10, "seed_jobs": SEEDED}
VISITS = 20
WIDGET_GROWTH = 10
"""Widgets alive after visit 20 beyond those after visit 2 (visit 1 loads what stays for good). Each visit
used to leave some 23 (a Header, its 3 children and ~20 FooterKeys) and ~6,500 objects with them."""


OBJECT_GROWTH = 3000
"""Objects the collector tracks after visit 20 beyond those after visit 2: Textual's bounded caches of
styles and colours still fill a little (some 70 objects a visit here)."""


def alive(kind: type) -> int:
    gc.collect()
    if kind is Job:
        return jobs_alive(gc.get_objects())
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


def jobs_alive(objects: list) -> int:
    """Jobs counted through the dicts and lists that hold them: one pass over what those refer to, rather
    than an isinstance check of every tracked object."""
    held = set()
    for o in objects:
        if type(o) in (dict, list, set):
            held.update(id(r) for r in gc.get_referents(o) if type(r) is Job)
    return len(held)


def census() -> tuple[Counter, int]:
    """One collection and one pass over the heap: the screens, tables, jobs and widgets alive (by class
    name), and every object the collector tracks."""
    gc.collect()
    objects = gc.get_objects()
    kinds: Counter = Counter()
    for o in objects:
        if isinstance(o, DOMNode):
            kinds[type(o).__name__] += 1
    kinds["Job"] = jobs_alive(objects)
    return kinds, len(objects)


async def open_clusters(app, pilot) -> ClustersScreen:
    clusters = app.screen
    assert isinstance(clusters, ClustersScreen)
    await until(pilot, lambda: "default/flux-sample" in clusters.summaries
                and clusters.summaries["default/flux-sample"].snapshot is not None, what="flux-sample listed")
    return clusters


async def visit_jobs(app, pilot) -> JobsScreen:
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen.table.total_count >= SEEDED
                and app.screen.index.loaded, timeout=60, what="the seeded jobs")
    return app.screen


async def test_twenty_visits_of_the_jobs_screen_keep_nothing_of_the_last(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        clusters = await open_clusters(app, pilot)
        jobs_before = census()[0]["Job"]
        objects: list[int] = []
        widgets: list[Counter] = []
        for visit in range(VISITS):
            await visit_jobs(app, pilot)
            await pilot.pause(0.6)  # a refresh or two past the first: incremental fetches too
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is clusters, what="back to the list")
            await pilot.pause(0.2)
            kinds, tracked = census()
            # The screen just popped may still be in the middle of being removed; none before it may remain.
            assert kinds[JobsScreen.__name__] <= 1, f"visit {visit + 1}: popped jobs screens kept"
            assert kinds[JobTable.__name__] <= 1, f"visit {visit + 1}: popped job tables kept"
            assert kinds["Job"] <= jobs_before + 100, f"visit {visit + 1}: the jobs of popped screens kept"
            objects.append(tracked)
            widgets.append(kinds)
        grown = widgets[-1] - widgets[1]
        del grown["Job"]
        assert sum(grown.values()) <= WIDGET_GROWTH, (
            f"widgets alive grew from visit 2 to {VISITS}: {dict(grown.most_common(6))}; "
            f"objects tracked after each visit: {objects}")
        # Nor what widgets rendered: each visit used to leave ~4,000 objects, the lines of the popped screen's
        # widgets kept by Textual's cache of StylesCache.get_inner_outer (release_styles_caches) and the dead
        # entries of the list's DataTable render caches (sync_rows).
        assert objects[-1] - objects[1] <= OBJECT_GROWTH, f"objects tracked after each visit: {objects}"


VIEWS = [
    # (key on the jobs screen, the screen it opens)
    ("enter", JobDetailScreen),
    ("n", NodesScreen),
    ("l", BrokerLogScreen),
    ("d", DescribeScreen),
]


@pytest.mark.parametrize(("key", "kind"), VIEWS, ids=[kind.__name__ for _, kind in VIEWS])
async def test_the_views_the_jobs_screen_opens_are_released_when_popped(demo, key, kind):
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_clusters(app, pilot)
        jobs_before = alive(Job)
        jobs = await visit_jobs(app, pilot)
        for visit in range(2):
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, kind), what=kind.__name__)
            await pilot.pause(0.8)  # its first read, and a refresh (0.5 s)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is jobs, what="back to the jobs")
            # Given a moment to finish going (its reads being cancelled): the leak this is about kept
            # them some 30 s, the timeouts of those reads.
            await until(pilot, lambda: alive(kind) <= 1, timeout=3,
                        what=f"visit {visit + 1}: popped {kind.__name__} screens released")
        # The jobs screen's full read (every job) must not outlive it through a view's screen.
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert alive(Job) <= jobs_before + 100, "the jobs of the popped screens kept"


@pytest.mark.parametrize("held_s", [0, 0.6], ids=["let go at once", "held past the first collection"])
async def test_a_big_queues_screen_is_collected_soon_after_its_pop(demo, monkeypatch, held_s):
    """Its widgets are in cycles, and once the screen's frozen jobs are thawed the collector's oldest
    generation is too big to be collected for a long while: until then they keep arenas from the system.
    The screen is gone a moment after the pop with no collection of the test's own, also when something
    (here the test, as a worker finishing its work would) still holds it at the first collection."""
    monkeypatch.setattr(jobs_module, "FREEZE_FROM", 500)  # the seeded queue counts as a big one
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        clusters = await open_clusters(app, pilot)
        held = [await visit_jobs(app, pilot)]
        screen = weakref.ref(held[0])
        await until(pilot, lambda: held[0]._frozen, what="the jobs kept out of collections")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is clusters, what="back to the list")
        if held_s:
            await pilot.pause(held_s)
        held.clear()
        await until(pilot, lambda: screen() is None, timeout=3, what="the popped screen collected")
