"""Node status (drained, offline, up) and every reason a job waits (issue #11, items 4 and 5)."""

from __future__ import annotations

import re

import pytest

from fluxstate_tui.flux import commands as fc
from fluxstate_tui.flux.model import Job, QueueReport, QueueState, ResourceRow, Resources
from fluxstate_tui.flux.nodes import STATUS_FORMAT, NodeGroup, NodeStatus, parse_node_status
from fluxstate_tui.flux.snapshot import build_script, new_nonce, parse_snapshot
from fluxstate_tui.flux.why import KINDS, reasons_by_job, reasons_for, summary, why_pending
from tests.demo.flux.conftest import Cluster
from tests.flux.test_snapshot import Pod
from tests.transcripts import block

SEP = "\x1f"


# ---- the parser, against the simulator in the state of the real transcript ----------------------

async def test_node_status_agrees_with_the_real_drained_node_07(tmp_path):
    c = Cluster(tmp_path)  # 4 brokers, all "vm", as 07-misc.txt
    try:
        await c.flux("flux resource drain 3 'bad node for test'")
        rc, out, err = await c.flux(fc.resource_status(STATUS_FORMAT))
        assert rc == 0, err
        nodes = parse_node_status(out)
    finally:
        c.inst.close()
    # The real `flux resource status` of that instance: one line per (state, up), node count, nodes.
    real = block("07-misc.txt", "flux resource status")["stdout"].splitlines()[1:]
    lines = [re.match(r"^\s*(\S+)\s+(✔|✗)\s+(\d+)\s+(.*)$", line).groups() for line in real]
    assert [(g.state, "✔" if g.online else "✗", str(g.nnodes), g.nodelist) for g in nodes.groups] == lines
    # ... and the real drain listing's reason, which the default format cuts at 30 columns.
    assert re.search(r"drained\s+bad node for test\s+vm$", block("07-misc.txt", "flux resource drain")["stdout"],
                     re.M)
    (drained,) = nodes.drained
    assert (drained.ranks, drained.reason, drained.online) == ("3", "bad node for test", True)
    assert drained.timestamp and nodes.nodes_drained == 1 and nodes.nodes_offline == 0
    assert nodes.counts_text() == "1 drained"


async def test_snapshot_fetches_node_status_in_the_same_exec(tmp_path):
    pod = Pod(tmp_path, size=3)
    try:
        long_reason = "replaced DIMM, waiting for the burn-in test to finish; do not undrain"  # > 30 columns
        await pod.flux("resource", "drain", "1", long_reason)
        pod.inst.set_rank_online(2, False)
        nonce = new_nonce()
        rc, out, err = await pod.exec(fc.script_in_pod(build_script(nonce)))
        assert rc == 0, err
        snap = parse_snapshot(out, nonce, full=True)
    finally:
        pod.inst.close()
    assert not snap.errors, snap.errors
    assert snap.nodes is not None and snap.resources.nodes_down == 2
    assert [g.reason for g in snap.nodes.drained] == [long_reason]
    assert [(g.nodelist, g.ranks) for g in snap.nodes.offline] == [("mc-2", "2")]
    assert snap.nodes.counts_text() == "1 drained, 1 offline"


def test_parse_node_status_rejects_other_output_and_a_failed_command_is_unknown():
    with pytest.raises(ValueError):
        parse_node_status("       STATEUP NNODES NODELIST\n       avail ✔      4 vm,vm,vm,vm\n")
    text = "@@n now 1\n@@n section nodes\n\n@@n rc 1\n"
    snap = parse_snapshot(text, "n", full=True)
    assert snap.nodes is None and "nodes" in snap.errors
    line = SEP.join(["drained", "offline", "1", "4", "mc-4", "1796000000.5", "a reason\x1fwith a separator"])
    (g,) = parse_node_status(line).groups
    assert g.reason == "a reason\x1fwith a separator" and g.drained and not g.offline and not g.online


# ---- every reason, in the order to fix them ------------------------------------------------------

def _res(nodes: int, allocated: int = 0, down: int = 0, cores_per_node: int = 4) -> Resources:
    free = nodes - allocated - down
    return Resources([ResourceRow("all", nodes, nodes * cores_per_node),
                      ResourceRow("allocated", allocated, allocated * cores_per_node),
                      ResourceRow("free", free, free * cores_per_node),
                      ResourceRow("down", down, down * cores_per_node)])


