"""GET pods/{name}/log: the container's text, with kubectl's errors for containers not started yet."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..timefmt import rfc3339
from .errors import ApiError
from .exec_ws import all_container_names, container_status, default_container
from .logs import PodLogs, limit
from .store import Store
from .wire import flag, int_param


async def pod_log(request: web.Request, store: Store, logs: PodLogs, stop: asyncio.Event, namespace: str,
                  name: str) -> web.StreamResponse:
    """GET pods/log: the container's text, or with follow=true a stream until the container ends."""
    q = request.query
    pod = store.get("pods", namespace, name)
    if pod is None:
        raise ApiError.not_found("pods", name)
    containers, inits = all_container_names(pod)
    container = q.get("container")
    if not container:
        ann = (pod.get("metadata") or {}).get("annotations") or {}
        if len(containers) == 1:
            container = containers[0]
        elif ann.get("kubectl.kubernetes.io/default-container") in containers:
            container = default_container(pod)
        else:
            msg = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
            if inits:
                msg += f" or one of the init containers: [{' '.join(inits)}]"
            raise ApiError.bad_request(msg)
    if container not in containers + inits:
        raise ApiError.bad_request(f"container {container} is not valid for pod {name}")
    if flag(q, "previous"):
        raise ApiError.bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
    cs = container_status(pod, container)
    waiting = ((cs or {}).get("state") or {}).get("waiting")
    has_text = logs.has(namespace, name, container)
    if waiting is not None and not has_text:
        reason = waiting.get("reason") or "ContainerCreating"
        raise ApiError.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
    if cs is None and not has_text and (pod.get("status") or {}).get("phase", "Pending") == "Pending":
        reason = "PodInitializing" if container in containers and inits else "ContainerCreating"
        raise ApiError.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
    tail_lines = int_param(q, "tailLines")
    limit_bytes = int_param(q, "limitBytes")
    timestamps = flag(q, "timestamps")
    since = int_param(q, "sinceSeconds")
    if not flag(q, "follow"):
        text = logs.read(namespace, name, container, tail_lines)
        if timestamps:
            text = _stamp(text, store.now())
        text = limit(text, limit_bytes)
        if since is not None:
            pass  # buffers carry no per-line times: sinceSeconds returns everything kept
        return web.Response(text=text, content_type="text/plain")
    resp = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    sent = 0
    follower = logs.follow(namespace, name, container, tail_lines)
    stopper = asyncio.ensure_future(stop.wait())
    nxt: asyncio.Future | None = None
    try:
        while True:
            nxt = asyncio.ensure_future(follower.__anext__())
            done, _ = await asyncio.wait({nxt, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if nxt not in done:
                break
            try:
                chunk = nxt.result()
            except StopAsyncIteration:
                break
            if timestamps:
                chunk = _stamp(chunk, store.now())
            data = chunk.encode()
            if limit_bytes is not None and limit_bytes > 0:
                data = data[: max(0, limit_bytes - sent)]
            if data:
                await resp.write(data)
                sent += len(data)
            if limit_bytes is not None and limit_bytes > 0 and sent >= limit_bytes:
                break
        await resp.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        stopper.cancel()
        # The generator cannot be closed while a __anext__ is still running in it.
        if nxt is not None and not nxt.done():
            nxt.cancel()
            await asyncio.gather(nxt, return_exceptions=True)
        await follower.aclose()
    return resp

def _stamp(text: str, now: float) -> str:
    """`timestamps=true`: the buffers keep no per-line times, so every line gets the current time."""
    stamp = rfc3339(now).replace("Z", ".000000000Z")
    return "".join(f"{stamp} {line}" for line in text.splitlines(keepends=True))


