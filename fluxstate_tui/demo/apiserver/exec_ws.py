"""`pods/exec` over WebSocket, the v5/v4 `channel.k8s.io` protocols kubectl and the Python client speak.

Frames are `<channel><payload>`: 0 stdin (in), 1 stdout, 2 stderr, 3 status JSON (out), 4 resize
(in, `{"Width":W,"Height":H}`), 255 v5 close-channel (`\\xff\\x00` = stdin closed). Stdin reaches the
command as it arrives. With `tty=true` the command runs on a terminal (exec_tty.py): input is echoed
and edited there, ^C interrupts, stdout and stderr both go out on channel 1 with CR NL line ends.
The exit code goes out on channel 3, then a close frame with code 1000.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shlex
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType, web

from ..proc import Stdin, StreamStdin, Writer
from .errors import ApiError
from .exec_tty import Pty
from .store import Store

log = logging.getLogger(__name__)

ExecFn = Callable[[str, dict, str, list[str], Stdin, Writer, Writer], Awaitable[int]]

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
FRAME = 64 * 1024


def _flag(query, name: str) -> bool:
    return query.get(name, "").lower() in ("true", "1")


def default_container(pod: dict) -> str | None:
    ann = (pod.get("metadata") or {}).get("annotations") or {}
    names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    if ann.get("kubectl.kubernetes.io/default-container") in names:
        return ann["kubectl.kubernetes.io/default-container"]
    return names[0] if names else None


def container_status(pod: dict, container: str) -> dict | None:
    status = pod.get("status") or {}
    for cs in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []) + \
            (status.get("ephemeralContainerStatuses") or []):
        if cs.get("name") == container:
            return cs
    return None


def all_container_names(pod: dict) -> tuple[list[str], list[str]]:
    spec = pod.get("spec") or {}
    return ([c.get("name") for c in spec.get("containers") or []],
            [c.get("name") for c in spec.get("initContainers") or []])


def success_status() -> dict:
    return {"metadata": {}, "status": "Success"}


def exit_status(argv: list[str], rc: int) -> dict:
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command [{shlex.join(argv)}], "
                   f"exit code {rc}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(rc)}]},
    }


def internal_status(exc: BaseException) -> dict:
    message = f"error executing command in container: {exc}"
    return {"metadata": {}, "status": "Failure", "message": message, "reason": "InternalError",
            "details": {"causes": [{"message": message}]}, "code": 500}


def check_exec(store: Store, namespace: str, name: str, query) -> tuple[dict, str, list[str]]:
    """Validates an exec request the way the apiserver/kubelet do; returns (pod, container, argv)."""
    pod = store.get("pods", namespace, name)
    if pod is None:
        raise ApiError.not_found("pods", name)
    argv = query.getall("command", [])
    if not argv:
        raise ApiError.bad_request("you must specify at least one command for the container")
    if not any(_flag(query, f) for f in ("stdin", "stdout", "stderr")):
        raise ApiError.bad_request("you must specify at least one of stdin, stdout, stderr")
    containers, inits = all_container_names(pod)
    container = query.get("container") or default_container(pod)
    if not container or container not in containers + inits:
        raise ApiError.bad_request(f"container {container} is not valid for pod {name}")
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise ApiError.bad_request(f"cannot exec into a container in a completed pod; current phase is {phase}")
    cs = container_status(pod, container)
    running = cs is not None and "running" in (cs.get("state") or {})
    if phase != "Running" or (cs is not None and not running) or (cs is None and container in inits):
        raise ApiError.bad_request(f'unable to upgrade connection: container not found ("{container}")')
    return pod, container, argv


def _writer(ws: web.WebSocketResponse, channel: int, enabled: bool) -> Writer:
    async def write(data: bytes) -> None:
        if not enabled or not data or ws.closed:
            return
        if isinstance(data, str):
            data = data.encode()
        for i in range(0, len(data), FRAME):
            try:
                await ws.send_bytes(bytes([channel]) + bytes(data[i:i + FRAME]))
            except (ConnectionError, RuntimeError):
                return

    return write


async def _read_client(ws: web.WebSocketResponse, stdin: StreamStdin, accept_stdin: bool, pty: Pty | None,
                       gone: asyncio.Event) -> None:
    """Channel 0 to stdin (through the terminal with a tty), 4 to the terminal size, 255 to stdin's end."""
    try:
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                data = msg.data
            elif msg.type == WSMsgType.TEXT:
                data = msg.data.encode()
            else:
                continue
            if not data:
                continue
            channel, payload = data[0], data[1:]
            if channel == 0 and accept_stdin:
                if pty is not None:
                    await pty.feed(payload)
                else:
                    stdin.feed(payload)
            elif channel == 4 and pty is not None:
                pty.resize(payload)
            elif channel == 255 and payload[:1] == b"\x00":
                stdin.close()
    except Exception:  # noqa: BLE001 - a broken client socket ends the session
        pass
    finally:
        gone.set()
        stdin.close()


