"""Exec in a pod over the websocket protocol: argv in; stdout, stderr and the real exit code out.

Through `kubernetes.aio`'s raw exec (the preloaded form merges stdout and stderr and loses the exit
code). Every call has a timeout and bounded output.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import cast

import aiohttp

from .client import KubeClient
from .errors import ApiFailure, BrokerNotReady, ExecTimeout, Forbidden, NotFound

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
            async for msg in ws:
                if msg.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                    continue
                data = msg.data if isinstance(msg.data, bytes) else msg.data.encode()
                if not data:
                    continue
                channel, payload = data[0], data[1:]
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
