"""The aiohttp application: URL routing, content negotiation and the HTTP side of every verb."""

from __future__ import annotations

import asyncio
import json
import logging

import yaml
from aiohttp import web

from ..timefmt import rfc3339
from .discovery import (
    AGGREGATED_TYPE,
    VERSION,
    aggregated,
    api_group,
    api_group_list,
    api_resource_list,
    api_versions,
    openapi_doc,
    openapi_root,
    wants_aggregated,
)
from .errors import ApiError
from .exec_ws import ExecFn, all_container_names, container_status, default_container, handle_exec
from .logs import PodLogs, limit
from .rbac import Policy, verb_of
from .resources import Resource, find, resources_in
from .store import Store
from .tables import table
from .wire import (
    PATCH_TYPES,
    check_type,
    dumps,
    error_response,
    flag,
    int_param,
    is_dry_run,
    read_body,
    respond,
    wants_table,
)

log = logging.getLogger(__name__)

STORE = web.AppKey("store", Store)
LOGS = web.AppKey("logs", PodLogs)
EXEC = web.AppKey("exec_fn", object)
STOP = web.AppKey("stop", asyncio.Event)

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_WATCH_TIMEOUT = 1800.0


class ApiServer:
    def __init__(self, store: Store, logs: PodLogs, exec_fn: ExecFn, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        self.store = store
        self.logs = logs
        self.exec_fn = exec_fn
        self.stop = asyncio.Event()

    # -- entry point ------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self.route(request)
        except ApiError as err:
            return error_response(err)
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001
            log.exception("internal error serving %s %s", request.method, request.path_qs)
            return error_response(ApiError(500, "InternalError", f"Internal error occurred: {exc}"))

    async def route(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        method = request.method
        if method in ("GET", "HEAD"):
            simple = self.simple_get(request, parts)
            if simple is not None:
                return simple
        if parts == ["apis", "authorization.k8s.io", "v1", "selfsubjectaccessreviews"] and method == "POST":
            return respond(self.policy.review(await read_body(request)), status=201)
        if len(parts) >= 2 and parts[0] == "api" and parts[1] == "v1":
            return await self.resource_request(request, "", "v1", parts[2:])
        if len(parts) >= 3 and parts[0] == "apis":
            return await self.resource_request(request, parts[1], parts[2], parts[3:])
        raise ApiError.unknown_url()

    def simple_get(self, request: web.Request, parts: list[str]) -> web.Response | None:
        if parts == ["version"]:
            return respond(VERSION)
        if parts in (["healthz"], ["livez"], ["readyz"]):
            return web.Response(text="ok", content_type="text/plain")
        if parts == ["api"] or parts == ["apis"]:
            agg = wants_aggregated(request.headers.get("Accept", ""))
            if agg:
                ctype = AGGREGATED_TYPE if agg == "v2" else AGGREGATED_TYPE.replace("v=v2", "v=v2beta1")
                resp = web.Response(text=dumps(aggregated(parts == ["api"], agg)))
                resp.headers["Content-Type"] = ctype
                return resp
            if parts == ["api"]:
                host = request.host or "127.0.0.1"
                return respond(api_versions(host))
            return respond(api_group_list())
        if parts == ["api", "v1"]:
            return respond(api_resource_list("", "v1"))
        if len(parts) == 2 and parts[0] == "apis":
            body = api_group(parts[1])
            if body is None:
                raise ApiError.unknown_url()
            return respond(body)
        if len(parts) == 3 and parts[0] == "apis":
            body = api_resource_list(parts[1], parts[2])
            if body is None:
                raise ApiError.unknown_url()
            return respond(body)
        if parts[:2] == ["openapi", "v3"]:
            if len(parts) == 2:
                return respond(openapi_root())
            rest = parts[2:]
            doc = None
            if rest[:1] == ["api"] and len(rest) == 2:
                doc = openapi_doc("", rest[1])
            elif rest[:1] == ["apis"] and len(rest) == 3:
                doc = openapi_doc(rest[1], rest[2])
            if doc is None:
                raise ApiError.unknown_url()
            return respond(doc)
        return None

    # -- resource URLs ----------------------------------------------------------------------

    async def resource_request(self, request: web.Request, group: str, version: str,
                               rest: list[str]) -> web.StreamResponse:
        if not resources_in(group, version):
            raise ApiError.unknown_url()
        namespace: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces" and find(group, version, rest[2]) is not None \
                and find(group, version, rest[2]).namespaced:
            namespace = rest[1]
            rest = rest[2:]
        if not rest:
            raise ApiError.unknown_url()
        res = find(group, version, rest[0])
        if res is None or len(rest) > 3:
            raise ApiError.unknown_url()
        if res.namespaced and namespace is None and len(rest) > 1:
            raise ApiError.unknown_url()  # a namespaced item needs /namespaces/<ns>/
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else None
        method = request.method
        watch = request.query.get("watch") in ("true", "1")
        verb = "create" if sub in ("exec", "attach") else verb_of(method, name, watch)
        self.policy.check(verb, group, res.plural, sub, namespace, name)
        if name is None:
            if method == "GET":
                return await self.list_or_watch(request, res, namespace)
            if method == "POST":
                return await self.create(request, res, namespace)
            if method == "DELETE":
                return await self.delete_collection(request, res, namespace)
            raise ApiError.method_not_allowed()
        if sub is None:
            if method == "GET":
                obj = self.store.get(res.plural, namespace, name)
                if obj is None:
                    raise ApiError.not_found(res.plural, name)
                return self.object_response(request, res, obj)
            if method == "PUT":
                body = check_type(res, await read_body(request))
                return respond(self.store.replace(res.plural, namespace, name, body, dry_run=is_dry_run(request)))
            if method == "PATCH":
                return await self.patch(request, res, namespace, name, None)
            if method == "DELETE":
                return await self.delete(request, res, namespace, name)
            raise ApiError.method_not_allowed()
        if sub not in res.subresources:
            raise ApiError.unknown_url()
        if sub == "exec":
            if method not in ("GET", "POST"):
                raise ApiError.method_not_allowed()
            return await handle_exec(request, self.store, self.exec_fn, namespace or "", name)
        if sub == "log":
            if method != "GET":
                raise ApiError.method_not_allowed()
            return await self.pod_log(request, namespace or "", name)
        if sub == "status":
            if method == "GET":
                obj = self.store.get(res.plural, namespace, name)
                if obj is None:
                    raise ApiError.not_found(res.plural, name)
                return respond(obj)
            if method == "PUT":
                body = check_type(res, await read_body(request))
                return respond(self.store.replace_status(res.plural, namespace, name, body,
                                                         dry_run=is_dry_run(request)))
            if method == "PATCH":
                return await self.patch(request, res, namespace, name, "status")
            raise ApiError.method_not_allowed()
        if sub == "scale":
            if method == "GET":
                return respond(self.store.get_scale(res.plural, namespace, name))
            if method == "PUT":
                body = await read_body(request)
                if not isinstance(body, dict):
                    raise ApiError.bad_request("couldn't get version/kind; json parse error: expected an object")
                return respond(self.store.replace_scale(res.plural, namespace, name, body, dry_run=is_dry_run(request)))
            if method == "PATCH":
                return await self.patch(request, res, namespace, name, "scale")
            raise ApiError.method_not_allowed()
        raise ApiError.unknown_url()

    def object_response(self, request: web.Request, res: Resource, obj: dict) -> web.Response:
        if wants_table(request):
            return respond(table(res.plural, [obj], self.store.now(), obj["metadata"].get("resourceVersion")))
        return respond(obj)

    # -- verbs ------------------------------------------------------------------------------

    async def list_or_watch(self, request: web.Request, res: Resource, namespace: str | None) -> web.StreamResponse:
        q = request.query
        label_selector = q.get("labelSelector")
        field_selector = q.get("fieldSelector")
        if flag(q, "watch"):
            return await self.watch(request, res, namespace, label_selector, field_selector)
        items = self.store.list(res.plural, namespace, label_selector, field_selector)
        rv = str(self.store.resource_version)
        if wants_table(request):
            return respond(table(res.plural, items, self.store.now(), rv))
        return respond({"kind": res.list_kind, "apiVersion": res.api_version, "metadata": {"resourceVersion": rv},
                        "items": items})

    async def watch(self, request: web.Request, res: Resource, namespace: str | None,
                    label_selector: str | None, field_selector: str | None) -> web.StreamResponse:
        q = request.query
        timeout = int_param(q, "timeoutSeconds")
        as_table = wants_table(request)
        stream = self.store.watch(res.plural, namespace, label_selector, field_selector, q.get("resourceVersion"),
                                  float(timeout) if timeout is not None else DEFAULT_WATCH_TIMEOUT, stop=self.stop)
        self.store.check_watch(res.plural, label_selector, field_selector, q.get("resourceVersion"))
        resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json",
                                                       "Cache-Control": "no-cache, private"})
        resp.enable_chunked_encoding()
        first = True
        try:
            await resp.prepare(request)
            try:
                async for ev in stream:
                    if as_table:
                        ev = {"type": ev["type"], "object": table(res.plural, [ev["object"]], self.store.now(),
                                                                   ev["object"]["metadata"].get("resourceVersion"),
                                                                   columns=first)}
                        first = False
                    await resp.write((dumps(ev) + "\n").encode())
            except ApiError as err:
                await resp.write((dumps({"type": "ERROR", "object": err.status()}) + "\n").encode())
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            await stream.aclose()
        return resp

    async def create(self, request: web.Request, res: Resource, namespace: str | None) -> web.Response:
        body = check_type(res, await read_body(request))
        dry_run = is_dry_run(request)
        if res.has_status:
            body.pop("status", None)
        obj = self.store.create(res.plural, namespace, body, dry_run=dry_run)
        return respond(obj, 201)

    async def patch(self, request: web.Request, res: Resource, namespace: str | None, name: str,
                    sub: str | None) -> web.Response:
        ctype = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        patch_type = PATCH_TYPES.get(ctype)
        if patch_type is None or (patch_type == "strategic" and res.custom):
            accepted = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
            if not res.custom:
                accepted.append("application/strategic-merge-patch+json")
            raise ApiError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media types include: "
                           f"{', '.join(accepted)}")
        raw = await request.read()
        try:
            body = yaml.safe_load(raw) if patch_type == "apply" else json.loads(raw)
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ApiError.bad_request(f"error decoding patch: {exc}") from None
        if patch_type == "apply":
            if request.query.get("fieldManager") in (None, ""):
                raise ApiError.bad_request("PATCH with apply requires a fieldManager")
            check_type(res, body)
        obj, created = self.store.apply_patch(res.plural, namespace, name, body, patch_type, sub,
                                              dry_run=is_dry_run(request))
        return respond(obj, 201 if created else 200)

    async def _delete_options(self, request: web.Request) -> tuple[str | None, int | None, bool, dict]:
        q = request.query
        propagation = q.get("propagationPolicy")
        grace = int_param(q, "gracePeriodSeconds")
        body: dict = {}
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ApiError.bad_request(f"couldn't get version/kind; json parse error: {exc}") from None
            if not isinstance(body, dict):
                raise ApiError.bad_request("couldn't get version/kind; json parse error: expected an object")
        propagation = body.get("propagationPolicy") or propagation
        if propagation is None and body.get("orphanDependents") is not None:
            propagation = "Orphan" if body["orphanDependents"] else "Background"
        if body.get("gracePeriodSeconds") is not None:
            grace = int(body["gracePeriodSeconds"])
        dry_run = is_dry_run(request, body)
        preconditions = body.get("preconditions") or {}
        if not isinstance(preconditions, dict):
            raise ApiError.bad_request("couldn't get version/kind; json parse error: preconditions must be an object")
        return propagation, grace, dry_run, preconditions

    async def delete(self, request: web.Request, res: Resource, namespace: str | None, name: str) -> web.Response:
        propagation, grace, dry_run, preconditions = await self._delete_options(request)
        return respond(self.store.delete(res.plural, namespace, name, propagation, grace, dry_run, preconditions))

    async def delete_collection(self, request: web.Request, res: Resource, namespace: str | None) -> web.Response:
        propagation, grace, dry_run, _ = await self._delete_options(request)
        q = request.query
        items = self.store.list(res.plural, namespace, q.get("labelSelector"), q.get("fieldSelector"))
        for obj in items:
            try:
                self.store.delete(res.plural, obj["metadata"].get("namespace"), obj["metadata"]["name"],
                                  propagation, grace, dry_run)
            except ApiError as err:
                if err.code != 404:
                    raise
        return respond({"kind": res.list_kind, "apiVersion": res.api_version,
                        "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": items})

    # -- pod logs ---------------------------------------------------------------------------

    async def pod_log(self, request: web.Request, namespace: str, name: str) -> web.StreamResponse:
        q = request.query
        pod = self.store.get("pods", namespace, name)
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
        has_text = self.logs.has(namespace, name, container)
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
            text = self.logs.read(namespace, name, container, tail_lines)
            if timestamps:
                text = self._stamp(text, pod, container)
            text = limit(text, limit_bytes)
            if since is not None:
                pass  # buffers carry no per-line times: sinceSeconds returns everything kept
            return web.Response(text=text, content_type="text/plain")
        resp = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        sent = 0
        follower = self.logs.follow(namespace, name, container, tail_lines)
        stopper = asyncio.ensure_future(self.stop.wait())
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
                    chunk = self._stamp(chunk, pod, container)
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

    def _stamp(self, text: str, pod: dict, container: str) -> str:
        """`timestamps=true`: the buffers keep no per-line times, so every line gets the current time."""
        now = rfc3339(self.store.now()).replace("Z", ".000000000Z")
        return "".join(f"{now} {line}" for line in text.splitlines(keepends=True))


def make_app(store: Store, logs: PodLogs, exec_fn: ExecFn, policy: Policy | None = None) -> web.Application:
    server = ApiServer(store, logs, exec_fn, policy)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[STORE] = store
    app[LOGS] = logs
    app[EXEC] = exec_fn
    app[STOP] = server.stop

    async def on_shutdown(_app: web.Application) -> None:
        server.stop.set()

    app.on_shutdown.append(on_shutdown)
    app.router.add_route("*", "/{tail:.*}", server.handle)
    return app


async def serve(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> tuple[web.AppRunner, int]:
    if host not in LOOPBACK:
        raise ValueError(f"refusing to bind {host}: the demo server only listens on loopback")
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []  # noqa: SLF001
    actual = sockets[0].getsockname()[1] if sockets else port
    return runner, actual
