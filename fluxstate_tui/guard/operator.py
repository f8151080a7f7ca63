"""The guard's kopf operator: its settings, its login, and the one handler.

kopf does the watching, the retries and the finalizer: a deletion handler that is not optional makes
kopf put its finalizer (ours, `fluxstate-tui/guard`) on every MiniCluster the handler's filter
matches, and remove it once the handler has succeeded, or when the filter stops matching an object
that is not being deleted (`protect --off`, or the annotation removed by hand). The filter
(`protect.wants_guard`) keeps matching a MiniCluster being deleted while our finalizer holds it, so
taking the annotation off during a deletion does not let the queue go undumped. The handler never
fails for good: every failure is kopf's TemporaryError, tried again with a growing delay, because a
permanently failed deletion handler would have kopf remove the finalizer. Only a verified dump, or a
person's `guard --release`, lets the MiniCluster go.

kopf talks to the API server with its own aiohttp client; its login handler builds that client's
credentials from the same kubeconfig, context and in-cluster fallback as every other command
(kube/client.py), so `--kubeconfig/--context` mean the same here. It runs standalone (no kopf peering
objects): two guards may run, the MiniCluster's Lease lets only one dump it. kopf's own progress is
kept in annotations under `guard.fluxstate-tui/` (never in status: the operator owns status, and a
real CRD's structural schema would prune it).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import kopf

from ..kube.client import KubeClient, Target
from ..kube.errors import KubeError
from ..kube.lease import current_holder
from ..kube.resources import GVP, MiniCluster
from ..workflows.events import Event, WorkflowError
from ..workflows.guard_dump import IDLE_TIMEOUT, guard_dump
from ..workflows.locking import Busy
from ..workflows.protect import FINALIZER, KOPF_PREFIX, wants_guard

BUSY_DELAY = 10.0        # seconds before trying again while another workflow holds the lock
FIRST_RETRY = 30.0       # seconds after a failed dump; doubles up to MAX_RETRY
MAX_RETRY = 600.0

log = logging.getLogger(__name__)


@dataclass
class GuardOptions:
    target: Target
    all_namespaces: bool = False
    idle_timeout: float = IDLE_TIMEOUT
    keep: int = 3
    liveness: str | None = None   # kopf's health endpoint, e.g. http://0.0.0.0:8080/healthz


class NoDiffBase(kopf.DiffBaseStorage):
    """The guard has no create or update handlers, so it keeps no copy of the spec on the object
    (kopf's default writes the whole spec into an annotation)."""

    def fetch(self, *, body: Any) -> Any:
        return None

    def store(self, *, body: Any, patch: Any, essence: Any) -> None:
        return None


async def connection_info(kube: KubeClient) -> kopf.ConnectionInfo:
    """kopf's credentials from our client's configuration (token, client certificate, CA, proxy)."""
    cfg = kube.configuration
    header = await cfg.get_api_key_with_prefix("BearerToken", alias="authorization") or ""
    scheme, _, token = header.partition(" ") if " " in header else ("Bearer" if header else "", "", header)
    return kopf.ConnectionInfo(
        server=cfg.host, ca_path=cfg.ssl_ca_cert or None, insecure=not cfg.verify_ssl,
        username=cfg.username or None, password=cfg.password or None, scheme=scheme or None, token=token or None,
        certificate_path=cfg.cert_file or None, private_key_path=cfg.key_file or None,
        default_namespace=kube.namespace, proxy_url=cfg.proxy or None)


def retry_delay(retry: int) -> float:
    return min(MAX_RETRY, FIRST_RETRY * 2 ** min(retry, 10))


def logged(logger: Any):
    """The engine's progress as the guard's log lines (per MiniCluster, through kopf's object logger)."""
    def emit(event: Event) -> None:
        if event.kind in ("step", "log", "done", "failed") and event.message:
            logger.info(event.message)
    return emit


def build_registry(options: GuardOptions) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.startup(registry=registry)
    async def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
        settings.persistence.finalizer = FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=KOPF_PREFIX)
        settings.persistence.diffbase_storage = NoDiffBase()
        settings.posting.enabled = False       # the engine posts its own Events, one per outcome
        settings.scanning.disabled = True      # no CRD or namespace watching: fewer permissions
        settings.watching.server_timeout = 300  # re-list now and then, through proxies that cut long requests
        settings.watching.client_timeout = 330
        memo.kube = await KubeClient.connect(options.target)

    @kopf.on.cleanup(registry=registry)
    async def close(memo: kopf.Memo, **_: Any) -> None:
        kube = getattr(memo, "kube", None)
        if kube is not None:
            await kube.close()

    @kopf.on.login(registry=registry)
    async def login(**_: Any) -> kopf.ConnectionInfo:
        # Loaded anew at each login: kopf logs in again on a 401, and a refreshed token is then read.
        async with await KubeClient.connect(options.target) as kube:
            return await connection_info(kube)

    def matches(body: Any, **_: Any) -> bool:
        return wants_guard(dict(body))

    @kopf.on.delete(GVP["group"], GVP["version"], GVP["plural"], id="dump", when=matches, registry=registry,
                    errors=kopf.ErrorsMode.TEMPORARY, backoff=FIRST_RETRY)
    async def dump_before_delete(body: Any, memo: kopf.Memo, logger: Any, retry: int, **_: Any) -> dict:
        mc = MiniCluster.from_obj(dict(body))
        # Asked first so that a long recreate does not leave a refused audit line every BUSY_DELAY seconds;
        # the lock itself (in guard_dump) is what keeps two dumps apart.
        holder = await current_holder(memo.kube, mc.namespace, mc.name)
        if holder is not None:
            raise kopf.TemporaryError(f"waiting for the lock: {holder.describe(mc.name)}", delay=BUSY_DELAY)
        try:
            outcome = await guard_dump(memo.kube, mc, idle_timeout=options.idle_timeout, keep=options.keep,
                                       progress=logged(logger))
        except Busy as exc:
            raise kopf.TemporaryError(f"waiting for the lock: {exc.message}", delay=BUSY_DELAY) from exc
        except (WorkflowError, KubeError) as exc:
            delay = retry_delay(retry)
            raise kopf.TemporaryError(f"not dumped, so {mc.name} is kept (tried again in {delay:g}s): "
                                      f"{exc.message}", delay=delay) from exc
        logger.info(outcome.text)
        return outcome.to_json()

    return registry


def configure_logging(verbose: bool) -> None:
    """kopf's log format, each line about a MiniCluster prefixed with its namespace/name."""
    kopf.configure(verbose=verbose, log_prefix=True)
    if not verbose:
        logging.getLogger("aiohttp").setLevel(logging.WARNING)


async def run(options: GuardOptions, namespace: str, *, stop_flag: Any = None, ready_flag: Any = None) -> None:
    """Run the guard until stopped (SIGINT/SIGTERM, or `stop_flag`), watching `namespace` or, with
    all_namespaces, the whole cluster."""
    namespaces: Collection[str] = () if options.all_namespaces else (namespace,)
    await kopf.operator(registry=build_registry(options), standalone=True, clusterwide=options.all_namespaces,
                        namespaces=namespaces, liveness_endpoint=options.liveness, stop_flag=stop_flag,
                        ready_flag=ready_flag, memo=kopf.Memo())
