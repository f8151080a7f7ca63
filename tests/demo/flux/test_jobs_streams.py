"""`flux jobs` prints its rows as it formats them, as real flux does (print_items), so a big listing
streams out while it is being made (issue 17: the client reads it as it comes). The rows, their order
and the one header are the same whether they come in one write or many; formats whose columns depend
on every row (`+:` widths, `?:` columns) are formatted whole first, as flux does."""

from __future__ import annotations

from fluxstate_tui.demo.flux import jobs_cmd
from fluxstate_tui.demo.proc import Proc
from fluxstate_tui.demo.shell import run_program
from fluxstate_tui.flux import commands as fc
from tests.flux.test_snapshot import Pod, pod  # noqa: F401  (the fixture)


async def listing(pod, monkeypatch, rows_per_write: int, *args: str) -> list[bytes]:  # noqa: F811
    """The writes `flux jobs ARGS` makes to its stdout."""
    monkeypatch.setattr(jobs_cmd, "ROWS_PER_WRITE", rows_per_write)
    writes: list[bytes] = []

    async def out(data: bytes) -> None:
        writes.append(bytes(data))

    async def err(data: bytes) -> None:
        raise AssertionError(data)

    argv = fc.in_pod(fc.flux("jobs", *args))
    proc = Proc(argv=argv, env={"PATH": "/usr/bin:/bin", "HOME": "/root"}, host=pod.host, stdout=out, stderr=err)
    assert await run_program(proc) == 0
    return writes


async def test_a_listing_is_the_same_in_one_write_or_many(pod, monkeypatch):  # noqa: F811
    for i in range(23):
        # finished and held jobs only: nothing ticks between two listings
        await pod.flux("submit", f"--job-name=job-{i}", *(["true"] if i % 3 else ["--urgency=0", "false"]))
    await pod.clock.sleep(2)
    # The default format has a `?:{queue}` column: formatted whole, as in flux.
    for args in (["-a"], ["-a", "--stats"], ["-a", "-o", "{id.f58} {name} {state}"], ["-a", "-n", "-o", "{id} {name}"]):
        whole = await listing(pod, monkeypatch, 1_000_000, *args)
        pieces = await listing(pod, monkeypatch, 4, *args)
        assert b"".join(pieces) == b"".join(whole), args
        if "-o" in args:
            assert len(pieces) == 23 // 4 + 1 > len(whole), args  # it streamed
    text = b"".join(await listing(pod, monkeypatch, 4, "-a", "-o", "{id.f58} {name}")).decode()
    assert text.count("JOBID") == 1 and len(text.splitlines()) == 24


async def test_columns_that_depend_on_every_row_are_formatted_whole(pod, monkeypatch):  # noqa: F811
    for name in ("a", "a-much-longer-name", "b"):
        await pod.flux("submit", f"--job-name={name}", "true")
    await pod.clock.sleep(2)
    for fmt in ("{id} +:{name:>5}|", "{id} ?:{queue:>8}|{name}"):
        pieces = await listing(pod, monkeypatch, 1, "-a", "-o", fmt)
        whole = await listing(pod, monkeypatch, 1_000_000, "-a", "-o", fmt)
        assert pieces == whole and len(pieces) == 1, fmt
