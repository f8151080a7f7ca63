"""A script in a MiniCluster's broker pod whose stdout is handed over as it arrives, not kept.

For output too big to hold twice (100,000 job rows): `exec_stream` reads the socket only as fast as
the consumer takes the chunks, so memory stays bounded. There is no limit on the whole run (a reader
paging through the output with `less` may take minutes); the exec ends when the pod has sent nothing
for `idle` seconds while the consumer was waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from ..flux import commands as fc
from .broker import NOT_READY, last_line
from .client import KubeClient
from .errors import BrokerNotReady, ExecTimeout
from .execution import ExecResult, exec_stream
from .resources import MiniCluster, Pod

IDLE_TIMEOUT = 60.0  # seconds without a byte from the pod (as long as a whole snapshot may take)
BACKSTOP = 7 * 86400.0  # exec_stream wants a limit for the whole run: the idle watchdog is the real one


class Stalled(ExecTimeout):
    def __init__(self, pod: str, seconds: float, what: str) -> None:
        super().__init__(pod, seconds, what)
        self.message = f"{what} in pod {pod} sent nothing for {seconds:g}s"
        self.args = (self.message,)


async def stream_script(kube: KubeClient, mc: MiniCluster, pod: Pod, script: str, stdout: Callable[[bytes], None],
                        *, what: str = "flux jobs", idle: float = IDLE_TIMEOUT) -> ExecResult:
    """Run `script` under `flux proxy` in the broker `pod`, each stdout chunk handed to `stdout` in turn.
    The result has the exit code and stderr (its stdout is empty). Flux not answering raises
    BrokerNotReady, as Broker.exec does; `idle` seconds without output raise `Stalled`."""
    loop = asyncio.get_running_loop()
    last = loop.time()

    async def take(chunk: bytes) -> None:
        nonlocal last
        stdout(chunk)
        # After the consumer: time spent writing to a slow pipe is the reader's, not the pod's.
        last = loop.time()

    task = asyncio.ensure_future(exec_stream(kube, mc.namespace, pod.name, mc.container, fc.script_in_pod(script),
                                             stdout=take, timeout=BACKSTOP))
    try:
        while not task.done():
            left = last + idle - loop.time()
            if left <= 0:
                raise Stalled(pod.name, idle, what)
            await asyncio.wait({task}, timeout=left)
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    result = task.result()
    if result.returncode != 0 and NOT_READY.search(result.stderr):
        raise BrokerNotReady(f"Flux is not answering in {pod.name} yet: {last_line(result.stderr)}")
    return result
