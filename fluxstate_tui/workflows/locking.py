"""One workflow per MiniCluster at a time: every mutating workflow runs holding the MiniCluster's Lease.

The lock is taken here, at the workflow entry points (`@locked("recreate")` on recreate, pause, resume,
dump, scale, archive delete/rename), so the CLI, the TUI and any other caller of the engine get it
without a line of their own. A workflow that runs another one (recreate pauses and dumps) already
holds the lock: the inner one sees that through a context variable and does not ask again, which
would refuse it against its own caller. Read-only commands never come here.

The same wrapper writes the audit log line of every locked workflow (workflows/audit.py), refused,
failed or done, and only for the outermost call: a pause inside a recreate is part of the recreate.

While the workflow runs, a task renews the lease. If it finds the lease taken over (this process was
stopped for longer than the lease lasts, and another took it as stale), the workflow is cancelled at
its next await and fails saying so: two workflows must not both go on. The lease is released however
the workflow ends (result, failure, Ctrl-C, a cancel from the TUI); after a SIGKILL it goes stale and
the next workflow takes it over, saying whose it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from ..kube import access
from ..kube.client import KubeClient
from ..kube.errors import KubeError
from ..kube.lease import Holder, Lease, LeaseHeld, LeaseLost, clock, now_utc
from ..kube.resources import MiniCluster, get_minicluster
from . import audit
from .events import Event, Progress, Refused, WorkflowError, quiet

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

# (server, namespace, name) of the MiniClusters whose lock the current task (and what it awaits) holds.
_HELD: ContextVar[frozenset[tuple[str, str, str]]] = ContextVar("fluxstate_tui_held_locks", default=frozenset())


class Busy(Refused):
    """Another workflow holds the MiniCluster's lock (its holder, since when, last renewal: in the message)."""

    def __init__(self, message: str, holder: Holder) -> None:
        super().__init__(message)
        self.holder = holder


def takeover_note(name: str, holder: Holder) -> str:
    last = holder.renewed or holder.acquired
    why = ("that process is no longer running on this machine" if holder.dead_here() else
           f"it was not renewed for over {holder.duration}s, so that run is presumed dead"
           + ("; if it was a recreate on another machine, its journal is there" if holder.workflow == "recreate"
              else ""))
    return (f"took over the lock on {name} from {holder.identity} ({holder.workflow or 'a workflow'}, last renewed "
            f"{clock(last)}): {why}")


@contextlib.asynccontextmanager
async def hold(kube: KubeClient, namespace: str, name: str, workflow: str,
               progress: Progress | None = None) -> AsyncIterator[None]:
    """Run the body holding the lock on MiniCluster namespace/name; Busy if another workflow holds it."""
    key = (kube.server, namespace, name)
    held = _HELD.get()
    if key in held:  # a workflow inside one that holds the lock already
        yield
        return
    emit = progress or quiet
    await access.check(kube, namespace, access.LEASE)
    lease = Lease(kube, namespace, name, workflow)
    try:
        previous = await lease.acquire()
    except LeaseHeld as exc:
        raise Busy(exc.message, exc.holder) from None
    if previous is not None:
        emit(Event("log", takeover_note(name, previous)))
    task = asyncio.current_task()
    lost: list[LeaseLost] = []

    def on_lost(exc: LeaseLost) -> None:
        lost.append(exc)
        if task is not None:
            task.cancel()

    keeper = asyncio.create_task(lease.keep(on_lost), name=f"renew {lease.name}")
    token = _HELD.set(held | {key})
    try:
        yield
    except asyncio.CancelledError:
        if lost and task is not None and task.uncancel() == 0:
            raise WorkflowError(f"{lost[0].message}; stopped at {now_utc().astimezone():%H:%M:%S} so that two "
                                "workflows do not run at once: check the MiniCluster, then run it again") from None
        raise
    finally:
        _HELD.reset(token)
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        try:
            await lease.release()
        except KubeError as exc:  # it goes stale by itself; the next workflow takes it over
            emit(Event("log", f"could not release the lock on {name} ({exc.message}); it expires in "
                              f"{lease.duration}s"))


async def unchanged(kube: KubeClient, mc: MiniCluster, workflow: str) -> None:
    """The caller read `mc` before the lock was taken (and perhaps asked a question about it meanwhile):
    if another workflow recreated it since, or resized it under a scale or recreate (whose question
    named the size), what was asked no longer holds."""
    fresh = await get_minicluster(kube, mc.name, mc.namespace)
    if fresh.uid != mc.uid or (fresh.size != mc.size and workflow in ("scale", "recreate")):
        what = "recreated" if fresh.uid != mc.uid else "resized"
        raise Refused(f"{mc.name} was {what} (size {mc.size} → {fresh.size}) since it was read for this {workflow}: "
                      "look at it again, then retry")


def locked(workflow: str) -> Callable[[F], F]:
    """Decorate a workflow `fn(kube, mc, ...)` (or `fn(kube, None, name=..., namespace=...)`) to run
    holding its MiniCluster's lock."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        async def run(*args: Any, **kwargs: Any) -> Any:
            kube: KubeClient = args[0] if args else kwargs["kube"]
            mc: MiniCluster | None = args[1] if len(args) > 1 else kwargs.get("mc")
            name = mc.name if mc is not None else kwargs.get("name")
            if not name:
                return await fn(*args, **kwargs)  # it refuses by itself: nothing to lock
            namespace = mc.namespace if mc is not None else (kwargs.get("namespace") or kube.namespace)
            if (kube.server, namespace, name) in _HELD.get():
                return await fn(*args, **kwargs)  # inside a workflow that holds the lock already
            emit = kwargs.get("progress") or quiet
            entry = audit.call_entry(workflow, fn, args, kwargs, context=kube.context, server=kube.server,
                                     namespace=namespace, name=name)
            async with audit.audited(entry, lambda why: emit(Event("log", f"warning: {why}"))) as note:
                async with hold(kube, namespace, name, workflow, kwargs.get("progress")):
                    if mc is not None:
                        await unchanged(kube, mc, workflow)
                    result = await fn(*args, **kwargs)
                audit.settle(note, result)
            if hasattr(result, "audit_error"):
                result.audit_error = note.error
            return result
        return cast(F, run)
    return wrap
