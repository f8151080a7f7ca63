"""heap.fix_mmap_threshold: large blocks stay in mmap after a larger one was freed (glibc would have raised
its threshold over them), so the memory of a popped 100,000-job screen goes back to the system."""

from __future__ import annotations

import ctypes
import sys

import pytest

from fluxstate_tui.heap import MMAP_THRESHOLD, fix_mmap_threshold


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def mmapped_bytes() -> int:
    libc = ctypes.CDLL(None)
    try:
        mallinfo2 = libc.mallinfo2
    except AttributeError:
        pytest.skip("no mallinfo2 (glibc 2.33 or later) to see where malloc put a block")
    mallinfo2.restype = MallInfo2
    return int(mallinfo2().hblkhd)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is Linux's")
def test_blocks_over_the_threshold_stay_mapped_after_a_bigger_one_was_freed(monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    mmapped_bytes()  # skips early without mallinfo2
    assert fix_mmap_threshold()
    big = bytearray(16 << 20)  # freed: glibc alone would now serve blocks up to 16 MiB from the heap
    del big
    before = mmapped_bytes()
    block = bytearray(4 * MMAP_THRESHOLD)
    assert mmapped_bytes() - before >= len(block)
    del block
    assert mmapped_bytes() == before  # and handed back when freed


def test_the_users_own_setting_stands(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert not fix_mmap_threshold()
