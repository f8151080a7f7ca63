"""RFC 29 hostlists and idsets as flux prints them.

Encoding keeps host order and only merges *consecutive* hosts that share a prefix and whose
numeric suffixes run upward (`flux-sample-[0-3]`).  Repeated names are not merged: a test
instance whose brokers all report `vm` prints `vm,vm,vm,vm` (01-basic.txt).
"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"^(.*?)(\d+)$")


def _ranges(nums: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in nums:
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def idset_encode(ids, brackets: bool = False, ranges: bool = True) -> str:
    """`0-3`, `0,2`, or with brackets `[0-3]` (brackets only for more than one member, as flux)."""
    nums = sorted(set(int(i) for i in ids))
    if not nums:
        return ""
    if ranges:
        parts = [str(a) if a == b else f"{a}-{b}" for a, b in _ranges(nums)]
    else:
        parts = [str(n) for n in nums]
    body = ",".join(parts)
    if brackets and len(nums) > 1:
        return f"[{body}]"
    return body


def idset_decode(text: str) -> list[int]:
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    if not s:
        return []
    out: set[int] = set()
    for part in s.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            lo, hi = int(a), int(b)
            if hi < lo:
                raise ValueError(f"invalid idset: {text!r}")
            out.update(range(lo, hi + 1))
        else:
            out.add(int(part))
    return sorted(out)


def hostlist_encode(hosts: list[str]) -> str:
    """Compress a host list in order: runs of `prefixN` with increasing N become `prefix[a-b]`."""
    groups: list[tuple[str, int, list[tuple[int, str]]]] = []  # (prefix, width, [(num, text)])
    out: list[str] = []

    def flush() -> None:
        for prefix, _width, nums in groups:
            if len(nums) == 1:
                out.append(prefix + nums[0][1])
            else:
                texts: list[str] = []
                run: list[tuple[int, str]] = []
                for item in nums:
                    if run and item[0] == run[-1][0] + 1:
                        run.append(item)
                    else:
                        if run:
                            texts.append(run[0][1] if len(run) == 1 else f"{run[0][1]}-{run[-1][1]}")
                        run = [item]
                if run:
                    texts.append(run[0][1] if len(run) == 1 else f"{run[0][1]}-{run[-1][1]}")
                out.append(f"{prefix}[{','.join(texts)}]")
        groups.clear()

    for host in hosts:
        m = _SPLIT.match(host)
        if not m:
            flush()
            out.append(host)
            continue
        prefix, digits = m.group(1), m.group(2)
        width = len(digits) if digits.startswith("0") and len(digits) > 1 else 0
        num = int(digits)
        if groups:
            gprefix, gwidth, gnums = groups[-1]
            # only merge if strictly increasing (a repeat or a step back starts a new entry)
            if gprefix == prefix and gwidth == width and num > gnums[-1][0]:
                gnums.append((num, digits))
                continue
        flush()
        groups.append((prefix, width, [(num, digits)]))
    flush()
    return ",".join(out)


def hostlist_decode(text: str) -> list[str]:
    """Expand `a[0-2,5],b` -> ['a0','a1','a2','a5','b']."""
    hosts: list[str] = []
    i, n = 0, len(text)
    token = ""
    while i <= n:
        ch = text[i] if i < n else ","
        if ch == "[":
            j = text.index("]", i)
            body = text[i + 1:j]
            suffix_end = j + 1
            k = suffix_end
            while k < n and text[k] != ",":
                k += 1
            suffix = text[suffix_end:k]
            for part in body.split(","):
                if "-" in part:
                    a, b = part.split("-", 1)
                    width = len(a) if a.startswith("0") and len(a) > 1 else 0
                    for v in range(int(a), int(b) + 1):
                        hosts.append(f"{token}{str(v).zfill(width)}{suffix}")
                else:
                    hosts.append(f"{token}{part}{suffix}")
            token = ""
            i = k + 1
            continue
        if ch == ",":
            if token:
                hosts.append(token)
            token = ""
        else:
            token += ch
        i += 1
    return hosts
