"""`fluxstate-tui guard [-n NS | -A]`, `guard --release NAME` and `protect NAME [--off]`.

`guard` runs the controller (fluxstate_tui/guard/) in the foreground until SIGINT or SIGTERM, logging
one line per step to stderr; `protect` switches a MiniCluster's protection on or off; `guard --release`
lets a deleted MiniCluster go without a dump, after the person types its name (or `--yes`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from ..kube.client import KubeClient, Target
from ..kube.resources import get_minicluster
from ..workflows.guard_dump import IDLE_TIMEOUT
from ..workflows.protect import guard_status, read_record, release, set_protected
from . import validate
from .run import run_command

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


def usage_problem(args: argparse.Namespace) -> str | None:
    """Flags that do not go together: one line, exit 2."""
    if args.command != "guard":
        return None
    running = [flag for flag, given in (("-A", args.all_namespaces), ("--liveness", args.liveness),
                                        ("--idle-timeout", args.idle_timeout != IDLE_TIMEOUT),
                                        ("--keep", args.keep != 3), ("--verbose", args.verbose)) if given]
    if args.release and running:
        return f"{', '.join(running)}: for running the guard, not for --release"
    releasing = [flag for flag, given in (("--reason", args.reason), ("--yes", args.yes), ("--json", args.json))
                 if given]
    if not args.release and releasing:
        return f"{', '.join(releasing)}: only with --release NAME"
    if args.release and args.namespace is None and args.all_namespaces:
        return "--release names one MiniCluster: give its namespace with -n, not -A"
    return None


def run(args: argparse.Namespace) -> int:
    problem = usage_problem(args)
    if problem:
        print(f"fluxstate-tui {args.command}: error: {problem}", file=sys.stderr)
        return 2
    if args.command == "guard" and not args.release:
        return _run_guard(args)
    if args.command == "guard" and not args.yes and not sys.stdin.isatty():
        print(f"fluxstate-tui guard: error: --release {args.release} loses its queue: there is no terminal to type "
              "its name on, so pass --yes", file=sys.stderr)
        return 2
    code, result = run_command(_change(args))
    if code or result is None:
        return code or 1
    print(json.dumps({"ok": True, **result}) if args.json else result["result"])
    return 0


async def _change(args: argparse.Namespace) -> dict | None:
    target = Target(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace)
    async with await KubeClient.connect(target) as kube:
        name = args.name if args.command == "protect" else args.release
        mc = await get_minicluster(kube, name, kube.namespace)
        if args.command == "protect":
            text = await set_protected(kube, mc, not args.off)
            return {"minicluster": mc.name, "namespace": mc.namespace, "protected": not args.off, "result": text}
        last = read_record(mc.raw) or {}
        if not args.yes:
            lost = f" (its last dump failed: {last['reason']})" if last.get("reason") else ""
            typed = input(f"Release {mc.name} without a dump? Its queue is lost{lost}. "
                          f"Type its name to go on: ").strip()
            if typed != mc.name:
                print("canceled: the name did not match", file=sys.stderr)
                return None
        text = await release(kube, mc, reason=args.reason or "")
        return {"minicluster": mc.name, "namespace": mc.namespace, "released": True, "result": text,
                "guard": guard_status(mc)}


def _run_guard(args: argparse.Namespace) -> int:
    # kopf loads only for the guard itself (about 0.6 s): start-up speed of every other command.
    from ..guard.operator import GuardOptions, configure_logging, run as run_operator  # noqa: I001

    target = Target(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace)

    async def where() -> str:
        async with await KubeClient.connect(target) as kube:  # a bad kubeconfig or context: one line, exit 1
            return kube.namespace

    code, namespace = run_command(where())
    if code:
        return code
    configure_logging(args.verbose)
    scope = "every namespace" if args.all_namespaces else f"namespace {namespace}"
    print(f"guard: protecting MiniClusters annotated fluxstate-tui/protect=true in {scope}", file=sys.stderr,
          flush=True)
    options = GuardOptions(target, all_namespaces=args.all_namespaces, idle_timeout=args.idle_timeout,
                           keep=args.keep, liveness=args.liveness)
    try:
        asyncio.run(run_operator(options, namespace))
    except KeyboardInterrupt:
        return 130
    return 0
