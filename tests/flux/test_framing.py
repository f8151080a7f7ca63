"""Issue #12 items 10 and 11: no job can break the listing of the others, and the jobs of a dead
Flux instance never stay in the index.

The row format asks flux to print every free-text field with `!a` (Python's ascii()), so a
record is one line of 21 fields whatever its name or cancel message holds. Checked against the
real flux-core 0.88 JSON of 04-json.txt, printed the way real flux's formatter prints a row
(tests/flux/fluxfmt.py), and through the demo's shell and Flux simulator.
"""

from __future__ import annotations

import copy
import json
import re

from fluxstate_tui.demo.flux import FluxInstance
from fluxstate_tui.flux import commands as fc
from fluxstate_tui.flux.model import Job
from fluxstate_tui.flux.parse import ROW_FIELDS, ROW_FORMAT, SEP, job_from_json, parse_job_row, read_job_rows
from fluxstate_tui.flux.snapshot import (
    SINCE_MARGIN,
    UNREADABLE,
    JobIndex,
    Snapshot,
    build_script,
    new_nonce,
    parse_snapshot,
)
from tests.flux.fluxfmt import flux_format
from tests.flux.test_snapshot import Pod, pod  # noqa: F401  (the fixture)
from tests.transcripts import block

HOSTILE = ["a\nb", "us\x1fsep", "\x1b]2;TITLE\x07", "csi\x9b1m", "del\x7f", "[/]x", "it's \"quoted\" \\n",
           "café ƒ 名前", "\u2028line\u2029sep", "", " "]


async def until_inactive(pod, jobid: str) -> None:  # noqa: F811
    for _ in range(200):
        if await pod.flux("jobs", "-n", "-o", "{state}", jobid) == "INACTIVE":
            return
        await pod.clock.sleep(1)
    raise AssertionError(f"{jobid} did not end")


def real_jobs() -> list[dict]:
    return json.loads(block("04-json.txt", "flux jobs -a --json")["stdout"])["jobs"]


def test_rows_of_real_flux_parse_to_what_its_json_says():
    for d in real_jobs():
        row = flux_format(ROW_FORMAT, d)
        assert "\n" not in row and row.count(SEP) == len(ROW_FIELDS) - 1 and row.isascii()
        assert parse_job_row(row) == job_from_json(d), d["jobid"]
    dep = next(d for d in real_jobs() if d["dependencies"])
    assert flux_format("{dependencies!a}", dep) == "['after-success=\\u0192aQgpKh']"  # DependencyList's repr


def test_any_name_or_note_survives_the_real_row_format():
    for text in HOSTILE:
        for d in real_jobs():
            d = copy.deepcopy(d)
            d["name"], d["username"], d["queue"] = text, text, text
            if d["exception"]["occurred"]:
                d["exception"]["note"] = text
            job = parse_job_row(flux_format(ROW_FORMAT, d))
            assert job == job_from_json(d) and job.name == text


async def test_one_job_cannot_hide_the_others(pod):  # noqa: F811
    for name in HOSTILE[:6]:
        await pod.flux("submit", f"--job-name={name}", "true")
    victim = await pod.flux("submit", "sleep", "1000")
    await pod.flux("submit", "--job-name=plain", "sleep", "1000")
    await pod.flux("cancel", "-m", "line one\nline two\x1b[2J", victim)
    await until_inactive(pod, victim)
    nonce = new_nonce()
    rc, out, err = await pod.exec(fc.script_in_pod(build_script(nonce)))
    assert rc == 0, err
    snap = parse_snapshot(out, nonce, full=True)
    assert not snap.errors, snap.errors
    assert len(snap.jobs) == 8 and {j.name for j in snap.jobs} >= set(HOSTILE[:6]) | {"plain"}
    (canceled,) = [j for j in snap.jobs if j.exception_type == "cancel"]
    assert canceled.exception_note == "line one\nline two\x1b[2J" and canceled.result == "CANCELED"


