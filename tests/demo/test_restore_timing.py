"""After a restore, pending jobs are scheduled as soon as their queue is started (flux-core 0.88).

Real flux-core (03-dump-restore.txt, part B1): a live dump restored at broker start logs `flux-restart`
and allocates the first pending job 0.25 s later, during rc1. The demo used to build the restored
instance when the broker container started and bring rank 0 online only when the broker answered
(1.5 simulated seconds later, plus up to a controller tick): every restored job waited that long.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile

from tests.demo.incluster import ARCHIVE, create, delete, flux, instance, minicluster, running_cluster

# Simulated seconds from the restored queue's start to the first alloc, at most flux-core's own 0.25 s.
# Measured at speed 5, live dump: 1.58 to 1.61 s before the fix (BROKER_UP plus a controller tick),
# 0.001 to 0.002 s after (the hop back from the restore's thread); a queue started by hand: under 0.001 s.
NO_DELAY = 0.25


async def _dump_with_pending(cluster) -> list[str]:
    await create(cluster, minicluster(size=1))
    assert (await flux(cluster, "queue", "stop"))[0] == 0
    ids = [(await flux(cluster, "submit", "hostname"))[1].strip() for _ in range(2)]
    rc, _, err = await flux(cluster, "dump", ARCHIVE)
    assert rc == 0, err
    await delete(cluster)
    return ids


def _alloc_times(inst) -> list[float]:
    return sorted(ts for job in inst.jobs.values() for ts, name, _ in job.events or [] if name == "alloc")


async def test_restored_jobs_run_when_the_restored_queue_starts(tmp_path):
    async with running_cluster(tmp_path, speed=5) as cluster:
        await _dump_with_pending(cluster)
        inst = await create(cluster, minicluster(size=2))
        await cluster.wait_until(lambda: len(_alloc_times(inst)) == 2)
        restart = min(ts for job in inst.jobs.values() for ts, name, _ in job.events if name == "flux-restart")
        # a live dump keeps no queue state: the restored queue starts with the job-manager (flux-restart)
        print(f"flux-restart to first alloc: {_alloc_times(inst)[0] - restart:.6f} simulated s")
        assert 0 <= _alloc_times(inst)[0] - restart < NO_DELAY


async def test_a_stopped_restored_queue_runs_its_jobs_as_soon_as_it_is_started(tmp_path):
    async with running_cluster(tmp_path, speed=5) as cluster:
        await _dump_with_pending(cluster)
        # what an rc3 dump (content.dump) adds: the job-manager's checkpoint, with the queue stopped
        path = cluster.data_dir / "data" / "archive.tar.gz"
        with tarfile.open(path) as tar:
            members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
        checkpoint = json.dumps({"version": 1, "queue": [{"enable": True, "start": False}]}).encode()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo("checkpoint/job-manager")
            info.size = len(checkpoint)
            tar.addfile(info, io.BytesIO(checkpoint))
            for member, data in members:
                tar.addfile(member, io.BytesIO(data) if data is not None else None)
        path.write_bytes(gzip.compress(buf.getvalue()))

        inst = await create(cluster, minicluster(size=2))
        assert (await flux(cluster, "queue", "status"))[1] == "Job submission is enabled\nScheduling is stopped\n"
        assert _alloc_times(inst) == []
        started: list[float] = []
        set_started = inst.set_started

        def spy(*args, **kwargs):  # the simulated instant `flux queue start` reaches the job-manager
            started.append(inst.clock.now())
            return set_started(*args, **kwargs)

        inst.set_started = spy
        assert (await flux(cluster, "queue", "start"))[0] == 0
        await cluster.wait_until(lambda: len(_alloc_times(instance(cluster))) == 2)
        print(f"queue start to first alloc: {_alloc_times(inst)[0] - started[0]:.6f} simulated s")
        assert 0 <= _alloc_times(inst)[0] - started[0] < NO_DELAY
