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
from ..limits import IDLE_TIMEOUT
from ..workflows.protect import guard_status, read_record, release, set_protected
from .run import run_command


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
