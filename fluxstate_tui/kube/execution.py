"""Exec in a pod over the websocket protocol: argv in; stdout, stderr and the real exit code out.

Through `kubernetes.aio`'s raw exec (the preloaded form merges stdout and stderr and loses the exit
code). Every call has a timeout and bounded output.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from .client import KubeClient
from .errors import ApiFailure, BrokerNotReady, ExecTimeout, Forbidden, NotFound

if TYPE_CHECKING:
    import aiohttp

STDOUT, STDERR, STATUS = 1, 2, 3
DEFAULT_TIMEOUT = 30.0
MAX_OUTPUT = 256 << 20  # bytes kept per stream; more is cut and reported


@dataclass
class ExecResult:
    returncode: int
    stdout: str
    stderr: str
    truncated: bool = False
    bytes_received: int = 0


def exit_code(status: dict) -> int:
    """The exit code carried by the exec status (channel 3)."""
    if status.get("status") == "Success":
        return 0
    if status.get("reason") == "NonZeroExitCode":
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                return int(cause["message"])
    raise ApiFailure(f"exec failed: {status.get('message') or status.get('reason') or 'unknown error'}")


async def exec_pod(kube: KubeClient, namespace: str, pod: str, container: str, argv: list[str],
                   timeout: float = DEFAULT_TIMEOUT, max_output: int = MAX_OUTPUT) -> ExecResult:
    try:
        return await asyncio.wait_for(_exec(kube, namespace, pod, container, argv, max_output), timeout)
    except TimeoutError as exc:
        raise ExecTimeout(pod, timeout, what=_describe(argv)) from exc


async def _exec(kube: KubeClient, namespace: str, pod: str, container: str, argv: list[str],
                max_output: int) -> ExecResult:
    # start-up speed: aiohttp comes with the client, on connecting, not with the modules the TUI draws with
    import aiohttp

    out = bytearray()
    err = bytearray()
    status: dict | None = None
    received = 0
    truncated = False
    try:
        connect = await kube.ws_core.connect_get_namespaced_pod_exec_without_preload_content(
            pod, namespace, command=list(argv), container=container,
            stderr=True, stdin=False, stdout=True, tty=False)
        # kubernetes.aio's websocket client answers an aiohttp websocket; its stubs say ClientResponse
        async with cast(aiohttp.ClientWebSocketResponse, connect) as ws:
            async for channel, payload in _frames(ws):
                received += len(payload)
                if channel == STATUS:
                    status = json.loads(payload.decode() or "{}")
                elif channel in (STDOUT, STDERR):
                    buf = out if channel == STDOUT else err
                    room = max_output - len(buf)
                    if len(payload) > room:
                        truncated = True
                        payload = payload[:room]
                    buf.extend(payload)
    except aiohttp.WSServerHandshakeError as exc:
        raise _handshake_error(exc, namespace, pod, container) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise kube.translate(exc, verb="create", resource="pods/exec", namespace=namespace) from exc
    except BaseException as exc:
        translated = kube.translate(exc, verb="create", resource="pods/exec", namespace=namespace, name=pod)
        if translated is exc:
            raise
        raise translated from exc
    if status is None:
        raise ApiFailure(f"exec in pod {pod} ended without an exit status (connection lost?)")
    return ExecResult(exit_code(status), out.decode(errors="replace"), err.decode(errors="replace"),
                      truncated, received)


async def _frames(ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[tuple[int, bytes]]:
    """(channel, payload) of each data frame of an exec's websocket."""
    import aiohttp  # start-up speed, as in _exec

    async for msg in ws:
        if msg.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
            data = msg.data if isinstance(msg.data, bytes) else msg.data.encode()
            if data:
                yield data[0], data[1:]


def _handshake_error(exc: aiohttp.WSServerHandshakeError, namespace: str, pod: str, container: str) -> Exception:
    if exc.status == 404:
        return NotFound("pod", pod, namespace)
    if exc.status == 403:
        return Forbidden("create", "pods/exec", namespace)
    if exc.status == 400:
        return BrokerNotReady(f"cannot exec in pod {pod} container {container}: it is not running")
    return ApiFailure(f"exec in pod {pod} refused: HTTP {exc.status} {exc.message}")


