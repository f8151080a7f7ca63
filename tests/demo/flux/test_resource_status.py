"""`flux resource status` and the drain listing of the simulator, against flux-core 0.88.0.

Expected outputs are flux-core's own (t/flux-resource/status/*.expected of the v0.88.0 tag, with
its FORMAT) and the real transcript 07-misc.txt; what they do not cover follows flux-resource.py
of 0.88: an offline rank is `avail*` (not a state of its own), drained ranks are listed one by one
and then merged when their lines print alike but for nodelist, ranks and nnodes.
"""

from __future__ import annotations

import pytest

from tests.demo.flux.conftest import Cluster
from tests.transcripts import block

FORMAT = "{state:>10} {nnodes:>6} {ranks:<15} {nodelist}"
SEP = "\x1f"


@pytest.fixture
def foo(tmp_path):
    c = Cluster(tmp_path, hostnames=["foo1", "foo2", "foo3", "foo4"], cores=4)
    yield c
    c.inst.close()


async def test_offline_rank_is_avail_star(foo):
    foo.inst.set_rank_online(1, False)
    rc, out, _ = await foo.flux(["flux", "resource", "status", "-o", FORMAT])
    assert rc == 0 and out == ("     STATE NNODES RANKS           NODELIST\n"
                               "     avail      3 0,2-3           foo[1,3-4]\n"
                               "    avail*      1 1               foo2\n")
    rc, out, _ = await foo.flux("flux resource status")
    assert out.splitlines()[2] == "      avail* ✗      1 foo2"


async def test_drained_ranks_merge_unless_their_reasons_print(foo):
    await foo.flux("flux resource drain 0 'bad node'")
    await foo.flux("flux resource drain 1 'testing drain'")
    rc, out, _ = await foo.flux(["flux", "resource", "status", "-o", FORMAT])
    assert out == ("     STATE NNODES RANKS           NODELIST\n"
                   "     avail      2 2-3             foo[3-4]\n"
                   "   drained      2 0-1             foo[1-2]\n")
    rc, out, _ = await foo.flux(["flux", "resource", "drain", "-n", "-o", "{ranks}"])
    assert out == "0-1\n"
    rc, out, _ = await foo.flux(["flux", "resource", "drain", "-n", "-o", "{ranks} {reason}"])
    assert out == "0 bad node\n1 testing drain\n"


async def test_drained_and_offline_is_drained_star_with_its_reason_and_time(foo):
    await foo.flux("flux resource drain 1 'testing drain'")
    foo.inst.set_rank_online(1, False)
    fmt = SEP.join(("{statex}", "{status}", "{nnodes}", "{ranks}", "{nodelist}", "{timestamp}", "{reason}"))
    rc, out, _ = await foo.flux(["flux", "resource", "status", "-n", "-o", fmt])
    avail, drained = (line.split(SEP) for line in out.splitlines())
    assert avail == ["avail", "online", "3", "0,2-3", "foo[1,3-4]", "", ""]
    assert drained[:5] == ["drained", "offline", "1", "1", "foo2"] and drained[6] == "testing drain"
    assert float(drained[5]) == foo.inst.nodes[1].drained[0]
    rc, out, _ = await foo.flux("flux resource status")
    assert out.splitlines()[-1] == "    drained* ✗      1 foo2"


async def test_a_drained_rank_with_a_job_is_draining(foo):
    await foo.flux("flux submit -N1 sleep 1000")
    await foo.inst.wait_for(lambda: foo.inst.running, 5 * foo.clock.speed)
    rank = next(iter(foo.inst.running.values())).alloc[0][0]
    await foo.flux(f"flux resource drain {rank} busy")
    rc, out, _ = await foo.flux(["flux", "resource", "drain", "-n", "-o", "{state} {ranks} {reason}"])
    assert out == f"draining {rank} busy\n"


async def test_drain_listing_still_matches_the_real_transcript(cluster):
    await cluster.flux("flux resource drain 3 'bad node for test'")
    for cmd in ("flux resource status", "flux resource list"):
        b = block("07-misc.txt", cmd)
        assert await cluster.flux(cmd) == (0, b["stdout"], ""), cmd
    rc, out, _ = await cluster.flux("flux resource drain")
    real = block("07-misc.txt", "flux resource drain")["stdout"].splitlines()
    assert out.splitlines()[0] == real[0] and out.splitlines()[1][12:] == real[1][12:]
