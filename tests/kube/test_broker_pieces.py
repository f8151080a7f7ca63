"""A listing is parsed a piece at a time with the event loop turning between pieces (issue 17): frames arrive
in bursts, the next one already buffered (awaiting it does not yield), and one can hold a thousand rows, so
parsing frame after frame held a key press for tens of milliseconds. The jobs read are the same."""

from __future__ import annotations

import asyncio

import pytest

from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.flux.snapshot import SnapshotReader
from fluxstate_tui.kube import broker as broker_module
from tests.test_cli_jobs_stream import broker_of

SEEDED = 2000


@pytest.fixture(scope="module")
def demo():
    d = EmbeddedDemo(frozen=True, seed_jobs=SEEDED).start(timeout=120)
    d.wait_seeded()
    yield d
    d.stop()


async def read_all(demo, monkeypatch, piece: int) -> tuple[list[int], list[int], int]:
    """(job ids read, bytes of each feed, feeds that came with no turn of the loop since the last one)."""
    monkeypatch.setattr(broker_module, "FEED_PIECE", piece)
    turned = [True]
    sizes: list[int] = []
    unturned = [0]
    original = SnapshotReader.feed

    def feed(reader, data):
        sizes.append(len(data))
        if not turned[0]:
            unturned[0] += 1
        turned[0] = False
        return original(reader, data)

    monkeypatch.setattr(SnapshotReader, "feed", feed)

    async def ticker() -> None:
        while True:
            turned[0] = True
            await asyncio.sleep(0)

    kube, broker = await broker_of(str(demo.kubeconfig))
    async with kube:
        task = asyncio.create_task(ticker())
        try:
            snap = await broker.snapshot(None, count=0)
        finally:
            task.cancel()
    return sorted(j.id for j in snap.jobs), sizes, unturned[0]


async def test_the_loop_turns_between_pieces_and_the_jobs_are_the_same(demo, monkeypatch):
    whole, big_sizes, _ = await read_all(demo, monkeypatch, 1 << 30)
    assert len(whole) >= SEEDED and max(big_sizes) > 4096  # frames bigger than the pieces below
    ids, sizes, unturned = await read_all(demo, monkeypatch, 4096)
    assert ids == whole
    assert max(sizes) <= 4096
    assert unturned == 0
