"""The aiohttp application: URL routing, content negotiation and the HTTP side of every verb."""

from __future__ import annotations

import asyncio
import json
import logging

import yaml
from aiohttp import web

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
from .events import VIEWS
from .exec_ws import ExecFn, handle_exec
from .logs import PodLogs
from .negotiate import Output, output
from .podlog import pod_log
from .rbac import Policy, self_subject_review, verb_of
from .resources import ALL_VERBS, RESOURCES, Resource, find, resources_in
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
)

log = logging.getLogger(__name__)

STORE = web.AppKey("store", Store)
LOGS = web.AppKey("logs", PodLogs)
EXEC = web.AppKey("exec_fn", object)
STOP = web.AppKey("stop", asyncio.Event)
OUTPUT = web.RequestKey("output", Output)  # the negotiated answer format, for handle()

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
        resp: web.StreamResponse
        try:
            resp = await self.route(request)
        except ApiError as err:
            resp = error_response(err)
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001
            log.exception("internal error serving %s %s", request.method, request.path_qs)
            resp = error_response(ApiError(500, "InternalError", f"Internal error occurred: {exc}"))
        out = request.get(OUTPUT)
        if out is not None and out.form == "yaml" and isinstance(resp, web.Response) \
                and resp.content_type == "application/json" and resp.text is not None:
            resp.text = yaml.safe_dump(json.loads(resp.text), sort_keys=False)
            resp.content_type = "application/yaml"
        return resp

    async def route(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        method = request.method
        if method in ("GET", "HEAD"):
            simple = self.simple_get(request, parts)
            if simple is not None:
                return simple
        if parts[:3] == ["apis", "authorization.k8s.io", "v1"] and len(parts) == 4 and method == "POST":
            body = await read_body(request)
            if parts[3] == "selfsubjectaccessreviews":
                return respond(self.policy.review(body), status=201)
            if parts[3] == "selfsubjectrulesreviews":
                served = [(r.group, f"{r.plural}/{sub}" if sub else r.plural) for r in RESOURCES.values()
                          for sub in ("", *r.subresources)]
                return respond(self.policy.rules_review(body, served, ALL_VERBS), status=201)
        if parts == ["apis", "authentication.k8s.io", "v1", "selfsubjectreviews"] and method == "POST":
            await read_body(request)
            return respond(self_subject_review(), status=201)
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
        scoped = find(group, version, rest[2]) if len(rest) >= 3 and rest[0] == "namespaces" else None
        if scoped is not None and scoped.namespaced:
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
        if sub in ("exec", "log"):
            return await self.stream_subresource(request, res, namespace or "", name or "", sub)
        out = output(request.headers.get("Accept"))
        request[OUTPUT] = out
        if name is None:
            return await self.collection(request, res, namespace, out)
        if sub is None:
            return await self.item(request, res, namespace, name, out)
        return await self.subresource(request, res, namespace, name, sub)

    async def collection(self, request: web.Request, res: Resource, namespace: str | None,
                         out: Output) -> web.StreamResponse:
        method = request.method
        if method == "GET":
            if flag(request.query, "watch"):
                return await self.watch(request, res, namespace, out)
            return self.list(request, res, namespace, out)
        if method == "POST":
            return await self.create(request, res, namespace, out)
        if method == "DELETE":
            return await self.delete_collection(request, res, namespace, out)
        raise ApiError.method_not_allowed()

    async def item(self, request: web.Request, res: Resource, namespace: str | None, name: str,
                   out: Output) -> web.StreamResponse:
        method = request.method
        if method == "GET":
            obj = self.store.get(res.storage, namespace, name)
            if obj is None:
                raise ApiError.not_found(res.key, name)
            if out.table:
                return respond(table(res.storage, [obj], self.store.now(), obj["metadata"].get("resourceVersion"),
                                     include=request.query.get("includeObject")))
            return respond(self.render(res, out, obj))
        if method == "PUT":
            body = self.into(res, check_type(res, await read_body(request, res.custom)))
            stored = self.store.replace(res.storage, namespace, name, body, dry_run=is_dry_run(request))
            return respond(self.render(res, out, stored))
        if method == "PATCH":
            return await self.patch(request, res, namespace, name, None, out)
        if method == "DELETE":
            return await self.delete(request, res, namespace, name, out)
        raise ApiError.method_not_allowed()

    async def stream_subresource(self, request: web.Request, res: Resource, namespace: str, name: str,
                                 sub: str) -> web.StreamResponse:
        if sub not in res.subresources:
            raise ApiError.unknown_url()
        if sub == "exec":
            if request.method not in ("GET", "POST"):
                raise ApiError.method_not_allowed()
            return await handle_exec(request, self.store, self.exec_fn, namespace, name)
        if request.method != "GET":
            raise ApiError.method_not_allowed()
        return await pod_log(request, self.store, self.logs, self.stop, namespace, name)

    async def subresource(self, request: web.Request, res: Resource, namespace: str | None, name: str,
                          sub: str) -> web.StreamResponse:
        if sub not in res.subresources:
            raise ApiError.unknown_url()
        method = request.method
        if method == "PATCH" and sub in ("status", "scale"):
            return await self.patch(request, res, namespace, name, sub, Output())
        if sub == "status":
            if method == "GET":
                obj = self.store.get(res.plural, namespace, name)
                if obj is None:
                    raise ApiError.not_found(res.plural, name)
                return respond(obj)
            if method == "PUT":
                body = check_type(res, await read_body(request, res.custom))
                return respond(self.store.replace_status(res.plural, namespace, name, body,
                                                         dry_run=is_dry_run(request)))
            raise ApiError.method_not_allowed()
        if sub == "scale":
            if method == "GET":
                return respond(self.store.get_scale(res.plural, namespace, name))
            if method == "PUT":
                body = await read_body(request, res.custom)
                if not isinstance(body, dict):
                    raise ApiError.bad_request("couldn't get version/kind; json parse error: expected an object")
                return respond(self.store.replace_scale(res.plural, namespace, name, body, dry_run=is_dry_run(request)))
            raise ApiError.method_not_allowed()
        raise ApiError.unknown_url()

    # -- shapes -----------------------------------------------------------------------------

    @staticmethod
    def render(res: Resource, out: Output, obj: dict) -> dict:
        """A stored object as this resource serves it: through its view, or as PartialObjectMetadata."""
        if obj.get("kind") == "Status":
            return obj
        if res.stored_as:
            obj = VIEWS[res.key].out(obj)
        if out.form == "partial":
            return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}
        return obj

    @staticmethod
    def into(res: Resource, body: dict) -> dict:
        return VIEWS[res.key].into(body) if res.stored_as else body

    @staticmethod
    def field_selector(res: Resource, request: web.Request) -> str | None:
        selector = request.query.get("fieldSelector")
        return VIEWS[res.key].field_selector(selector) if res.stored_as else selector

    def list_body(self, res: Resource, out: Output, items: list[dict]) -> dict:
        meta = {"resourceVersion": str(self.store.resource_version)}
        if out.form == "partial":
            return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                    "items": [self.render(res, out, o) for o in items]}
        return {"kind": res.list_kind, "apiVersion": res.api_version, "metadata": meta,
                "items": [self.render(res, out, o) for o in items]}

    # -- verbs ------------------------------------------------------------------------------

    def list(self, request: web.Request, res: Resource, namespace: str | None, out: Output) -> web.Response:
        items = self.store.list(res.storage, namespace, request.query.get("labelSelector"),
                                self.field_selector(res, request))
        if out.table:
            return respond(table(res.storage, items, self.store.now(), str(self.store.resource_version),
                                 include=request.query.get("includeObject")))
        return respond(self.list_body(res, out, items))

    async def watch(self, request: web.Request, res: Resource, namespace: str | None,
                    out: Output) -> web.StreamResponse:
        q = request.query
        timeout = int_param(q, "timeoutSeconds")
        labels, fields = q.get("labelSelector"), self.field_selector(res, request)
        initial = flag(q, "sendInitialEvents")
        if initial and q.get("resourceVersionMatch") != "NotOlderThan":
            raise ApiError.invalid("ListOptions", "", [{
                "reason": "FieldValueForbidden", "field": "resourceVersionMatch",
                "message": "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"}])
        stream = self.store.watch(res.storage, namespace, labels, fields, q.get("resourceVersion"),
                                  float(timeout) if timeout is not None else DEFAULT_WATCH_TIMEOUT, stop=self.stop,
                                  initial_events=initial)
        self.store.check_watch(res.storage, labels, fields, q.get("resourceVersion"))
        resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json",
                                                       "Cache-Control": "no-cache, private"})
        resp.enable_chunked_encoding()
        first = True
        try:
            await resp.prepare(request)
            try:
                async for ev in stream:
                    obj = ev["object"]
                    if ev["type"] == "BOOKMARK":  # metadata only, whatever the form asked for
                        pass
                    elif out.table:
                        obj = table(res.storage, [obj], self.store.now(), obj["metadata"].get("resourceVersion"),
                                    columns=first, include=q.get("includeObject"))
                        first = False
                    else:
                        obj = self.render(res, out, obj)
                    await resp.write((dumps({"type": ev["type"], "object": obj}) + "\n").encode())
            except ApiError as err:
                await resp.write((dumps({"type": "ERROR", "object": err.status()}) + "\n").encode())
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            await stream.aclose()
        return resp

    async def create(self, request: web.Request, res: Resource, namespace: str | None, out: Output) -> web.Response:
        body = check_type(res, await read_body(request, res.custom))
        if res.has_status:
            body.pop("status", None)
        body = self.into(res, body)
        if res.stored_as:
            VIEWS[res.key].validate_create(body, namespace)
        obj = self.store.create(res.storage, namespace, body, dry_run=is_dry_run(request))
        return respond(self.render(res, out, obj), 201)

    async def patch(self, request: web.Request, res: Resource, namespace: str | None, name: str,
                    sub: str | None, out: Output) -> web.Response:
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
        obj, created = self.store.apply_patch(res.storage, namespace, name, body, patch_type, sub,
                                              dry_run=is_dry_run(request),
                                              view=VIEWS[res.key] if res.stored_as else None)
        return respond(self.render(res, out, obj) if sub is None else obj, 201 if created else 200)

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

    async def delete(self, request: web.Request, res: Resource, namespace: str | None, name: str,
                     out: Output) -> web.Response:
        propagation, grace, dry_run, preconditions = await self._delete_options(request)
        gone = self.store.delete(res.storage, namespace, name, propagation, grace, dry_run, preconditions)
        return respond(self.render(res, out, gone))

    async def delete_collection(self, request: web.Request, res: Resource, namespace: str | None,
                                out: Output) -> web.Response:
        propagation, grace, dry_run, _ = await self._delete_options(request)
        items = self.store.list(res.storage, namespace, request.query.get("labelSelector"),
                                self.field_selector(res, request))
        for obj in items:
            try:
                self.store.delete(res.storage, obj["metadata"].get("namespace"), obj["metadata"]["name"],
                                  propagation, grace, dry_run)
            except ApiError as err:
                if err.code != 404:
                    raise
        return respond(self.list_body(res, out, items))


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
