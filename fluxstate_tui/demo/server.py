"""`fluxstate-tui demo-server`: run the demo cluster until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from .cluster import DemoCluster
from .seed import apply_default_state, submit_demo_jobs

LOOPBACK = ("127.0.0.1", "localhost", "::1")
CONTEXT = "fluxstate-demo"
MAX_CORES_PER_NODE = 1024


class DemoServerError(Exception):
    """A one-line reason the demo server cannot start."""


@dataclass
class DemoOptions:
    port: int = 0
    host: str = "127.0.0.1"
    kubeconfig: Path | None = None
    data_dir: Path | None = None
    speed: float = 1.0
    empty: bool = False
    seed_jobs: int = 0
    deny: tuple[str, ...] = ()
    cores_per_node: int | None = None  # None: the demo's default (cluster.CORES_PER_NODE)


def kubeconfig_dict(server: str, namespace: str = "default") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": server}}],
        "users": [{"name": CONTEXT, "user": {"token": "fluxstate-demo"}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT, "namespace": namespace}}],
        "current-context": CONTEXT,
        "preferences": {},
    }


def write_kubeconfig(path: Path, server: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(kubeconfig_dict(server), sort_keys=False))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def check_options(opts: DemoOptions) -> None:
    if opts.host not in LOOPBACK:
        raise DemoServerError(f"refusing to bind {opts.host}: the demo server only listens on loopback (127.0.0.1)")
    if not 0 <= opts.port <= 65535:
        raise DemoServerError(f"invalid port {opts.port}: use 0 (any free port) to 65535")
    if opts.speed <= 0:
        raise DemoServerError(f"invalid speed {opts.speed}: it must be greater than 0")
    if opts.seed_jobs < 0:
        raise DemoServerError(f"invalid --seed-jobs {opts.seed_jobs}: it must be 0 or more")
    if opts.cores_per_node is not None and not 1 <= opts.cores_per_node <= MAX_CORES_PER_NODE:
        raise DemoServerError(f"invalid --cores-per-node {opts.cores_per_node}: use 1 to {MAX_CORES_PER_NODE}")
    for rule in opts.deny:
        verb, _, resource = rule.partition(":")
        if not verb or not resource:
            raise DemoServerError(f"--deny takes VERB:RESOURCE (for example delete:miniclusters), not {rule!r}")
    if opts.empty and opts.seed_jobs:
        raise DemoServerError("--seed-jobs needs the default MiniCluster: drop --empty")


async def run_demo_server(opts: DemoOptions) -> None:
    """Serve until SIGINT/SIGTERM. Prints exactly one `ready:` line on stdout once reachable."""

    check_options(opts)
    own_dir = opts.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="fluxstate-demo-")) if own_dir else Path(opts.data_dir).resolve()
    kubeconfig = (opts.kubeconfig or data_dir / "kubeconfig").resolve()
    try:
        cluster = DemoCluster(data_dir, speed=opts.speed, deny=opts.deny, cores_per_node=opts.cores_per_node)
    except OSError as exc:
        raise DemoServerError(f"cannot use the data directory {data_dir}: {exc.strerror or exc}") from exc
    try:
        try:
            url = await cluster.start("127.0.0.1" if opts.host == "localhost" else opts.host, opts.port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise DemoServerError(f"cannot listen on {opts.host}:{opts.port}: address already in use") from exc
            raise DemoServerError(f"cannot listen on {opts.host}:{opts.port}: {exc.strerror or exc}") from exc
        seeding: asyncio.Task | None = None
        if not opts.empty:
            apply_default_state(cluster)
            seeding = asyncio.create_task(submit_demo_jobs(cluster, opts.seed_jobs))
        # Handlers first: whoever reads the ready line may signal us at once.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            write_kubeconfig(kubeconfig, url)
        except OSError as exc:
            raise DemoServerError(f"cannot write the kubeconfig {kubeconfig}: {exc.strerror or exc}") from exc
        print(f"ready: kubeconfig={kubeconfig} server={url}", flush=True)
        if sys.stderr.isatty():
            print(f"Try: KUBECONFIG={kubeconfig} kubectl get miniclusters,pods   (Ctrl-C stops the demo cluster)",
                  file=sys.stderr, flush=True)
        await stop.wait()
        if seeding is not None:
            seeding.cancel()
    finally:
        await cluster.stop()
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def main(opts: DemoOptions) -> int:
    try:
        asyncio.run(run_demo_server(opts))
    except DemoServerError as exc:
        print(f"fluxstate-tui demo-server: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
