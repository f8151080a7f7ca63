"""Flux job ids: FLUID layout, F58 and the other encodings `flux job id` understands.

A FLUID is a 64-bit integer laid out as ``[ts:40 id:14 seq:10]`` (flux-core ``fluid.c``):
milliseconds since the generator's epoch, the generator id, and a sequence number within one
millisecond.  F58 is base58 (Bitcoin alphabet) of the integer, most significant digit first,
behind a ``ƒ`` (U+0192) prefix, or an ASCII ``f`` in non-UTF-8 locales.
"""

from __future__ import annotations

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}
F58_PREFIX_UTF8 = "\u0192"
F58_PREFIX_ASCII = "f"
MAX_ID = (1 << 64) - 1

TS_BITS, ID_BITS, SEQ_BITS = 40, 14, 10


# The jobs table encodes every id of a 100,000-job queue. Two base58 digits at a time halve the
# divisions, and the high digits (the FLUID's timestamp) are the same for ids made within about two
# hours: they are kept, a few thousand at most.
_PAIRS = [a + b for a in B58_ALPHABET for b in B58_ALPHABET]
_PAIR = 58 * 58
_LOW = _PAIR ** 4  # the last eight digits
_HEADS: dict[int, str] = {}
_MAX_HEADS = 4096


def _digits(value: int) -> str:
    """base58 of value > 0, without leading zero digits."""
    pairs = []
    while value:
        value, rem = divmod(value, _PAIR)
        pairs.append(_PAIRS[rem])
    text = "".join(reversed(pairs))
    return text[1:] if text[0] == "1" else text  # the leading pair may start with a zero digit


def f58_encode(value: int, ascii: bool = False) -> str:
    """`ƒ`/`f` + base58 of `value` (0 -> ƒ1)."""
    if value < 0 or value > MAX_ID:
        raise ValueError(f"id out of range: {value}")
    prefix = F58_PREFIX_ASCII if ascii else F58_PREFIX_UTF8
    if value < _LOW:
        return prefix + (_digits(value) if value else "1")
    high, low = divmod(value, _LOW)
    head = _HEADS.get(high)
    if head is None:
        head = _digits(high)
        if len(_HEADS) < _MAX_HEADS:
            _HEADS[high] = head
    upper, lower = divmod(low, _PAIR * _PAIR)
    a, b = divmod(upper, _PAIR)
    c, d = divmod(lower, _PAIR)
    return prefix + head + _PAIRS[a] + _PAIRS[b] + _PAIRS[c] + _PAIRS[d]


def f58_decode(text: str) -> int:
    """Decode an F58 string with either prefix."""
    if text.startswith(F58_PREFIX_UTF8):
        body = text[len(F58_PREFIX_UTF8):]
    elif text.startswith(F58_PREFIX_ASCII):
        body = text[1:]
    else:
        raise ValueError(f"invalid F58 id: {text!r}")
    if not body or len(body) > 12:
        raise ValueError(f"invalid F58 id: {text!r}")
    value = 0
    for ch in body:
        try:
            value = value * 58 + _B58_INDEX[ch]
        except KeyError:
            raise ValueError(f"invalid F58 id: {text!r}") from None
    if value > MAX_ID:
        raise ValueError(f"invalid F58 id: {text!r}")
    return value


def fluid_make(ts_ms: int, gen_id: int = 0, seq: int = 0) -> int:
    if not (0 <= ts_ms < (1 << TS_BITS)) or not (0 <= gen_id < (1 << ID_BITS)) or not (0 <= seq < (1 << SEQ_BITS)):
        raise ValueError("FLUID component out of range")
    return (ts_ms << (ID_BITS + SEQ_BITS)) | (gen_id << SEQ_BITS) | seq


def fluid_parse(value: int) -> tuple[int, int, int]:
    """(ts_ms, generator id, seq) of a FLUID."""
    return (value >> (ID_BITS + SEQ_BITS), (value >> SEQ_BITS) & ((1 << ID_BITS) - 1), value & ((1 << SEQ_BITS) - 1))


def dothex(value: int) -> str:
    return "%04x.%04x.%04x.%04x" % ((value >> 48) & 0xFFFF, (value >> 32) & 0xFFFF, (value >> 16) & 0xFFFF,
                                    value & 0xFFFF)


def kvs_path(value: int) -> str:
    return "job." + dothex(value)


def to_hex(value: int) -> str:
    return "0x%x" % value


def parse_jobid(text: str) -> int:
    """Any id form flux accepts -> int (F58 with ƒ/f, decimal, 0x hex, dothex, job.dothex)."""
    s = text.strip()
    if not s:
        raise ValueError("empty job id")
    if "." in s:
        if s.startswith("job."):
            s = s[4:]
        parts = s.split(".")
        if len(parts) != 4 or not all(1 <= len(p) <= 4 for p in parts):
            raise ValueError(f"invalid dothex id: {text!r}")
        try:
            words = [int(p, 16) for p in parts]
        except ValueError:
            raise ValueError(f"invalid dothex id: {text!r}") from None
        return (words[0] << 48) | (words[1] << 32) | (words[2] << 16) | words[3]
    if s.startswith(F58_PREFIX_UTF8) or s.startswith(F58_PREFIX_ASCII):
        return f58_decode(s)
    try:
        value = int(s, 16) if s.lower().startswith("0x") else int(s, 10)
    except ValueError:
        raise ValueError(f"invalid job id: {text!r}") from None
    if s.lstrip("+-") != s or value < 0 or value > MAX_ID:
        raise ValueError(f"invalid job id: {text!r}")
    return value
