"""The demo cluster inside the TUI's process (`fluxstate-tui --demo`), on a thread of its own.

It gets its own event loop so simulated Flux work (seeding, restores) never stalls the UI, and the
TUI reaches it exactly as it reaches a real cluster: over HTTP and websockets on loopback.

`frozen=True` makes it deterministic, for screenshots that must not change from run to run: the
clock its pods read stands still at seed.FROZEN_EPOCH (delays still pass, so pods come up), pod
names and the Flux simulator's choices come from seed.FROZEN_SEED, and its jobs are a still scene
(seed.submit_still_scene) that nothing changes once `wait_seeded()` returns.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from pathlib import Path


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
        from .load import Load
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
                if self.load:
                    cluster.spawn(Load(cluster, self.load).run())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            await cluster.stop()
            return
        self._ready.set()
        await self._stop.wait()
        await cluster.stop()

    def stop(self) -> None:
        if self._thread.ident is not None:
            self._ready.wait(30)  # launched and quit at once: it can stop once it has started
        if self._loop is not None and self._stop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread.ident is not None:
            self._thread.join(timeout=10)
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