DRAINED = NodeGroup("drained", True, 1, "1", "mc-1", 1796000000.0, "bad disk")
OFFLINE = NodeGroup("avail", False, 1, "2", "mc-2")
AVAIL = NodeGroup("avail", True, 1, "0", "mc-0")
STOPPED = QueueReport([QueueState(None, started=False, stop_reason="maintenance")])
STARTED = QueueReport([QueueState(None)])


def test_every_reason_in_fix_order():
    job = Job(id=7, state="DEPEND", urgency=0, nnodes=3, ntasks=3, dependencies=["afterok:ƒ2"])
    reasons = reasons_for(job, queue=STOPPED, resources=_res(3, down=2),
                          nodes=NodeStatus([AVAIL, OFFLINE, DRAINED]))
    assert [r.kind for r in reasons] == ["held", "dependency", "queue-stopped", "drained", "down"]
    assert [r.kind for r in reasons] == sorted((r.kind for r in reasons), key=KINDS.index)
    assert "bad disk" in reasons[3].text and "flux resource undrain 1" in reasons[3].text
    assert "mc-2 (rank 2) offline" in reasons[4].text and "undrain" not in reasons[4].text
    assert summary(reasons) == reasons[0].text and reasons[0].text.startswith("held (urgency 0)")


def test_drained_is_not_down_and_busy_is_neither():
    job = Job(id=8, state="SCHED", nnodes=2, ntasks=2, priority=16)
    drained = reasons_for(job, queue=STARTED, resources=_res(2, down=1), nodes=NodeStatus([AVAIL, DRAINED]))
    assert [r.kind for r in drained] == ["drained"] and "come back" not in drained[0].text
    assert drained[0].short == "drained: mc-1"
    offline = reasons_for(job, queue=STARTED, resources=_res(2, down=1), nodes=NodeStatus([AVAIL, OFFLINE]))
    assert [r.kind for r in offline] == ["down"] and offline[0].short == "offline: mc-2"
    # Enough nodes up, but busy: a drained node elsewhere is mentioned, not blamed.
    busy = reasons_for(job, queue=STARTED, resources=_res(3, allocated=1, down=1),
                       nodes=NodeStatus([AVAIL, DRAINED]))
    assert [r.kind for r in busy] == ["busy"] and busy[0].text.endswith("1 free, 1 drained")
    # More than the instance will ever have.
    big = Job(id=9, state="SCHED", nnodes=5, ntasks=5, priority=16)
    assert [r.kind for r in reasons_for(big, queue=STARTED, resources=_res(3), nodes=NodeStatus([AVAIL]))] == \
        ["too-few-nodes"]


def test_a_disabled_queue_is_not_a_reason():
    disabled = QueueReport([QueueState(None, enabled=False, disable_reason="closed")])
    job = Job(id=10, state="SCHED", ntasks=1, ncores=1, priority=16)
    assert reasons_for(job, queue=disabled, resources=_res(1), nodes=NodeStatus([AVAIL])) == []
    assert why_pending(job, queue=disabled, resources=_res(1)) == "about to be scheduled"


def test_fifo_blames_only_a_head_that_waits_for_resources():
    wide = Job(id=1, state="SCHED", nnodes=2, ntasks=2, priority=16)
    small = Job(id=5, state="SCHED", ntasks=1, ncores=1, priority=16)
    jobs = {1: wide, 5: small}
    # The queue is stopped and both would fit: starting it runs both, nothing else holds `small`.
    fits = reasons_by_job(jobs, STOPPED, _res(2), NodeStatus([AVAIL]))
    assert [r.kind for r in fits[5]] == ["queue-stopped"]
    # The wide job cannot run (a node is drained): `small` is behind it even once the queue starts.
    stuck = reasons_by_job(jobs, STOPPED, _res(2, down=1), NodeStatus([AVAIL, DRAINED]))
    assert [r.kind for r in stuck[1]] == ["queue-stopped", "drained"]
    assert [r.kind for r in stuck[5]] == ["queue-stopped", "fifo"] and stuck[5][1].short == "behind ƒ2"
