"""`flux dump` archives (KVS keys as tar entries, tarfmt.py writes them) and restoring an instance
from one."""

from __future__ import annotations

import asyncio
import io
import json
import pathlib
from collections.abc import Iterator

from fluxstate_tui.flux.hostlist import hostlist_decode, idset_decode
from fluxstate_tui.flux.ids import dothex, f58_encode, parse_jobid

from .job import CANCELED, COMPLETED, DEPEND, FAILED, INACTIVE, PRIORITY, RUN, SCHED, TIMEOUT, Job, event_json, job_R
from .job_cmd import exec_eventlog, guest_input_events, guest_output_events, jobspec_of, make_J
from .misc_cmd import resource_R
from .tarfmt import compressor_for, read_archive, write_archive
from .util import jdumps


def dump_entries(inst, checkpoint: bool = False) -> Iterator[tuple[str, bytes | None, str]]:
    """(key path, value bytes, symlink target) in flux dump's order (03-dump-restore.txt)."""
    yield "admin/eventlog", "".join(event_json(*e) + "\n" for e in inst.admin_events).encode(), ""
    if checkpoint:
        return

    yield "resource/R", jdumps(resource_R(inst)).encode(), ""
    yield "resource/eventlog", "".join(event_json(*e) + "\n" for e in inst.resource_events).encode(), ""
    jobs = sorted(list(inst.jobs.values()), key=lambda j: j.id)
    for j in jobs:
        if j.state in (RUN, 32):
            yield f"job/{dothex(j.id).replace('.', '/')}/guest", None, f"job-{j.id}::."

    for j in jobs:
        base = "job/" + dothex(j.id).replace(".", "/")
        yield base + "/J", make_J(j).encode(), ""
        if j.alloc is not None:
            yield base + "/R", json.dumps(job_R(j)).encode(), ""
        yield base + "/eventlog", j.eventlog_text().encode(), ""
        yield base + "/jobspec", jdumps(jobspec_of(j)).encode(), ""
    done = [j for j in jobs if j.state == INACTIVE and j.t_run > 0]
    for j in done:
        base = "job/" + dothex(j.id).replace(".", "/")
        yield base + "/guest/input", "".join(event_json(*e) + "\n" for e in guest_input_events(j)).encode(), ""
        yield base + "/guest/output", "".join(event_json(*e) + "\n" for e in guest_output_events(j)).encode(), ""
    for j in done:
        base = "job/" + dothex(j.id).replace(".", "/")
        yield base + "/guest/exec/eventlog", "".join(event_json(*e) + "\n" for e in exec_eventlog(j)).encode(), ""


def restore_archive(inst, path: pathlib.Path, name: str | None = None) -> None:
    """Load a dump into a fresh instance (rc1 `flux restore` + job-manager restart)."""
    entries = read_archive(path)
    inst.content.restored((len(value) for kind, value in entries.values() if kind == "file"), _directories(entries))
    now = inst.now()
    name = name or str(path)
    inst.log(f"restoring content from {name}")
    jobs: dict[int, dict[str, tuple[str, bytes]]] = {}
    for key, val in entries.items():
        if key.startswith("job/"):
            parts = key.split("/")
            jid = parse_jobid(".".join(parts[1:5]))
            jobs.setdefault(jid, {})["/".join(parts[5:])] = val
    restored: list[Job] = []
    active: list[Job] = []
    running = 0
    for jid in sorted(jobs):
        keys = jobs[jid]
        if "eventlog" not in keys or "jobspec" not in keys:
            continue
        job = _job_from_keys(inst, jid, keys)
        if job.state == INACTIVE:
            restored.append(job)
        else:
            active.append(job)
            if job.state == RUN:
                running += 1
    inst.dmesg("job-manager", "info", f"restart: {len(restored) + len(active)} jobs", now)
    inst.dmesg("job-manager", "info", f"restart: {running} running jobs", now)
    if not _restore_queues(inst, entries.get("checkpoint/job-manager")):
        inst.dmesg("job-manager", "info", "restart: checkpoint.job-manager not found", now)
    if jobs:
        maxid = max(jobs)
        inst.note_max_id(maxid)
        inst.dmesg("job-manager", "debug", f"restart: max_jobid={f58_encode(maxid)}", now)
    inst.dmesg("broker", "info", f"rc1.0: restoring content from {name}", now)
    inst.add_inactive(restored)
    for job in active:
        inst.jobs[job.id] = job
    for job in active:
        if job.state == RUN:
            # live dump of a running job: the executor cannot reattach, so flux fails it with an exec
            # exception (restored real flux-core 0.88 does the same)
            inst.running[job.id] = job
            inst.dmesg("job-exec", "err", f"could not recover guest namespace for {job.f58u}")
            inst.dmesg("job-exec", "info",
                       f"job-exception: id={job.f58u}: failed to create guest ns: No such file or directory")
            inst.exception(job, "exec", "failed to create guest ns: No such file or directory", order_userid_first=True)
            inst.event(job, "release", {"ranks": "all", "final": True})
            inst.event(job, "free")
            inst._clean(job)  # its old allocation was never taken from this instance's nodes
            continue
        inst.pending[job.id] = job
        if job.state == DEPEND:
            for _kind, tid, _desc in job.deps_wait:
                inst._dependents.setdefault(tid, []).append(job)
        else:
            inst.event(job, "flux-restart")
            inst._set_priority(job)
    for job in active:
        if job.state == DEPEND:
            for _k, tid, _d in list(job.deps_wait):
                if tid in inst.jobs and inst.jobs[tid].state == INACTIVE:
                    inst._dep_check(inst.jobs[tid])
    inst._changed()


