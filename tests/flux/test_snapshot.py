"""The one-exec refresh script, run through the demo pod's real shell and Flux simulator."""

from __future__ import annotations

import asyncio
import shlex

import pytest

from fluxstate_tui.demo.flux import FluxInstance, run_flux
from fluxstate_tui.demo.proc import Host, PodFS, Proc, SimClock
from fluxstate_tui.demo.shell import run_program
from fluxstate_tui.flux import commands as fc
from fluxstate_tui.flux.model import Job, QueueReport, QueueState, ResourceRow, Resources
from fluxstate_tui.flux.snapshot import JobIndex, build_script, new_nonce, parse_snapshot, split_sections
from fluxstate_tui.flux.why import pending_reasons, why_pending

VIEW_SH = ("export PATH=/mnt/flux/view/bin:/usr/bin:/bin\n"
           "export fluxsocket=local:///mnt/flux/config/run/flux/local\n")


class Pod:
    """A broker pod without Kubernetes: the demo shell, the flux-view files, a Flux instance."""

    def __init__(self, tmp_path, size: int = 2, cores: int = 4) -> None:
        self.clock = SimClock(speed=500)
        self.inst = FluxInstance(hostnames=[f"mc-{i}" for i in range(size)], cores_per_node=cores, clock=self.clock,
                                 uri="local:///mnt/flux/config/run/flux/local")
        for r in range(size):
            self.inst.set_rank_online(r, True)
        fs = PodFS(tmp_path / "pod")
        for d in ("tmp", "mnt/flux/view/bin"):
            fs.host_path("/" + d).mkdir(parents=True, exist_ok=True)
        fs.host_path("/mnt/flux/view/bin/flux").write_text("#!/bin/sh\n")
        fs.host_path("/mnt/flux/flux-view.sh").write_text(VIEW_SH)
        self.seen: list[list[str]] = []

        async def flux(proc: Proc) -> int:
            self.seen.append(list(proc.argv))
            uri = proc.argv[2] if proc.argv[1:2] == ["proxy"] else proc.env.get("FLUX_URI")
            return await run_flux(proc, self.inst if uri == self.inst.uri else None)

        self.host = Host(hostname="mc-0", fs=fs, clock=self.clock, run=run_program, flux=flux)

    async def exec(self, argv: list[str]) -> tuple[int, str, str]:
        out, err = bytearray(), bytearray()

        async def wo(b: bytes) -> None:
            out.extend(b)

        async def we(b: bytes) -> None:
            err.extend(b)

        proc = Proc(argv=argv, env={"PATH": "/usr/bin:/bin", "HOME": "/root"}, host=self.host, stdout=wo, stderr=we)
        rc = await run_program(proc)
        return rc, out.decode(), err.decode()

    async def flux(self, *args: str) -> str:
        rc, out, err = await self.exec(fc.in_pod(fc.flux(*args)))
        assert rc == 0, err
        return out.strip()


@pytest.fixture
async def pod(tmp_path):
    p = Pod(tmp_path)
    yield p
    p.inst.close()
    await asyncio.sleep(0)


async def test_arguments_reach_flux_intact(pod):
    nasty = ["sh", "-c", "echo $(touch /tmp/pwned); echo 'quoted' \"$HOME\" `id`; exit 0", "a b", "*", "$fluxsocket"]
    jobid = await pod.flux("submit", "--job-name=x; rm -rf /", *nasty)
    assert jobid.startswith(("ƒ", "f"))
    submitted = next(a for a in pod.seen if "submit" in a)
    assert submitted[-len(nasty):] == nasty and "--job-name=x; rm -rf /" in submitted
    assert not pod.host.fs.host_path("/tmp/pwned").exists()


