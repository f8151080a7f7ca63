"""Level 3: filesystem assets carried with the queue, checksums verified, corruption caught."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import tarfile

import pytest
from kubernetes import client, config

from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import WorkflowError, recreate
from fluxstate_tui.workflows.assets import ANNOTATION, MANIFEST
from fluxstate_tui.workflows.ops import job_ids
from tests.conftest import REPO
from tests.workflows.test_workflows import GVP, Killed, connect, create_mc, ready, states, submit

FILES = 'mkdir -p "/work/run 1/nested/deeper" && echo result > "/work/run 1/out put.txt" && ' \
        ': > "/work/run 1/nested/empty" && seq 1 5000 > "/work/run 1/nested/deeper/data.csv" && ' \
        'echo shared > /state/on-volume.txt'
SUMS = 'sha256sum "/work/run 1/out put.txt" "/work/run 1/nested/empty" "/work/run 1/nested/deeper/data.csv"'


async def sh(broker: Broker, script: str) -> str:
    result = await broker.exec(["/bin/bash", "-c", script])
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_assets_come_back_with_the_same_checksums(empty_demo, tmp_path):
    create_mc(empty_demo, "as", 1)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "as")
            await sh(broker, FILES)
            before = await sh(broker, SUMS)
            await broker.flux(["flux", "queue", "stop"])
            waiting = await submit(broker, "-N2", "hostname")  # needs the bigger cluster, waits for now
            events = []
            result = await recreate(kube, await get_minicluster(kube, "as", "default"), size=2,
                                    assets=("/work/run 1", "/state/on-volume.txt"), journal_root=tmp_path,
                                    progress=events.append)
            assert "3 asset file(s) restored and verified" in result
            assert any("on-volume.txt is on volume data already" in e.message for e in events if e.kind == "log")
            broker = await ready(kube, "as")
            assert await sh(broker, SUMS) == before
            assert (await sh(broker, 'find "/work/run 1" -type d')).split("\n")[:3] == [
                "/work/run 1", "/work/run 1/nested", "/work/run 1/nested/deeper"]
            # the job that waited was held across the restore, released afterwards, and runs here
            for _ in range(100):
                if (await states(broker))[waiting] == ("INACTIVE", "COMPLETED"):
                    break
                await asyncio.sleep(0.1)
            assert (await states(broker))[waiting] == ("INACTIVE", "COMPLETED")

    asyncio.run(scenario())
    with tarfile.open(empty_demo.data_dir / "data" / "as.assets.tar.gz") as tar:
        manifest = json.load(tar.extractfile(MANIFEST))
        names = tar.getnames()
    assert {f["path"] for f in manifest["files"]} == {"/work/run 1/out put.txt", "/work/run 1/nested/empty",
                                                      "/work/run 1/nested/deeper/data.csv"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    assert "work/run 1/out put.txt" in names


def _rewrite_archive(path, change):
    """Rebuild a .tar.gz with one member's bytes changed (a valid archive whose content lies)."""
    with tarfile.open(path) as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for m, data in members:
            if data is not None and m.name == change:
                data = b"tampered\n"
                m.size = len(data)
            tar.addfile(m, io.BytesIO(data) if data is not None else None)
    path.write_bytes(out.getvalue())


@pytest.mark.parametrize("damage", ["tampered", "garbage"])
def test_a_corrupted_assets_archive_is_caught_and_nothing_starts(empty_demo, tmp_path, damage):
    create_mc(empty_demo, "bad", 1)
    archive = empty_demo.data_dir / "data" / "bad.assets.tar.gz"

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "bad")
            await sh(broker, FILES)
            await broker.flux(["flux", "queue", "stop"])
            pending = await submit(broker, "hostname")

            async def kill_before_create(step):
                if step == "create":
                    raise Killed()

            with pytest.raises(Killed):
                await recreate(kube, await get_minicluster(kube, "bad", "default"), size=2, assets=("/work/run 1",),
                               journal_root=tmp_path, before_step=kill_before_create)
            if damage == "tampered":
                _rewrite_archive(archive, "work/run 1/out put.txt")
            else:
                archive.write_bytes(b"\x1f\x8b not really gzip")
            with pytest.raises(WorkflowError) as info:
                await recreate(kube, None, name="bad", namespace="default", journal_root=tmp_path)
            message = info.value.message
            assert info.value.step == "restore assets"
            if damage == "tampered":
                assert "differ from the manifest" in message and "/work/run 1/out put.txt" in message
            else:
                assert "unreadable" in message
            assert "the queue stays stopped" in message
            broker = await ready(kube, "bad")
            report = (await broker.flux(["flux", "queue", "status"])).stdout
            assert "Scheduling is stopped" in report
            assert (await states(broker))[pending][0] == "SCHED"  # held: nothing was started
            assert pending in await job_ids(broker)

    asyncio.run(scenario())


def test_assets_from_the_annotation_and_the_cli(empty_demo, tmp_path):
    create_mc(empty_demo, "ann", 1)
    api = config.new_client_from_config(config_file=str(empty_demo.kubeconfig))
    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        namespace="default", name="ann", body={"metadata": {"annotations": {ANNOTATION: "/work/run 1"}}}, **GVP)

    async def prepare():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "ann")
            await sh(broker, FILES)

    asyncio.run(prepare())
    env = dict(empty_demo.env, XDG_STATE_HOME=str(tmp_path / "state"))

    def run(*a):
        return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *a], capture_output=True, text=True,
                              cwd=REPO, env=env, timeout=120)

    assert run("pause", "ann", "--yes").returncode == 0
    r = run("dump", "ann", "--yes", "--assets", "/state/on-volume.txt")
    assert r.returncode == 0, r.stderr
    assert "3 asset file(s) in /state/ann.assets.tar.gz" in r.stdout and "on volume data already" in r.stdout
    r = run("dump", "ann", "--yes", "--assets", "relative/path")
    assert r.returncode == 1 and "must be absolute" in r.stderr
