"""The simulator's `flux job urgency`, `flux job kill`, named queues and `flux config reload`, against
flux-core 0.88's own texts (06-named-queues.txt; src/cmd/job/{urgency,kill}.c and the job manager)."""

from __future__ import annotations

import asyncio

import pytest

from fluxstate_tui.demo.flux.config_cmd import CONFIG_PATH
from fluxstate_tui.flux.ids import parse_jobid
from tests.demo.flux.conftest import Cluster
from tests.demo.flux.test_commands import submit, wait_inactive
from tests.transcripts import block, norm

QUEUES_TOML = """[policy.jobspec.defaults.system]
queue = "batch"

[queues.batch]

[queues.debug]
policy.limits.duration = "1m"
"""


async def _running(c: Cluster, jobid: str) -> None:
    job = c.inst.jobs[parse_jobid(jobid)]
    await c.inst.wait_for(lambda: job.state == 16, 5 * c.clock.speed)


# ---- flux job urgency ----------------------------------------------------------------------------

async def test_urgency_errors_are_the_job_managers(cluster):
    c = cluster
    held = await submit(c, "flux submit --urgency=0 hostname")
    run = await submit(c, "flux submit sleep 100")
    await _running(c, run)
    done = await submit(c, "flux submit true")
    await wait_inactive(c, done)
    assert await c.flux(f"flux job urgency {run} 16") == (
        1, "", f"flux-job: {run}: urgency cannot be changed once resources are allocated\n")
    assert await c.flux(f"flux job urgency {done} hold") == (1, "", f"flux-job: {done}: job is inactive\n")
    assert await c.flux("flux job urgency f1111 16") == (1, "", "flux-job: f1111: unknown job\n")
    assert await c.flux(f"flux job urgency {held} 32") == (1, "", f"flux-job: {held}: urgency value is out of range\n")
    assert await c.flux(f"flux job urgency {held} soon") == (1, "", 'flux-job: error parsing urgency: "soon"\n')
    assert await c.flux("flux job urgency nope 16") == (1, "", 'flux-job: error parsing jobid: "nope"\n')
    assert await c.flux(f"flux job urgency -v {held} DEFAULT") == (0, "", "old urgency: job held\n")
    await wait_inactive(c, held)  # released by DEFAULT (any case): it ran


# ---- flux job kill -------------------------------------------------------------------------------

async def test_kill_signals_running_jobs_and_names_the_others(cluster):
    c = cluster
    a, b = await submit(c, "flux submit sleep 100"), await submit(c, "flux submit sleep 100")
    await _running(c, a)
    await _running(c, b)
    pending = await submit(c, "flux submit -N4 hostname")
    rc, out, err = await c.flux(f"flux job kill --signal=SIGKILL {a} {pending} f1111")
    assert (rc, out) == (1, "")
    assert err == f"flux-job: kill {pending}: job is not running\nflux-job: kill f1111: unknown job id\n"
    await wait_inactive(c, a)
    rc, out, _ = await c.flux(f"flux jobs -n -o '{{result}} {{returncode}} {{exception.type}}' {a}")
    assert out.split() == ["FAILED", "137"]  # killed by the signal, no exception raised
    assert await c.flux(f"flux job kill -s CONT {b}") == (0, "", "")  # a signal a task survives
    await asyncio.sleep(0.05)
    assert c.inst.jobs[parse_jobid(b)].state == 16
    assert await c.flux(f"flux job kill -s 10 {b}") == (0, "", "")
    await wait_inactive(c, b)
    assert await c.flux(f"flux job kill {a}") == (1, "", f"flux-job: kill {a}: unknown job id\n")
    assert await c.flux(f"flux job kill -s BOGUS {a}") == (1, "", "flux-job: kill: Invalid signal BOGUS\n")
    assert await c.flux("flux job kill x1") == (1, "", "flux-job: invalid jobid: x1\n")


# ---- named queues --------------------------------------------------------------------------------

