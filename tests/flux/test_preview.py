"""Issue 17: the first fetch of a big queue reads only the newest screenful (a preview); the index must
then still ask for the full listing, say nothing of truncation, and let the full read replace it."""

from __future__ import annotations

from fluxstate_tui.flux import commands as fc
from fluxstate_tui.flux.model import Job, JobStats
from fluxstate_tui.flux.snapshot import SINCE_MARGIN, JobIndex, Snapshot, build_script, new_nonce, parse_snapshot

from .test_snapshot import pod  # noqa: F401  (the fixture: the demo shell and Flux simulator)


def jobs(*ids: int, state: str = "INACTIVE") -> list[Job]:
    return [Job(id=i, name=f"j{i}", state=state, result="COMPLETED" if state == "INACTIVE" else "") for i in ids]


def stats(total: int) -> JobStats:
    return JobStats(running=0, completed=total, failed=0, pending=0, inactive_purged=0)


def test_a_preview_is_not_truncated_and_leaves_the_next_fetch_full():
    snap = Snapshot(remote_now=1000.0, full=True, jobs=jobs(9, 8, 7), count=3, stats=stats(50), preview=True)
    assert not snap.truncated  # the "start with --jobs 0" note is for a limit the user asked for
    index = JobIndex()
    index.apply(snap)
    assert set(index.jobs) == {9, 8, 7}
    assert not index.truncated and not index.loaded
    assert index.since() is None  # the next fetch is the full listing, not the changes since the preview

    # The same first screenful without preview: a real --jobs 3 limit, truncated, incremental next.
    limited = JobIndex()
    limited.apply(Snapshot(remote_now=1000.0, full=True, jobs=jobs(9, 8, 7), count=3, stats=stats(50)))
    assert limited.truncated and limited.since() == 1000 - SINCE_MARGIN


def test_the_full_read_replaces_the_preview():
    index = JobIndex()
    index.apply(Snapshot(remote_now=1000.0, jobs=jobs(9, 8, 7), count=3, stats=stats(5), preview=True))
    # Meanwhile job 8 was purged and job 7 ran again (changed): the full listing is what stays.
    full = Snapshot(remote_now=1001.0, jobs=jobs(9, 6, 5) + [Job(id=7, name="j7", state="RUN")], stats=stats(5))
    added, changed, removed = index.apply(full)
    assert added == {6, 5} and changed == {7} and removed == {8}
    assert set(index.jobs) == {9, 7, 6, 5} and index.loaded and index.since() == 1001 - SINCE_MARGIN


async def test_a_preview_lists_the_newest_jobs_first(pod):  # noqa: F811
    for i in range(6):
        await pod.flux("submit", "--job-name", f"n{i}", "true")
    await pod.clock.sleep(2)
    nonce = new_nonce()
    rc, out, err = await pod.exec(fc.script_in_pod(build_script(nonce, sections=("jobs", "stats"), count=2)))
    assert rc == 0, err
    preview = parse_snapshot(out, nonce, full=True, count=2)
    preview.preview = True
    assert [j.name for j in preview.jobs] == ["n5", "n4"] and preview.total_jobs == 6 and not preview.truncated


def test_the_index_keeps_which_jobs_are_still_active_and_whether_any_names_a_queue():
    """A refresh of 100,000 finished jobs looks only at the active ones (JobIndex.active), kept as jobs
    start, finish and arrive, and renewed by a full listing or another Flux instance."""
    index = JobIndex()
    index.apply(Snapshot(remote_now=1000.0, jobs=jobs(1, 2, 3) + jobs(4, 5, state="SCHED"), instance="a"))
    assert index.active == {4, 5} and not index.queued
    running = Job(id=4, name="j4", state="RUN", t_run=1001.0)
    done = Job(id=5, name="j5", state="INACTIVE", result="FAILED")
    new = Job(id=6, name="j6", state="DEPEND", queue="batch")
    index.apply(Snapshot(remote_now=1002.0, full=False, jobs=[running, done, new], instance="a"))
    assert index.active == {4, 6} and index.queued and set(index.jobs) == {1, 2, 3, 4, 5, 6}
    index.apply(Snapshot(remote_now=1004.0, full=False, jobs=jobs(4), instance="a"))
    assert index.active == {6} and index.queued  # a queue once named stays shown until a full listing
    index.apply(Snapshot(remote_now=1006.0, full=False, jobs=jobs(9, state="RUN"), instance="b"))
    assert index.active == {9} and not index.queued and set(index.jobs) == {9}  # another instance
    index.apply(Snapshot(remote_now=1008.0, jobs=jobs(9) + jobs(10, state="SCHED"), instance="b"))
    assert index.active == {10}
