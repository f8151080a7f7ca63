"""Command line entry point: `fluxstate-tui <command> ...`."""

from __future__ import annotations

import argparse
import gc
import shlex
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from ..heap import fix_mmap_threshold
from . import act_args, guard_args, move_args, serve, submit_args, validate, workflow_args

if TYPE_CHECKING:
    from ..demo.embedded import DemoProcess


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line and exit code 2, never a traceback."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message}")


# Flags that may come before the command or after it (kubectl users write both). argparse lets a
# subcommand's defaults overwrite what was parsed before it, so after the command they land in
# `after_<dest>` (absent unless given) and merge_flags() joins the two positions.
CLIENT_FLAGS = ("kubeconfig", "context", "namespace")
# Flags of the TUI alone: given with a command they would do nothing, so they are refused.
TUI_ONLY = {"refresh": "--refresh", "jobs": "--jobs", "demo": "--demo", "demo_seed_jobs": "--demo-seed-jobs",
            "demo_cores_per_node": "--demo-cores-per-node", "load": "--load", "demo_speed": "--speed"}
# Flags that shape the demo cluster: they need --demo.
DEMO_FLAGS = {"demo_seed_jobs": "--demo-seed-jobs", "demo_cores_per_node": "--demo-cores-per-node",
              "load": "--load", "demo_speed": "--speed"}


def _client_flags(after_command: bool = False) -> Parser:
    """The flags kubectl users expect, shared by every command that talks to a cluster."""
    flags = Parser(add_help=False)
    default = argparse.SUPPRESS if after_command else None

    def dest(name: str) -> str:
        return f"after_{name}" if after_command else name

    flags.add_argument("--kubeconfig", dest=dest("kubeconfig"), type=validate.path_text,
                       help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)", default=default)
    flags.add_argument("--context", dest=dest("context"), type=validate.nonempty("context name"),
                       help="kubeconfig context (default: the current context)", default=default)
    flags.add_argument("-n", "--namespace", dest=dest("namespace"), type=validate.dns_label("namespace"),
                       help="namespace (default: the context's namespace)", default=default)
    return flags


def merge_flags(args: argparse.Namespace) -> None:
    """One value per flag, from either position; the same flag given twice with two values is refused."""
    for name in (*CLIENT_FLAGS, "all_namespaces", *serve.TUI_FLAGS):
        after = f"after_{name}"
        if not hasattr(args, after):
            continue
        before, later = getattr(args, name, None), getattr(args, after)
        delattr(args, after)
        if before not in (None, False, DEFAULTS.get(name)) and before != later:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"fluxstate-tui: error: {flag} given before and after the command with different "
                             f"values ({before!r}, {later!r})")
        setattr(args, name, later)
    if args.command and args.command != "serve":  # serve runs the TUI: its flags apply
        given = [flag for dest, flag in TUI_ONLY.items() if getattr(args, dest) != DEFAULTS[dest]]
        if given:
            raise UsageError(f"fluxstate-tui: error: {', '.join(given)} applies to the TUI only, "
                             f"not to `{args.command}`")
        if args.command == "demo-server" and any(getattr(args, n, None) for n in CLIENT_FLAGS):
            raise UsageError("fluxstate-tui: error: demo-server serves a cluster; --kubeconfig/--context/"
                             "--namespace before it would be ignored (its own --kubeconfig comes after it)")
        size, limit = getattr(args, "size", None), getattr(args, "max_size", None)
        if size is not None and limit is not None and size > limit:
            raise UsageError(f"fluxstate-tui {args.command}: error: --size {size} is above --max-size {limit}: "
                             f"at most {limit} unless you raise --max-size")
        if args.command in ("demo-server",) and (args.read_only or args.all_namespaces):
            raise UsageError("fluxstate-tui: error: --read-only and -A do not apply to demo-server")


DEFAULTS = {"refresh": 2.0, "jobs": 0, "demo": False, "demo_seed_jobs": 0, "demo_cores_per_node": None,
            "load": None, "demo_speed": None}