async def _finish(task: asyncio.Task) -> None:
    task.cancel()
    try:
        await task
    except BaseException:  # noqa: BLE001 - the command is being stopped; its end says nothing more
        pass


async def handle_exec(request: web.Request, store: Store, exec_fn: ExecFn, namespace: str,
                      name: str) -> web.StreamResponse:
    query = request.query
    pod, container, argv = check_exec(store, namespace, name, query)
    ws = web.WebSocketResponse(protocols=PROTOCOLS, compress=False, max_msg_size=0, autoping=True)
    if not ws.can_prepare(request).ok:
        raise ApiError.bad_request("Upgrade request required")
    await ws.prepare(request)

    use_stdin, use_stdout, use_stderr, use_tty = (_flag(query, f) for f in ("stdin", "stdout", "stderr", "tty"))
    pty = Pty(_writer(ws, 1, use_stdout)) if use_tty else None
    stdout: Writer
    stderr: Writer
    if pty is not None:
        # The kubelet drops stderr with a tty: the command writes both streams to the terminal.
        stdin, stdout, stderr = pty.stdin, pty.write, pty.write
        interrupted = pty.claim_interrupts()
    else:
        stdin, stdout, stderr = StreamStdin(), _writer(ws, 1, use_stdout), _writer(ws, 2, use_stderr)
        interrupted = asyncio.Event()
    client_gone = asyncio.Event()
    reader_task = asyncio.create_task(_read_client(ws, stdin, use_stdin, pty, client_gone))
    # Without -i the command's stdin is empty; a terminal without -i never gets input (as with runc).
    proc_stdin = stdin if use_stdin or pty is not None else Stdin()
    task = asyncio.ensure_future(exec_fn(namespace, pod, container, list(argv), proc_stdin, stdout, stderr))
    gone = asyncio.create_task(client_gone.wait())
    interrupt = asyncio.create_task(interrupted.wait())
    try:
        done, _ = await asyncio.wait({task, gone, interrupt}, return_when=asyncio.FIRST_COMPLETED)
        if task not in done and gone in done:
            # The client went away mid-command: stop the command, nothing left to tell.
            await _finish(task)
            return ws
        if task not in done:
            # ^C with no interactive shell in the foreground: SIGINT ends the command (128 + 2).
            await _finish(task)
            status = exit_status(argv, 130)
        else:
            try:
                rc = task.result()
                status = success_status() if not rc else exit_status(argv, int(rc))
            except Exception as exc:  # noqa: BLE001
                log.exception("exec %s in %s/%s (%s) failed", argv, namespace, name, container)
                status = internal_status(exc)
        if not ws.closed:
            try:
                await ws.send_bytes(b"\x03" + json.dumps(status, separators=(",", ":")).encode())
            except (ConnectionError, RuntimeError):
                pass
    finally:
        gone.cancel()
        interrupt.cancel()
        if not task.done():
            task.cancel()
        try:
            await asyncio.wait_for(ws.close(), timeout=5)
        except (TimeoutError, ConnectionError, RuntimeError):
            pass
        await _finish(reader_task)
    return ws
