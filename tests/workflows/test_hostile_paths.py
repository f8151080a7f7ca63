"""Paths that lie: an archive path with `..`, a path beside a volume, a garbage archive, the temporary
file of a killed dump, asset names with backslashes. None of them may lose a job or tell a falsehood."""

from __future__ import annotations

import asyncio
import json

import pytest
from kubernetes import client, config

from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.workflows import Refused, dump, pause, recreate
from fluxstate_tui.workflows.ops import archive_info, job_ids
from tests.workflows.test_assets import sh
from tests.workflows.test_workflows import GVP, cli, connect, create_mc, ready, submit


@pytest.mark.parametrize("path, why", [
    ("/state/../tmp/archive.tar.gz", "normalises to /tmp/archive.tar.gz"),
    ("/state/./a/../archive.tar.gz", "normalises to /state/archive.tar.gz"),
    ("/state//archive.tar.gz", "normalises to /state/archive.tar.gz"),
    ("/statefoo/archive.tar.gz", "not on a volume"),
])
def test_an_archive_path_off_the_volume_is_refused_before_anything_changes(empty_demo, tmp_path, path, why):
    create_mc(empty_demo, "dots", 1, archive=False)
    api = config.new_client_from_config(config_file=str(empty_demo.kubeconfig))
    client.CustomObjectsApi(api).patch_namespaced_custom_object(
        namespace="default", name="dots", body={"spec": {"archive": {"path": path}}}, **GVP)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "dots")
            for _ in range(3):
                await submit(broker, "true")
            before = await job_ids(broker)
            with pytest.raises(Refused, match=why.replace(".", r"\.")):
                await recreate(kube, await get_minicluster(kube, "dots", "default"), size=2, journal_root=tmp_path)
            mc = await get_minicluster(kube, "dots", "default")
            assert mc.size == 1 and not mc.deleting
            assert await job_ids(broker) == before
            assert "Scheduling is started" in (await broker.flux(["flux", "queue", "status"])).stdout

    asyncio.run(scenario())
    r = cli(empty_demo, tmp_path, "recreate", "dots", "--size", "2", "--yes")
    last = r.stderr.strip().splitlines()[-1]  # progress lines come first
    assert r.returncode == 1 and last.startswith("fluxstate-tui: error: refused") and why in last


def test_garbage_at_the_archive_path_is_reported_and_a_killed_dumps_temp_file_is_removed(empty_demo, tmp_path):
    create_mc(empty_demo, "junk", 1)

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "junk")
            await sh(broker, "echo not-a-tarball > /state/junk.tar.gz && "
                             ": > /state/.junk.fluxstate-20260101T000000Z.tar.gz")
            info = await archive_info(kube, await get_minicluster(kube, "junk", "default"))
            assert info.exists and info.readable is False and info.jobs is None
            r = cli(empty_demo, tmp_path, "archive", "junk")
            assert r.returncode == 0 and "NOT an archive" in r.stdout
            r = cli(empty_demo, tmp_path, "archive", "junk", "--json")
            assert json.loads(r.stdout)["archive"]["readable"] is False
            mc = await get_minicluster(kube, "junk", "default")
            await pause(kube, mc)
            events = []
            await dump(kube, mc, progress=events.append)
            assert any("left by an interrupted dump" in e.message for e in events)
            listing = await sh(broker, "ls -1a /state")
            assert ".junk.fluxstate-20260101T000000Z.tar.gz" not in listing
            info = await archive_info(kube, mc)
            assert info.readable is True and info.jobs == 0

    asyncio.run(scenario())


def test_asset_names_with_backslashes_come_back_intact(empty_demo, tmp_path):
    create_mc(empty_demo, "bs", 1)
    files = r"mkdir -p /work/w && echo one > '/work/w/a\b.txt' && echo two > '/work/w/back\\slash' && " \
            r"echo three > /work/w/plain"
    sums = r"sha256sum /work/w/plain '/work/w/a\b.txt' '/work/w/back\\slash'"

    async def scenario():
        async with await connect(empty_demo) as kube:
            broker = await ready(kube, "bs")
            await sh(broker, files)
            before = await sh(broker, sums)
            assert before.count("\\") >= 2  # sha256sum escapes these names: the case that broke the manifest
            result = await recreate(kube, await get_minicluster(kube, "bs", "default"), size=1,
                                    assets=("/work/w",), journal_root=tmp_path)
            assert "3 asset file(s) restored and verified" in result
            broker = await ready(kube, "bs")
            assert await sh(broker, sums) == before

    asyncio.run(scenario())


def test_a_size_the_nodes_cannot_host_is_refused_unless_forced(demo_factory, tmp_path):
    # the demo is one node with 110 allocatable pods, as a kind or minikube cluster has
    server = demo_factory("--empty", "--speed", "25", "--deny", "delete:miniclusters")
    create_mc(server, "cap", 1)
    assert "fluxstate-demo" in server.kubectl("get", "nodes").stdout

    async def prepare():
        async with await connect(server) as kube:
            await ready(kube, "cap")

    asyncio.run(prepare())
    r = cli(server, tmp_path, "recreate", "cap", "--size", "200", "--max-size", "500", "--yes")
    assert r.returncode == 1 and "more pods than the cluster's nodes can host (110 allocatable)" in r.stderr
    # --force passes that check and goes on to the next one (here the permission the demo denies)
    r = cli(server, tmp_path, "recreate", "cap", "--size", "200", "--max-size", "500", "--force", "--yes")
    assert r.returncode == 1 and "cannot delete miniclusters" in r.stderr
    mc = json.loads(server.kubectl("get", "minicluster", "cap", "-o", "json").stdout)
    assert mc["spec"]["size"] == 1