def _directories(keys) -> int:
    """The KVS directories holding these keys, the root included."""
    dirs = {key.rsplit("/", 1)[0] for key in keys if "/" in key}
    for d in list(dirs):
        parts = d.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return len(dirs) + 1


def _restore_queues(inst, entry: tuple[str, bytes] | None) -> bool:
    """Queue states from the job-manager's checkpoint, which only a shutdown (rc3) dump holds: a
    queue stopped then comes back stopped, its stop reason lost (03-dump-restore.txt, part B2).
    False when the archive has none (a live dump): the queues keep the state they begin with."""
    if entry is None or entry[0] != "file":
        return False
    try:
        checkpoint = json.loads(entry[1])
    except ValueError:
        return False
    for saved in checkpoint.get("queue") or []:
        queue = inst.lookup_queue(saved.get("name"))
        if queue is None:
            continue
        queue.enabled = bool(saved.get("enable", True))
        queue.disable_reason = "" if queue.enabled else str(saved.get("reason", ""))
        queue.started, queue.stop_reason = bool(saved.get("start", True)), ""
    return True


def _job_from_keys(inst, jid: int, keys: dict[str, tuple[str, bytes]]) -> Job:
    job = Job(jid)
    spec = json.loads(keys["jobspec"][1])
    job.jobspec = spec
    task = spec["tasks"][0]
    job.argv = list(task["command"])
    system = spec.get("attributes", {}).get("system", {})
    job.cwd = system.get("cwd", "/")
    job.queue = system.get("queue", "") or ""
    job.duration = float(system.get("duration", 0) or 0)
    job.name = (system.get("job") or {}).get("name") or (job.argv[0].rsplit("/", 1)[-1] if job.argv else "")
    res = spec["resources"][0]
    if res["type"] == "node":
        job.req_nodes = res["count"]
        job.exclusive = bool(res.get("exclusive"))
        slot = res["with"][0]
        cnt = task.get("count", {})
        job.ntasks = cnt.get("total", res["count"] * slot["count"])
    else:
        slot = res
        job.ntasks = slot["count"]
    job.cores_per_task = slot["with"][0]["count"]
    if "J" in keys:
        try:
            payload = keys["J"][1].decode().split(".")[1]
            full = json.loads(__import__("base64").urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            job.env = full["attributes"]["system"].get("environment", {})
        except (ValueError, KeyError, IndexError):
            pass
    if "R" in keys:
        R = json.loads(keys["R"][1])
        alloc = []
        for ent in R["execution"]["R_lite"]:
            cores = idset_decode(ent["children"]["core"])
            for r in idset_decode(ent["rank"]):
                alloc.append((r, cores))
        job.alloc = sorted(alloc)
        hosts = [h for nl in R["execution"].get("nodelist", []) for h in hostlist_decode(nl)]
        job.hostnames = (hosts if len(hosts) == len(alloc)
                         else [inst.hostnames[r] if r < inst.size else "" for r, _c in alloc])
        job.expiration = float(R["execution"].get("expiration") or 0.0)
    job.events = []
    state = DEPEND
    for line in keys["eventlog"][1].decode().splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        ts, name, ctx = e["timestamp"], e["name"], e.get("context")
        job.events.append((ts, name, ctx))
        if name == "submit":
            job.t_submit = ts
            job.userid, job.urgency = ctx.get("userid", 0), ctx.get("urgency", 16)
            job.username = "root" if job.userid == 0 else str(job.userid)
        elif name == "validate":
            job.t_depend = ts
        elif name == "dependency-add":
            desc = ctx["description"]
            job.deps.append(desc)
            kind, _e, target = desc.partition("=")
            job.deps_wait.append((kind, parse_jobid(target), desc))
        elif name == "dependency-remove":
            job.deps_wait = [d for d in job.deps_wait if d[2] != ctx["description"]]
        elif name == "depend":
            job.t_priority, state = ts, PRIORITY
        elif name == "priority":
            job.priority, job.t_sched, state = ctx["priority"], ts, SCHED
        elif name == "urgency":
            job.urgency = ctx["urgency"]
        elif name == "alloc":
            job.t_run, state = ts, RUN
        elif name == "exception" and ctx.get("severity", 0) == 0 and job.exc_type is None:
            job.exc_type, job.exc_severity, job.exc_note = ctx["type"], 0, ctx.get("note", "")
            job.t_cleanup = job.t_cleanup or ts
        elif name == "finish":
            job.waitstatus = ctx["status"]
            job.t_cleanup = job.t_cleanup or ts
        elif name == "clean":
            job.t_inactive, state = ts, INACTIVE
    job.state = state
    if state == INACTIVE:
        if job.exc_type is not None:
            job.result = {"cancel": CANCELED, "timeout": TIMEOUT}.get(job.exc_type, FAILED)
        elif job.t_run > 0 and job.waitstatus == 0:
            job.result = COMPLETED
        else:
            job.result = FAILED
    out = keys.get("guest/output")
    job.output = []
    if out and out[0] == "file":
        for line in out[1].decode().splitlines():
            if line.strip():
                e = json.loads(line)
                c = e.get("context") or {}
                if e["name"] == "data" and "data" in c:
                    job.output.append((e["timestamp"], c["stream"], int(c.get("rank", "0").split("-")[0]),
                                       c["data"].encode()))
    ex = keys.get("guest/exec/eventlog")
    job.exec_events = []
    if ex and ex[0] == "file":
        for line in ex[1].decode().splitlines():
            if line.strip():
                e = json.loads(line)
                job.exec_events.append((e["timestamp"], e["name"], e.get("context")))
    job.restarted = True
    return job


async def dump_cmd(proc, inst, args: list[str]) -> int:
    quiet = verbose = checkpoint = False
    pos = []
    for a in args:
        if a in ("-q", "--quiet"):
            quiet = True
        elif a in ("-v", "--verbose"):
            verbose = True
        elif a == "--checkpoint":
            checkpoint = True
        elif a in ("--no-cache", "--ignore-failed-read", "--sd-notify") or a.startswith("--maxreqs"):
            pass
        elif a.startswith("-") and a != "-":
            await proc.err(f"flux-dump: unrecognized option '{a}'\nTry `flux-dump --help' for more information.\n")
            return 1
        else:
            pos.append(a)
    if len(pos) != 1:
        await proc.err("Usage: flux-dump [OPTIONS] OUTFILE\nTry `flux-dump --help' for more information.\n")
        return 1
    target = pos[0]
    progress: list[str] = []

    def on_key(key: str, n: int) -> None:
        if verbose:
            progress.append(key + "\n")
        elif not quiet and (n < 10 or n % 100 == 0):
            progress.append(f"\rflux-dump: archived {n} keys")

    # Serializing a big queue takes seconds: do it off the event loop so the API server and
    # the other instances keep answering (a live dump is a snapshot, as in real Flux).
    entries, mtime = dump_entries(inst, checkpoint), inst.clock.now()
    if target == "-":
        bio = io.BytesIO()
        count = await asyncio.to_thread(write_archive, entries, bio, None, mtime, on_key)
        await proc.out(bio.getvalue())
    else:
        factory = compressor_for(target)
        if factory is None:
            await proc.err(f"flux-dump: archive_write_set_format_filter_by_ext: {target}: Unknown file extension\n")
            return 1
        hp = proc.path(target)
        try:
            with open(hp, "wb") as fh:
                count = await asyncio.to_thread(write_archive, entries, fh, factory, mtime, on_key)
        except OSError as exc:
            await proc.err(f"flux-dump: archive_write_open_filename: {target}: {exc.strerror}\n")
            return 1
    if not quiet and not verbose:
        progress.append(f"\rflux-dump: archived {count} keys\n")
    if progress:
        await proc.err("".join(progress))
    return 0
