"""Batch scripts and the per-rank node view, run through the demo pod's real shell and Flux simulator."""

from __future__ import annotations

import pytest

from fluxstate_tui.flux import batch
from fluxstate_tui.flux import commands as fc
from fluxstate_tui.flux.ids import f58_encode, parse_jobid
from fluxstate_tui.flux.node_view import RunningAlloc, build_rows, node_script, parse_node_view, summary_cores
from fluxstate_tui.flux.nodes import NodeGroup, NodeStatus
from fluxstate_tui.flux.snapshot import new_nonce
from tests.flux import test_snapshot

pod = test_snapshot.pod  # the fixture: a broker pod without Kubernetes (the demo shell and Flux simulator)
HOSTILE = ["$(touch /tmp/pwned)", "a'b\"c", "line1\nline2", "; rm -rf /", "`id`", "*", "@@x section y"]


async def test_each_item_gets_its_own_output_and_code_whatever_it_holds(pod):
    nonce = new_nonce()
    keys = [w for w in HOSTILE if "\n" not in w]
    after = "after; $(touch /tmp/pwned2)\nline2"
    script = batch.each_script(nonce, ["printf", "%s|%s"], [after], keys)
    rc, out, err = await pod.exec(fc.script_in_pod(script))
    answers = batch.parse_each(out, nonce)
    assert answers == {w: (0, f"{w}|{after}".strip()) for w in keys}
    with pytest.raises(ValueError):
        batch.each_script(nonce, ["true"], [], ["line1\nline2"])
    script = batch.each_script(nonce, ["test", "-z"], [], ["", "x"])
    rc, out, err = await pod.exec(fc.script_in_pod(script))
    assert batch.parse_each(out, nonce) == {"": (0, ""), "x": (1, "")}
    assert not pod.host.fs.host_path("/tmp/pwned").exists() and not pod.host.fs.host_path("/tmp/pwned2").exists()


async def test_urgency_for_each_job_in_one_script(pod):
    held = [await pod.flux("submit", "--urgency=0", "hostname") for _ in range(3)]
    done = await pod.flux("submit", "true")
    await pod.inst.wait_for(lambda: pod.inst.jobs[parse_jobid(done)].state == 64, 100)
    keys = [f58_encode(parse_jobid(j), ascii=True) for j in held + [done]]
    nonce = new_nonce()
    script = batch.each_script(nonce, ["flux", "job", "urgency"], ["default"], keys)
    before = len(pod.seen)
    rc, out, _ = await pod.exec(fc.script_in_pod(script))
    answers = batch.parse_each(out, nonce)
    assert [answers[k][0] for k in keys] == [0, 0, 0, 1]
    assert answers[keys[-1]][1] == f"flux-job: {keys[-1]}: job is inactive"
    assert sum(1 for argv in pod.seen[before:] if argv[1:2] == ["proxy"]) == 1  # one exec, one proxy


def test_batches_keep_every_exec_url_within_bounds():
    keys = [f58_encode(i * 7919 + 10**12, ascii=True) for i in range(2000)]
    parts = batch.each_batches(["flux", "job", "urgency"], ["default"], keys)
    assert [k for p in parts for k in p] == keys and 3 <= len(parts) <= 6
    for part in parts:
        assert batch.url_cost(fc.script_in_pod(batch.each_script(new_nonce(), ["flux", "job", "urgency"],
                                                                 ["default"], part))[2]) <= batch.MAX_WORD
    argv = fc.cancel(["f1"], message="a long reason " * 40)[:-1]
    parts = batch.id_batches(argv, keys)
    assert [k for p in parts for k in p] == keys
    assert all(batch.url_cost(fc.in_pod(argv + p)[2]) <= batch.MAX_WORD for p in parts)


def test_a_cut_off_item_is_missing():
    out = "@@n section a\nok\n\n@@n rc 0\n@@n section b\npartial"
    assert batch.parse_each(out, "n") == {"a": (0, "ok")}
    assert batch.parse_each("@@other section a\n@@other rc 0\n", "n") == {}


