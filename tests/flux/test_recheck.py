"""A job whose end Flux's job-list learned of late: absent from the next `--since` listing, it is asked for
by id (the `recheck` section) rather than left running on the screen for good."""

from __future__ import annotations

from fluxstate_tui.flux import commands as fc
from fluxstate_tui.flux.ids import parse_jobid
from fluxstate_tui.flux.model import Job
from fluxstate_tui.flux.snapshot import (
    RECHECK_MAX,
    SINCE_MARGIN,
    JobIndex,
    Snapshot,
    build_script,
    new_nonce,
    parse_snapshot,
)
from tests.flux.test_snapshot import Pod, pod  # noqa: F401  (the fixture)


def loaded(*jobs: Job) -> JobIndex:
    index = JobIndex()
    index.apply(Snapshot(remote_now=1000.0, full=True, jobs=list(jobs)))
    return index


def test_an_active_job_absent_from_a_since_listing_is_asked_for_by_id_next():
    index = loaded(Job(id=1, state="RUN"), Job(id=2, state="SCHED"), Job(id=3, state="INACTIVE"))
    index.apply(Snapshot(remote_now=1002.0, full=False, jobs=[Job(id=2, state="RUN")]))
    assert index.missing == {1} and index.recheck() == [1]
    assert index.active == {1, 2}  # not taken for ended before its end is read
    assert index.jobs[1].state == "RUN"

    # Asked for by id, it comes back ended: shown so, and no longer active or missing.
    ended = Job(id=1, state="INACTIVE", result="COMPLETED")
    index.apply(Snapshot(remote_now=1004.0, full=False, jobs=[ended, Job(id=2, state="RUN")], rechecked=frozenset({1})))
    assert index.jobs[1] == ended and index.active == {2} and not index.missing and index.recheck() == []


def test_a_job_asked_for_by_id_that_flux_no_longer_knows_is_left_as_last_seen():
    index = loaded(Job(id=1, state="RUN"), Job(id=2, state="RUN"))
    index.apply(Snapshot(remote_now=1002.0, full=False, jobs=[Job(id=2, state="RUN")]))
    index.apply(Snapshot(remote_now=1004.0, full=False, jobs=[Job(id=2, state="RUN")], rechecked=frozenset({1})))
    assert index.active == {2} and not index.missing and index.jobs[1].state == "RUN"


def test_a_listing_cut_short_neither_finds_nor_forgets_missing_jobs():
    index = loaded(Job(id=1, state="RUN"), Job(id=2, state="RUN"))
    index.apply(Snapshot(remote_now=1002.0, full=False, jobs=[Job(id=2, state="RUN")]))
    index.apply(Snapshot(remote_now=1004.0, full=False, jobs=[], errors={"jobs": "the job listing was cut short"},
                         rechecked=frozenset({1})))
    assert index.missing == {1} and index.active == {1, 2}


def test_a_full_listing_or_a_new_instance_needs_no_recheck():
    index = loaded(Job(id=1, state="RUN"))
    index.apply(Snapshot(remote_now=1002.0, full=False, jobs=[]))
    assert index.missing == {1}
    index.apply(Snapshot(remote_now=1004.0, full=True, jobs=[Job(id=1, state="INACTIVE")]))
    assert not index.missing and not index.active


def test_rechecks_are_bounded_and_only_go_with_a_since_listing():
    index = loaded(*(Job(id=i, state="RUN") for i in range(1, RECHECK_MAX + 50)))
    index.apply(Snapshot(remote_now=1002.0, full=False, jobs=[]))
    assert index.recheck() == list(range(1, RECHECK_MAX + 1))
    script = build_script("n", sections=("jobs",), since=index.since(), recheck=[5, 3])
    assert "@@n section recheck" in script and script.rstrip().split("\n")[-2].endswith(" 3 5")
    assert "recheck" not in build_script("n", sections=("jobs",), recheck=[5, 3])


async def test_a_job_job_list_reported_late_is_read_by_id_through_the_pod(pod):  # noqa: F811
    jobid = parse_jobid(await pod.flux("submit", "sleep", "10"))
    other = parse_jobid(await pod.flux("submit", "sleep", "1000"))
    await pod.clock.sleep(2)
    index = JobIndex()
    index.apply(await listing(pod, index))
    assert {jobid, other} <= index.active
    await pod.clock.sleep(30)  # `sleep 10` ends
    # As if the last listing had come after its end and job-list had still called it running then.
    index.remote_now = pod.clock.now()
    await pod.clock.sleep(SINCE_MARGIN + 5)
    index.apply(await listing(pod, index))
    assert index.missing == {jobid} and index.jobs[jobid].state == "RUN"
    snap = await listing(pod, index)
    assert not snap.errors, snap.errors
    index.apply(snap)
    assert index.jobs[jobid].state == "INACTIVE" and index.jobs[jobid].result == "COMPLETED"
    assert index.active == {other} and not index.missing

    # An id Flux does not know (purged): the section exits 1; the job rows of the others are still read.
    index.active.add(123456789)
    index.missing = {123456789, other}
    snap = await listing(pod, index)
    assert not snap.errors and {j.id for j in snap.jobs} == {other}
    index.apply(snap)
    assert index.active == {other} and not index.missing


async def listing(pod: Pod, index: JobIndex) -> Snapshot:  # noqa: F811
    since = index.since()
    recheck = index.recheck() if since is not None else []
    nonce = new_nonce()
    rc, out, err = await pod.exec(fc.script_in_pod(build_script(nonce, sections=("jobs",), since=since,
                                                                recheck=recheck)))
    assert rc == 0, err
    snap = parse_snapshot(out, nonce, full=since is None)
    snap.rechecked = frozenset(recheck)
    return snap
