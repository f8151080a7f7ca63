"""Issue #12, item 6: a damaged journal says which file and how, in one line; `recreate NAME
--from-manifest FILE` brings back a MiniCluster a recreate deleted; a recreate that finds its
MiniCluster gone names the saved manifest and that command."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time

import pytest
import yaml

from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import WorkflowError, recreate
from fluxstate_tui.workflows.journal import Journal, JournalDamaged
from fluxstate_tui.workflows.ops import job_ids
from fluxstate_tui.workflows.recreate import ASSET_STEPS, STEPS
from tests.conftest import REPO
from tests.workflows.test_workflows import GVP, _all_inactive, cli, connect, create_mc, ready, submit, until_async

CONTEXT = "fluxstate-demo"


def journal_path(server, tmp_path, name: str):
    return Journal.path_for(server.url, CONTEXT, "default", name, tmp_path / "state" / "fluxstate-tui" / "journal")


def manifest(name: str) -> dict:
    return {"apiVersion": "flux-framework.org/v1alpha2", "kind": "MiniCluster",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"size": 1, "interactive": True, "archive": {"path": f"/state/{name}.tar.gz"},
                     "containers": [{"image": "rockylinux:9", "volumes": {"data": {"path": "/state",
                                                                                   "hostPath": "/data"}}}]}}


def sound_journal(server, name: str) -> dict:
    """A recreate killed after its delete, as the journal records it."""
    steps = {s: {"status": "done" if i < 5 else "pending"} for i, s in enumerate(STEPS)}
    return {"workflow": "recreate", "target": {"server": server.url, "context": CONTEXT, "namespace": "default",
                                               "name": name},
            "params": {"size": 2, "old_size": 1, "assets": []}, "steps": steps, "order": STEPS,
            "started": time.time(), "finished": None, "result": None, "log": [], "manifest": manifest(name),
            "job_ids": [1, 2], "archive": {"path": f"/state/{name}.tar.gz", "size": 100, "jobs": 2}}


def variants(good: dict) -> dict[str, tuple[bytes, str]]:
    """name -> (file content, what the one line must say about it)."""
    def edited(fn) -> bytes:
        data = json.loads(json.dumps(good))
        fn(data)
        return json.dumps(data).encode()

    text = json.dumps(good).encode()
    return {
        "garbage bytes": (b"\x89PNG\r\n\x1a\n\x00\xff\xfe junk", "it is not text (byte 0x89 at offset 0)"),
        "truncated": (text[: len(text) // 2], "it ends in the middle of the JSON"),
        "empty": (b"", "it is empty"),
        "a list": (b"[]", "it holds a list, not a journal object"),
        "an empty object": (b"{}", "it lacks workflow, target, params, steps, order"),
        "unknown step": (edited(lambda d: d["order"].append("explode")), 'it names a step "explode"'),
        "wrong types": (edited(lambda d: d["params"].update(size="three")),
                        'params.size is "three", not a whole number'),
        "no manifest": (edited(lambda d: d.pop("manifest")), "it has no saved manifest, yet its steps went past"),
        "bad status": (edited(lambda d: d["steps"]["delete"].update(status="maybe")),
                       'steps.delete has status "maybe"'),
        "another minicluster": (edited(lambda d: d["target"].update(name="other")),
                                "it is the journal of default/other"),
    }


def test_each_damaged_journal_is_one_line_naming_file_and_damage(empty_demo, tmp_path):
    path = journal_path(empty_demo, tmp_path, "dj")
    path.parent.mkdir(parents=True)
    saved = path.with_suffix(".manifest.yaml")
    saved.write_text(yaml.safe_dump(manifest("dj")))
    good = sound_journal(empty_demo, "dj")
    target = good["target"]
    path.write_text(json.dumps(good))
    assert Journal.load(path, ASSET_STEPS, target) is not None  # the sound one passes the schema
    failures = []
    for what, (content, how) in variants(good).items():
        path.write_bytes(content)
        with pytest.raises(JournalDamaged):
            Journal.load(path, ASSET_STEPS, target)
        r = cli(empty_demo, tmp_path, "recreate", "dj", "--yes")
        lines = r.stderr.strip().splitlines()
        expected = f"fluxstate-tui: error: the recreate journal {path} is damaged: {how}"
        if (r.returncode != 1 or len(lines) != 1 or not lines[0].startswith(expected)
                or f"--from-manifest {saved}" not in lines[0] or "Traceback" in r.stderr):
            failures.append(f"{what}: exit {r.returncode}: {r.stderr!r}")
    assert not failures, "\n".join(failures)


def _kill_after_teardown(server, tmp_path, name: str, size: int) -> None:
    """A recreate SIGKILLed at its create step: the MiniCluster is deleted, the journal says so."""
    env = dict(server.env, XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "recreate", name, "--size", str(size),
                             "--yes"], stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    for line in proc.stderr:
        if line.startswith(f"[{STEPS.index('create') + 1}/"):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)


def one_error_line(r) -> bool:
    """Exit 1 and one error line (a killed run's lock taken over is said on a line of its own before it)."""
    lines = r.stderr.strip().splitlines()
    return (r.returncode == 1 and len([x for x in lines if x.startswith("fluxstate-tui:")]) == 1
            and lines[-1].startswith("fluxstate-tui: error: ") and "Traceback" not in r.stderr)


async def _jobs_in(server, name: str, done: int = 3) -> set[int]:
    async with await connect(server) as kube:
        broker = await ready(kube, name)
        ids = [await submit(broker, "hostname") for _ in range(done)]
        await until_async(lambda: _all_inactive(broker, ids), what="jobs to finish")
        ids.append(await submit(broker, "--urgency=0", "hostname"))
        return set(ids)


async def _present(server, name: str) -> set[int]:
    async with await connect(server) as kube:
        return await job_ids(await ready(kube, name))


def test_from_manifest_brings_back_what_a_damaged_journal_left_deleted(empty_demo, tmp_path):
    create_mc(empty_demo, "fm", 1)
    ids = asyncio.run(_jobs_in(empty_demo, "fm"))
    _kill_after_teardown(empty_demo, tmp_path, "fm", 2)
    path = journal_path(empty_demo, tmp_path, "fm")
    saved = path.with_suffix(".manifest.yaml")
    path.write_bytes(path.read_bytes()[:200])  # the disk filled up, say
    r = cli(empty_demo, tmp_path, "recreate", "fm", "--yes")
    assert one_error_line(r), r.stderr
    assert f"the recreate journal {path} is damaged: it ends in the middle of the JSON" in r.stderr
    assert f"`fluxstate-tui recreate fm --from-manifest {saved}`" in r.stderr
    path.rename(path.with_name(path.name + ".bak"))  # moved aside, as the message says
    r = cli(empty_demo, tmp_path, "recreate", "fm", "--size", "2", "--yes")
    assert one_error_line(r) and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "MiniCluster 'fm' not found in namespace 'default'; its manifest was saved in " f"{saved}" in r.stderr
    assert f"--from-manifest {saved}" in r.stderr
    r = cli(empty_demo, tmp_path, "recreate", "other", "--from-manifest", str(saved), "--yes")
    assert r.returncode == 1 and "the manifest is of MiniCluster fm, not other" in r.stderr  # never the wrong one
    r = cli(empty_demo, tmp_path, "recreate", "fm", "--from-manifest", str(saved), "--yes", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)["result"]
    assert result.startswith(f"restored fm from {saved} at size 1, verified: spec.size 1, ")
    assert "job(s) loaded from /state/fm.tar.gz" in result
    assert ids <= asyncio.run(_present(empty_demo, "fm"))
    r = cli(empty_demo, tmp_path, "recreate", "fm", "--from-manifest", str(saved), "--yes")
    assert r.returncode == 1 and "a MiniCluster fm exists in namespace default" in r.stderr


def test_from_manifest_given_the_journal_verifies_every_dumped_job(empty_demo, tmp_path):
    create_mc(empty_demo, "fj", 1)
    ids = asyncio.run(_jobs_in(empty_demo, "fj", done=2))
    _kill_after_teardown(empty_demo, tmp_path, "fj", 3)
    path = journal_path(empty_demo, tmp_path, "fj")
    r = cli(empty_demo, tmp_path, "recreate", "fj", "--from-manifest", str(path), "--size", "2", "--yes")
    assert r.returncode == 0, r.stderr
    assert f"restored fj from the journal {path} at size 2" in r.stdout
    assert f"all {len(ids)} job(s) the recreate dumped present" in r.stdout
    assert "moved aside" in r.stderr and not path.exists()  # a later recreate must not "continue" it
    assert ids <= asyncio.run(_present(empty_demo, "fj"))


def test_a_recreate_whose_minicluster_vanished_names_the_saved_manifest(empty_demo, tmp_path):
    create_mc(empty_demo, "van", 1)

    async def scenario():
        async with await connect(empty_demo) as kube:
            await ready(kube, "van")

            async def someone_deletes_it(step):
                if step == "dump":
                    await kube.custom.delete_namespaced_custom_object(namespace="default", name="van", **GVP)
                    while True:
                        try:
                            await get_minicluster(kube, "van", "default")
                        except Exception:
                            return
                        await asyncio.sleep(0.1)

            with pytest.raises(WorkflowError) as exc:
                await recreate(kube, await get_minicluster(kube, "van", "default"), size=2, journal_root=tmp_path,
                               before_step=someone_deletes_it)
            saved = Journal.path_for(kube.server, kube.context, "default", "van", tmp_path).with_suffix(
                ".manifest.yaml")
            assert f"MiniCluster 'van' not found in namespace 'default' at dump; its manifest was saved in {saved}" \
                in exc.value.message
            assert f"`fluxstate-tui recreate van --from-manifest {saved}`" in exc.value.message

    asyncio.run(scenario())
