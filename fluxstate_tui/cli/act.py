"""`fluxstate-tui cancel | hold | release | urgency | kill | queue | drain | undrain | nodes | audit`.

The actions that clear a stuck queue, headless, on the engine the TUI uses (workflows/job_actions.py,
queue_actions.py, node_actions.py; each writes the audit log). A changing command is refused under
--read-only, asks first on a terminal unless --yes, and prints one result line on stdout (or one JSON
document); a job, rank or queue flux refused is named on stderr and the exit code is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from ..flux.display import json_text, printable
from ..flux.hostlist import idset_encode
from ..flux.ids import f58_encode
from ..kube.client import KubeClient, Target
from ..kube.resources import MiniCluster, get_minicluster
from ..workflows import audit
from ..workflows.events import Refused
from ..workflows.job_actions import JobActionResult, act_on_jobs, select
from ..workflows.node_actions import NodeActionResult, drain, fetch_nodes, undrain
from ..workflows.queue_actions import QueueActionResult, queue_action
from .act_args import JOB_COMMANDS, MUTATING
from .run import run_command
from .workflow import StderrProgress, _not_busy, confirm

SHOWN = 10  # job ids named in a question


def run(args: argparse.Namespace) -> int:
    if args.command == "audit":
        return _audit(args)
    if args.command in JOB_COMMANDS and not (args.jobids or args.all_jobs or args.filter):
        every = "--all-running" if args.command == "kill" else "--all-pending"
        print(f"fluxstate-tui {args.command}: error: name the jobs to {args.command}: job ids, {every} or "
              "--filter TEXT", file=sys.stderr)
        return 2
    code, doc = run_command(_main(args), lambda message, **extra: _fail(args, message, **extra))
    if code:
        return code
    if doc is None:
        return 1
    if getattr(args, "json", False):
        print(json_text(doc))
    elif "table" in doc:
        print(doc["table"])  # every cell already made printable
    elif "result" in doc:
        print(printable(doc["result"]))
    return 0 if doc.get("ok", True) else 1


def _fail(args: argparse.Namespace, message: str, **extra: Any) -> None:
    print(f"fluxstate-tui: error: {printable(message)}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json_text({"ok": False, "error": message, **extra}))


async def _main(args: argparse.Namespace) -> dict | None:
    if args.read_only and args.command in MUTATING:
        raise Refused(f"read-only mode: {args.command} changes the cluster")
    target = Target(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace)
    async with await KubeClient.connect(target) as kube:
        mc = await get_minicluster(kube, args.name, kube.namespace)
        if args.command == "nodes":
            return _nodes(mc, await fetch_nodes(kube, mc), args.json)
        if args.command in ("queue", "drain", "undrain"):
            await _not_busy(kube, mc.namespace, mc.name)  # before asking: say at once who holds the lock
        if args.command in JOB_COMMANDS:
            return await _jobs(kube, mc, args)
        if args.command == "queue":
            where = f"queue {args.queue}" if args.queue else "every queue"
            if not confirm(f"{args.action.capitalize()} {where} of {mc.name}?", args.yes):
                return _canceled()
            queue_result = await queue_action(kube, mc, args.action, queue=args.queue, reason=args.reason,
                                              progress=StderrProgress())
            return _done(queue_result)
        ranks = sorted({r for group in args.ranks for r in group})
        if not confirm(f"{args.command.capitalize()} rank(s) {idset_encode(ranks)} of {mc.name}?", args.yes):
            return _canceled()
        if args.command == "drain":
            node_result = await drain(kube, mc, ranks, reason=args.reason, progress=StderrProgress())
        else:
            node_result = await undrain(kube, mc, ranks, progress=StderrProgress())
        for rank, why in sorted(node_result.skipped.items()):
            print(f"fluxstate-tui: rank {rank} left as it was: {printable(why)}", file=sys.stderr)
        for rank, why in sorted(node_result.failed.items()):
            print(f"fluxstate-tui: rank {rank}: {printable(why)}", file=sys.stderr)
        return _done(node_result)


def _canceled() -> dict | None:
    """The person said no: nothing was done (no result; exit code 1, as the other workflows)."""
    print("canceled", file=sys.stderr)
    return None


def _done(result: JobActionResult | QueueActionResult | NodeActionResult) -> dict:
    if result.audit_error:
        print(f"fluxstate-tui: warning: {printable(result.audit_error)}", file=sys.stderr)
    ok = getattr(result, "outcome", "ok") == "ok"
    return {"ok": ok, **result.to_json(), "result": result.summary()}


async def _jobs(kube: KubeClient, mc: MiniCluster, args: argparse.Namespace) -> dict | None:
    action = args.command
    chosen = await select(kube, mc, action, ids=args.jobids, all_jobs=args.all_jobs, text=args.filter,
                          with_dependents=getattr(args, "with_dependents", False))
    if not chosen.ids:
        text = f"no job of {mc.name} to {action}" + (f" ({chosen.described})" if chosen.described else "")
        print(text, file=sys.stderr)
        return {"ok": True, "action": action, "minicluster": mc.name, "namespace": mc.namespace,
                "succeeded": [], "failed": {}, "result": text}
    shown = ", ".join(f58_encode(i) for i in chosen.ids[:SHOWN])
    more = f" and {len(chosen.ids) - SHOWN} more" if len(chosen.ids) > SHOWN else ""
    n = len(chosen.ids)
    what = (f"Set the urgency of {n} job(s) to {args.value}" if action == "urgency" else
            f"Send {args.signal} to {n} job(s)" if action == "kill" else f"{action.capitalize()} {n} job(s)")
    if not confirm(f"{what} of {mc.name} ({shown}{more})?", args.yes):
        return _canceled()
    result = await act_on_jobs(kube, mc, action, chosen.ids, urgency=getattr(args, "value", None),
                               signal=getattr(args, "signal", "SIGTERM"), reason=getattr(args, "reason", None),
                               progress=StderrProgress(), described=chosen.described)
    for jid, why in result.failed.items():
        print(f"fluxstate-tui: {f58_encode(jid)}: {printable(why)}", file=sys.stderr)
    return _done(result)


def _nodes(mc: MiniCluster, view, as_json: bool) -> dict:
    if as_json:
        return {"namespace": mc.namespace, "minicluster": mc.name, "nodes": [r.to_json() for r in view.rows],
                "errors": view.errors}
    table = [["RANK", "HOST", "STATE", "CORES", "JOBS", "DRAINED"]]
    for r in view.rows:
        cores = f"{r.cores_used}/{r.cores_total if r.cores_total is not None else '?'}" + ("" if r.cores_exact else "~")
        jobs = " ".join(f58_encode(j) for j in r.jobs[:4]) + (f" +{len(r.jobs) - 4}" if len(r.jobs) > 4 else "")
        drained = ""
        if r.drain_reason is not None:
            when = time.strftime("%b %d %H:%M", time.localtime(r.drained_at)) if r.drained_at else ""
            drained = f"{when} {r.drain_reason or '(no reason)'}".strip()
        table.append([str(r.rank), r.hostname, r.state, cores, jobs or "-", drained])
    table = [[printable(c) for c in row] for row in table]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    text = "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table)
    for name, why in view.errors.items():
        print(f"fluxstate-tui: warning: {name}: {printable(why)}", file=sys.stderr)
    return {"table": text}


def _audit(args: argparse.Namespace) -> int:
    try:
        log = audit.read(since=args.since)
    except OSError as exc:
        print(f"fluxstate-tui: error: cannot read the audit log {audit.audit_path()}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    if log.damaged:
        print(f"fluxstate-tui: warning: {log.damaged} damaged line(s) in {log.path} skipped", file=sys.stderr)
    if args.json:
        print(json_text({"path": str(log.path), "damaged": log.damaged, "entries": log.entries}))
        return 0
    if not log.entries:
        print(f"no audit entries{' in that time' if args.since is not None else ''} ({log.path})", file=sys.stderr)
        return 0
    for e in log.entries:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e["time"]))
        where = f"{e.get('context', '')} {e.get('namespace', '')}/{e.get('minicluster', '')}"
        detail = e.get("error") or _short(e.get("result"))
        print(printable(f"{when}  {e.get('user', '?')}  {where}  {e.get('action', '?')}  {e.get('outcome', '?')}"
                        f"  {_short(e.get('arguments'))}  {detail}"))
    return 0


def _short(value: Any, limit: int = 160) -> str:
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if v not in (None, "", [], {})}
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) if value else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
