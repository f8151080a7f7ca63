"""glibc's malloc, set for a process that reads 100,000 jobs, shows them and lets them go.

glibc serves a large block (over 128 KiB at first) by mmap, and hands it back to the system when it is
freed; but each such free also raises that threshold to the block's size, up to 32 MiB. After the first
big listing, then, the lists and dict tables of the next (each 1-10 MiB at 100,000 jobs) come from the
heap instead, and freeing them leaves holes the process keeps: RSS ratchets up with every visit of the
jobs screen. A fixed threshold keeps every block of 256 KiB or more in mmap, given back when freed.
Measured with bench/memory.py at 100,000 jobs: RSS at the first paint 210 MiB instead of 249, and 17 MiB
of growth over 20 visits instead of 22. Blocks under it, Python's own arenas among them, are unchanged.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys

M_MMAP_THRESHOLD = -3   # mallopt's parameter number, from glibc's malloc.h
MMAP_THRESHOLD = 256 * 1024


def fix_mmap_threshold(size: int = MMAP_THRESHOLD) -> bool:
    """Set glibc's mmap threshold for this process (True if set). A no-op elsewhere than Linux, with a
    libc without mallopt, or where the user set MALLOC_MMAP_THRESHOLD_ themselves (theirs stands)."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the libc this process runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, size))


# ---- the cyclic collector ---------------------------------------------------------------------------
# A full collection walks every object the collector tracks, and every `Job` is tracked (CPython untracks
# only exact tuples, and a Job is a NamedTuple): at 100,000 jobs one takes 30-60 ms, on whichever thread
# allocates at that moment, and comes every few refreshes while jobs change; a key pressed meanwhile
# waits. A screen holding that many jobs moves them out of the collector's sight once they are in
# (`keep_out_of_collections`: a full collection, then `gc.freeze`, so no garbage is frozen), again once a
# fifth of them were replaced, and gives everything back when it goes (`give_back`): objects frozen while
# alive and dropped later are reclaimed by reference counting, and by the collector once thawed.

def keep_out_of_collections() -> None:
    gc.collect()
    gc.freeze()


def give_back() -> None:
    gc.unfreeze()


def collect_left_behind() -> None:
    """A full collection, soon after a screen that held a big queue was popped. Its rows go by reference
    counting as it goes, but its widgets (Textual's nodes, styles and caches, all in cycles) wait for a
    full collection, and those come seldom once the thawed objects swelled the oldest generation. Until
    then the few objects they hold keep whole pymalloc arenas (1 MiB each) from the system: measured at
    100,000 jobs, RSS back on the list after the first visit 146-151 MiB instead of 170. One collection
    of what the app holds without the jobs (some 120,000 objects): about 60 ms, once, after the list is
    painted again; it would come later anyway, at a moment nobody chose."""
    gc.collect()
