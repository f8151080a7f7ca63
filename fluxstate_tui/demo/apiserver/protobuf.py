"""Decoding `application/vnd.kubernetes.protobuf` request bodies into the JSON form the store keeps.

kubectl's typed clients (`kubectl create namespace|configmap|job|service`, `kubectl auth can-i`)
send protobuf, and client-go falls back to JSON on a 415 only for CBOR, so a server that refuses
protobuf breaks those commands: the real apiserver decodes it for every built-in kind. The body is
the `k8s\\x00` magic, then a runtime.Unknown whose TypeMeta names the kind and whose raw bytes are
the object's message (protoschema.py). Go marshals non-pointer fields even when empty; those zero
values are what JSON's `omitempty` would have left out, so they are dropped here.
"""

from __future__ import annotations

import base64
import json
import struct
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError
from .negotiate import unsupported
from .protoschema import KINDS, SCHEMA

MAGIC = b"k8s\x00"

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


class ProtoError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtoError("unexpected EOF")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtoError("varint overflow")


def fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) of one message: ints for varints, bytes for the rest."""
    out = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, pos = _varint(data, pos)
        elif wire == _BYTES:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise ProtoError("unexpected EOF")
            value, pos = data[pos:pos + size], pos + size
        elif wire == _FIXED64:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == _FIXED32:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ProtoError(f"illegal wireType {wire}")
        out.append((number, wire, value))
    return out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _go_duration(nanos: int) -> str:
    """time.Duration.String() for the whole-unit values Kubernetes uses (`1m30s`, `500ms`)."""
    if nanos == 0:
        return "0s"
    sign, nanos = ("-", -nanos) if nanos < 0 else ("", nanos)
    if nanos < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos >= size:
                return f"{sign}{nanos / size:g}{unit}"
    seconds = nanos / 1e9
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:g}s"
    if hours or minutes:
        text = f"{int(minutes)}m{text}"
    if hours:
        text = f"{int(hours)}h{text}"
    return sign + text


def _timestamp(data: bytes, micro: bool) -> str | None:
    values = {n: v for n, _, v in fields(data)}
    seconds, nanos = _signed(values.get(1, 0)), values.get(2, 0)
    if seconds == 0 and nanos == 0:
        return None
    when = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=nanos // 1000)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(data: bytes) -> int | str:
    values = {n: v for n, _, v in fields(data)}
    if values.get(1, 0) == 0:  # type Int
        return _signed(values.get(2, 0))
    return values.get(3, b"").decode()


def _raw_json(data: bytes) -> Any:
    raw = next((v for n, _, v in fields(data) if n == 1), b"")
    return json.loads(raw) if raw else None


def _items(data: bytes) -> list[str]:
    return [v.decode() for n, _, v in fields(data) if n == 1]


# Types whose Go JSON form is not their message (metav1.Time is a string, IntOrString an int or a string).
SPECIAL = {
    "Time": lambda d: _timestamp(d, micro=False),
    "MicroTime": lambda d: _timestamp(d, micro=True),
    "Duration": lambda d: _go_duration(_signed(next((v for n, _, v in fields(d) if n == 1), 0))),
    "Quantity": lambda d: next((v.decode() for n, _, v in fields(d) if n == 1), ""),
    "IntOrString": _int_or_string,
    "FieldsV1": _raw_json,
    "RawExtension": _raw_json,
    "ExtraValue": _items,
}


def _parse_schema(spec: str) -> dict[int, tuple[str, str]]:
    out = {}
    for entry in spec.split():
        name, _, rest = entry.partition("=")
        number, _, type_ = rest.partition(":")
        out[int(number)] = (name, type_)
    return out


_PARSED: dict[str, dict[int, tuple[str, str]]] = {}


def _schema(message: str) -> dict[int, tuple[str, str]]:
    if message not in _PARSED:
        _PARSED[message] = _parse_schema(SCHEMA[message])
    return _PARSED[message]


def _scalar(type_: str, value: Any) -> Any:
    if type_ == "s":
        return value.decode()
    if type_ == "b":
        return base64.b64encode(value).decode()
    if type_ == "t":
        return bool(value)
    if type_ == "i":
        return _signed(value)
    if type_ == "d":
        return struct.unpack("<d", value)[0]
    if type_ in SPECIAL:
        return SPECIAL[type_](value)
    return message(type_, value)


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or (type(value) is int and value == 0) \
        or value == {} or value == []


def _packed(type_: str, wire: int, value: Any) -> list:
    """A repeated integer arrives one per field or packed in one length-delimited field."""
    if type_ in ("i", "t") and wire == _BYTES:
        out, pos = [], 0
        while pos < len(value):
            item, pos = _varint(value, pos)
            out.append(_scalar(type_, item))
        return out
    return [_scalar(type_, value)]


def message(name: str, data: bytes) -> dict:
    """One message as the JSON object Go's encoding/json would write for it."""
    schema = _schema(name)
    out: dict[str, Any] = {}
    for number, wire, value in fields(data):
        if number not in schema:
            continue  # a field newer than these tables: protobuf's rule is to skip unknown fields
        key, type_ = schema[number]
        if type_.startswith("*"):
            out.setdefault(key, []).extend(_packed(type_[1:], wire, value))
        elif type_.startswith("{"):
            ktype, vtype = type_[1:-1].split(":")
            entry = {n: v for n, _, v in fields(value)}
            k = _scalar(ktype, entry.get(1, b""))
            out.setdefault(key, {})[k] = _scalar(vtype, entry.get(2, 0 if vtype in ("i", "t") else b""))
        elif type_.startswith("^"):
            out.update(message(type_[1:], value))
        else:
            keep = type_.endswith("!")
            decoded = _scalar(type_.rstrip("!"), value)
            if keep and decoded is not None or not _empty(decoded):
                out[key] = decoded
    return out


def decode(body: bytes) -> dict:
    """A protobuf request body as a JSON object with apiVersion and kind; ApiError 415 for a kind these
    tables do not cover, 400 for a body that is not a Kubernetes protobuf envelope."""
    if not body.startswith(MAGIC):
        raise ApiError.bad_request("provided data does not appear to be a protobuf message, expected prefix "
                                   "[107 56 115 0]")
    try:
        envelope = {n: v for n, _, v in fields(body[len(MAGIC):])}
        type_meta = {n: v.decode() for n, _, v in fields(envelope.get(1, b""))}
        api_version, kind = type_meta.get(1, ""), type_meta.get(2, "")
        name = KINDS.get((api_version, kind))
        if name is None:
            raise unsupported(protobuf=False)
        obj = message(name, envelope.get(2, b""))
    except (ProtoError, UnicodeDecodeError, ValueError) as exc:
        raise ApiError.bad_request(f"the protobuf body could not be decoded: {exc}") from None
    return {"apiVersion": api_version, "kind": kind, **obj}

