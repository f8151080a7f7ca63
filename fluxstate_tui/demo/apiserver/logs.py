"""Pod log buffers: what `kubectl logs` / `read_namespaced_pod_log` read.

One text buffer per (namespace, pod, container). Simulated containers append to it; followers
(`logs -f`) get existing text and then new text until the container is closed or the pod dropped.
Safe to append from any thread: followers are woken through their own event loops.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

MAX_BUFFER = 1 << 20  # keep the last ~1 MiB of each container's log


def tail(text: str, tail_lines: int | None) -> str:
    if tail_lines is None or tail_lines < 0:
        return text
    if tail_lines == 0:
        return ""
    lines = text.splitlines(keepends=True)
    return "".join(lines[-tail_lines:])


def limit(text: str, limit_bytes: int | None) -> str:
    if limit_bytes is None or limit_bytes <= 0:
        return text
    data = text.encode()
    if len(data) <= limit_bytes:
        return text
    return data[:limit_bytes].decode(errors="ignore")


class _Buffer:
    def __init__(self) -> None:
        self.text = ""
        self.base = 0  # characters dropped from the front (absolute offset of text[0])
        self.closed = False
        self.dropped = False
        self.waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def end(self) -> int:
        return self.base + len(self.text)

    def wake(self) -> None:
        for loop, ev in list(self.waiters):
            try:
                loop.call_soon_threadsafe(ev.set)
            except RuntimeError:
                self.waiters.discard((loop, ev))


class PodLogs:
    def __init__(self, max_bytes: int = MAX_BUFFER) -> None:
        self.max_bytes = max_bytes
        self._buffers: dict[tuple[str, str, str], _Buffer] = {}
        self._lock = threading.RLock()

    def _buf(self, namespace: str, pod: str, container: str) -> _Buffer:
        key = (namespace, pod, container)
        buf = self._buffers.get(key)
        if buf is None:
            buf = self._buffers[key] = _Buffer()
        return buf

    def has(self, namespace: str, pod: str, container: str) -> bool:
        with self._lock:
            return (namespace, pod, container) in self._buffers

    def append(self, namespace: str, pod: str, container: str, text: str) -> None:
        if not text:
            return
        with self._lock:
            buf = self._buf(namespace, pod, container)
            buf.closed = False  # a restarted container writes again
            buf.text += text
            if len(buf.text) > self.max_bytes + self.max_bytes // 16:
                cut = len(buf.text) - self.max_bytes
                nl = buf.text.find("\n", cut)
                if 0 <= nl < cut + 4096:
                    cut = nl + 1
                buf.text = buf.text[cut:]
                buf.base += cut
            buf.wake()

    def read(self, namespace: str, pod: str, container: str, tail_lines: int | None = None,
             limit_bytes: int | None = None) -> str:
        with self._lock:
            buf = self._buffers.get((namespace, pod, container))
            text = buf.text if buf else ""
        return limit(tail(text, tail_lines), limit_bytes)

    def is_closed(self, namespace: str, pod: str, container: str) -> bool:
        with self._lock:
            buf = self._buffers.get((namespace, pod, container))
            return bool(buf and buf.closed)

    async def follow(self, namespace: str, pod: str, container: str,
                     tail_lines: int | None = None) -> AsyncIterator[str]:
        """Existing text (after tail_lines) then new text; ends on close() or drop()."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        with self._lock:
            buf = self._buf(namespace, pod, container)
            first = tail(buf.text, tail_lines)
            pos = buf.end
            buf.waiters.add(waiter)
        try:
            if first:
                yield first
            while True:
                with self._lock:
                    event.clear()
                    if buf.dropped:
                        return
                    start = max(pos, buf.base)
                    chunk = buf.text[start - buf.base:]
                    pos = buf.end
                    closed = buf.closed
                if chunk:
                    yield chunk
                if closed:
                    return
                if not chunk:
                    await event.wait()
        finally:
            with self._lock:
                buf.waiters.discard(waiter)

    def close(self, namespace: str, pod: str, container: str) -> None:
        with self._lock:
            buf = self._buf(namespace, pod, container)
            buf.closed = True
            buf.wake()

    def drop(self, namespace: str, pod: str) -> None:
        with self._lock:
            for key in [k for k in self._buffers if k[0] == namespace and k[1] == pod]:
                buf = self._buffers.pop(key)
                buf.dropped = True
                buf.wake()
