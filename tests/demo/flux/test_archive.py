"""flux dump / restore against 03-dump-restore.txt."""

from __future__ import annotations

import asyncio
import re
import tarfile

from fluxstate_tui.demo.flux import FluxInstance
from tests.demo.flux.conftest import Cluster
from tests.demo.flux.test_commands import submit, wait_inactive
from tests.transcripts import block


async def test_live_dump_and_restore_03(tmp_path):
    c = Cluster(tmp_path, speed=100)
    done = await submit(c, "flux submit hostname")
    fail = await submit(c, "flux submit false")
    await wait_inactive(c, done, fail)
    run1 = await submit(c, "flux submit sleep 600")
    run2 = await submit(c, "flux submit -N2 --job-name=wide-running sleep 600")
    await asyncio.sleep(0.01)
    await c.flux("flux queue stop -m 'stopped before dump'")
    pend = await submit(c, "flux submit sleep 1")
    pend2 = await submit(c, "flux submit --job-name=pending-two hostname")
    held = await submit(c, "flux submit --urgency=0 --job-name=held hostname")
    dep = await submit(c, f"flux submit --dependency=afterany:{run1} --job-name=dep-on-run1 echo dep")
    rc, out, err = await c.flux("flux dump /archive.tar.gz")
    real = block("03-dump-restore.txt", "rm -f $RUNDIR/archive.tar.gz; flux dump $RUNDIR/archive.tar.gz")
    # same entry count as the real dump of the same job mix (39), same progress bytes
    assert (rc, out, err) == (0, "", real["stderr"])
    path = c.fs.host_path("/archive.tar.gz")
    with tarfile.open(path, "r:gz") as tf:
        names = tf.getnames()
        links = [m for m in tf.getmembers() if m.issym()]
    real_list = block("03-dump-restore.txt",
                      "rm -f $RUNDIR/archive-v.tar; flux dump -v $RUNDIR/archive-v.tar 2>&1 | head -40")["stdout"]

    def shape(ns):
        return [re.sub(r"job/[0-9a-f/]{19}", "job/ID", n) for n in ns]

    assert shape(names) == shape(real_list.splitlines())
    assert len(links) == 2 and links[0].linkname.startswith("job-")
    rc, out, err = await c.flux("flux dump -q /x.zip")
    assert rc == 1 and err.startswith("flux-dump: ")
    c.inst.close()

    logs: list[str] = []
    new = FluxInstance(hostnames=["vm", "vm"], cores_per_node=2, clock=c.clock, restore=path, log=logs.append)
    c2 = Cluster(tmp_path / "b", size=2)
    c2.inst.close()
    c2.inst = new
    for r in range(2):
        new.set_rank_online(r, True)
    assert logs[0] == "restoring content from " + str(path)
    assert any("could not recover guest namespace for" in line for line in logs)
    rc, out, _ = await c2.flux("flux queue status")
    assert out == "Job submission is enabled\nScheduling is started\n"
    await wait_inactive(c2, pend, pend2, dep)
    rc, out, _ = await c2.flux("flux jobs -a -o '{id.f58} {name} {state} {result} {status} {returncode} "
                               "{exception.type} {exception.note}'")
    real = block("03-dump-restore.txt", "flux jobs -a -o '{id.f58} {name} {state} {result} {status} {returncode} "
                                        "{exception.type} {exception.note} {t_run!d} {t_inactive!d}'")["stdout"]
    assert "wide-running INACTIVE FAILED FAILED 1 exec failed to create guest ns: No such file or directory" in out
    assert "sleep INACTIVE FAILED FAILED 1 exec failed to create guest ns: No such file or directory" in real
    assert f"{held} held SCHED  SCHED" in out and f"{dep} dep-on-run1 INACTIVE COMPLETED" in out
    assert f"{pend2} pending-two INACTIVE COMPLETED" in out
    rc, out, _ = await c2.flux(f"flux job eventlog {held}")
    assert re.sub(r"^\d+\.\d+", "TS", out, flags=re.M).endswith("TS flux-restart\nTS priority priority=0\n")
    rc, out, _ = await c2.flux(f"flux job eventlog {run1}")
    assert ('exception type="exec" severity=0 userid=0 note="failed to create guest ns: No such file or directory"'
            in out)
    assert out.splitlines()[-3:][0].split()[1] == "release" and "finish" not in out
    newid = await submit(c2, "flux submit hostname")
    from fluxstate_tui.flux.ids import parse_jobid
    assert parse_jobid(newid) > max(parse_jobid(x) for x in (done, fail, run1, run2, pend, held, dep))
    rc, out, _ = await c2.flux(f"flux job attach {done}")
    assert (rc, out) == (0, "vm\n")
    new.close()


async def test_seed_many_jobs_fast(tmp_path):
    import time

    c = Cluster(tmp_path, size=4)
    t = time.perf_counter()
    c.inst.seed_jobs(20_000)
    rc, out, err = await c.flux("flux jobs -a -c 0")
    assert time.perf_counter() - t < 5
    lines = out.splitlines()
    assert rc == 0 and len(lines) == 20_001 and err == ""
    rc, out, err = await c.flux("flux jobs -a")
    assert len(out.splitlines()) == 1001 and err.startswith("warning: output truncated at 1000 jobs.")
    rc, out, _ = await c.flux("flux jobs --stats-only")
    assert rc == 1 and re.match(r"0 running, \d+ completed, \d+ failed, 0 pending, 0 inactive purged\n", out)
    ids = [line.split()[0] for line in lines[1:50]]
    from fluxstate_tui.flux.ids import parse_jobid
    vals = [parse_jobid(i) for i in ids]
    assert len(set(vals)) == len(vals)
    # rows are ordered by t_inactive, newest first (job_inactive_cmp)
    t = [c.inst.jobs[v].t_inactive for v in vals]
    assert t == sorted(t, reverse=True)
    c.inst.close()
