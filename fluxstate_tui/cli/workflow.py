"""`fluxstate-tui pause | resume | dump | recreate | scale | archive`: the state workflows, headless.

Progress goes to stderr (lines; a live line on a terminal); the result is one line on stdout, or
one JSON document with --json. A command that changes the cluster asks first on a terminal,
unless --yes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..kube.client import KubeClient, Target
from ..kube.errors import KubeError
from ..kube.lease import current_holder
from ..kube.resources import MiniCluster, get_minicluster
from ..workflows import (
    DrainTimeout,
    Event,
    OnRunning,
    Refused,
    RunningJobsInTheWay,
    archive_delete,
    archive_info,
    archive_rename,
    dump,
    jobs_on_removed_ranks,
    pause,
    recreate,
    resume,
    scale,
)
from ..workflows.locking import Busy
from ..workflows.restore import restore
from ..workflows.scaling import job_list, refusal, removed_ranks_text
from .run import run_command

MUTATING = {"pause", "resume", "dump", "recreate", "scale", "archive-delete", "archive-rename"}


class StderrProgress:
    """Step lines on stderr; on a terminal the current step's progress rewrites one line."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.steps: list[str] = []
        self.started = time.monotonic()
        self._live = False

    def _clear(self) -> None:
        if self._live:
            sys.stderr.write("\r\033[K")
            self._live = False

    def __call__(self, event: Event) -> None:
        elapsed = time.monotonic() - self.started
        if event.kind == "plan":
            self.steps = event.steps
            return
        if event.kind == "progress":
            if self.tty:
                self._clear()
                bar = ""
                if event.fraction is not None:
                    filled = int(20 * event.fraction)
                    bar = "[" + "#" * filled + "." * (20 - filled) + "] "
                sys.stderr.write(f"  {bar}{event.message} ({elapsed:.0f}s)")
                sys.stderr.flush()
                self._live = True
            return
        self._clear()
        if event.kind == "step":
            where = f"[{self.steps.index(event.step) + 1}/{len(self.steps)}] " if event.step in self.steps else ""
            print(f"{where}{event.message} …", file=sys.stderr, flush=True)
        elif event.kind == "step-done" and event.step in self.steps and event.message and event.message != event.step:
            print(f"    {event.message}", file=sys.stderr, flush=True)
        elif event.kind == "log":
            print(f"    {event.message}", file=sys.stderr, flush=True)


def confirm(question: str, assume_yes: bool) -> bool:
    """Ask on a terminal; scripts (no terminal) and --yes go ahead."""
    if assume_yes or not sys.stdin.isatty():
        return True
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    details: dict = {}  # what a failure's JSON carries besides the message (the jobs in the way of a scale)
    code, result = run_command(_main(args, details), lambda message, **extra: _fail(args, message, **extra, **details),
                               interrupted="interrupted; run the same command again to continue")
    if code:
        return code
    if result is None:
        return 1
    if getattr(args, "json", False):
        print(json.dumps(result))
    else:
        print(result["result"])
    return 0


def _fail(args: argparse.Namespace, message: str, **extra) -> None:
    print(f"fluxstate-tui: error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": message, **extra}))


async def _main(args: argparse.Namespace, details: dict) -> dict | None:
    command = args.command
    if command == "archive":
        command = "archive-delete" if args.delete else "archive-rename" if args.rename else "archive"
    if getattr(args, "read_only", False) and command in MUTATING:
        raise Refused(f"read-only mode: {command.replace('-', ' ')} changes the cluster")
    size = getattr(args, "size", None)
    if size is not None and size < 1:
        raise Refused(f"size must be a whole number of at least 1, not {size}")
    target = Target(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace)
    progress = StderrProgress()
    async with await KubeClient.connect(target) as kube:
        ns = kube.namespace
        if command in MUTATING:
            await _not_busy(kube, ns, args.name)  # before asking: a question that must then be refused helps no one
        if command == "recreate" and args.from_manifest:
            return await _restore(kube, args, size)
        if command == "recreate":
            try:
                mc = await get_minicluster(kube, args.name, ns)
            except KubeError:
                mc = None  # deleted by a half-finished recreate: the journal brings it back
            what = f"Recreate {args.name} at size {size}" if size else f"Finish recreating {args.name}"
            if mc is not None:
                what += (f" (now {mc.size}; its queue is paused, dumped to {mc.archive_path}, "
                         "the MiniCluster deleted and created again)")
            if not confirm(what + "?", args.yes):
                print("canceled", file=sys.stderr)
                return None
            result = await recreate(kube, mc, size=size, name=args.name, namespace=ns, progress=progress,
                                    max_size=args.max_size, force=args.force,
                                    pause_timeout=args.timeout, cancel_running=args.cancel_running,
                                    assets=tuple(args.assets))
            return {"ok": True, "workflow": "recreate", "minicluster": args.name, "namespace": ns, "size": size,
                    "result": result}
        mc = await get_minicluster(kube, args.name, ns)
        if command == "archive":
            info = await archive_info(kube, mc)
            return {"ok": True, "workflow": "archive", "minicluster": mc.name, "namespace": ns,
                    "archive": info.to_json(), "result": _archive_text(mc.name, info)}
        if command == "scale":
            return await _scale(kube, mc, args, progress, details)
        questions = {
            "pause": f"Stop the queue of {mc.name} and wait for its running jobs?",
            "resume": f"Start the queue of {mc.name}?",
            "dump": f"Dump the queue of {mc.name} to {mc.archive_path}?",
            "archive-delete": f"Delete the archive {mc.archive_path} of {mc.name}?",
            "archive-rename": f"Rename the archive {mc.archive_path} of {mc.name} to {getattr(args, 'rename', '')}?",
        }
        if not confirm(questions[command], args.yes):
            print("canceled", file=sys.stderr)
            return None
        if command == "pause":
            result = await pause(kube, mc, timeout=args.timeout, cancel_running=args.cancel_running, progress=progress)
        elif command == "resume":
            result = await resume(kube, mc, progress=progress)
        elif command == "dump":
            result = await dump(kube, mc, keep=args.keep, assets=tuple(args.assets), progress=progress)
        elif command == "archive-delete":
            result = await archive_delete(kube, mc)
        else:
            result = await archive_rename(kube, mc, args.rename)
        return {"ok": True, "workflow": command, "minicluster": mc.name, "namespace": ns, "result": result}


