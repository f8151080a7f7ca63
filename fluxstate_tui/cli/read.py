"""`fluxstate-tui ls | jobs | status`: the read-only commands, printing text or one JSON document.

Text output shows cluster strings through `printable` (a job named `$'\\e]2;x\\a'` must not
retitle the terminal); JSON keeps the true strings, escaped by `json_text`.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..flux import table
from ..flux.display import json_text, printable
from ..flux.model import Resources
from ..flux.nodes import NodeStatus
from ..flux.snapshot import UNREADABLE
from ..flux.why import summary
from ..kube.client import KubeClient, Target
from ..kube.protection import guard_status, guard_text
from ..readmodel import Listing, Summary, job_json, listing, overview, pending_listing, stream_jobs
from .jobs_json import JobsDocument
from .pipes import binary_stdout, quiet_when_stdout_closes
from .run import print_error, run_command


@quiet_when_stdout_closes
def run(args: argparse.Namespace) -> int:
    code, result = run_command(_main(args))
    return result if code == 0 else code


async def _main(args: argparse.Namespace) -> int:
    target = Target(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace,
                    all_namespaces=getattr(args, "all_namespaces", False))
    async with await KubeClient.connect(target) as kube:
        if args.command == "ls":
            return _ls(await overview(kube, None if target.all_namespaces else kube.namespace), args.json)
        if args.command == "jobs" and args.json:
            return await _jobs_json(kube, args.name, kube.namespace, args.count)
        if args.command == "jobs":
            return _jobs(await listing(kube, args.name, kube.namespace, count=args.count))
        return _status(await pending_listing(kube, args.name, kube.namespace), args.json)


def _print_json(doc: Any) -> None:
    print(json_text(doc, indent=2))


def _warn(text: str) -> None:
    print(f"warning: {printable(text)}", file=sys.stderr)


def _columns(rows: list[list[str]]) -> str:
    rows = [[printable(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows) + "\n"


def _ls(summaries: list[Summary], as_json: bool) -> int:
    if as_json:
        _print_json({"miniclusters": [s.to_json() for s in summaries]})
        return 0
    if not summaries:
        print("no MiniClusters found", file=sys.stderr)
        return 0
    rows = [["NAMESPACE", "NAME", "SIZE", "PODS", "BROKER", "QUEUE", "RUN", "PEND", "DONE", "ARCHIVE"]]
    guarded = any(guard_status(s.mc) for s in summaries)  # the column shows only where a guard is in use
    if guarded:
        rows[0].append("GUARD")
    for s in summaries:
        counts = s.counts()
        archive = s.mc.archive_path or "-"
        if s.mc.archive_path and s.snapshot and s.snapshot.archive is not None:
            archive += " (present)" if s.snapshot.archive["exists"] else " (none yet)"
        rows.append([
            s.mc.namespace, s.mc.name, f"{s.mc.size}/{s.mc.scale_limit}",
            f"{s.ready_pods}/{len([p for p in s.pods if not p.deleting])}", s.broker or "-",
            s.queue_text() if s.snapshot else (s.error or "-"),
            *([str(c) for c in counts] if counts else ["-", "-", "-"]), archive,
        ] + ([guard_text(s.mc)] if guarded else []))
    sys.stdout.write(_columns(rows))
    return 0


async def _jobs_json(kube: KubeClient, name: str, namespace: str, count: int) -> int:
    """Written as the listing arrives (cli/jobs_json.py): 100,000 jobs are never held, as text or as jobs."""
    doc = JobsDocument(binary_stdout())
    tail = await stream_jobs(kube, name, namespace, count=count, begin=doc.begin, rows=doc.rows)
    doc.end(tail)
    return _jobs_end(tail.head.broker, tail.rows, tail.total, tail.truncated, tail.errors)


def _jobs(result: Listing) -> int:
    snap = result.snapshot
    now = snap.remote_now or time.time()
    named = any(j.queue for j in result.jobs)
    sys.stdout.write(table.render(result.jobs, now, queue=named))
    return _jobs_end(result.broker, len(result.jobs), snap.total_jobs, result.truncated, snap.errors)


def _jobs_end(broker: str, shown: int, total: int, truncated: bool, errors: dict[str, str]) -> int:
    """The warnings after the jobs; 1 if flux jobs failed part way (the jobs before that were printed)."""
    if truncated:
        _warn(f"showing {shown} of {total} jobs; use --count 0 for all")
    for name, text in errors.items():
        if name != "jobs":
            _warn(text if name == UNREADABLE else f"{name}: {text}")
    if "jobs" in errors:
        # The output may look whole (the JSON document is closed, with the error in "errors"): the exit
        # code and this line say it is not.
        print_error(f"flux jobs failed in {broker} after {shown} job{'' if shown == 1 else 's'}: "
                    f"{printable(errors['jobs'])}")
        return 1
    return 0


def _resources_text(r: Resources, nodes: NodeStatus | None) -> str:
    why = nodes.counts_text() if nodes is not None else ""
    if why:
        nodes_off, cores_off = f", {why}", f", {r.cores_down} unavailable"
    elif nodes is not None and not r.nodes_down:
        nodes_off = cores_off = ""
    else:  # why nodes are not up is unknown: flux resource list's word for all of them
        nodes_off, cores_off = f", {r.nodes_down} down", f", {r.cores_down} down"
    return (f"nodes {r.nodes_total}: {r.nodes_idle} idle, {r.nodes_allocated} in use{nodes_off};  "
            f"cores {r.cores_total}: {r.cores_free} free, {r.cores_allocated} allocated{cores_off}")


def _nodes_lines(nodes: NodeStatus) -> list[str]:
    out = [f"{'drained':<10} {g.describe()} (flux resource undrain {g.ranks})" for g in nodes.drained]
    out += [f"{'offline':<10} {g.describe()}" for g in nodes.offline]
    out += [f"{'down':<10} {g.describe()}" for g in nodes.other]
    return out


def _status(result: Listing, as_json: bool) -> int:
    snap = result.snapshot
    pending = [j for j in result.jobs if j.pending]
    if as_json:
        r, s, u, q, n = snap.resources, snap.stats, snap.uptime, snap.queue, snap.nodes
        _print_json({
            "namespace": result.mc.namespace, "minicluster": result.mc.name, "broker": result.broker,
            "size": result.mc.size, "maxSize": result.mc.max_size, "version": snap.version,
            "uptime": None if u is None else {"state": u.state, "uptime": u.uptime, "size": u.size,
                                              "drained": u.drained, "offline": u.offline},
            "queues": None if q is None else [
                {"name": x.name, "enabled": x.enabled, "disableReason": x.disable_reason,
                 "started": x.started, "stopReason": x.stop_reason} for x in q.queues],
            "alloc": None if q is None else {"queued": q.alloc_queued, "pendingToScheduler": q.alloc_pending,
                                             "running": q.running},
            "resources": None if r is None else {
                "nodes": {"total": r.nodes_total, "idle": r.nodes_idle, "allocated": r.nodes_allocated,
                          "down": r.nodes_down, "drained": None if n is None else n.nodes_drained,
                          "offline": None if n is None else n.nodes_offline},
                "cores": {"total": r.cores_total, "free": r.cores_free, "allocated": r.cores_allocated,
                          "down": r.cores_down}},
            "nodeStates": None if n is None else [g.to_json() for g in n.groups if g.nnodes],
            "stats": None if s is None else {"running": s.running, "pending": s.pending, "completed": s.completed,
                                             "failed": s.failed, "inactivePurged": s.inactive_purged},
            "pending": [{"id": j.id, "jobid": job_json(j)["jobid"], "name": j.name,
                         "reason": summary(result.reasons.get(j.id, [])),
                         "reasons": [x.to_json() for x in result.reasons.get(j.id, [])]}
                        for j in pending],
            "errors": snap.errors,
        })
        return 0
    out = [f"MiniCluster {result.mc.namespace}/{result.mc.name}  size {result.mc.size} (max {result.mc.scale_limit})"
           f"  broker {result.broker}" + (f"  flux-core {snap.version}" if snap.version else "")]
    if snap.uptime:
        u = snap.uptime
        extra = "".join(f", {n} {w}" for n, w in ((u.drained, "drained"), (u.offline, "offline")) if n)
        out.append(f"uptime     {u.state} {u.uptime}, size {u.size}{extra}")
    if snap.queue:
        for x in snap.queue.queues:
            label = f"queue {x.name}" if x.name else "queue"
            sub = "submission enabled" if x.enabled else f"submission disabled: {x.disable_reason}"
            stopped = "scheduling stopped" + (f": {x.stop_reason}" if x.stop_reason else "")
            sched = "scheduling started" if x.started else stopped
            out.append(f"{label:<10} {sub}; {sched}")
        q = snap.queue
        if q.alloc_queued is not None:
            out.append(f"{'':<10} {q.alloc_queued} alloc requests queued, {q.alloc_pending} pending to scheduler, "
                       f"{q.running} running jobs")
    if snap.resources:
        out.append(f"resources  {_resources_text(snap.resources, snap.nodes)}")
    if snap.nodes:
        out += _nodes_lines(snap.nodes)
    if snap.stats:
        s = snap.stats
        out.append(f"jobs       {s.running} running, {s.pending} pending, {s.completed} completed, {s.failed} failed")
    out += [f"warning    {problem}" for problem in snap.problems()]
    if pending:
        out.append("pending")
        width = max(len(table.cells(j, 0)[0]) for j in pending)
        for j in pending:
            # Every reason, the first to fix first; the others under it, in the same column.
            reasons = result.reasons.get(j.id) or []
            out.append(f"  {table.cells(j, 0)[0]:>{width}} {printable(j.name)[:16]:<16} {summary(reasons)}")
            out += [f"  {'':>{width}} {'':<16} {x.text}" for x in reasons[1:]]
    # Each entry is one line: a newline or escape in a queue, drain reason or job name is shown escaped.
    print("\n".join(printable(line) for line in out))
    return 0
