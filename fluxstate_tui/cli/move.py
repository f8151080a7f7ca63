"""`fluxstate-tui move NAME --to [CONTEXT/]NAMESPACE/NEWNAME`: the queue to another MiniCluster,
namespace or cluster (workflows/move.py). Progress on stderr, the result on stdout, as the other
workflows (cli/workflow.py)."""

from __future__ import annotations

import argparse
import json
import sys

from ..kube.client import KubeClient, Target
from ..kube.errors import NotFound
from ..kube.resources import get_minicluster
from ..workflows.events import Refused
from ..workflows.move import Destination, move
from .move_args import To
from .run import print_error, run_command
from .workflow import StderrProgress, confirm


def run(args: argparse.Namespace) -> int:
    def fail(message: str, **_extra) -> None:
        print_error(message)
        if args.json:
            print(json.dumps({"ok": False, "error": message}))

    code, result = run_command(_main(args), fail, interrupted="interrupted; run the same command again to continue")
    if code or result is None:
        return code or 1
    if "usage" in result:  # known only once the source's namespace is (the context's default)
        print(f"fluxstate-tui move: error: {result['usage']}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else result["result"])
    return 0


async def _main(args: argparse.Namespace) -> dict | None:
    if args.read_only:
        raise Refused("read-only mode: move changes the cluster")
    to: To = args.to
    source = Target(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace)
    async with await KubeClient.connect(source) as kube:
        same_context = to.context is None or to.context == kube.context
        if same_context and (to.namespace, to.name) == (kube.namespace, args.name):
            return {"usage": f"--to {to.namespace}/{to.name} is {args.name} itself: give another name, namespace "
                             "or context"}
        there = kube if same_context else await KubeClient.connect(
            Target(kubeconfig=args.kubeconfig, context=to.context, namespace=to.namespace))
        try:
            return await _move(kube, Destination(there, to.namespace, to.name), args)
        finally:
            if there is not kube:
                await there.close()


async def _move(kube: KubeClient, to: Destination, args: argparse.Namespace) -> dict | None:
    try:
        mc = await get_minicluster(kube, args.name, kube.namespace)
    except NotFound:
        mc = None  # deleted by a move that was killed after it verified the destination: the journal finishes it
    what = f"Move {args.name} to {to}" + (f" at size {args.size}" if args.size else "")
    if mc is not None:
        what += (f" (its queue is paused and dumped to {mc.archive_path}, the archive copied there and {to.name} "
                 "created from its spec" + (f"; then {args.name} is deleted" if args.delete_source else "") + ")")
    if not confirm(what + "?", args.yes):
        print("canceled", file=sys.stderr)
        return None
    result = await move(kube, mc, to=to, name=args.name, namespace=kube.namespace, size=args.size,
                        assets=tuple(args.assets), delete_source=args.delete_source, progress=StderrProgress(),
                        pause_timeout=args.timeout, cancel_running=args.cancel_running, max_size=args.max_size,
                        force=args.force)
    return {"ok": True, "workflow": "move", "minicluster": args.name, "namespace": kube.namespace,
            "to": str(to), "size": args.size or (mc.size if mc else None), "result": result}
