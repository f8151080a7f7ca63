"""The refresh output read as it arrives (issue 17): frames split lines, fences and UTF-8 characters
anywhere, and the snapshot read chunk by chunk is the one read whole. A listing cut off before its
end is not taken for the queue (a full snapshot would otherwise drop every job it did not reach)."""

from __future__ import annotations

import random

from fluxstate_tui.flux.parse import ROW_FORMAT
from fluxstate_tui.flux.snapshot import SnapshotReader, parse_snapshot
from tests.flux.fluxfmt import flux_format
from tests.flux.test_framing import HOSTILE, real_jobs


def output(nonce: str = "n") -> str:
    rows = []
    for i, d in enumerate(real_jobs() * 20):
        d = dict(d, id=d["id"] + i, name=HOSTILE[i % len(HOSTILE)])
        rows.append(flux_format(ROW_FORMAT, d))
    return "\n".join([f"@@{nonce} now 1700000000.5", f"@@{nonce} section instance", "1699999000.25", "",
                      f"@@{nonce} rc 0", f"@@{nonce} section jobs", *rows, "", f"@@{nonce} rc 0",
                      f"@@{nonce} section stats", "10 running, 0 completed, 3 failed, 2 pending, 0 inactive purged",
                      "", f"@@{nonce} rc 0", f"@@{nonce} section version", "commands:    \t\t0.88.0",
                      "build-options: ƒ+名前", "",
                      f"@@{nonce} rc 0"]) + "\n"


def read_in_chunks(data: bytes, cuts: list[int], **kw) -> SnapshotReader:
    reader = SnapshotReader("n", full=True, **kw)
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        reader.feed(data[start:cut])
        start = cut
    return reader


def test_any_chunking_reads_the_same_snapshot():
    text = output()
    whole = parse_snapshot(text, "n", full=True)
    assert len(whole.jobs) == len(real_jobs()) * 20 and not whole.errors
    assert whole.instance == "1699999000.25" and whole.version == "0.88.0" and whole.stats.failed == 3
    data = text.encode()
    rng = random.Random(17)
    for cuts in ([], [1], [len(data) - 1], list(range(1, 400, 3)),
                 *(rng.sample(range(1, len(data)), k) for k in (5, 50, 500))):
        snap = read_in_chunks(data, cuts).finish()
        assert snap.jobs == whole.jobs and snap.errors == whole.errors
        assert (snap.remote_now, snap.instance, snap.version, snap.stats) == \
            (whole.remote_now, whole.instance, whole.version, whole.stats)
        assert snap.bytes == len(data)


def test_each_job_is_built_as_it_is_read():
    data = output().encode()
    reader = read_in_chunks(data, list(range(1000, len(data), 1000)), build=lambda job, now: (job.name, now))
    snap = reader.finish()
    assert snap.built == {j.id: (j.name, 1700000000.5) for j in snap.jobs}


def test_a_listing_cut_short_is_not_the_queue():
    text = output()
    cut = text.index("@@n rc 0", text.index("@@n section jobs"))
    reader = SnapshotReader("n", full=True, build=lambda job, now: job.id)
    reader.feed(text[: cut - 200].encode())
    snap = reader.finish()
    assert snap.jobs == [] and snap.built == {} and snap.errors["jobs"] == "the job listing was cut short"


def test_output_past_the_bound_is_cut_and_said():
    data = output().encode()
    reader = read_in_chunks(data, list(range(0, len(data), 512)), max_bytes=4096)
    snap = reader.finish()
    assert snap.errors["output"] == "the output was cut at 4,096 bytes"
    assert snap.errors["jobs"] == "the job listing was cut short"
    assert snap.bytes == len(data)
