"""The guard against the demo cluster: a protected MiniCluster deleted by anyone is dumped before it
goes, an unprotected one goes at once, a failed dump keeps it and says why, a person can release it,
two guards dump once, a guard killed mid-dump finishes after a restart, and `protect --off` lets go."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time

from kubernetes import client, config

from fluxstate_tui.cli.main import main
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import recreate
from tests.conftest import needs_kubectl
from tests.guard.conftest import audit_lines, cli, create_at, event_reasons, finalizers, gone, mc_json, record, until
from tests.workflows.test_workflows import GVP, connect, create_mc, ready, states, submit, until_async

pytestmark = needs_kubectl()


def jobs_of(server, name: str) -> dict[int, tuple[str, str]]:
    async def read():
        async with await connect(server) as kube:
            return await states(await ready(kube, name))
    return asyncio.run(read())


def submit_all(server, name: str, *commands: list[str], settle: list[int] | None = None) -> list[int]:
    """Submit each command; wait until the first `len(settle)`... jobs listed in settle have ended."""
    async def go():
        async with await connect(server) as kube:
            broker = await ready(kube, name)
            ids = [await submit(broker, *cmd) for cmd in commands]
            for index in settle or []:
                await until_async(lambda i=ids[index]: _inactive(broker, i), what="a job to end")
            return ids
    return asyncio.run(go())


async def _inactive(broker, jobid: int) -> bool:
    return (await states(broker)).get(jobid, ("",))[0] == "INACTIVE"


def test_deleted_protected_minicluster_is_dumped_first(empty_demo, start_guard, state_home, tmp_path):
    create_mc(empty_demo, "g1", 2)
    create_mc(empty_demo, "g2", 1)
    create_mc(empty_demo, "free", 1)
    free_ids = submit_all(empty_demo, "free", ["hostname"], settle=[0])
    # a finished job, a failed one, a held one, and one still running when the delete comes
    ids = submit_all(empty_demo, "g1", ["hostname"], ["false"], ["--urgency=0", "hostname"], settle=[0, 1])
    g2_ids = submit_all(empty_demo, "g2", ["hostname"], settle=[0])
    assert cli(empty_demo, state_home, "protect", "g1").returncode == 0
    assert finalizers(empty_demo, "g1") == ["fluxstate-tui/guard"]  # at once, before any guard runs
    empty_demo.kubectl("annotate", "minicluster", "g2", "fluxstate-tui/protect=true")
    start_guard(empty_demo)
    until(lambda: finalizers(empty_demo, "g2") == ["fluxstate-tui/guard"], what="the guard to add its finalizer")
    assert finalizers(empty_demo, "free") == []

    # kubectl delete waits until the guard has dumped (the running job ended first, not failed)
    running = submit_all(empty_demo, "g1", ["-N2", "sleep", "75"])[0]  # ~3 s at the tests' speed
    until(lambda: jobs_of(empty_demo, "g1")[running][0] == "RUN", what="the long job to run")
    started = time.monotonic()
    deleted = empty_demo.kubectl("delete", "minicluster", "g1", "--timeout=120s")
    assert time.monotonic() - started > 1.0, deleted.stdout
    assert mc_json(empty_demo, "g1") is None
    assert event_reasons(empty_demo, "g1") == ["GuardDumping", "GuardDumped"]
    [line] = audit_lines(state_home, "guard dump", "g1")
    assert line["outcome"] == "ok" and line["result"]["jobs"] == 4 and line["result"]["archive"] == "/state/g1.tar.gz"
    assert (empty_demo.data_dir / "data" / "g1.tar.gz").stat().st_size > 0

    # the official client: 200 with the object, marked for deletion; gone once dumped
    api = config.new_client_from_config(config_file=str(empty_demo.kubeconfig))
    body = client.CustomObjectsApi(api).delete_namespaced_custom_object(namespace="default", name="g2", **GVP)
    assert body["metadata"]["deletionTimestamp"] and "fluxstate-tui/guard" in body["metadata"]["finalizers"]
    gone(empty_demo, "g2")
    assert audit_lines(state_home, "guard dump", "g2")[0]["result"]["jobs"] == len(g2_ids)

    # an unprotected MiniCluster goes at once
    empty_demo.kubectl("delete", "minicluster", "free", "--timeout=10s")
    assert mc_json(empty_demo, "free") is None and not audit_lines(state_home, "guard dump", "free")

    # the archive brings the history back in a new MiniCluster with the same archive path
    create_at(empty_demo, "g1-again", 2, "/state/g1.tar.gz")
    after = jobs_of(empty_demo, "g1-again")
    assert set(ids + [running]) <= set(after)
    assert after[running][0] == "INACTIVE" and after[running][1] == "COMPLETED"
    assert after[ids[1]][1] == "FAILED" and after[ids[2]][0] != "INACTIVE"  # the held job still waits
    # ... and runs once released there: the pending work came back with the history
    assert cli(empty_demo, state_home, "release", "g1-again", str(ids[2]), "--yes").returncode == 0
    until(lambda: jobs_of(empty_demo, "g1-again")[ids[2]] == ("INACTIVE", "COMPLETED"), what="the held job to run")

    # the same delete without protection lost everything: applied again, it starts empty
    create_at(empty_demo, "free-again", 1, "/state/free.tar.gz")
    assert not set(free_ids) & set(jobs_of(empty_demo, "free-again"))


def test_failed_dump_keeps_it_until_released(empty_demo, start_guard, state_home):
    # the archive path is on no volume of the MiniCluster: a dump there would vanish with the pod
    create_at(empty_demo, "bad", 1, "/nowhere/bad.tar.gz")
    assert cli(empty_demo, state_home, "protect", "bad").returncode == 0
    start_guard(empty_demo)
    empty_demo.kubectl("delete", "minicluster", "bad", "--wait=false")
    until(lambda: (record(empty_demo, "bad") or {}).get("outcome") == "failed", what="the failure to be recorded")
    obj = mc_json(empty_demo, "bad")
    assert obj["metadata"]["deletionTimestamp"] and obj["metadata"]["finalizers"] == ["fluxstate-tui/guard"]
    assert "is not on a volume of bad" in record(empty_demo, "bad")["reason"]
    assert "GuardDumpFailed" in event_reasons(empty_demo, "bad")
    listed = json.loads(cli(empty_demo, state_home, "ls", "--json").stdout)["miniclusters"]
    guard = next(m for m in listed if m["name"] == "bad")["guard"]
    assert guard["held"] and guard["outcome"] == "failed" and "not on a volume" in guard["reason"]
    assert "KEPT, dump failed: archive path /nowhere/bad.tar.gz" in cli(empty_demo, state_home, "ls").stdout
    time.sleep(1)
    assert mc_json(empty_demo, "bad") is not None  # still kept

    off = cli(empty_demo, state_home, "protect", "bad", "--off")
    assert off.returncode == 1 and "guard --release bad" in off.stderr
    no_tty = cli(empty_demo, state_home, "guard", "--release", "bad")
    assert no_tty.returncode == 2 and "pass --yes" in no_tty.stderr
    released = cli(empty_demo, state_home, "guard", "--release", "bad", "--yes", "--reason", "a test")
    assert released.returncode == 0, released.stderr
    assert "released bad" in released.stdout
    gone(empty_demo, "bad", timeout=10)
    [line] = audit_lines(state_home, "guard release", "bad")
    assert line["outcome"] == "ok" and line["arguments"]["reason"] == "a test"
    assert "GuardReleased" in event_reasons(empty_demo, "bad")


def test_two_guards_dump_once(empty_demo, start_guard, state_home):
    create_mc(empty_demo, "twice", 1)
    submit_all(empty_demo, "twice", ["hostname"], ["sleep", "40"], settle=[0])
    assert cli(empty_demo, state_home, "protect", "twice").returncode == 0
    start_guard(empty_demo)
    start_guard(empty_demo)
    empty_demo.kubectl("delete", "minicluster", "twice", "--timeout=120s")
    dumps = [e for e in audit_lines(state_home, "guard dump", "twice") if e["outcome"] == "ok"]
    assert [e["result"]["dumped"] for e in dumps].count(True) == 1, dumps
    assert not list((empty_demo.data_dir / "data").glob("twice-*.tar.gz"))  # no second version


def test_guard_killed_mid_dump_finishes_after_a_restart(empty_demo, start_guard, state_home):
    create_mc(empty_demo, "killed", 1)
    [long] = submit_all(empty_demo, "killed", ["sleep", "150"])  # ~6 s: the guard waits for it
    assert cli(empty_demo, state_home, "protect", "killed").returncode == 0
    first = start_guard(empty_demo)
    empty_demo.kubectl("delete", "minicluster", "killed", "--wait=false")
    until(lambda: (record(empty_demo, "killed") or {}).get("outcome") == "dumping", what="the dump to start")
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    assert mc_json(empty_demo, "killed") is not None  # nothing lets it go while no guard runs
    second = start_guard(empty_demo)
    gone(empty_demo, "killed", timeout=90)
    assert "did not finish: starting it over" in second.output()
    assert "took over the lock on killed" in second.output()
    [line] = [e for e in audit_lines(state_home, "guard dump", "killed") if e["outcome"] == "ok"]
    assert line["result"]["jobs"] == 1
    create_at(empty_demo, "revived", 1, "/state/killed.tar.gz")
    assert jobs_of(empty_demo, "revived")[long][1] == "COMPLETED"


def test_idle_timeout_cancels_and_records_the_running_jobs(empty_demo, start_guard, state_home):
    create_mc(empty_demo, "slow", 1)
    [long] = submit_all(empty_demo, "slow", ["sleep", "100000"])
    assert cli(empty_demo, state_home, "protect", "slow").returncode == 0
    start_guard(empty_demo, "--idle-timeout", "1")
    empty_demo.kubectl("delete", "minicluster", "slow", "--timeout=120s")
    [line] = audit_lines(state_home, "guard dump", "slow")
    assert len(line["result"]["canceled"]) == 1 and "canceled first" in line["result"]["result"]
    create_at(empty_demo, "slow-again", 1, "/state/slow.tar.gz")
    assert jobs_of(empty_demo, "slow-again")[long][1] == "CANCELED"


def test_protect_off_and_a_recreate_of_a_protected_minicluster(empty_demo, state_home, tmp_path):
    create_mc(empty_demo, "prot", 1)
    assert cli(empty_demo, state_home, "protect", "prot").returncode == 0
    assert cli(empty_demo, state_home, "protect", "prot").returncode == 0  # twice is once
    off = cli(empty_demo, state_home, "protect", "prot", "--off", "--json")
    assert json.loads(off.stdout)["protected"] is False
    assert finalizers(empty_demo, "prot") == [] and "fluxstate-tui/protect" not in (
        mc_json(empty_demo, "prot")["metadata"].get("annotations") or {})
    assert [e["action"] for e in audit_lines(state_home, "unprotect", "prot")] == ["unprotect"]

    # a recreate dumps and verifies by itself: no guard needed, and the new one is protected at once
    assert cli(empty_demo, state_home, "protect", "prot").returncode == 0
    submit_all(empty_demo, "prot", ["hostname"], settle=[0])

    async def go():
        async with await connect(empty_demo) as kube:
            mc = await get_minicluster(kube, "prot", "default")
            return await recreate(kube, mc, size=2, journal_root=tmp_path)

    assert "recreated prot at size 2" in asyncio.run(go())
    new = mc_json(empty_demo, "prot")
    assert new["metadata"]["finalizers"] == ["fluxstate-tui/guard"]
    assert "fluxstate-tui/guard-dump" not in new["metadata"]["annotations"]


def test_bad_input_is_one_line_and_exit_2(capsys):
    for argv in (["guard", "--release"], ["guard", "--release", "Bad_Name"], ["guard", "--yes"],
                 ["guard", "--release", "x", "-A"], ["guard", "--idle-timeout", "nan"], ["guard", "--keep", "0"],
                 ["protect"], ["protect", "x", "--offf"], ["guard", "--release", "x", "--liveness", "http://x"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "error" in err, (argv, err)


def test_guard_with_a_bad_context_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", "guard", "--kubeconfig",
                             str(tmp_path / "none")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "no kubeconfig" in result.stderr
