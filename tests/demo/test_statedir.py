"""The broker's statedir: content.sqlite and its WAL, sized from what the KVS holds (flux/content.py)."""

from __future__ import annotations

import os
import struct

from fluxstate_tui.demo import manifests as mf
from fluxstate_tui.demo.flux.content import (
    AUTOCHECKPOINT,
    BATCH,
    PAGE,
    WAL_FRAME,
    WAL_HEADER,
    ContentStore,
    write_statedir,
)
from tests.demo.incluster import ARCHIVE, NAME, NS, create, delete, flux, minicluster, running_cluster, sh

FULL_WAL = WAL_HEADER + AUTOCHECKPOINT * WAL_FRAME  # 4,120,032 bytes, as the tutorial's `ls -l` shows


def _files(cluster) -> dict[str, os.stat_result]:
    statedir = cluster.kubelet.pod_of_rank(NS, NAME, 0).fs.host_path(mf.STATE_DIR)
    return {p.name: p.stat() for p in statedir.iterdir()}


async def _listing(cluster) -> dict[str, int]:
    rc, out, err = await sh(cluster, f"ls -l {mf.STATE_DIR}")
    assert rc == 0, err
    return {line.split()[-1]: int(line.split()[4]) for line in out.splitlines()[1:]}


async def test_the_statedir_holds_content_sqlite_and_a_wal_that_grow_with_the_kvs(tmp_path):
    async with running_cluster(tmp_path) as cluster:
        inst = await create(cluster, minicluster(size=2))
        await cluster.wait_until(lambda: "content.sqlite" in _files(cluster))
        fresh = await _listing(cluster)
        assert list(fresh) == ["content.sqlite", "content.sqlite-wal"]  # WAL mode, exclusive locking: no -shm
        assert fresh["content.sqlite"] == PAGE and WAL_HEADER < fresh["content.sqlite-wal"] < FULL_WAL
        statedir = cluster.kubelet.pod_of_rank(NS, NAME, 0).fs.host_path(mf.STATE_DIR)
        assert (statedir / "content.sqlite").read_bytes()[:16] == b"SQLite format 3\0"
        assert struct.unpack(">I", (statedir / "content.sqlite-wal").read_bytes()[:4])[0] == 0x377F0683
        assert (await sh(cluster, "ls /var/lib/flux"))[0] != 0  # the tutorial's old path: not the statedir

        for _ in range(5):
            assert (await flux(cluster, "submit", "hostname"))[0] == 0
        await cluster.wait_until(lambda: len(inst.inactive) == 5)
        await cluster.wait_until(lambda: (_files(cluster)["content.sqlite-wal"].st_size
                                          > fresh["content.sqlite-wal"] + 5 * 40 * WAL_FRAME))

        inst.seed_jobs(20_000)
        await cluster.wait_until(lambda: _files(cluster)["content.sqlite"].st_size > 100 * 2**20)
        big = _files(cluster)
        # checkpointed: the WAL went back to its start but keeps the size it reached
        assert FULL_WAL <= big["content.sqlite-wal"].st_size < FULL_WAL + 4 * WAL_FRAME
        assert big["content.sqlite"].st_blocks * 512 < 2**20  # sparse: the estimate costs no disk


async def test_seeded_history_is_sized_like_jobs_that_ran(tmp_path):
    async with running_cluster(tmp_path) as cluster:
        inst = await create(cluster, minicluster(size=2))
        blobs, rows = inst.content.blobs, inst.content.row_bytes
        for _ in range(6):
            assert (await flux(cluster, "submit", "hostname"))[0] == 0
        await cluster.wait_until(lambda: len(inst.inactive) == 6)
        ran = ((inst.content.blobs - blobs) / 6, (inst.content.row_bytes - rows) / 6)
        store = ContentStore()
        blobs, rows = store.blobs, store.row_bytes
        store.history(1)
        seeded = (store.blobs - blobs, store.row_bytes - rows)
        assert 0.75 < seeded[0] / ran[0] < 1.33 and 0.75 < seeded[1] / ran[1] < 1.33


async def test_a_broker_starts_on_an_empty_statedir_or_on_the_restored_archive(tmp_path):
    async with running_cluster(tmp_path) as cluster:
        inst = await create(cluster, minicluster(size=1))
        fresh = dict(inst.content.sizes())
        for _ in range(4):
            await flux(cluster, "submit", "hostname")
        await cluster.wait_until(lambda: len(inst.inactive) == 4)
        assert (await flux(cluster, "dump", ARCHIVE))[0] == 0
        await delete(cluster)

        restored = await create(cluster, minicluster(size=1))
        await cluster.wait_until(lambda: "content.sqlite-wal" in _files(cluster))
        listing = await _listing(cluster)
        assert listing["content.sqlite"] == PAGE  # rc1 truncated it; the restore's blobs are in the WAL
        assert listing["content.sqlite-wal"] > fresh["content.sqlite-wal"] + 4 * 10 * WAL_FRAME
        assert len(restored.inactive) == 4
        await delete(cluster)

        (cluster.data_dir / "data" / "archive.tar.gz").unlink()
        await create(cluster, minicluster(size=1))
        await cluster.wait_until(lambda: "content.sqlite-wal" in _files(cluster))
        assert await _listing(cluster) == fresh


def test_job_manager_batches_share_their_directories():
    store = ContentStore()
    store.commit(1, 100.0, 80, 6)
    one = store.blobs
    store.commit(1, 100.0 + BATCH / 2, 80, 6)   # same batch: the value only
    assert store.blobs == one + 1
    store.commit(1, 100.0 + 3 * BATCH, 80, 6)   # a later batch rewrites the directories
    assert store.blobs == one + 1 + 7


def test_a_clean_shutdown_checkpoints_the_wal_into_the_database(tmp_path):
    store = ContentStore()
    for i in range(300):
        store.commit(i, float(i), 500, 6)
    write_statedir(tmp_path, store, 1_000_000.0)
    assert {p.name for p in tmp_path.iterdir()} == {"content.sqlite", "content.sqlite-wal"}
    assert (tmp_path / "content.sqlite").stat().st_mtime == 1_000_000.0  # the pods' clock, as `ls -l` shows
    before = (tmp_path / "content.sqlite").stat().st_size
    store.close()
    write_statedir(tmp_path, store, 1_000_001.0)
    assert [p.name for p in tmp_path.iterdir()] == ["content.sqlite"]
    assert (tmp_path / "content.sqlite").stat().st_size > before
