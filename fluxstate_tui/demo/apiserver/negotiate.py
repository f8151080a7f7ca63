"""Content negotiation as k8s.io/apiserver does it: which body formats are read, which answer is sent.

Bodies: JSON (also when no Content-Type is given), YAML, and protobuf for built-in kinds (protobuf.py);
anything else is 415 with the accepted list, which is also what a custom resource answers to protobuf.
Answers: the first media range of the Accept header the server can produce, in the client's order:
JSON, JSON as a Table or as PartialObjectMetadata, or YAML. kubectl's typed clients offer
`application/vnd.kubernetes.protobuf,application/json` and so get JSON; a client that accepts only
formats the demo does not write (protobuf, CBOR) gets 406, as from a real server.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ApiError

JSON, YAML = "application/json", "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
META_GROUP = "meta.k8s.io"
SERVED = [JSON, YAML]


@dataclass(frozen=True)
class Output:
    """How to answer: `json`, `yaml`, `table` or `partial` (PartialObjectMetadata[List])."""

    form: str = "json"

    @property
    def table(self) -> bool:
        return self.form == "table"


def media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    """`type/subtype` and its parameters for each comma-separated entry, in order (q-values ignored, as
    client-go never sends them)."""
    out = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        params = {}
        for p in pieces[1:]:
            key, _, value = p.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        out.append((pieces[0].lower(), params))
    return out


def _conversion(params: dict[str, str]) -> str | None:
    """`as=Table` / `as=PartialObjectMetadata[List]` in group meta.k8s.io v1 (or v1beta1), else None."""
    target, group, version = params.get("as"), params.get("g"), params.get("v")
    if group != META_GROUP or version not in ("v1", "v1beta1"):
        return None
    if target == "Table":
        return "table"
    if target in ("PartialObjectMetadata", "PartialObjectMetadataList"):
        return "partial"
    return None


def output(accept: str | None) -> Output:
    """The answer for an API object request; ApiError 406 when nothing acceptable is offered."""
    if not accept or not accept.strip():
        return Output()
    for media, params in media_ranges(accept):
        if media in ("*/*", "application/*", JSON):
            if "as" not in params:
                return Output()
            form = _conversion(params)
            if form is not None:
                return Output(form)
        elif media == YAML and "as" not in params:
            return Output("yaml")
    raise ApiError(406, "NotAcceptable", f"only the following media types are accepted: {', '.join(SERVED)}")


def body_type(content_type: str | None) -> str:
    """The media type of a request body: JSON when none is given, as the apiserver defaults it."""
    media = (content_type or "").split(";")[0].strip().lower()
    return media or JSON


def unsupported(protobuf: bool) -> ApiError:
    """415 listing what this resource reads: protobuf only for a built-in kind the tables cover."""
    accepted = [*SERVED, PROTOBUF] if protobuf else SERVED
    return ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                    f"media types include: {', '.join(accepted)}")
