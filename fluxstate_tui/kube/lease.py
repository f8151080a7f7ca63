"""A Kubernetes Lease as a lock: one fluxstate-tui workflow per MiniCluster at a time, across processes
and machines.

The Lease `fluxstate-tui-<minicluster>` (coordination.k8s.io/v1, in the MiniCluster's namespace) says
who holds it (holderIdentity `user@host (pid N)`), for which workflow (annotation), since when
(acquireTime) and when it was last renewed (renewTime, every RENEW seconds while the workflow runs).
A holder that has not renewed for leaseDurationSeconds is presumed dead (killed, its machine gone)
and may be taken over. On the holder's own machine there is no need to wait that long: a holder
whose process is no longer running there (SIGKILL, a crash) is taken over at once, so the rerun of a
killed recreate continues straight away. "Its own machine" is a digest of hostname, boot id and
machine id in an annotation, never the hostname alone (two laptops are both called "localhost");
a pid that was reused looks alive, which only means waiting for the lease to go stale. The holder
deletes the Lease when it is done.

Every write is conditional, so two processes never both believe they hold it: a create fails with 409
AlreadyExists if another process created it first, and an update or delete carries the resourceVersion
that was read, so a concurrent change makes it fail with 409 Conflict; the loser reads again and then
sees the winner. Staleness is judged by this machine's clock against the holder's renewTime, so clocks
more than a few seconds apart shorten or lengthen the grace a dead holder gets.
"""

from __future__ import annotations

import asyncio
import functools
import getpass
import hashlib
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .client import KubeClient
from .errors import KubeError, NotFound

PREFIX = "fluxstate-tui-"
WORKFLOW_KEY = "fluxstate-tui/workflow"
MACHINE_KEY = "fluxstate-tui/machine"
PID_KEY = "fluxstate-tui/pid"
# Two holders in one process (the TUI's worker and a test's second coroutine) share user, host and
# pid: a random token per acquisition tells them apart.
TOKEN_KEY = "fluxstate-tui/token"
DURATION = 30   # seconds without a renewal before a holder is presumed dead
RENEW = 10      # seconds between renewals: two may fail before the lease goes stale
ATTEMPTS = 8    # reads and conditional writes before giving up on a lease that keeps changing


def lease_name(minicluster: str) -> str:
    return PREFIX + minicluster


def identity() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container with an arbitrary uid)
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()} (pid {os.getpid()})"


@functools.cache
def machine() -> str:
    """This machine (or container), as a digest; "" where there is no boot or machine id to tell it by."""
    ids = []
    for path in ("/proc/sys/kernel/random/boot_id", "/etc/machine-id"):
        try:
            ids.append(Path(path).read_text().strip())
        except OSError:
            pass
    if not any(ids):
        return ""
    return hashlib.sha256("\n".join([socket.gethostname(), *ids]).encode()).hexdigest()[:16]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def now_utc() -> datetime:
    return datetime.now(UTC)


def micro(when: datetime) -> datetime:
    """A MicroTime the API server accepts: it decodes with Go's RFC3339Micro, six fractional digits
    exactly, and the client drops the fraction of a time with microsecond 0."""
    return when if when.microsecond else when.replace(microsecond=1)


def clock(when: datetime | None) -> str:
    """A time as people here read it: local HH:MM:SS, with the date when it is not today."""
    if when is None:
        return "an unknown time"
    local = when.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M:%S")


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