async def _not_busy(kube: KubeClient, namespace: str, name: str) -> None:
    """Refuse at once, naming the holder, when another workflow holds the MiniCluster's lock. Only a hint
    for the question: the workflow itself takes the lock race-free (workflows/locking.py)."""
    try:
        holder = await current_holder(kube, namespace, name)
    except KubeError:
        return  # no right to read leases, say: the workflow's own access check will say so
    if holder is not None:
        raise Busy(holder.describe(name), holder)


async def _restore(kube: KubeClient, args: argparse.Namespace, size: int | None) -> dict | None:
    """recreate NAME --from-manifest FILE: bring back a MiniCluster a recreate deleted."""
    if args.assets:
        raise Refused("--assets does not go with --from-manifest: the assets archive beside the queue archive is "
                      "not unpacked by a restore")
    question = (f"Create {args.name} from {args.from_manifest}" + (f" at size {size}" if size else "")
                + " and wait until its broker has loaded the archive?")
    if not confirm(question, args.yes):
        print("canceled", file=sys.stderr)
        return None
    result = await restore(kube, name=args.name, namespace=kube.namespace, source=Path(args.from_manifest),
                           size=size, progress=StderrProgress(), max_size=args.max_size)
    return {"ok": True, "workflow": "recreate", "from_manifest": args.from_manifest, "minicluster": args.name,
            "namespace": kube.namespace, "size": size, "result": result}


async def _scale(kube: KubeClient, mc: MiniCluster, args: argparse.Namespace, progress: StderrProgress,
                 details: dict) -> dict | None:
    """Name the jobs a scale-down would kill in the question (or the refusal), then scale."""
    size = args.size
    on_running: OnRunning = "drain" if args.drain_first else "cancel" if args.cancel_running else "refuse"
    jobs = await jobs_on_removed_ranks(kube, mc, size)
    details["jobs"] = [j.to_json() for j in jobs]
    question = f"Scale {mc.name} from {mc.size} to {size}?"
    if jobs and on_running == "cancel":
        question = (f"Scale {mc.name} from {mc.size} to {size}, canceling {len(jobs)} running job(s) on the ranks "
                    f"that go away: {job_list(jobs)}?")
    elif jobs and on_running == "drain":
        question = (f"Scale {mc.name} from {mc.size} to {size} once {len(jobs)} running job(s) on the ranks that go "
                    f"away have ended (no new job starts there meanwhile): {job_list(jobs)}?")
    if jobs and on_running == "refuse":
        raise refusal(mc, size, removed_ranks_text(mc, size), jobs)  # nothing to ask
    if not confirm(question, args.yes):
        print("canceled", file=sys.stderr)
        return None
    try:
        result = await scale(kube, mc, size=size, on_running=on_running, timeout=args.timeout,
                             confirmed=jobs if on_running == "cancel" else None, progress=progress)
    except (RunningJobsInTheWay, DrainTimeout) as exc:
        details["jobs"] = [j.to_json() for j in exc.jobs]
        raise
    return {"ok": True, "workflow": "scale", "minicluster": mc.name, "namespace": kube.namespace, "size": size,
            "on_running": on_running, "jobs": details["jobs"], "result": result}


def _archive_text(name: str, info) -> str:
    if info.path is None:
        return f"{name} has no spec.archive.path"
    if not info.exists:
        text = f"{info.path}: no archive yet (a new broker of {name} starts with an empty queue)"
    else:
        age = time.time() - (info.mtime or time.time())
        text = (f"{info.path}: {info.size} bytes, {info.jobs} job(s), written {age / 60:.0f} min ago — "
                f"a new broker of {name} will load it at start")
        if info.readable is False:
            text = (f"{info.path}: {info.size} bytes, NOT an archive (tar cannot list it) — a new broker of {name} "
                    "would fail to load it; dump again or delete it")
    if info.versions:
        text += f"; older versions: {', '.join(info.versions)}"
    return text


