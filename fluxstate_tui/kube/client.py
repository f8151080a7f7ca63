"""Connecting to a cluster the way kubectl users expect, and turning API failures into KubeErrors.

KUBECONFIG (a colon-separated list is fine), `--kubeconfig`, `--context`, `-n` (default: the
context's namespace), `-A`; in a pod with no kubeconfig, the in-cluster service account.

The `kubernetes` client (about 0.3 s to import, and core/v1 some 0.03 s more: kube/apis.py) is imported
when a client connects, in a thread, never with this module, which the TUI imports before its first
frame: start-up speed. The lists read pods and nodes as JSON (`read`), without the client's models.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from .apis import CORE_V1, CORE_V1_MODELS, CUSTOM_OBJECTS
from .errors import ApiFailure, ConfigError, Forbidden, KubeError, NotFound, Unreachable

T = TypeVar("T")
SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
API_TIMEOUT = 10.0  # seconds for one API request


@dataclass
class Target:
    """Which cluster and namespace, as the user named them on the command line."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False


@cache
def import_client() -> None:
    """Import the client (some 0.3 s): what the first connection costs before anything else. `connect`
    runs it in a thread, so a TUI keeps drawing meanwhile."""
    with _kept_for_good():
        # start-up speed: see the module's docstring
        import kubernetes.aio.stream  # noqa: F401
        import yaml  # noqa: F401


def prepare_apis() -> None:
    """Build the API classes the lists call (kube/apis.py; some 40 ms the first time)."""
    import_client()
    with _kept_for_good():
        CORE_V1.prepare()
        CUSTOM_OBJECTS.prepare()


def make_clients(configuration: Any) -> tuple[Any, Any]:
    """The REST and the websocket client. Each builds a TLS context, which loads the system's CA bundle when
    the kubeconfig names no CA (a plain-http server, such as the demo's): some 20 ms each, in OpenSSL, which
    lets the other threads run."""
    # start-up speed: imported on connecting (see the module's docstring)
    from kubernetes.aio import client as aclient
    from kubernetes.aio.stream import WsApiClient

    return aclient.ApiClient(configuration=configuration), WsApiClient(configuration=configuration)


@cache
def load_models() -> None:
    """The API classes with the client's models (kube/apis.py CORE_V1_MODELS), which the lists never
    need: a TUI builds them in a thread once its first list is shown, rather than on its event loop
    (some 0.2 s) when a describe or a workflow first calls one of their endpoints."""
    prepare_apis()
    with _kept_for_good():
        CORE_V1_MODELS.prepare()