@dataclass
class Holder:
    """What a Lease says about who holds it."""

    identity: str
    workflow: str
    token: str
    acquired: datetime | None
    renewed: datetime | None
    duration: int
    transitions: int
    resource_version: str
    uid: str
    machine: str = ""
    pid: int | None = None

    @classmethod
    def of(cls, lease: Any) -> Holder:
        meta, spec = lease.metadata, lease.spec
        annotations = (meta.annotations if meta else None) or {}
        pid = annotations.get(PID_KEY, "")
        return cls(identity=(spec.holder_identity if spec else None) or "",
                   workflow=annotations.get(WORKFLOW_KEY, ""), token=annotations.get(TOKEN_KEY, ""),
                   acquired=spec.acquire_time if spec else None, renewed=spec.renew_time if spec else None,
                   duration=(spec.lease_duration_seconds if spec else None) or DURATION,
                   transitions=(spec.lease_transitions if spec else None) or 0,
                   resource_version=meta.resource_version or "", uid=meta.uid or "",
                   machine=annotations.get(MACHINE_KEY, ""), pid=int(pid) if pid.isdigit() else None)

    def stale(self, now: datetime) -> bool:
        """Nobody holds it, or its holder stopped renewing it for longer than it promised."""
        last = self.renewed or self.acquired
        return not self.identity or last is None or last + timedelta(seconds=self.duration) < now

    def dead_here(self) -> bool:
        """Its holder ran on this machine and its process is gone."""
        return bool(self.machine) and self.machine == machine() and self.pid is not None and not pid_alive(self.pid)

    def free(self, now: datetime) -> bool:
        return self.stale(now) or self.dead_here()

    def describe(self, minicluster: str, now: datetime | None = None) -> str:
        now = now or now_utc()
        return (f"{self.workflow or 'a workflow'} of {minicluster} is running: held by {self.identity} since "
                f"{clock(self.acquired)}, renewed {ago(self.renewed or self.acquired, now)}")

    def to_json(self) -> dict:
        return {"holder": self.identity, "workflow": self.workflow,
                "acquired": self.acquired.isoformat() if self.acquired else None,
                "renewed": self.renewed.isoformat() if self.renewed else None, "duration": self.duration}


class LeaseHeld(KubeError):
    """Another live holder has the MiniCluster's lease."""

    def __init__(self, minicluster: str, holder: Holder) -> None:
        super().__init__(holder.describe(minicluster))
        self.minicluster = minicluster
        self.holder = holder


class LeaseLost(KubeError):
    """Our lease was taken over (we stopped renewing for too long) or deleted under us."""


def _conflict(err: BaseException) -> bool:
    """A 409 (AlreadyExists or Conflict): KubeClient.call keeps the ApiException as the cause."""
    # start-up speed: the client loads on connecting, not with the modules the TUI draws with (kube/client.py)
    from kubernetes.aio.client.exceptions import ApiException

    cause = err.__cause__
    return isinstance(cause, ApiException) and cause.status == 409


