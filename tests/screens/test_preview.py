"""Issue 17: opening a big queue shows the newest screenful at once, then the full listing behind it."""

from __future__ import annotations

from fluxstate_tui.screens.jobs import PREVIEW_ROWS, JobsScreen

from .pilot import make_app, text_of, until

SEEDED = 1000
DEMO = {"speed": 10, "seed_jobs": SEEDED}


async def test_the_newest_jobs_first_then_all_of_them_with_the_cursor_kept(demo, monkeypatch):
    seen: list[dict] = []
    handler = JobsScreen.on_jobs_fetched

    def recording(screen: JobsScreen, message) -> None:
        handler(screen, message)
        table = screen.table
        if message.snapshot.preview:
            # Where a user who started reading the preview would be when the full listing lands.
            table.move_cursor_to(table.row_keys()[3])
        seen.append({"preview": message.snapshot.preview, "rows": table.total_count, "cursor": table.cursor_key,
                     "note": text_of(screen.query_one("#jobs-note")), "since": screen.index.since()})

    monkeypatch.setattr(JobsScreen, "on_jobs_fetched", recording)
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: "default/flux-sample" in clusters.summaries
                    and clusters.summaries["default/flux-sample"].snapshot is not None, what="flux-sample listed")
        await pilot.press("enter")
        await until(pilot, lambda: len(seen) >= 2, timeout=60, what="the preview and the full listing")

    first, full = seen[0], seen[1]
    assert first["preview"] and first["rows"] == PREVIEW_ROWS
    assert "reading the rest" in first["note"] and "--jobs 0" not in first["note"]
    assert first["since"] is None  # the next fetch was the full one
    assert not full["preview"] and full["rows"] >= SEEDED
    assert "reading the rest" not in full["note"] and "--jobs 0" not in full["note"]
    assert full["since"] is not None  # and incremental from then on
    assert full["cursor"] == first["cursor"] is not None
