"""`fluxstate-tui recreate NAME --from-manifest FILE`: bring back a MiniCluster that a recreate deleted.

The way out when the journal cannot be continued (damaged, moved aside, on another machine): FILE is
the recreate's journal or the manifest saved beside it (`<journal>.manifest.yaml`; a damaged journal
falls back to that one). The MiniCluster is created from it, Flux is awaited (the new broker loads the
archive at spec.archive.path, which the recreate's dump wrote), and the result is verified on the live
MiniCluster: its size, and every job id the journal recorded when one is readable. It refuses if a
MiniCluster of that name exists, and never creates one whose manifest names another MiniCluster or
namespace. It takes the MiniCluster's lock like a recreate; an unfinished journal it replaces is
moved aside, so that a later recreate does not "continue" it and delete the restored MiniCluster.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..flux import commands as fc
from ..flux.ids import f58_encode
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import ApiFailure, NotFound
from ..kube.resources import GVP, MiniCluster, get_minicluster
from ..limits import MAX_SIZE
from .events import Event, Progress, Refused, WorkflowError, quiet
from .journal import Journal, journal_beside, manifest_beside, manifest_problem, read_json
from .locking import locked
from .ops import job_ids, queue_state
from .world import clean_manifest, resized, wait_until_flux

STEPS = ["check", "create", "wait for Flux", "verify", "start queue"]


@dataclass
class Source:
    manifest: dict
    origin: str                      # what it was read from, for the result line
    job_ids: set[int] | None = None  # what the recreate's dump held, when a journal says
    note: str = ""                   # said on the way (a damaged journal passed over, say)


def _job_ids(data: object) -> set[int] | None:
    ids = data.get("job_ids") if isinstance(data, dict) else None
    if isinstance(ids, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return set(ids)
    return None


def load_source(path: Path, name: str, namespace: str) -> Source:
    """The manifest to restore from FILE, checked to be a MiniCluster named `name` in `namespace`."""
    try:
        data, how = read_json(path)
    except OSError as exc:
        raise Refused(f"cannot read {path}: {exc.strerror or exc}") from None
    if how is None and isinstance(data, dict) and "workflow" in data:  # a journal
        problem = manifest_problem(data.get("manifest"), name)
        if problem is None:
            return _checked(Source(clean_manifest(data["manifest"]), f"the journal {path}", _job_ids(data)),
                            path, namespace)
        how = problem
    if how is not None and path.suffix == ".json":
        beside = manifest_beside(path)
        if not beside.is_file():
            raise Refused(f"{path} holds no usable manifest ({how}) and no manifest was saved beside it")
        source = load_source(beside, name, namespace)
        source.note = f"{path} holds no usable manifest ({how}): using {beside}"
        return source
    try:
        obj = yaml.safe_load(path.read_text(errors="replace"))
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Refused(f"{path} is neither a recreate journal nor a MiniCluster manifest ({first})") from None
    problem = manifest_problem(obj, name)
    if problem:
        raise Refused(f"{path} cannot be restored from: {problem}")
    ids = None
    journal = journal_beside(path)
    if journal.is_file():
        try:
            data, _ = read_json(journal)
            ids = _job_ids(data)
        except OSError:
            pass
    return _checked(Source(clean_manifest(obj), str(path), ids), path, namespace)


def _checked(source: Source, path: Path, namespace: str) -> Source:
    meta = source.manifest["metadata"]
    if meta.get("namespace") not in (None, namespace):
        raise Refused(f"{path} is a MiniCluster of namespace {meta['namespace']}, not {namespace} "
                      f"(pass -n {meta['namespace']})")
    meta["namespace"] = namespace
    return source


def retire_journal(path: Path) -> Path | None:
    """Move an unfinished (or damaged) journal of this MiniCluster aside: the restore replaces it."""
    if not path.is_file():
        return None
    try:
        data, how = read_json(path)
    except OSError:
        data, how = None, "unreadable"
    if how is None and isinstance(data, dict) and data.get("finished") is not None:
        return None
    aside = path.with_name(f"{path.stem}.replaced-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json")
    os.replace(path, aside)
    return aside


@locked("recreate --from-manifest")
async def restore(kube: KubeClient, *, name: str, namespace: str, source: Path, size: int | None = None,
                  progress: Progress | None = None, journal_root: Path | None = None,
                  max_size: int = MAX_SIZE) -> str:
    emit = progress or quiet
    found = load_source(source, name, namespace)
    if size is not None and (size < 1 or size > max_size):
        raise Refused(f"size must be a whole number from 1 to {max_size}, not {size}")
    body = resized(found.manifest, size) if size else found.manifest
    want = int(body["spec"].get("size", 1))
    emit(Event("plan", f"restore {name} from {found.origin}", steps=STEPS))
    if found.note:
        emit(Event("log", found.note))

    emit(Event("step", "check", step="check"))
    await access.check(kube, namespace, access.NEEDS["recreate"])
    try:
        existing: MiniCluster | None = await get_minicluster(kube, name, namespace)
    except NotFound:
        existing = None
    if existing is not None:
        raise Refused(f"a MiniCluster {name} exists in namespace {namespace} (size {existing.size}, created "
                      f"{existing.created}): --from-manifest only brings back one that is gone")
    archive = (body["spec"].get("archive") or {}).get("path")
    emit(Event("step-done", f"{name} is gone; archive {archive or 'none: it starts with an empty queue'}",
               step="check"))

    emit(Event("step", "create", step="create"))
    try:
        created = await kube.call(kube.custom.create_namespaced_custom_object(namespace=namespace, body=body, **GVP),
                                  verb="create", resource="miniclusters", namespace=namespace)
    except ApiFailure as exc:
        if "already exists" in exc.message:
            raise Refused(f"a MiniCluster {name} was created meanwhile by someone else: it is left alone") from exc
        raise
    uid = ((created.get("metadata") if isinstance(created, dict) else None) or {}).get("uid")
    emit(Event("step-done", f"created at size {want}", step="create"))

    def ours(mc: MiniCluster | None) -> None:
        if mc is None or mc.uid != uid:
            raise WorkflowError(f"the {name} just created is gone or replaced: look at it, then retry",
                                step="wait for Flux")

    emit(Event("step", "wait for Flux", step="wait for Flux"))
    emit(Event("step-done", await wait_until_flux(kube, name, namespace, want, emit, ours), step="wait for Flux"))

    emit(Event("step", "verify", step="verify"))
    mc = await get_minicluster(kube, name, namespace)
    broker = Broker(kube, mc)
    now = await job_ids(broker)
    missing = (found.job_ids or set()) - now
    if mc.size != want or missing:
        sample = ", ".join(f58_encode(i) for i in sorted(missing)[:5])
        why = [f"its spec.size is {mc.size}, not {want}"] if mc.size != want else []
        why += [f"{len(missing)} job(s) the recreate dumped are missing ({sample})"] if missing else []
        raise WorkflowError(f"{name} was created from {found.origin} but did not verify: {'; '.join(why)}; the archive "
                            f"{archive} is untouched", step="verify")
    jobs = (f"all {len(found.job_ids)} job(s) the recreate dumped present" if found.job_ids is not None
            else f"{len(now)} job(s) loaded from {archive}")
    emit(Event("step-done", jobs, step="verify"))

    emit(Event("step", "start queue", step="start queue"))
    if (await queue_state(broker)).any_stopped:
        await broker.flux(fc.queue_start())
    emit(Event("step-done", step="start queue"))
    journal = Journal.path_for(kube.server, kube.context, namespace, name, journal_root)
    aside = retire_journal(journal)
    if aside is not None:
        emit(Event("log", f"the unfinished recreate journal was moved aside to {aside}: this restore replaces it"))
    result = f"restored {name} from {found.origin} at size {mc.size}, verified: spec.size {mc.size}, {jobs}"
    emit(Event("done", result))
    return result