def build_parser() -> Parser:
    parser = Parser(prog="fluxstate-tui", parents=[_client_flags()],
                    description="A terminal UI for Flux Framework MiniClusters on Kubernetes. "
                                "With no command it opens the TUI.")
    parser.add_argument("-A", "--all-namespaces", action="store_true", help="list MiniClusters in every namespace")
    parser.add_argument("--refresh", type=validate.seconds(0.5, maximum=3600), default=DEFAULTS["refresh"],
                        metavar="SECONDS", help="seconds between refreshes (default 2, 0.5 to 3600)")
    parser.add_argument("--read-only", action="store_true",
                        help="hide and refuse every action that changes the cluster")
    parser.add_argument("--jobs", type=validate.job_count, default=DEFAULTS["jobs"], metavar="N",
                        help="load at most the newest N jobs per MiniCluster (default 0: all)")
    parser.add_argument("--demo", action="store_true",
                        help="start the demo cluster (a child process) on a free loopback port and connect to it")
    parser.add_argument("--demo-seed-jobs", type=validate.job_count, default=DEFAULTS["demo_seed_jobs"], metavar="N",
                        help="with --demo: give flux-sample N extra finished jobs")
    parser.add_argument("--demo-cores-per-node", type=validate.cores_per_node, default=None, metavar="N",
                        help="with --demo: cores Flux finds in a pod whose container has no CPU limit (default 4)")
    parser.add_argument("--load", type=validate.number(0.1, 20, "a rate (jobs per second, 0.1 to 20)"),
                        default=None, metavar="RATE",
                        help="with --demo: keep RATE mixed jobs a second arriving in flux-sample (a live queue)")
    # dest demo_speed: demo-server has a --speed of its own
    parser.add_argument("--speed", dest="demo_speed", type=validate.seconds(0.01, "a speed", maximum=1000),
                        default=None, metavar="X",
                        help="with --demo: run simulated delays and job durations X times faster")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    client = _client_flags(after_command=True)
    ls = sub.add_parser("ls", parents=[client], help="list MiniClusters with their pods, queue and jobs",
                        description="List MiniClusters: size, pods, broker, queue state, job counts, archive.")
    ls.add_argument("-A", "--all-namespaces", dest="after_all_namespaces", action="store_true",
                    default=argparse.SUPPRESS, help="list MiniClusters in every namespace")
    ls.add_argument("--json", action="store_true", help="print one JSON document")
    jobs = sub.add_parser("jobs", parents=[client], help="the job table of a MiniCluster, like flux jobs -a",
                          description="Show a MiniCluster's jobs, like `flux jobs -a -A` in its broker.")
    jobs.add_argument("name", type=validate.dns_label("MiniCluster name"), help="MiniCluster name")
    jobs.add_argument("-c", "--count", type=validate.job_count, default=1000, metavar="N",
                      help="at most N jobs, newest first (0: all; default 1000)")
    jobs.add_argument("--json", action="store_true", help="print one JSON document")
    status = sub.add_parser("status", parents=[client], help="queue, resources, stats and why pending jobs wait",
                            description="Queue, resources, job counts, uptime, and why each pending job is "
                                        "not running.")
    status.add_argument("name", type=validate.dns_label("MiniCluster name"), help="MiniCluster name")
    status.add_argument("--json", action="store_true", help="print one JSON document")
    workflow_args.add_parsers(sub, client)
    act_args.add_parsers(sub, client)
    submit_args.add_parser(sub, client)
    serve.add_parser(sub, client)
    guard_args.add_parsers(sub, client)
    move_args.add_parser(sub, client)
    demo = sub.add_parser(
        "demo-server",
        help="run the demo cluster: a local Kubernetes API with a simulated Flux Operator and Flux",
        description="Serve a demo Kubernetes API on loopback with a simulated Flux Operator and Flux instances. "
                    "Prints 'ready: kubeconfig=PATH server=URL' once it answers; stops on SIGINT/SIGTERM.",
    )
    demo.add_argument("--port", type=validate.port, default=0, help="port to listen on (0: any free port; default 0)")
    demo.add_argument("--host", default="127.0.0.1", help="loopback address to bind (only 127.0.0.1, localhost or ::1)")
    demo.add_argument("--kubeconfig", dest="demo_kubeconfig", type=validate.writable_file,
                      help="where to write the kubeconfig (default: DATA_DIR/kubeconfig)")
    demo.add_argument("--data-dir", type=validate.writable_dir,
                      help="directory for volumes and pod filesystems (default: a temporary directory removed at exit)")
    demo.add_argument("--speed", type=validate.seconds(maximum=1000), default=1.0,
                      help="run simulated delays and job durations X times faster (default 1)")
    demo.add_argument("--empty", action="store_true", help="start with no PersistentVolume and no MiniCluster")
    demo.add_argument("--seed-jobs", type=validate.job_count, default=0, metavar="N",
                      help="give flux-sample N extra finished jobs (for benchmarks and big-queue demos)")
    demo.add_argument("--cores-per-node", type=validate.cores_per_node, default=None, metavar="N",
                      help="cores Flux finds in a pod whose container has no CPU limit (default 4, 1 to 1024; "
                           "a limit such as cpu: 2 gives 2)")
    demo.add_argument("--deny", action="append", default=[], metavar="VERB:RESOURCE",
                      help="answer 403 Forbidden to these requests, e.g. delete:miniclusters or create:pods/exec "
                           "(repeatable; to see permission errors without a real cluster)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    fix_mmap_threshold()  # before anything large is allocated (heap.py: RSS at 100,000 jobs)
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    words, command_argv = submit_args.split_command(words)
    try:
        args = parser.parse_args(words)
        merge_flags(args)
        args.command_argv = command_argv
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    # Each command's module (and the workflows, the Kubernetes client's wrappers it needs) is imported for
    # that command alone, never for another command, --help or the TUI: start-up speed.
    if args.command in ("pause", "resume", "dump", "recreate", "scale", "archive"):
        from . import workflow  # start-up speed

        return workflow.run(args)
    if args.command in act_args.COMMANDS:
        from . import act  # start-up speed

        return act.run(args)
    if args.command in ("ls", "jobs", "status"):
        from . import read  # start-up speed

        return read.run(args)
    if args.command == "submit":
        from . import submit  # start-up speed

        return submit.run(args)
    if args.command == "serve":
        return serve.run(args)
    if args.command in guard_args.COMMANDS:
        from . import guard  # start-up speed

        return guard.run(args)
    if args.command in move_args.COMMANDS:
        from . import move  # start-up speed

        return move.run(args)
    if args.command == "demo-server":
        # The demo (an API server, an operator, Flux) loads only for the commands that run it: start-up speed.
        from ..demo.server import DemoOptions, main as demo_main  # noqa: I001

        return demo_main(DemoOptions(
            port=args.port, host=args.host, kubeconfig=args.demo_kubeconfig, data_dir=args.data_dir,
            speed=args.speed, empty=args.empty, seed_jobs=args.seed_jobs, deny=tuple(args.deny),
            cores_per_node=args.cores_per_node,
        ))
    return run_tui(args)


def run_tui(args: argparse.Namespace) -> int:
    demo = None
    if args.demo:
        from ..demo.embedded import DemoProcess  # only with --demo: start-up speed

        # A child process, started by the app once its first frame is drawn: it comes up on another core while
        # the app loads the client (start-up speed); a failure shows in the TUI.
        demo = DemoProcess(seed_jobs=args.demo_seed_jobs, cores_per_node=args.demo_cores_per_node,
                           load=args.load, speed=args.demo_speed or 1.0)
    elif given := [flag for dest, flag in DEMO_FLAGS.items() if getattr(args, dest) != DEFAULTS[dest]]:
        print(f"fluxstate-tui: error: {', '.join(given)} needs --demo", file=sys.stderr)
        return 2
    # Start-up speed: no garbage collection until the first frame is drawn (the app then freezes what the start
    # built and collects again): some 120 collections, 0.05 s, that find next to no garbage among the modules,
    # classes and widgets being built.
    gc.disable()
    try:
        return _run_app(args, demo)
    finally:
        gc.enable()
        if demo is not None:
            demo.stop()


def _run_app(args: argparse.Namespace, demo: DemoProcess | None) -> int:
    # Textual and the client's wrappers load only for the TUI, never for a CLI command or --help: start-up speed.
    from ..app import FluxStateApp
    from ..kube.client import Target

    target = Target(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace,
                    all_namespaces=args.all_namespaces)
    if demo is not None:
        target = Target(kubeconfig=str(demo.kubeconfig), context=None, namespace=args.namespace,
                        all_namespaces=args.all_namespaces)
        # For a presenter: kubectl beside the TUI, on the same cluster (the file lives as long as this process).
        print(f"demo cluster: kubeconfig {demo.kubeconfig} (kept while the TUI runs); in another terminal:\n"
              f"  export KUBECONFIG={shlex.quote(str(demo.kubeconfig))}", flush=True)
    app = FluxStateApp(target, refresh=args.refresh, read_only=args.read_only, job_count=args.jobs, demo=demo,
                       gc_paused=True)
    app.run()
    if demo is not None and demo.failed is not None:
        print(f"fluxstate-tui: error: the demo cluster failed to start: {demo.failed}", file=sys.stderr)
        return 1
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