def test_chunks_stay_within_the_limit_and_keep_the_order():
    items = [str(i) * (i % 7 + 1) for i in range(200)]
    parts = batch.chunks(items, len, 50)
    assert [x for p in parts for x in p] == items
    assert all(sum(map(len, p)) <= 50 for p in parts)
    assert batch.chunks(["x" * 80], len, 50) == [["x" * 80]]


def test_id_errors_name_the_job_flux_refused():
    stderr = ("flux-cancel: ERROR: ƒ2MgGtQP: job is inactive\nflux-cancel: ERROR: f1: unknown job id\n"
              "flux-job: kill 1234: job is not running\nflux-job: kill: Invalid signal X\n"
              "flux-cancel: ERROR: invalid jobid: zz\nsomething else\n")
    found, other = batch.id_errors(stderr)
    assert [(e.id, e.text) for e in found] == [(parse_jobid("ƒ2MgGtQP"), "job is inactive"), (0, "unknown job id"),
                                               (1234, "job is not running"), (None, "invalid jobid")]
    assert other == ["flux-job: kill: Invalid signal X", "something else"]


# ---- the node view -------------------------------------------------------------------------------

def test_summaries_give_exact_cores_per_rank():
    assert summary_cores("rank[0-1]/core[0-3]") == {0: 4, 1: 4}
    assert summary_cores("rank0/core[0-1] rank1/core0") == {0: 2, 1: 1}
    assert summary_cores("rank0/core[0-1],rank1/core0") == {0: 2, 1: 1}
    assert summary_cores("") is None and summary_cores("garbage") is None


def test_rows_from_status_r_and_jobs():
    status = NodeStatus([NodeGroup("avail", True, 2, "0,2", "mc-[0,2]"),
                         NodeGroup("avail", False, 1, "3", "mc-3"),
                         NodeGroup("draining", True, 1, "1", "mc-1", 1700000000.0, "disk; $(x)")])
    running = [RunningAlloc(7, (0, 1), 3), RunningAlloc(5, (0,), 2, "rank0/core[2-3]")]
    rows = build_rows(status, {r: 4 for r in range(4)}, running)
    assert [(r.rank, r.hostname, r.state, r.cores_used, r.cores_total, r.cores_exact, r.jobs) for r in rows] == [
        (0, "mc-0", "up", 4, 4, False, [5, 7]), (1, "mc-1", "draining", 1, 4, False, [7]),
        (2, "mc-2", "up", 0, 4, True, []), (3, "mc-3", "offline", 0, 4, True, [])]
    assert rows[1].drain_reason == "disk; $(x)" and rows[1].drained_at == 1700000000.0
    assert rows[0].drain_reason is None and rows[1].to_json()["cores"] == {"total": 4, "used": 1, "exact": False}


async def test_node_view_in_one_exec(pod):
    job = await pod.flux("submit", "-N1", "sleep", "100")
    await pod.inst.wait_for(lambda: pod.inst.jobs[parse_jobid(job)].state == 16, 100)
    await pod.flux("resource", "drain", "1", "bad\ndisk")
    nonce = new_nonce()
    rc, out, _ = await pod.exec(fc.script_in_pod(node_script(nonce)))
    view = parse_node_view(out, nonce)
    assert view.errors == {}
    rows = view.by_rank()
    assert (rows[0].state, rows[0].cores_used, rows[0].cores_total, rows[0].jobs) == ("up", 4, 4, [parse_jobid(job)])
    assert (rows[1].state, rows[1].drain_reason, rows[1].hostname) == ("drained", "bad\ndisk", "mc-1")
    assert f58_encode(rows[0].jobs[0]) == job


def test_a_failed_section_is_named_and_the_rest_kept():
    out = ("@@n now 1\n@@n section status\n\n@@n rc 1\n@@n section R\n"
           '{"execution": {"R_lite": [{"rank": "0-1", "children": {"core": "0-3"}}]}}\n@@n rc 0\n')
    view = parse_node_view(out, "n")
    assert set(view.errors) == {"status", "jobs"}
    assert [(r.rank, r.cores_total, r.state) for r in view.rows] == [(0, 4, "unknown"), (1, 4, "unknown")]
