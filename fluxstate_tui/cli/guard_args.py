"""The parsers of guard and protect, apart from guard.py so that the other commands never import kopf's
side of the project: start-up speed."""

from __future__ import annotations

import argparse

from ..limits import IDLE_TIMEOUT
from . import validate

COMMANDS = ("guard", "protect")


def add_parsers(sub, client_flags) -> None:
    p = sub.add_parser("guard", parents=[client_flags], help="dump protected MiniClusters before any delete",
                       description="Run the guard: every MiniCluster annotated fluxstate-tui/protect=true gets the "
                                   "finalizer fluxstate-tui/guard; when one is deleted (by anyone, with any tool) "
                                   "its queue is stopped, waited for, dumped and verified before the finalizer "
                                   "is removed. A failed dump keeps the MiniCluster and says why. "
                                   "With --release NAME: let a deleted MiniCluster go without a dump.")
    p.add_argument("-A", "--all-namespaces", dest="after_all_namespaces", action="store_true",
                   default=argparse.SUPPRESS, help="guard MiniClusters in every namespace")
    p.add_argument("--idle-timeout", type=validate.seconds(what="a number of seconds"), default=IDLE_TIMEOUT,
                   metavar="S", help=f"seconds to wait for running jobs before canceling them (default "
                                     f"{IDLE_TIMEOUT:g}); they are named in the record")
    p.add_argument("--keep", type=validate.positive, default=3, help="previous archive versions to keep (default 3)")
    p.add_argument("--liveness", type=validate.nonempty("liveness endpoint"), metavar="URL",
                   help="serve a health check, e.g. http://0.0.0.0:8080/healthz (for a Deployment's probe)")
    p.add_argument("-v", "--verbose", action="store_true", help="log kopf's own debug lines too")
    p.add_argument("--release", type=validate.dns_label("MiniCluster name"), metavar="NAME",
                   help="let the deleted MiniCluster NAME go without a dump (its queue is lost)")
    p.add_argument("--reason", type=validate.nonempty("reason"), help="with --release: why (recorded)")
    p.add_argument("-y", "--yes", action="store_true", help="with --release: do not ask for the name")
    p.add_argument("--json", action="store_true", help="with --release: print the result as one JSON document")
    p = sub.add_parser("protect", parents=[client_flags], help="protect a MiniCluster's queue against deletes",
                       description="Annotate the MiniCluster fluxstate-tui/protect=true and add the guard's "
                                   "finalizer: a delete then waits until a guard has dumped its queue. "
                                   "--off removes both.")
    p.add_argument("name", type=validate.dns_label("MiniCluster name"), help="MiniCluster name")
    p.add_argument("--off", action="store_true", help="stop protecting it (a delete removes it at once)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON document")
