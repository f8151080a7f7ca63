"""What content-sqlite keeps in the broker's statedir: `content.sqlite` and its write-ahead log.

flux-core 0.88 stores every KVS blob in `<statedir>/content.sqlite` (journal_mode=WAL,
synchronous=NORMAL, locking_mode=EXCLUSIVE, so there is a `-wal` file and no `-shm`). The store is
append-only while the broker runs: each KVS commit adds the new value and a new copy of every
directory on the key's path. The simulator keeps no database, so the two files are sized from the
work the instance does, by this estimate:

- A job event is one KVS commit: its eventlog line plus, once per job-manager batch (events of a
  job within 10 ms share one commit), the 6 directories above `job.<id>` (the root, `job` and the
  four levels of the id). Exec events and output go to the job's guest namespace (2 directories).
  `submit` adds the jobspec and the signed J; `alloc` adds R.
- A blob of 256 bytes or more is LZ4-compressed (counted as half: JSON compresses about 2:1); each
  row also holds the 20-byte sha1 hash twice (the table and its primary-key index) and ~16 bytes of
  row overhead. B-tree pages under random hash keys are about 3/4 full.
- Each blob store is its own transaction: 2 WAL frames (the table's and the index's leaf page), more
  for a blob that overflows its page. At 1000 frames (sqlite's wal_autocheckpoint) the pages are
  checkpointed into content.sqlite and the WAL is reused from its start without shrinking, so the
  `-wal` file keeps its peak size (32 + 1000 x 4120 = 4,120,032 bytes once the first checkpoint ran).
- A restore (`flux restore` in rc1) stores each archive key once and each directory once.

Against real brokers (estimate / real): 3 jobs after a clean shutdown, content.sqlite 45,056 /
81,920 bytes; the Flux Operator tutorial's 10 jobs, WAL 3,666,832 / 4,120,032 (the real one had
passed its first checkpoint: content.sqlite 151,552); the same 10 restored into a new broker, WAL
1,095,952 / 1,281,352 with content.sqlite 4,096 in both. For big queues it is low: 20,000 seeded
jobs give 231 MB, where flux-core's PR 4208 reported 1,234 MB for 22,094 jobs of an older KVS.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Hashable, Iterable
from pathlib import Path

PAGE = 4096
WAL_HEADER = 32
WAL_FRAME = PAGE + 24
AUTOCHECKPOINT = 1000            # frames
COMPRESS_FROM = 256              # content-sqlite compresses blobs of this size and more
ROW_OVERHEAD = 2 * 20 + 16       # the hash in the table and in its index, and the row headers
FILL = 0.75
DIR_BYTES = 150                  # a treeobj directory of a few dirref entries
JOB_DIRS = 6
GUEST_DIRS = 2
BATCH = 0.01                     # the job-manager's event batch, in seconds
# A fresh instance's keys: admin and resource eventlogs, resource R and their directories.
BOOT_BLOBS = ((600, 2), (400, 2), (300, 2), (200, 2))
# A typical finished job, for history seeded without running anything: (value bytes, directories)
# per commit, as the simulator writes them for a `flux submit hostname` (the job's batches: submit,
# alloc, start, finish; the guest's: shell start, task exit).
FINISHED_JOB = ((1159, JOB_DIRS), (51, 0), (49, 0), (77, 0), (272, JOB_DIRS), (47, GUEST_DIRS), (50, 0),
                (111, 0), (48, JOB_DIRS), (107, 0), (103, 0), (161, GUEST_DIRS), (74, 0), (47, 0),
                (72, JOB_DIRS), (89, 0), (47, 0), (48, 0))

FILES = ("content.sqlite", "content.sqlite-wal")


class ContentStore:
    """The size of content.sqlite and its WAL, from the blobs stored since the broker started."""

    def __init__(self) -> None:
        self.blobs = 0
        self.row_bytes = 0
        self.wal_frames = 0      # frames since the last checkpoint
        self.wal_peak = 0        # frames the WAL file has held at most
        self.db_pages = 1        # the header page, written when the database is put in WAL mode
        self.closed = False
        self.version = 0
        self._batched: dict[Hashable, float] = {}
        for value, dirs in BOOT_BLOBS:
            self._store(value, dirs)

    # -------------------------------------------------------------------------------- writes
    def commit(self, batch: Hashable, now: float, value_bytes: int, dirs: int) -> None:
        """One KVS commit of `value_bytes`; its `dirs` directories are rewritten once per batch."""
        last = self._batched.get(batch)
        self._batched[batch] = now
        self._store(value_bytes, dirs if last is None or now - last > BATCH else 0)

    def forget(self, batch: Hashable) -> None:
        """The job is inactive: no batch of its can follow."""
        self._batched.pop(batch, None)

    def history(self, jobs: int) -> None:
        """`jobs` finished jobs added at once (seeded history)."""
        if jobs <= 0:
            return
        blobs = sum(1 + dirs for _v, dirs in FINISHED_JOB)
        rows = sum(_row(v) + dirs * _row(DIR_BYTES) for v, dirs in FINISHED_JOB)
        frames = sum(_frames(v) + dirs * _frames(DIR_BYTES) for v, dirs in FINISHED_JOB)
        self._add(jobs * blobs, jobs * rows, jobs * frames)

    def restored(self, values: Iterable[int], dirs: int) -> None:
        """A `flux restore`: each value and each directory stored once."""
        sizes = [*values, *[DIR_BYTES] * dirs]
        self._add(len(sizes), sum(_row(v) for v in sizes), sum(_frames(v) for v in sizes))

    def close(self) -> None:
        """A clean broker shutdown: sqlite checkpoints the WAL into the database and removes it."""
        self.db_pages = self._pages()
        self.wal_frames = self.wal_peak = 0
        self.closed = True
        self.version += 1

    def _store(self, value: int, dirs: int) -> None:
        self._add(1 + dirs, _row(value) + dirs * _row(DIR_BYTES), _frames(value) + dirs * _frames(DIR_BYTES))

    def _add(self, blobs: int, rows: int, frames: int) -> None:
        self.blobs += blobs
        self.row_bytes += rows
        self.wal_frames += frames
        self.wal_peak = max(self.wal_peak, min(self.wal_frames, AUTOCHECKPOINT + _frames(PAGE)))
        if self.wal_frames >= AUTOCHECKPOINT:
            self.db_pages = self._pages()
            self.wal_frames %= AUTOCHECKPOINT
        self.version += 1

    def _pages(self) -> int:
        # the header page, the objects table and its index, the checkpt table, then the rows
        return 4 + math.ceil(self.row_bytes / (PAGE * FILL))

    # -------------------------------------------------------------------------------- reads
    def sizes(self) -> dict[str, int]:
        """File name -> size in bytes, for the files that exist."""
        out = {FILES[0]: self.db_pages * PAGE}
        if not self.closed:
            out[FILES[1]] = WAL_HEADER + self.wal_peak * WAL_FRAME
        return out


def _stored(value: int) -> int:
    return value // 2 if value >= COMPRESS_FROM else value


def _row(value: int) -> int:
    return _stored(value) + ROW_OVERHEAD


def _frames(value: int) -> int:
    return 2 + _stored(value) // PAGE


# ------------------------------------------------------------------------------------ the files
def _db_header(pages: int) -> bytes:
    """The first 100 bytes of an SQLite 3 database in WAL mode (format versions 2 and 2)."""
    head = bytearray(100)
    head[0:16] = b"SQLite format 3\0"
    struct.pack_into(">HBBBBBB", head, 16, PAGE, 2, 2, 0, 64, 32, 32)
    struct.pack_into(">II", head, 24, 1, pages)
    struct.pack_into(">I", head, 44, 4)          # schema format
    struct.pack_into(">I", head, 56, 1)          # UTF-8
    struct.pack_into(">II", head, 92, 1, 3045001)
    return bytes(head)


def _wal_header() -> bytes:
    """The 32-byte WAL header: magic (big-endian checksums), format 3007000, page size."""
    return struct.pack(">IIII", 0x377F0683, 3007000, PAGE, 0) + bytes(16)


def write_statedir(statedir: Path, store: ContentStore, mtime: float) -> None:
    """Make the statedir's files their estimated sizes: a real header, the rest a sparse hole."""
    statedir.mkdir(parents=True, exist_ok=True)
    sizes = store.sizes()
    for name in FILES:
        path = statedir / name
        if name not in sizes:
            path.unlink(missing_ok=True)
            continue
        header = _db_header(sizes[name] // PAGE) if name == FILES[0] else _wal_header()
        with open(path, "r+b" if path.exists() else "wb") as fh:
            fh.write(header)
            fh.truncate(sizes[name])
        os.utime(path, (mtime, mtime))


def clear_statedir(statedir: Path) -> None:
    for name in FILES:
        (statedir / name).unlink(missing_ok=True)
