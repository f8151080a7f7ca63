"""The deterministic demo's parts: a clock that stands still while its delays pass, seeded names."""

from __future__ import annotations

import asyncio

import pytest

from fluxstate_tui.demo import manifests as mf
from fluxstate_tui.demo.proc import SimClock


async def test_a_frozen_clock_stands_still_but_its_delays_pass():
    clock = SimClock(speed=100, epoch=1_000.0, frozen=True)
    slept = asyncio.create_task(clock.sleep(5))  # 50 ms of real time
    await asyncio.wait_for(slept, 2)
    assert clock.now() == 1_000.0
    clock.advance(75)
    assert clock.now() == 1_075.0


def test_only_a_frozen_clock_is_moved_and_only_forward():
    with pytest.raises(RuntimeError):
        SimClock(epoch=1_000.0).advance(1)
    with pytest.raises(ValueError):
        SimClock(epoch=1_000.0, frozen=True).advance(-1)


def test_seeded_names_repeat_and_use_the_kubernetes_alphabet():
    one, other = mf.Names(13), mf.Names(13)
    names = [one.suffix() for _ in range(3)]
    assert names == [other.suffix() for _ in range(3)]
    assert len(set(names)) == 3
    assert all(len(s) == 5 and set(s) <= set("bcdfghjklmnpqrstvwxz2456789") for s in names)