class Lease:
    """The lock on one MiniCluster, as this process sees it."""

    def __init__(self, kube: KubeClient, namespace: str, minicluster: str, workflow: str, *,
                 duration: int = DURATION) -> None:
        self.kube = kube
        self.namespace = namespace
        self.minicluster = minicluster
        self.name = lease_name(minicluster)
        self.workflow = workflow
        self.duration = duration
        self.identity = identity()
        self.token = uuid.uuid4().hex
        # start-up speed: the client loads on connecting, not with the modules the TUI draws with (kube/client.py)
        from kubernetes.aio import client as aclient

        self.api = aclient.CoordinationV1Api(kube.api)

    async def _call(self, awaitable, verb: str):
        return await self.kube.call(awaitable, verb=verb, resource="leases", namespace=self.namespace, name=self.name)

    async def read(self) -> Any | None:
        try:
            return await self._call(self.api.read_namespaced_lease(self.name, self.namespace), "get")
        except NotFound:
            return None

    def _body(self, acquired: datetime, transitions: int, resource_version: str | None = None) -> Any:
        # start-up speed: the client loads on connecting, not with the modules the TUI draws with (kube/client.py)
        from kubernetes.aio import client as aclient

        return aclient.V1Lease(
            api_version="coordination.k8s.io/v1", kind="Lease",
            metadata=aclient.V1ObjectMeta(
                name=self.name, namespace=self.namespace, resource_version=resource_version,
                labels={"app.kubernetes.io/managed-by": "fluxstate-tui"},
                annotations={WORKFLOW_KEY: self.workflow, TOKEN_KEY: self.token, MACHINE_KEY: machine(),
                             PID_KEY: str(os.getpid()), "fluxstate-tui/minicluster": self.minicluster}),
            spec=aclient.V1LeaseSpec(holder_identity=self.identity, lease_duration_seconds=self.duration,
                                     acquire_time=micro(acquired), renew_time=micro(now_utc()),
                                     lease_transitions=transitions))

    async def acquire(self) -> Holder | None:
        """Take the lease. Returns the stale holder it was taken from (None if it was free); raises
        LeaseHeld naming a live holder."""
        for _ in range(ATTEMPTS):
            current = await self.read()
            if current is None:
                try:
                    await self._call(self.api.create_namespaced_lease(self.namespace, self._body(now_utc(), 0)),
                                     "create")
                    return None
                except KubeError as exc:
                    if _conflict(exc):
                        continue  # created by another process since we read: read it again
                    raise
            holder = Holder.of(current)
            if holder.token == self.token:
                return None
            if not holder.free(now_utc()):
                raise LeaseHeld(self.minicluster, holder)
            body = self._body(now_utc(), holder.transitions + 1, holder.resource_version)
            try:
                await self._call(self.api.replace_namespaced_lease(self.name, self.namespace, body), "update")
            except KubeError as exc:
                if _conflict(exc):
                    continue  # someone else renewed or took it over since we read
                raise
            return holder if holder.identity else None
        raise KubeError(f"the lease {self.namespace}/{self.name} kept changing while it was being taken: try again")

    async def renew(self) -> None:
        """Move renewTime to now; LeaseLost if it is no longer ours."""
        for _ in range(ATTEMPTS):
            current = await self.read()
            holder = Holder.of(current) if current is not None else None
            if current is None or holder is None or holder.token != self.token:
                who = f"taken over by {holder.identity}" if holder and holder.identity else "deleted"
                raise LeaseLost(f"the lock on {self.minicluster} was {who} while {self.workflow} ran "
                                "(it was not renewed in time)")
            current.spec.renew_time = micro(now_utc())
            if current.spec.acquire_time is not None:
                current.spec.acquire_time = micro(current.spec.acquire_time)
            try:
                await self._call(self.api.replace_namespaced_lease(self.name, self.namespace, current), "update")
                return
            except KubeError as exc:
                if not _conflict(exc):
                    raise

    async def keep(self, on_lost: Callable[[LeaseLost], None], every: float = RENEW) -> None:
        """Renew until cancelled. A failed renewal (the API unreachable a moment) is tried again at the
        next tick: the lease is lost only when someone else holds it."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.renew()
            except LeaseLost as exc:
                on_lost(exc)
                return
            except KubeError:
                continue

    async def release(self) -> None:
        """Delete the lease if it is still ours (the precondition makes that check and the delete one
        step); a lease taken over meanwhile is left to its new holder."""
        for _ in range(ATTEMPTS):
            current = await self.read()
            if current is None:
                return
            holder = Holder.of(current)
            if holder.token != self.token:
                return
            # start-up speed: the client loads on connecting, not with the modules the TUI draws with
            from kubernetes.aio import client as aclient

            options = aclient.V1DeleteOptions(preconditions=aclient.V1Preconditions(
                uid=holder.uid, resource_version=holder.resource_version))
            try:
                await self._call(self.api.delete_namespaced_lease(self.name, self.namespace, body=options), "delete")
                return
            except NotFound:
                return
            except KubeError as exc:
                if not _conflict(exc):
                    raise


async def current_holder(kube: KubeClient, namespace: str, minicluster: str) -> Holder | None:
    """Who holds the MiniCluster's lease now (None if nobody, or only a stale holder)."""
    lease = await Lease(kube, namespace, minicluster, "").read()
    if lease is None:
        return None
    holder = Holder.of(lease)
    return None if holder.free(now_utc()) else holder