async def test_full_snapshot_then_incremental(pod):
    for args in (["hostname"], ["false"], ["--urgency=0", "hostname"], ["-N2", "sleep", "100"], ["sleep", "100"]):
        await pod.flux("submit", *args)
    await pod.clock.sleep(1)
    nonce = new_nonce()
    rc, out, err = await pod.exec(fc.script_in_pod(build_script(nonce, count=0, archive="/state/a b.tar.gz")))
    assert rc == 0, err
    snap = parse_snapshot(out, nonce, full=True)
    assert not snap.errors, snap.errors
    assert snap.remote_now and snap.version == "0.88.0"
    assert len(snap.jobs) == 5 and snap.stats.completed == 1 and snap.stats.failed == 1
    assert snap.queue.queues[0].started and snap.resources.cores_total == 8 and snap.uptime.size == 2
    assert snap.archive == {"exists": False, "size": None, "mtime": None}
    states = {j.name: j.state for j in snap.jobs}
    assert states["false"] == "INACTIVE"
    index = JobIndex()
    added, changed, removed = index.apply(snap)
    assert len(added) == 5 and not changed and not removed

    # Incremental: only jobs active since the previous fetch come back, and the index merges them.
    await pod.flux("submit", "echo", "late")
    await pod.clock.sleep(30)
    nonce = new_nonce()
    rc, out, err = await pod.exec(fc.script_in_pod(build_script(nonce, sections=("jobs",), since=index.since())))
    assert rc == 0, err
    inc = parse_snapshot(out, nonce, full=False)
    ids = {j.id for j in inc.jobs}
    assert all(j.id in ids for j in snap.jobs if j.active)
    added, changed, removed = index.apply(inc)
    assert len(added) == 1 and not removed and len(index.jobs) == 6


async def test_truncation_is_reported(pod):
    for _ in range(5):
        await pod.flux("submit", "true")
    await pod.clock.sleep(2)
    nonce = new_nonce()
    rc, out, _ = await pod.exec(fc.script_in_pod(build_script(nonce, sections=("jobs", "stats"), count=3)))
    snap = parse_snapshot(out, nonce, full=True, count=3)
    assert len(snap.jobs) == 3 and snap.truncated and snap.total_jobs == 5


def test_fences_cannot_be_faked():
    nonce = "abc123"
    text = ("@@abc123 now 100\n@@abc123 section jobs\n@@other section stats\nrow\n\n@@abc123 rc 0\n"
            "@@abc123 section queue\nJob submission is enabled\nScheduling is started\n\n@@abc123 rc 0\n")
    now, sections = split_sections(text, nonce)
    assert now == 100 and sections["jobs"] == ("@@other section stats\nrow", 0)
    assert "queue" in sections


def test_script_quotes_everything():
    script = build_script("n", archive="/state/it's here.tar.gz", since=1000)
    assert "'/state/it'\"'\"'s here.tar.gz'" in script
    assert '"--since=-$(( $(date +%s) - 1000 ))s"' in script
    argv = fc.script_in_pod(script)
    assert argv[:2] == ["/bin/bash", "-c"] and shlex.split(argv[2])[-3:-1] == ["/bin/bash", "-c"]


# ---- why pending ------------------------------------------------------------------------------

def _res(idle_nodes: int, nodes: int = 2, cores_free: int = 0, cores: int = 8, down: int = 0) -> Resources:
    alloc = nodes - idle_nodes - down
    return Resources([ResourceRow("all", nodes, cores), ResourceRow("allocated", alloc, cores - cores_free),
                      ResourceRow("free", nodes - alloc - down, cores_free), ResourceRow("down", down, 0)])


def test_why_pending_reasons():
    started = QueueReport([QueueState(None)])
    stopped = QueueReport([QueueState(None, started=False, stop_reason="maintenance")])
    big = Job(id=1, state="SCHED", nnodes=2, ntasks=2, priority=16)
    assert why_pending(big, queue=stopped, resources=_res(0)) == "queue stopped: maintenance (flux queue start)"
    assert why_pending(big, queue=started, resources=_res(1)) == "waiting for resources: needs 2 nodes, 1 free"
    assert why_pending(big, queue=started, resources=_res(1, nodes=3, down=1)) == \
        "waiting for resources: needs 2 nodes, 1 free, 1 down"
    assert why_pending(Job(id=2, state="SCHED", nnodes=3, priority=16), queue=started,
                       resources=_res(0, nodes=2, down=1)).startswith("needs 3 nodes, only 1 up, 1 down")
    held = Job(id=3, state="SCHED", urgency=0, priority=0)
    assert why_pending(held, queue=stopped).startswith("held (urgency 0)")
    dep = Job(id=4, state="DEPEND", dependencies=["after-success=ƒ2"])
    assert why_pending(dep) == "waiting on after-success=ƒ2"
    small = Job(id=5, state="SCHED", ntasks=1, ncores=1, priority=16)
    reasons = pending_reasons({1: big, 5: small}, started, _res(0, cores_free=2))
    assert reasons[1].startswith("waiting for resources")
    assert reasons[5].startswith("behind ƒ2 ")
