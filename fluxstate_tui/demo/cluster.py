"""The demo cluster: API server, controllers, kubelet and Flux instances on one event loop."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from . import manifests as mf
from .apiserver import PodLogs, Policy, Store, make_app, serve
from .controllers import FluxOperator, GarbageCollector, JobController, OperatorLog, Seen, VolumeBinder
from .crd import default_minicluster, validate_minicluster
from .kubelet import Kubelet, PodRuntime
from .podstatus import default_pod
from .proc import CommandNotFound, Proc, SimClock, Stdin, Writer
from .shell import run_program

log = logging.getLogger(__name__)

TICK = 0.05  # real seconds between controller passes
SETTLE_PASSES = 20  # passes settle() makes at most; a MiniCluster is up after one or two
OPERATOR_NS = "operator-system"
CORES_PER_NODE = 4  # what Flux finds in a pod whose container has no CPU limit


class DemoCluster:
    def __init__(self, data_dir: Path, *, speed: float = 1.0, cores_per_node: int | None = None,
                 deny: tuple[str, ...] = (), frozen_at: float | None = None, seed: int | None = None) -> None:
        """`frozen_at` stops the clock the pods read at that epoch and `seed` seeds every random
        name and the Flux simulator: together they make a run repeatable (the deterministic demo).
        `cores_per_node` is what Flux finds in a pod whose container has no CPU limit."""
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The node's clock times every delay (pod start-up, grace periods), so it runs even when the
        # clock the pods read (`date`, Flux's timestamps and job ids) is frozen.
        self.clock = SimClock(speed)
        self.pod_clock = self.clock if frozen_at is None else SimClock(speed, frozen_at, frozen=True)
        self.seed = seed
        self.names = mf.Names(seed)
        self.cores_per_node = cores_per_node or CORES_PER_NODE
        self.store = Store()
        self.logs = PodLogs()
        self.store.defaulters["miniclusters"] = default_minicluster
        self.store.defaulters["pods"] = default_pod
        self.store.validators["miniclusters"] = validate_minicluster
        self.seen = Seen(self.clock)
        self.operator_pod = self._operator_pod()
        oplog = OperatorLog(lambda line: self.logs.append(OPERATOR_NS, self.operator_pod, "manager", line), self.clock)
        self.kubelet = Kubelet(self)
        self.controllers = [
            FluxOperator(self.store, self.seen, oplog),
            JobController(self.store, self.seen, self.names),
            VolumeBinder(self.store),
            self.kubelet,
            GarbageCollector(self.store),
        ]
        self.app: web.Application = make_app(self.store, self.logs, self.exec, Policy(deny))
        self._runner: web.AppRunner | None = None
        self._loop_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self.port: int | None = None
        # The node's /data, as minikube has /tmp/data: the seed's hostPath volume lives here.
        self.host_dir("/data")

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner, self.port = await serve(self.app, host, port)
        self._loop_task = asyncio.create_task(self._run_controllers())
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            try:
                await self._loop_task
            except asyncio.CancelledError:
                pass
        for task in list(self._tasks):
            task.cancel()
        self.kubelet.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _run_controllers(self) -> None:
        while True:
            self.tick()
            await asyncio.sleep(TICK)

    def tick(self) -> None:
        for controller in self.controllers:
            try:
                controller.reconcile()
            except Exception:  # one broken pass must not stop the cluster
                log.exception("%s failed", type(controller).__name__)

    def settle(self, done: Callable[[], bool], passes: int = SETTLE_PASSES) -> bool:
        """Bring up what the store holds at once, as if the cluster had been running a while: controller
        passes with every start-up delay over (pods scheduled, started and Running, brokers booted and
        joined, each step's events recorded), until `done()`. Whatever is made later goes through every
        delay. False if `done()` still does not hold (that goes on at the usual pace)."""
        self.seen.settling = True
        try:
            for _ in range(passes):
                self.tick()
                if done():
                    return True
        finally:
            self.seen.settling = False
        log.warning("the demo cluster did not settle in %d passes", passes)
        return False

    def spawn(self, coro) -> asyncio.Task:
        """Run background work tied to the cluster's life; errors are logged, never raised."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    # ---- helpers for the parts -------------------------------------------------------------

    def host_dir(self, host_path: str) -> Path:
        """The data-dir directory standing for a node path (hostPath volumes, PV hostPaths)."""
        rel = Path(*[p for p in Path(host_path).parts if p not in ("/", "..", ".")])
        path = self.data_dir / rel
        path.mkdir(parents=True, exist_ok=True)
        return path

    def pod_ip(self, pod: dict) -> str:
        digest = hashlib.sha1(pod["metadata"]["uid"].encode()).digest()
        return f"10.244.{digest[0] % 200}.{digest[1] % 250 + 2}"

    def _operator_pod(self) -> str:
        self.store.create("namespaces", None, {"apiVersion": "v1", "kind": "Namespace",
                                               "metadata": {"name": OPERATOR_NS}})
        name = f"operator-controller-manager-6c4f8b5d7-{self.names.suffix()}"
        self.store.create("pods", OPERATOR_NS, {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"control-plane": "controller-manager"}},
            "spec": {"containers": [{"name": "manager", "image": "ghcr.io/flux-framework/flux-operator:latest"}],
                     "nodeName": mf.NODE_NAME},
            "status": {"phase": "Pending"},
        })
        return name

    # ---- exec ------------------------------------------------------------------------------

    async def exec(self, namespace: str, pod: dict, container: str, argv: list[str], stdin: Stdin,
                   stdout: Writer, stderr: Writer) -> int:
        rt = self.kubelet.runtime(pod["metadata"]["uid"])
        if rt is None or rt.stage != "running" or rt.stop_at is not None:
            raise RuntimeError(f'container "{container}" is not running')
        if container != rt.container:
            raise RuntimeError(f'container "{container}" is not running')
        proc = self.proc(rt, argv, stdout, stderr, stdin)
        try:
            return await run_program(proc)
        except CommandNotFound:
            await stderr(
                f'OCI runtime exec failed: exec failed: unable to start container process: exec: "{argv[0]}": '
                "executable file not found in $PATH: unknown\n".encode())
            return 126

    def proc(self, rt: PodRuntime, argv: list[str], stdout: Writer, stderr: Writer,
             stdin: Stdin | None = None) -> Proc:
        return Proc(argv=list(argv), env=dict(rt.env), host=self.kubelet.host(rt), stdout=stdout,
                    stderr=stderr, stdin=stdin or Stdin(), cwd="/")

    async def run_in_pod(self, namespace: str, pod_name: str, argv: list[str]) -> tuple[int, str, str]:
        """Run argv in a pod as an exec would; returns (exit code, stdout, stderr). For seeding and tests."""
        pod = self.store.get("pods", namespace, pod_name)
        if pod is None:
            raise LookupError(f"pod {namespace}/{pod_name} not found")
        out = bytearray()
        err = bytearray()

        async def write_out(data: bytes) -> None:
            out.extend(data)

        async def write_err(data: bytes) -> None:
            err.extend(data)

        rc = await self.exec(namespace, pod, pod["spec"]["containers"][0]["name"], argv, Stdin(),
                             write_out, write_err)
        return rc, out.decode(errors="replace"), err.decode(errors="replace")

    def broker_pod(self, namespace: str, minicluster: str) -> PodRuntime | None:
        return self.kubelet.pod_of_rank(namespace, minicluster, 0)

    def flux_ready(self, namespace: str, minicluster: str) -> bool:
        broker = self.kubelet.brokers.get((namespace, minicluster))
        return broker is not None and broker.ready

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("condition not reached")
            await asyncio.sleep(TICK)
