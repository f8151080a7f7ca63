"""Helpers: run simulated flux commands in-process and load blocks of the real transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from fluxstate_tui.demo.flux import FluxInstance, run_flux
from fluxstate_tui.demo.proc import Host, PodFS, Proc, SimClock


class Cluster:
    def __init__(self, tmp_path: Path, size: int = 4, cores: int = 2, hostnames=None, speed: float = 200.0, **kw):
        self.clock = SimClock(speed=speed)
        self.hostnames = hostnames or ["vm"] * size
        self.inst = FluxInstance(hostnames=self.hostnames, cores_per_node=cores, clock=self.clock, **kw)
        for r in range(len(self.hostnames)):
            self.inst.set_rank_online(r, True)
        self.fs = PodFS(tmp_path / "pod")

        async def host_run(proc):
            return await run_flux(proc, self.inst) if proc.argv[0] == "flux" else 0

        self.host = Host(hostname=self.hostnames[0], fs=self.fs, clock=self.clock, run=host_run)

    async def flux(self, cmdline: str | list[str], env=None, inst="default") -> tuple[int, str, str]:
        import shlex

        argv = shlex.split(cmdline) if isinstance(cmdline, str) else cmdline
        out, err = bytearray(), bytearray()

        async def wo(b):
            out.extend(b)

        async def we(b):
            err.extend(b)

        e = {"LANG": "C.UTF-8", "FLUX_URI": self.inst.uri}
        e.update(env or {})
        proc = Proc(argv=argv, env=e, host=self.host, stdout=wo, stderr=we, cwd="/tmp")
        rc = await run_flux(proc, self.inst if inst == "default" else inst)
        return rc, out.decode(), err.decode()

    async def settle(self, secs: float = 0.05):
        import asyncio

        await asyncio.sleep(secs)


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.inst.close()
