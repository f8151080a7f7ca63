"""The parser of move and its --to, apart from move.py so that the other commands never import the
move workflow: start-up speed."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from ..limits import MAX_SIZE
from . import validate

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