def _describe(argv: list[str]) -> str:
    text = argv[-1] if argv[:2] == ["/bin/bash", "-c"] else " ".join(argv)
    text = text.split(" && ", 1)[-1]
    return text if len(text) <= 60 else text[:57] + "..."


# ---- streamed bytes (a file carried from one pod to another: workflows/move_copy.py) ----------

STDIN, CLOSE = 0, 255
# v5 adds a close frame for stdin (255, 0): the command sees the end of its input. On a v4-only
# server there is none, so a command fed this way must stop by itself after the bytes it expects
# (`head -c N`).
STREAM_PROTOCOLS = "v5.channel.k8s.io,v4.channel.k8s.io"
STDIN_FRAME = 64 << 10


async def exec_stream(kube: KubeClient, namespace: str, pod: str, container: str, argv: list[str], *,
                      stdin: AsyncIterator[bytes] | None = None,
                      stdout: Callable[[bytes], Awaitable[None]] | None = None,
                      timeout: float = DEFAULT_TIMEOUT) -> ExecResult:
    """Exec with binary streams: `stdin` fed chunk by chunk (then closed where the protocol can),
    stdout handed to `stdout` as it arrives (not kept, not decoded; without it, kept as text).
    Stderr and the exit code as exec_pod. Awaiting `stdout` stops reading the socket: a slow
    consumer slows the producer, and memory stays bounded."""
    try:
        return await asyncio.wait_for(_exec_stream(kube, namespace, pod, container, argv, stdin, stdout), timeout)
    except TimeoutError as exc:
        raise ExecTimeout(pod, timeout, what=_describe(argv)) from exc


async def _exec_stream(kube: KubeClient, namespace: str, pod: str, container: str, argv: list[str],
                       stdin: AsyncIterator[bytes] | None,
                       stdout: Callable[[bytes], Awaitable[None]] | None) -> ExecResult:
    import aiohttp  # start-up speed, as in _exec

    out, err = bytearray(), bytearray()
    status: dict | None = None
    received = 0
    feeder: asyncio.Task | None = None
    try:
        connect = await kube.ws_core.connect_get_namespaced_pod_exec_without_preload_content(
            pod, namespace, command=list(argv), container=container, stderr=True, stdin=stdin is not None,
            stdout=True, tty=False, _headers={"sec-websocket-protocol": STREAM_PROTOCOLS})
        async with cast(aiohttp.ClientWebSocketResponse, connect) as ws:
            if stdin is not None:
                feeder = asyncio.create_task(_feed(ws, stdin))
            async for channel, payload in _frames(ws):
                received += len(payload)
                if channel == STATUS:
                    status = json.loads(payload.decode() or "{}")
                elif channel == STDOUT and stdout is not None:
                    await stdout(payload)
                elif channel in (STDOUT, STDERR):
                    buf = out if channel == STDOUT else err
                    buf.extend(payload[: max(0, MAX_OUTPUT - len(buf))])
            if feeder is not None and feeder.done() and feeder.exception() is not None:
                raise cast(BaseException, feeder.exception())
    except aiohttp.WSServerHandshakeError as exc:
        raise _handshake_error(exc, namespace, pod, container) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise kube.translate(exc, verb="create", resource="pods/exec", namespace=namespace) from exc
    finally:
        if feeder is not None and not feeder.done():
            feeder.cancel()
    if status is None:
        raise ApiFailure(f"exec in pod {pod} ended without an exit status (connection lost?)")
    return ExecResult(exit_code(status), out.decode(errors="replace"), err.decode(errors="replace"), False, received)


async def _feed(ws: aiohttp.ClientWebSocketResponse, chunks: AsyncIterator[bytes]) -> None:
    async for chunk in chunks:
        for i in range(0, len(chunk), STDIN_FRAME):
            await ws.send_bytes(bytes([STDIN]) + chunk[i:i + STDIN_FRAME])
    # The negotiated protocol is in the handshake's answer (aiohttp keeps it only when asked through
    # its own `protocols=`, which the kubernetes client does not use).
    response = getattr(ws, "_response", None)
    chosen = response.headers.get("Sec-WebSocket-Protocol", "") if response is not None else ""
    if chosen.startswith("v5."):
        await ws.send_bytes(bytes([CLOSE, STDIN]))
