"""`fluxstate-tui move NAME --to [CONTEXT/]NAMESPACE/NEWNAME`: the queue to another MiniCluster,
namespace or cluster (workflows/move.py). Progress on stderr, the result on stdout, as the other
workflows (cli/workflow.py)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

from ..kube.client import KubeClient, Target
from ..kube.errors import NotFound
from ..kube.resources import get_minicluster
from ..limits import MAX_SIZE
from ..workflows.events import Refused
from ..workflows.move import Destination, move
from . import validate
from .run import print_error, run_command
from .workflow import StderrProgress, confirm

COMMANDS = ("move",)


@dataclass(frozen=True)
class To:
    context: str | None
    namespace: str
    name: str


def destination(text: str) -> To:
    """[CONTEXT/]NAMESPACE/NEWNAME; a context name may itself hold '/' (EKS ARNs do), the last two parts
    never do."""
    parts = text.rsplit("/", 2)
    if len(parts) < 2 or not all(parts):
        raise argparse.ArgumentTypeError(f"not [CONTEXT/]NAMESPACE/NEWNAME: {text!r}")
    context = parts[0] if len(parts) == 3 else None
    namespace = validate.dns_label("namespace")(parts[-2])
    name = validate.dns_label("MiniCluster name")(parts[-1])
    return To(context, namespace, name)


def add_parser(sub, client_flags) -> None:
    p = sub.add_parser("move", parents=[client_flags], help="move the queue to another MiniCluster, namespace or "
                       "cluster", description="Pause and dump NAME, copy its archive (and assets) through the "
                       "Kubernetes API into the destination's archive volume, create the destination from NAME's "
                       "spec so its broker restores the archive, verify every job id there; with --delete-source, "
                       "then delete NAME. Run it again after a crash: it continues from its journal.")
    p.add_argument("name", type=validate.dns_label("MiniCluster name"), help="the source MiniCluster")
    p.add_argument("--to", type=destination, required=True, metavar="[CONTEXT/]NAMESPACE/NEWNAME",
                   help="where to: a context of the same kubeconfig (default: the source's), a namespace, a name")
    p.add_argument("--size", type=validate.size, help="the destination's size (default: the source's)")
    p.add_argument("--max-size", type=validate.size, default=MAX_SIZE, metavar="N",
                   help=f"refuse a --size above N (default {MAX_SIZE})")
    p.add_argument("--force", action="store_true", help="even at a size the destination's nodes cannot host")
    p.add_argument("--assets", action="append", default=[], metavar="PATH",
                   help="carry this path of the source's broker pod to the destination's, checksums verified "
                        "(repeatable; added to the MiniCluster's fluxstate-tui/assets annotation)")
    p.add_argument("--delete-source", action="store_true",
                   help="delete the source once every job id is verified at the destination")
    p.add_argument("--timeout", type=validate.seconds(what="a number of seconds"), default=600,
                   help="seconds to wait for running jobs (default 600)")
    p.add_argument("--cancel-running", action="store_true", help="cancel jobs still running at the timeout")
    p.add_argument("--json", action="store_true", help="print the result as one JSON document")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


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