@contextmanager
def _kept_for_good() -> Iterator[None]:
    """No collection while the client's modules and classes are built (a collection every few thousand
    new objects finds no garbage then); then they are frozen out of the collector's way."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # The client's modules, classes and pydantic schemas (some 80,000 objects) live as long as the
        # process: out of the collector's way, later collections and the interpreter's exit skip them
        # (start-up speed: a command exits about 0.15 s sooner).
        gc.freeze()
        if collecting:
            gc.enable()


def kubeconfig_path(explicit: str | None) -> str:
    return explicit or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def _config_files_exist(path: str) -> bool:
    return any(Path(os.path.expanduser(p)).is_file() for p in path.split(os.pathsep) if p)


def list_contexts(kubeconfig: str | None = None) -> tuple[list[str], str | None]:
    """Context names in the kubeconfig and the current one (for a context switcher)."""
    contexts, current = _read_contexts(kubeconfig_path(kubeconfig))
    return [c["name"] for c in contexts], (current or {}).get("name")


def _read_contexts(path: str) -> tuple[list[dict], dict | None]:
    """The kubeconfig's contexts; anything unreadable (garbage YAML, a binary file, a directory, the
    wrong shape) is one ConfigError line, never a parser's traceback."""
    # start-up speed: the client's packages load with the first client, not with this module
    import yaml
    from kubernetes import config as sync_config
    from kubernetes.config.config_exception import ConfigException

    try:
        contexts, current = sync_config.list_kube_config_contexts(config_file=path)
        if not isinstance(contexts, list) or not all(isinstance(c, dict) and "name" in c for c in contexts):
            raise ValueError("its contexts are not a list of named contexts")
    except (ConfigException, OSError, ValueError, TypeError, AttributeError, KeyError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot read kubeconfig {path}: {first}") from exc
    return contexts, current if isinstance(current, dict) else None


class KubeClient:
    """An async client for one context: the official `kubernetes.aio` REST and websocket clients."""

    def __init__(self, configuration: Any, *, context: str, namespace: str, all_namespaces: bool = False,
                 clients: tuple[Any, Any] | None = None) -> None:
        """clients: the REST and websocket clients of `configuration`, made already (`make_clients`)."""
        self.configuration = configuration
        self.context = context
        self.namespace = namespace
        self.all_namespaces = all_namespaces
        self.server = configuration.host
        self.api, self.ws = clients or make_clients(configuration)
        self.core = CORE_V1(self.api)
        self.custom = CUSTOM_OBJECTS(self.api)
        self.ws_core = CORE_V1(self.ws)

    @classmethod
    async def connect(cls, target: Target) -> KubeClient:
        await asyncio.to_thread(import_client)  # the event loop (a TUI) runs on meanwhile
        # The API classes are cut (Python) while the clients are made (mostly OpenSSL): in two threads at
        # once, some 40 ms sooner (start-up speed).
        preparing = asyncio.ensure_future(asyncio.to_thread(prepare_apis))
        try:
            cfg, context, namespace = await cls._configure(target)
            clients = await asyncio.to_thread(make_clients, cfg)
        finally:
            await preparing
        return cls(cfg, context=context, namespace=namespace, all_namespaces=target.all_namespaces, clients=clients)

    @classmethod
    async def _configure(cls, target: Target) -> tuple[Any, str, str]:
        """The client configuration of the target's context, its name and the namespace."""
        # start-up speed: imported on connecting, by import_client() (see the module's docstring)
        import yaml
        from kubernetes.aio import client as aclient
        from kubernetes.aio import config as aconfig
        from kubernetes.config.config_exception import ConfigException

        cfg = aclient.Configuration()
        path = kubeconfig_path(target.kubeconfig)
        if not _config_files_exist(path):
            if os.environ.get("KUBERNETES_SERVICE_HOST") and target.kubeconfig is None and target.context is None:
                return cls._in_cluster(cfg, target)
            raise ConfigError(f"no kubeconfig at {path}: set KUBECONFIG or pass --kubeconfig "
                              "(or run `fluxstate-tui --demo` / `fluxstate-tui demo-server`)")
        contexts, current_context = _read_contexts(path)  # read once, for the names and the namespace
        names, current = [c["name"] for c in contexts], (current_context or {}).get("name")
        context = target.context or current
        if context is None:
            raise ConfigError(f"kubeconfig {path} has no current context: pass --context "
                              f"(one of: {', '.join(names) or 'none'})")
        if context not in names:
            raise ConfigError(f"context {context!r} not found in kubeconfig {path} "
                              f"(available: {', '.join(names) or 'none'})")
        try:
            await aconfig.load_kube_config(config_file=path, context=context, client_configuration=cfg,
                                           persist_config=False)
        except (ConfigException, OSError, ValueError, TypeError, AttributeError, KeyError, yaml.YAMLError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"cannot use context {context!r} from {path}: {first}") from exc
        ctx = next(c for c in contexts if c["name"] == context)
        namespace = target.namespace or (ctx.get("context") or {}).get("namespace") or "default"
        return cfg, context, namespace

    @classmethod
    def _in_cluster(cls, cfg: Any, target: Target) -> tuple[Any, str, str]:
        # start-up speed: imported on connecting (see the module's docstring)
        from kubernetes.aio import config as aconfig
        from kubernetes.config.config_exception import ConfigException

        try:
            aconfig.load_incluster_config(client_configuration=cfg)
        except ConfigException as exc:
            raise ConfigError(f"in-cluster configuration failed: {exc}") from exc
        namespace = target.namespace
        if namespace is None:
            namespace = SA_NAMESPACE.read_text().strip() if SA_NAMESPACE.exists() else "default"
        return cfg, "in-cluster", namespace

    async def close(self) -> None:
        await self.api.close()
        await self.ws.close()

    async def __aenter__(self) -> KubeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def call(self, awaitable: Awaitable[T], *, verb: str, resource: str,
                   namespace: str | None = None, name: str | None = None,
                   timeout: float = API_TIMEOUT) -> T:
        """Await one API call, bounded in time, with failures turned into KubeErrors."""
        try:
            return await asyncio.wait_for(awaitable, timeout)
        except TimeoutError as exc:
            raise Unreachable(f"the Kubernetes API at {self.server} did not answer within {timeout:g}s") from exc
        except BaseException as exc:
            raise self.translate(exc, verb=verb, resource=resource, namespace=namespace, name=name) from exc

    async def read(self, awaitable: Awaitable[Any], *, verb: str, resource: str, namespace: str | None = None,
                   name: str | None = None, timeout: float = API_TIMEOUT) -> Any:
        """call() for a `…_without_preload_content` endpoint: its JSON answer as dicts and lists, and an
        HTTP error as the ApiException the endpoint with models raises. The client's models cost a
        MiniCluster list more than the request itself: building the pod's (some 180 pydantic classes)
        takes about 0.15 s before the first listing: start-up speed."""
        return await self.call(_json(awaitable), verb=verb, resource=resource, namespace=namespace, name=name,
                               timeout=timeout)

    def translate(self, exc: BaseException, *, verb: str, resource: str, namespace: str | None = None,
                  name: str | None = None) -> BaseException:
        # start-up speed: loaded by the time a request fails (see the module's docstring)
        import aiohttp
        from kubernetes.aio.client.exceptions import ApiException

        if isinstance(exc, KubeError) or isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)):
            return exc
        if isinstance(exc, ApiException):
            message = _status_message(exc)
            if exc.status == 403:
                return Forbidden(verb, resource, namespace, message)
            if exc.status == 404 and name:
                return NotFound(_kind(resource), name, namespace)
            if exc.status == 401:
                return ApiFailure(f"unauthorized at {self.server}: check the credentials of context {self.context!r}")
            if exc.status == 0 or exc.status is None:
                return Unreachable(f"cannot reach the Kubernetes API at {self.server}: {exc.reason}")
            return ApiFailure(f"{verb} {resource} failed: {message or exc.reason} (HTTP {exc.status})")
        if isinstance(exc, (aiohttp.ClientConnectionError, ConnectionError, OSError)):
            return Unreachable(f"cannot reach the Kubernetes API at {self.server}: {_reason(exc)}")
        if isinstance(exc, aiohttp.ClientError):
            return Unreachable(f"talking to the Kubernetes API at {self.server} failed: {_reason(exc)}")
        return exc


async def _json(awaitable: Awaitable[Any]) -> Any:
    # loaded by the time a request is made (see the module's docstring)
    from kubernetes.aio.client.exceptions import ApiException
    from kubernetes.aio.client.rest import RESTResponse

    response = await awaitable  # aiohttp's response, its body not read yet
    data = await response.read()
    if not 200 <= response.status <= 299:
        # as the client's response_deserialize() raises it for the endpoint with models
        answer = RESTResponse(response)
        answer.data = data
        raise ApiException.from_response(http_resp=answer, body=None, data=None)
    return json.loads(data)


def _status_message(exc: Any) -> str:
    """The message of the Status in an ApiException's body."""
    try:
        return str(json.loads(exc.body or "{}").get("message", ""))
    except (ValueError, AttributeError):
        return ""


def _kind(resource: str) -> str:
    return {"miniclusters": "MiniCluster", "pods": "pod", "jobs": "job", "configmaps": "configmap"}.get(resource,
                                                                                                        resource)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "Connect call failed" in text or "Connection refused" in text or isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return text
