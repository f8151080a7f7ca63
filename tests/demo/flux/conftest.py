"""Helpers: run simulated flux commands in-process and load blocks of the real transcripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fluxstate_tui.demo.flux import FluxInstance, run_flux
from fluxstate_tui.demo.proc import Host, PodFS, Proc, SimClock

REPO = Path(__file__).resolve().parents[3]
REAL = REPO / ".." / "shared" / "flux-real"


def load_blocks(name: str) -> list[dict]:
    """Every `$ cmd` block of a transcript: cmd, exit, stdout, stderr (raw text)."""
    text = (REAL / name).read_bytes().decode()  # keep \r (flux dump progress)
    blocks = []
    for chunk in text.split("================================================================\n")[1:]:
        if not chunk.startswith("$ "):
            continue
        cmd, _nl, rest = chunk.partition("\n")
        m = re.match(r"--- exit=(\d+) elapsed=\S+\n--- stdout:\n(.*?)--- stderr:\n(.*)", rest, re.S)
        if not m:
            continue
        stderr = re.split(r"^(?=#|\[outer)", m.group(3), flags=re.M)[0]
        blocks.append({"cmd": cmd[2:], "exit": int(m.group(1)), "stdout": m.group(2), "stderr": stderr})
    return blocks


def block(name: str, cmd: str, nth: int = 0) -> dict:
    found = [b for b in load_blocks(name) if b["cmd"] == cmd]
    return found[nth]


F58 = re.compile(r"(?<!\w)[ƒf][1-9A-HJ-NP-Za-km-z]{2,12}\b")


def norm(text: str) -> str:
    """Replace job ids (keeping their width), times and durations; everything else stays exact."""
    text = F58.sub(lambda m: m.group(0)[0] + "ID", text)
    text = re.sub(r"\d+\.\d+s\b", lambda m: "T" * len(m.group(0)), text)
    text = re.sub(r"\b\d{10}\.\d+", "TS", text)
    return text


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
