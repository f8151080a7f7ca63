from __future__ import annotations

import pytest

from fluxstate_tui.demo.proc import Host, PodFS, Proc, SimClock, Stdin
from fluxstate_tui.demo.shell import run_program

FLUX_VIEW_SH = """#!/bin/bash
export PATH=/mnt/flux/view/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PYTHONPATH=/mnt/flux/view/lib/python3.11/site-packages
export LD_LIBRARY_PATH=:/mnt/flux/view/lib
export fluxsocket=local:///mnt/flux/config/run/flux/local
"""


class Pod:
    def __init__(self, tmp_path) -> None:
        self.fs = PodFS(tmp_path / "pod0", {"/state": tmp_path / "data"})
        self.flux_calls: list[tuple[list[str], dict[str, str]]] = []
        self.host = Host("flux-sample-0", self.fs, SimClock(speed=1000), run=run_program, flux=self.fake_flux)

    async def fake_flux(self, proc: Proc) -> int:
        self.flux_calls.append((list(proc.argv), dict(proc.env)))
        if len(proc.argv) >= 3 and proc.argv[1] == "proxy":
            inner = proc.child(proc.argv[3:], env={**proc.env, "FLUX_URI": proc.argv[2]})
            return await proc.host.run(inner)
        if proc.argv[1:2] == ["jobs"]:
            await proc.out("       JOBID USER     NAME       ST NTASKS NNODES     TIME INFO\n")
            await proc.out("   f3Zx9sq7 root     sleep       R      1      1   1.234s "
                           f"{proc.env.get('FLUX_URI', '-')}\n")
            return 0
        if proc.argv[1:2] == ["fail"]:
            await proc.err("flux-fail: boom\n")
            return 3
        await proc.out("flux " + " ".join(proc.argv[1:]) + "\n")
        return 0

    def install_flux_view(self) -> None:
        p = self.fs.host_path("/mnt/flux/flux-view.sh")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(FLUX_VIEW_SH)
        b = self.fs.host_path("/mnt/flux/view/bin/flux")
        b.parent.mkdir(parents=True, exist_ok=True)
        b.write_text("#!/bin/sh\n# flux view binary placeholder\n")
        b.chmod(0o755)

    def write(self, path: str, data: str | bytes) -> None:
        p = self.fs.host_path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)

    def read(self, path: str) -> bytes:
        return self.fs.host_path(path).read_bytes()

    async def run(self, argv: list[str], stdin: bytes = b"", env: dict | None = None, cwd: str = "/"):
        out = bytearray()
        err = bytearray()

        async def w_out(b: bytes) -> None:
            out.extend(b)

        async def w_err(b: bytes) -> None:
            err.extend(b)

        proc = Proc(list(argv), dict(env or {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                                "HOME": "/root"}),
                    self.host, w_out, w_err, Stdin(stdin), cwd)
        rc = await run_program(proc)
        return rc, out.decode(errors="replace"), err.decode(errors="replace")

    async def sh(self, script: str, **kw):
        return await self.run(["/bin/bash", "-c", script], **kw)


@pytest.fixture
def pod(tmp_path) -> Pod:
    return Pod(tmp_path)
