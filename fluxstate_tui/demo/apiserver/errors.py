"""Kubernetes `Status` errors with the real apiserver's reasons and messages."""

from __future__ import annotations

import json

from .resources import RESOURCES, by_kind


def _group_resource(plural_or_gr: str) -> tuple[str, str, str]:
    """(qualified name for messages, group, plural) from `pods` or `miniclusters.flux-framework.org`."""
    res = RESOURCES.get(plural_or_gr)
    if res is not None:
        return res.group_resource, res.group, res.plural
    plural, _, group = plural_or_gr.partition(".")
    return plural_or_gr, group, plural


class ApiError(Exception):
    """An error the API answers with a `Status` body."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = dict(details or {})

    def status(self) -> dict:
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "details": self.details,
            "code": self.code,
        }
        return body

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.reason!r}, {self.message!r})"

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _details(plural_or_gr: str, name: str) -> tuple[str, dict]:
        qualified, group, plural = _group_resource(plural_or_gr)
        details = {"name": name}
        if group:
            details["group"] = group
        details["kind"] = plural
        return qualified, details

    @classmethod
    def not_found(cls, plural_or_groupresource: str, name: str) -> ApiError:
        qualified, details = cls._details(plural_or_groupresource, name)
        return cls(404, "NotFound", f'{qualified} "{name}" not found', details)

    @classmethod
    def already_exists(cls, plural_or_groupresource: str, name: str) -> ApiError:
        qualified, details = cls._details(plural_or_groupresource, name)
        return cls(409, "AlreadyExists", f'{qualified} "{name}" already exists', details)

    @classmethod
    def conflict(cls, plural_or_groupresource: str, name: str, why: str | None = None) -> ApiError:
        qualified, details = cls._details(plural_or_groupresource, name)
        why = why or "the object has been modified; please apply your changes to the latest version and try again"
        return cls(409, "Conflict", f'Operation cannot be fulfilled on {qualified} "{name}": {why}', details)

    @classmethod
    def invalid(cls, kind: str, name: str, causes: list[dict]) -> ApiError:
        """422 Invalid. `kind` is a Kind (`MiniCluster`) or a plural; causes are
        `{"reason": "FieldValueInvalid", "message": "Invalid value: ...", "field": "spec.size"}`."""
        res = by_kind(kind) or RESOURCES.get(kind)
        group = res.group if res else ""
        kind_name = res.kind if res else kind
        qualified = f"{kind_name}.{group}" if group else kind_name
        causes = [dict(c) for c in causes]
        parts = [f"{c['field']}: {c.get('message', '')}" if c.get("field") else c.get("message", "") for c in causes]
        text = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
        details: dict = {"name": name}
        if group:
            details["group"] = group
        details["kind"] = kind_name
        details["causes"] = causes
        return cls(422, "Invalid", f'{qualified} "{name}" is invalid: {text}', details)

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, "BadRequest", message)

    @classmethod
    def method_not_allowed(cls) -> ApiError:
        return cls(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    @classmethod
    def unknown_url(cls) -> ApiError:
        return cls(404, "NotFound", "the server could not find the requested resource")

    @classmethod
    def unsupported_media_type(cls, content_type: str) -> ApiError:
        return cls(415, "UnsupportedMediaType",
                   'the body of the request was in an unknown format - accepted media types include: '
                   'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml')

    @classmethod
    def expired(cls, message: str) -> ApiError:
        return cls(410, "Expired", message)

    @classmethod
    def internal(cls, message: str) -> ApiError:
        return cls(500, "InternalError", message, {"causes": [{"message": message}]})


def field_invalid(field: str, value, detail: str) -> dict:
    shown = json.dumps(value) if isinstance(value, str) else json.dumps(value) if value is not None else "null"
    return {"reason": "FieldValueInvalid", "message": f"Invalid value: {shown}: {detail}", "field": field}


def field_required(field: str, detail: str) -> dict:
    return {"reason": "FieldValueRequired", "message": f"Required value: {detail}", "field": field}
