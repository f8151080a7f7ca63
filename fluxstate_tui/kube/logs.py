"""Following the broker pod's log as an async iterator of events, across broker pods.

The stream reconnects by itself: when the container stops (a recreate, a scale to zero) or the
connection drops, it says so and looks the broker up again after `retry` seconds, so a screen that
shows it only has to show what arrives. Lines are the cluster's text, unescaped: whoever shows them
escapes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from .client import KubeClient
from .errors import KubeError
from .resources import find_broker, get_minicluster


@dataclass
class LogFollowing:
    """Reading the log of this broker pod from now on (`new_pod`: another pod than before)."""

    pod: str
    container: str
    new_pod: bool


@dataclass
class LogLines:
    lines: list[str]


@dataclass
class LogEnded:
    """The container stopped: its log is complete; the broker is looked up again."""

    pod: str


@dataclass
class LogTrouble:
    """The log cannot be read now (the MiniCluster or its broker is gone, the stream broke); retrying."""

    text: str
    retry: float


LogEvent = LogFollowing | LogLines | LogEnded | LogTrouble


async def follow_broker_log(client: Callable[[], Awaitable[KubeClient]], name: str, namespace: str, *,
                            tail: int, retry: float) -> AsyncIterator[LogEvent]:
    """The log of the MiniCluster's broker, the last `tail` lines first, then as it is written; forever."""
    pod_name: str | None = None
    while True:
        try:
            kube = await client()
            mc = await get_minicluster(kube, name, namespace)
            pod = await find_broker(kube, mc)
            yield LogFollowing(pod.name, mc.container, new_pod=pod_name is not None and pod.name != pod_name)
            pod_name = pod.name
            response = await kube.call(
                kube.core.read_namespaced_pod_log_without_preload_content(
                    pod.name, namespace, container=mc.container, follow=True, tail_lines=tail,
                    _request_timeout=None),
                verb="get", resource="pods/log", namespace=namespace, name=pod.name)
            buffer = ""
            async for chunk in response.content.iter_any():
                buffer += chunk.decode(errors="replace")
                lines = buffer.split("\n")
                buffer = lines.pop()
                if lines:
                    yield LogLines(lines)
            if buffer:
                yield LogLines([buffer])
            yield LogEnded(pod.name)
        except KubeError as exc:
            yield LogTrouble(exc.message, retry)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a dropped stream or a bug: said, and retried
            yield LogTrouble(f"log stream failed: {type(exc).__name__}: {exc}", retry)
        await asyncio.sleep(retry)
