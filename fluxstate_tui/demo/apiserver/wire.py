"""The HTTP side of API requests: content types, query flags, request bodies and JSON answers."""

from __future__ import annotations

import json
from typing import Any

import yaml
from aiohttp import web

from . import protobuf
from .errors import ApiError
from .negotiate import JSON, PROTOBUF, YAML, body_type, unsupported
from .resources import Resource

PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}


def dumps(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"))


def respond(body: Any, status: int = 200, content_type: str = "application/json") -> web.Response:
    return web.Response(text=dumps(body), status=status, content_type=content_type)


def error_response(err: ApiError) -> web.Response:
    return respond(err.status(), err.code)


def flag(query, name: str) -> bool:
    return query.get(name, "").lower() in ("true", "1")


def int_param(query, name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError.bad_request(f'invalid value for {name}: "{raw}"') from None


async def read_body(request: web.Request, custom: bool = False) -> Any:
    """The request body by its Content-Type (negotiate.py); `custom`: a CR, which has no protobuf form."""
    raw = await request.read()
    if not raw.strip():
        raise ApiError.bad_request("the body of the request was empty")
    return decode_body(raw, request.headers.get("Content-Type"), custom)


def decode_body(raw: bytes, content_type: str | None, custom: bool = False) -> Any:
    media = body_type(content_type)
    if media == PROTOBUF and not custom:
        return protobuf.decode(raw)
    if media == YAML:
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ApiError.bad_request(f"error converting YAML to JSON: {exc}") from None
    if media != JSON:
        raise unsupported(protobuf=not custom)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError.bad_request(f"couldn't get version/kind; json parse error: {exc}") from None


def check_type(res: Resource, body: Any) -> dict:
    if not isinstance(body, dict):
        raise ApiError.bad_request("couldn't get version/kind; json parse error: expected an object")
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if api_version and api_version != res.api_version:
        raise ApiError.bad_request(f"the API version in the data ({api_version}) does not match the expected "
                                   f"API version ({res.api_version})")
    if kind and kind != res.kind:
        raise ApiError.bad_request(f"the kind in the data ({kind}) does not match the expected kind ({res.kind})")
    if body.get("metadata") is not None and not isinstance(body.get("metadata"), dict):
        raise ApiError.bad_request("metadata must be an object")
    return body


def is_dry_run(request: web.Request, body: Any = None) -> bool:
    values = request.query.getall("dryRun", [])
    if isinstance(body, dict) and body.get("dryRun"):
        values += list(body["dryRun"])
    for v in values:
        if v != "All":
            raise ApiError.bad_request(f'Invalid value: "{v}": supported values: "All"')
    return bool(values)