@pytest.fixture
def named(tmp_path):
    c = Cluster(tmp_path)
    conf = c.fs.host_path(CONFIG_PATH)
    conf.mkdir(parents=True)
    (conf / "queues.toml").write_text(QUEUES_TOML)
    yield c
    c.inst.close()


NAMED_06 = [("flux queue list", 0), ("flux queue status", 0), ("flux queue status -v", 0),
            ("flux queue status batch", 0), ("flux queue status -q debug", 0), ("flux queue status bogus", 0),
            ("flux queue start --all", 0), ("flux submit --queue=debug hostname", 0),
            ("flux submit --queue=debug -t 5m hostname", 0), ("flux submit --queue=bogus hostname", 0),
            ("flux queue stop debug", 0), ("flux queue status", 2), ("flux queue list", 1),
            ("flux queue stop --all -m 'all stopped'", 0),
            ("flux queue disable debug -m 'debug closed'", 0), ("flux queue status", 4),
            ("flux submit -q debug -t 10s hostname", 1), ("flux queue list", 2), ("flux queue stop", 0),
            ("flux queue start", 0)]


async def test_named_queues_match_the_transcript(named):
    c = named
    assert await c.flux("flux config reload") == (0, "", "")
    for cmd, nth in NAMED_06:
        b = block("06-named-queues.txt", cmd, nth)
        assert await c.flux(cmd) == (b["exit"], b["stdout"], b["stderr"]), cmd
    b = block("06-named-queues.txt", "flux queue enable --all; flux queue start --all")
    outs = [await c.flux(part) for part in ("flux queue enable --all", "flux queue start --all")]
    assert "".join(o[1] for o in outs) == b["stdout"]


async def test_named_queues_schedule_each_queue_on_its_own(named):
    c = named
    await c.flux("flux config reload")
    await c.flux("flux queue start batch")
    in_batch = await submit(c, "flux submit hostname")           # the default queue
    in_debug = await submit(c, "flux submit -q debug -t 30s hostname")
    await wait_inactive(c, in_batch)
    await asyncio.sleep(0.05)
    assert c.inst.jobs[parse_jobid(in_debug)].state == 8          # its queue is stopped: still SCHED
    rc, out, _ = await c.flux("flux jobs -a -o '{id.f58} {queue} {state}'")
    assert norm(out).splitlines()[1:] == [f"{in_debug[0]}ID debug SCHED", f"{in_batch[0]}ID batch INACTIVE"]
    await c.flux("flux queue start -- debug")
    await wait_inactive(c, in_debug)
    # a reload without [queues] brings back the one anonymous queue, started
    c.fs.host_path(CONFIG_PATH + "/queues.toml").write_text("")
    assert await c.flux("flux config reload") == (0, "", "")
    assert await c.flux("flux queue status") == (0, "Job submission is enabled\nScheduling is started\n", "")


async def test_a_bad_queue_configuration_changes_nothing(named):
    c = named
    c.fs.host_path(CONFIG_PATH + "/queues.toml").write_text('[policy.jobspec.defaults.system]\nqueue = "x"\n')
    rc, _, err = await c.flux("flux config reload")
    assert rc == 1 and "default queue 'x' is not in queues table" in err
    c.fs.host_path(CONFIG_PATH + "/queues.toml").write_text("[queues\n")
    rc, _, err = await c.flux("flux config reload")
    assert rc == 1 and err.startswith(f"flux-config: ERROR: {CONFIG_PATH}/queues.toml:")
    assert await c.flux("flux queue status") == (0, "Job submission is enabled\nScheduling is started\n", "")


async def test_operands_after_a_double_dash(cluster):
    c = cluster
    assert await c.flux(["flux", "resource", "drain", "--", "1", "-x; $(reboot)"]) == (0, "", "")
    rc, out, _ = await c.flux("flux resource drain -n -o '{ranks}|{reason}'")
    assert out == "1|-x; $(reboot)\n"
    assert await c.flux("flux resource undrain -- 1") == (0, "", "")
    assert await c.flux(["flux", "queue", "disable", "--message=-m odd", "--all"]) == (
        0, "Job submission is disabled: -m odd\n", "")
