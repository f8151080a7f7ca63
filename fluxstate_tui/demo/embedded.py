"""The demo cluster inside the TUI's process (`fluxstate-tui --demo`), on a thread of its own.

It gets its own event loop so simulated Flux work (seeding, restores) never stalls the UI, and the
TUI reaches it exactly as it reaches a real cluster: over HTTP and websockets on loopback.

`frozen=True` makes it deterministic, for screenshots that must not change from run to run: the
clock its pods read stands still at seed.FROZEN_EPOCH (delays still pass, so pods come up), pod
names and the Flux simulator's choices come from seed.FROZEN_SEED, and its jobs are a still scene
(seed.submit_still_scene) that nothing changes once `wait_seeded()` returns.

`DemoProcess` is the same cluster in a child process (`python -m fluxstate_tui.demo.embedded`), for
`fluxstate-tui --demo`: started once the TUI's first frame is drawn, it comes up on another core while
the TUI loads the Kubernetes client, and its simulated Flux never takes the TUI's GIL (start-up speed).
(Started earlier, it would compete with the first frame for the CPU on a busy machine: measured, the
first frame came later there.) The tests keep the thread: they read the cluster's state directly.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any


class EmbeddedDemo:
    def __init__(self, *, speed: float = 1.0, seed_jobs: int = 0, empty: bool = False,
                 data_dir: Path | None = None, deny: tuple[str, ...] = (), frozen: bool = False,
                 cores_per_node: int | None = None, load: float | None = None) -> None:
        self.deny = tuple(deny)
        self.load = load    # jobs per second streamed into flux-sample (demo/load.py), or None
        self.cores_per_node = cores_per_node
        self.speed = speed
        self.seed_jobs = seed_jobs
        self.empty = empty
        self.frozen = frozen
        self._own_dir = data_dir is None
        self.data_dir = Path(tempfile.mkdtemp(prefix="fluxstate-demo-")) if data_dir is None else Path(data_dir)
        self.kubeconfig = self.data_dir / "kubeconfig"
        self.url: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._seeded = threading.Event()
        self._seed_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fluxstate-demo", daemon=True)
        self._cluster: Any = None               # the DemoCluster, on the demo's loop
        self._load_task: asyncio.Future | None = None

    def start(self, timeout: float = 30) -> EmbeddedDemo:
        """Start the cluster and wait until it answers (flux-sample up, its jobs being submitted)."""
        return self.launch().wait_ready(timeout)

    def launch(self) -> EmbeddedDemo:
        """Start the cluster without waiting: `--demo` draws its first frame meanwhile (start-up speed).
        `kubeconfig` is written once it answers."""
        if self._thread.ident is None:
            self._thread.start()
        return self

    def wait_ready(self, timeout: float = 30) -> EmbeddedDemo:
        if not self._ready.wait(timeout):
            raise RuntimeError("the demo cluster did not start in time")
        if self._error is not None:
            raise RuntimeError(f"the demo cluster failed to start: {self._error}") from self._error
        return self

    @property
    def failed(self) -> BaseException | None:
        """What stopped the cluster from starting, if it did not."""
        return self._error

    def wait_seeded(self, timeout: float = 120) -> EmbeddedDemo:
        """Block until every demo job is submitted (frozen: the scene stands still from then on)."""
        if not self._seeded.wait(timeout):
            raise RuntimeError("the demo's jobs were not all submitted in time")
        if self._seed_error is not None:
            raise RuntimeError(f"submitting the demo's jobs failed: {self._seed_error}") from self._seed_error
        return self

    def _seeding_done(self, task: asyncio.Task) -> None:
        self._seed_error = task.exception() if not task.cancelled() else asyncio.CancelledError()
        self._seeded.set()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            if self._ready.is_set():
                raise
            self._error = exc  # before it answered (a data directory it cannot use): wait_ready says so
            self._ready.set()

    async def _main(self) -> None:
        # Imported here, on the demo's own thread: the TUI draws its first frame meanwhile (start-up speed).
        from .cluster import DemoCluster
        from .seed import FROZEN_EPOCH, FROZEN_SEED, apply_default_state, submit_demo_jobs, submit_still_scene
        from .server import write_kubeconfig

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        cluster = DemoCluster(self.data_dir, speed=self.speed, deny=self.deny, cores_per_node=self.cores_per_node,
                              frozen_at=FROZEN_EPOCH if self.frozen else None,
                              seed=FROZEN_SEED if self.frozen else None)
        try:
            self.url = await cluster.start()
            write_kubeconfig(self.kubeconfig, self.url)
            if self.empty:
                self._seeded.set()
            else:
                apply_default_state(cluster)
                submit = submit_still_scene if self.frozen else submit_demo_jobs
                cluster.spawn(submit(cluster, self.seed_jobs)).add_done_callback(self._seeding_done)
                self._cluster = cluster
                self._start_load(self.load)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            await cluster.stop()
            return
        self._ready.set()
        await self._stop.wait()
        await cluster.stop()

    def set_load(self, rate: float | None) -> None:
        """Stream `rate` jobs a second into flux-sample from now on (demo/load.py), or none (None). From any
        thread; before the cluster is up, what it starts with."""
        if rate is not None:
            from .load import check_rate  # only with a load: start-up speed

            check_rate(rate)
        self.load = rate
        if self._loop is not None and self._loop.is_running() and self._cluster is not None:
            self._loop.call_soon_threadsafe(self._start_load, rate)

    def _start_load(self, rate: float | None) -> None:
        # on the demo's loop
        if self._load_task is not None:
            self._load_task.cancel()
            self._load_task = None
        if rate:
            from .load import Load  # only with a load: start-up speed

            self._load_task = self._cluster.spawn(Load(self._cluster, rate).run())

    def stop(self) -> None:
        if self._thread.ident is not None:
            self._ready.wait(30)  # launched and quit at once: it can stop once it has started
        if self._loop is not None and self._stop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread.ident is not None:
            self._thread.join(timeout=10)
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


class DemoProcess:
    """An EmbeddedDemo in a child process, with the interface the TUI uses: `kubeconfig`, `launch()`,
    `wait_ready()`, `failed`, `stop()`. The child stops when its stdin closes: when this process stops it,
    exits or dies."""

    def __init__(self, *, speed: float = 1.0, seed_jobs: int = 0, cores_per_node: int | None = None,
                 load: float | None = None) -> None:
        self.options: dict[str, Any] = {"speed": speed, "seed_jobs": seed_jobs, "cores_per_node": cores_per_node,
                                         "load": load}
        self.data_dir = Path(tempfile.mkdtemp(prefix="fluxstate-demo-"))
        self.kubeconfig = self.data_dir / "kubeconfig"
        # the child's stderr (an unnamed file): never onto the TUI's terminal, and read back if it dies at once
        self._log: IO[str] | None = None
        self.url: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._answer: str | None = None     # the child's first line: "ready URL" or "failed: why"
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    def launch(self) -> DemoProcess:
        """Start the child without waiting (again: nothing)."""
        if self._proc is None:
            # this very package first on the child's path, whatever the working directory holds
            root = str(Path(__file__).resolve().parents[2])
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
            self._log = tempfile.TemporaryFile("w+")
            self._proc = subprocess.Popen(
                [sys.executable, "-m", __name__, json.dumps({**self.options, "data_dir": str(self.data_dir)})],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, close_fds=True,
                env={**os.environ, "PYTHONPATH": path},
                # its own session: a ctrl+c meant for the TUI (or a shell suspended into) never reaches it
                start_new_session=True)
        return self

    def wait_ready(self, timeout: float = 30) -> DemoProcess:
        with self._lock:
            if self._answer is None:
                proc = self.launch()._proc
                assert proc is not None and proc.stdout is not None
                if not select.select([proc.stdout], [], [], timeout)[0]:
                    raise RuntimeError("the demo cluster did not start in time")
                self._answer = proc.stdout.readline().strip() or f"failed: it exited ({self._exit_note(proc)})"
                if self._answer.startswith("ready "):
                    self.url = self._answer.removeprefix("ready ")
                else:
                    self._error = RuntimeError(self._answer.removeprefix("failed: "))
        if self._error is not None:
            raise RuntimeError(f"the demo cluster failed to start: {self._error}") from self._error
        return self

    def _exit_note(self, proc: subprocess.Popen[str]) -> str:
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "no answer"
        lines = []
        if self._log is not None:
            self._log.seek(0)
            lines = self._log.read().strip().splitlines()
        return f"exit {code}" + (f": {lines[-1]}" if lines else "")

    @property
    def failed(self) -> BaseException | None:
        """What stopped the cluster from starting, if it did not."""
        return self._error

    @property
    def load(self) -> float | None:
        return self.options["load"]

    def set_load(self, rate: float | None) -> None:
        """EmbeddedDemo.set_load in the child: a line on its stdin, `load RATE` (0: none)."""
        if rate is not None:
            from .load import check_rate  # only with a load: start-up speed

            check_rate(rate)
        self.options["load"] = rate
        proc = self._proc
        if proc is not None and proc.stdin is not None and proc.poll() is None:
            try:
                proc.stdin.write(f"load {rate or 0:g}\n")
                proc.stdin.flush()
            except OSError:
                pass  # the child is gone: `failed` or the TUI's reads say so

    def stop(self) -> None:
        proc = self._proc
        if proc is not None:
            assert proc.stdin is not None
            try:
                proc.stdin.close()  # the child's signal to stop its cluster and exit
            except OSError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _child(options: dict[str, Any], answer: IO[str]) -> int:
    """DemoProcess's child: the cluster up, one line on `answer`, then running until stdin closes. It removes
    the data directory as it exits: its parent may have died (SIGKILL) without a word."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # stopped by its parent, through stdin
    data_dir = Path(options.pop("data_dir"))
    try:
        return _serve(EmbeddedDemo(data_dir=data_dir, **options), answer)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _serve(demo: EmbeddedDemo, answer: IO[str]) -> int:
    try:
        demo.start()
    except RuntimeError as exc:
        answer.write(f"failed: {exc.__cause__ or exc}\n")
        answer.flush()
        demo.stop()
        return 1
    answer.write(f"ready {demo.url}\n")
    answer.flush()
    try:
        for line in sys.stdin:  # until the parent closes it (or exits)
            word, _, value = line.strip().partition(" ")
            if word == "load":
                try:
                    demo.set_load(float(value) or None)
                except ValueError as exc:
                    print(f"demo: {exc}", file=sys.stderr)
    finally:
        demo.stop()
    return 0


if __name__ == "__main__":
    # The answer has stdout to itself: anything else the cluster prints goes to stderr, the parent's log.
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.exit(_child(json.loads(sys.argv[1]), answer))