def test_an_unreadable_record_costs_only_itself():
    good = [flux_format(ROW_FORMAT, d) for d in real_jobs()[:3]]
    broken = good[1].replace("\x1f", "|", 3)  # a record that is not flux's: 3 fields fewer
    text = "\n".join(["@@n now 100", "@@n section jobs", good[0], broken, good[2], "", "@@n rc 0"]) + "\n"
    snap = parse_snapshot(text, "n", full=True)
    assert [j.id for j in snap.jobs] == [real_jobs()[0]["id"], real_jobs()[2]["id"]]
    assert snap.errors[UNREADABLE].startswith("1 job could not be read: expected 21 fields, got 18")
    assert snap.problems() == [snap.errors[UNREADABLE]]
    jobs, bad = read_job_rows("\n".join([good[0], "'", "1\x1f" * 20 + "x", good[2]]))
    assert len(jobs) == 2 and len(bad) == 2


async def test_the_simulator_prints_rows_as_real_flux_would(pod):  # noqa: F811
    """For the fields the client uses, the simulator's row is the one real flux prints for the job
    the simulator's own --json describes (its --json is checked against 04-json.txt elsewhere)."""
    first = await pod.flux("submit", "--job-name=a\nb", "sleep", "1000")
    await pod.flux("submit", f"--dependency=afterok:{first}", "--job-name=dep", "true")
    await pod.flux("submit", "--urgency=0", "hostname")
    await pod.flux("submit", "false")
    victim = await pod.flux("submit", "sleep", "100")
    await pod.flux("cancel", "-m", "why\x1fnot", victim)
    await until_inactive(pod, victim)
    rc, rows, err = await pod.exec(fc.in_pod(fc.jobs(ROW_FORMAT, count=0)))
    assert rc == 0, err
    rc, js, err = await pod.exec(fc.in_pod(fc.flux("jobs", "-a", "-A", "--json")))
    assert rc == 0, err
    real = {d["id"]: d for d in json.loads(js)["jobs"]}
    sim_rows = rows.strip("\n").split("\n")
    assert len(sim_rows) == len(real) == 5
    for row in sim_rows:
        sim = row.split(SEP)
        expected = flux_format(ROW_FORMAT, real[int(sim[0])]).split(SEP)
        for name, got, want in zip(ROW_FIELDS, sim, expected, strict=True):
            if name != "runtime":  # a running job's runtime grows between the two commands
                assert got == want, (name, got, want)


# ---- item 11: a new Flux instance ---------------------------------------------------------------

def _snap(instance: str | None, jobs: list[Job], *, full: bool, now: float = 1000.0) -> Snapshot:
    return Snapshot(remote_now=now, full=full, jobs=jobs, instance=instance)


def test_changes_of_a_new_instance_are_never_merged_into_the_old():
    index = JobIndex()
    ghost = Job(id=1, name="ghost", state="RUN", t_run=900.0)
    index.apply(_snap("100.00", [ghost, Job(id=2, state="INACTIVE", result="COMPLETED")], full=True))
    index.apply(_snap("100.00", [Job(id=3, state="SCHED")], full=False, now=1010.0))  # same instance: merged
    assert set(index.jobs) == {1, 2, 3} and index.since() == 1010 - SINCE_MARGIN
    newer = _snap("2000.00", [Job(id=7, state="SCHED")], full=False, now=2010.0)
    assert index.other_instance(newer)
    added, changed, removed = index.apply(newer)
    assert removed == {1, 2, 3} and added == {7} and set(index.jobs) == {7}
    assert index.since() is None and index.instance == "2000.00"  # the next fetch is a full one
    index.apply(_snap(None, [Job(id=8)], full=False))  # unknown instance (old flux): merged as before
    assert set(index.jobs) == {7, 8}


async def test_every_listing_names_its_instance(pod, tmp_path):  # noqa: F811
    rc, out, err = await pod.exec(fc.in_pod(fc.getattr_("broker.starttime")))
    assert rc == 0 and re.fullmatch(r"\d{10}\.\d\d\n", out), (out, err)  # real flux: "%.2f" (broker.c)
    nonce = new_nonce()
    rc, out, err = await pod.exec(fc.script_in_pod(build_script(nonce, sections=("jobs",), since=1)))
    snap = parse_snapshot(out, nonce, full=False)
    assert snap.instance == f"{pod.inst.t_start:.2f}" and not snap.errors
    await pod.clock.sleep(5)
    old = pod.inst
    pod.inst = FluxInstance(hostnames=["mc-0", "mc-1"], cores_per_node=4, clock=pod.clock, uri=old.uri)
    old.close()
    nonce = new_nonce()
    rc, out, err = await pod.exec(fc.script_in_pod(build_script(nonce)))
    assert parse_snapshot(out, nonce, full=True).instance not in (None, snap.instance)
