"""`fluxstate-tui serve`: the TUI in a browser (textual-serve), for a projector or a screen share.

textual-serve starts one TUI process per browser tab from a shell command line; this module builds that
line from the user's flags (every word through shlex.quote) and, with --demo, starts ONE demo cluster in
this process that every tab's TUI connects to, so all tabs show the same jobs. The web server itself is
in cli/browser.py, loaded only by this command.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys

from . import validate

DEFAULT_PORT = 8000
# Flags of the TUI that `serve` also takes after the command; main.merge_flags joins them with the same
# flags given before it (and refuses two different values), as it does for --kubeconfig and -n.
TUI_FLAGS = ("demo", "demo_seed_jobs", "refresh", "jobs", "read_only")


def add_parser(sub, client: argparse.ArgumentParser) -> None:
    serve = sub.add_parser(
        "serve", parents=[client], help="the TUI in a browser (textual-serve), e.g. for a projector",
        description="Serve the TUI over HTTP: each browser tab that opens the printed URL gets its own TUI. "
                    "Listens on loopback unless --allow-remote. Stops on Ctrl-C / SIGTERM.")
    serve.add_argument("--host", default="127.0.0.1", type=validate.nonempty("host"),
                       help="address to listen on (default 127.0.0.1; others need --allow-remote)")
    serve.add_argument("--port", type=validate.port, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT}; 0: any free port)")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a --host that is not loopback: whoever reaches the port drives the TUI")
    after = argparse.SUPPRESS  # absent unless given here, so merge_flags can tell it from the TUI's default
    serve.add_argument("--demo", dest="after_demo", action="store_true", default=after,
                       help="start one demo cluster here and show it in every tab")
    serve.add_argument("--demo-seed-jobs", dest="after_demo_seed_jobs", type=validate.job_count, default=after,
                       metavar="N", help="with --demo: give flux-sample N extra finished jobs")
    serve.add_argument("--refresh", dest="after_refresh", type=validate.seconds(0.5, maximum=3600), default=after,
                       metavar="SECONDS", help="seconds between refreshes (default 2, 0.5 to 3600)")
    serve.add_argument("--jobs", dest="after_jobs", type=validate.job_count, default=after, metavar="N",
                       help="load at most the newest N jobs per MiniCluster (default 0: all)")
    serve.add_argument("--read-only", dest="after_read_only", action="store_true", default=after,
                       help="hide and refuse every action that changes the cluster (advised with --allow-remote)")
    serve.add_argument("-A", "--all-namespaces", dest="after_all_namespaces", action="store_true", default=after,
                       help="list MiniClusters in every namespace")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def usage_problem(args: argparse.Namespace) -> str | None:
    """What makes this command line unusable, as the one line to print (exit 2), or None."""
    if not is_loopback(args.host) and not args.allow_remote:
        return (f"fluxstate-tui serve: error: --host {args.host} is not loopback: anyone who can reach it would "
                "control the TUI; add --allow-remote to mean it")
    if args.demo and (args.kubeconfig or args.context):
        return ("fluxstate-tui serve: error: --demo serves its own cluster; --kubeconfig/--context would be "
                "ignored")
    if args.demo_seed_jobs and not args.demo:
        return "fluxstate-tui serve: error: --demo-seed-jobs needs --demo"
    return None


def session_command(args: argparse.Namespace, kubeconfig: str | None, context: str | None) -> str:
    """The shell command textual-serve runs for each browser tab: this interpreter running the TUI with the
    user's flags. textual-serve hands it to /bin/sh, so every word is quoted: a kubeconfig path or a context
    name is data, never shell syntax."""
    argv = [sys.executable, "-m", "fluxstate_tui.cli", "--refresh", str(args.refresh), "--jobs", str(args.jobs)]
    if kubeconfig:
        argv += ["--kubeconfig", kubeconfig]
    if context:
        argv += ["--context", context]
    if args.all_namespaces:
        argv.append("--all-namespaces")
    elif args.namespace:
        argv += ["--namespace", args.namespace]
    if args.read_only:
        argv.append("--read-only")
    return " ".join(shlex.quote(word) for word in argv)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound before anything starts: a busy port fails here, and port 0 gets its number
    for the URL. A name with several addresses (localhost: ::1 and 127.0.0.1) takes the first that binds."""
    error: OSError = OSError(f"no address for {host}")
    for family, kind, proto, _, address in socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM,
                                                               flags=socket.AI_PASSIVE):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(128)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def url_host(host: str) -> str:
    """The host as a URL names it: a wildcard address is no place to browse to, so this machine's name stands
    in; an IPv6 address goes in brackets."""
    if host in ("0.0.0.0", "::", "[::]"):
        return socket.gethostname()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def remote_warning(args: argparse.Namespace, port: int) -> str:
    whose = "the demo cluster" if args.demo else "your kubeconfig"
    tail = " (read-only: they can look, not act)" if args.read_only else "; --read-only lets them only look"
    return (f"fluxstate-tui serve: warning: listening on {args.host} port {port}: anyone who can reach this port "
            f"controls the TUI, with the permissions of {whose}{tail}")


def run(args: argparse.Namespace) -> int:
    problem = usage_problem(args)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        print(f"fluxstate-tui serve: error: cannot listen on {args.host} port {args.port}: "
              f"{exc.strerror or exc} (another port: --port N, or 0 for any free one)", file=sys.stderr)
        return 1
    demo = None
    try:
        kubeconfig, context = args.kubeconfig, args.context
        if args.demo:
            from ..demo.embedded import EmbeddedDemo  # only with --demo: start-up speed

            try:
                demo = EmbeddedDemo(seed_jobs=args.demo_seed_jobs).start()
            except RuntimeError as exc:
                print(f"fluxstate-tui serve: error: {exc}", file=sys.stderr)
                return 1
            kubeconfig, context = str(demo.kubeconfig), None
        _serve(args, sock, session_command(args, kubeconfig, context))
    finally:
        sock.close()
        if demo is not None:
            demo.stop()
    return 0


def _serve(args: argparse.Namespace, sock: socket.socket, command: str) -> None:
    # textual-serve and jinja2 load only for this command: start-up speed of the others.
    from .browser import TuiServer, loopback_hosts

    port = sock.getsockname()[1]
    loopback = is_loopback(args.host)
    server = TuiServer(command, port=port, hosts=loopback_hosts(port, url_host(args.host)) if loopback else None)
    if not loopback:
        print(remote_warning(args, port), file=sys.stderr, flush=True)
    print(f"serving the TUI at http://{url_host(args.host)}:{port}/ (one TUI per browser tab; Ctrl-C stops)",
          flush=True)
    server.serve_on(sock)
