"""Many jobs, one exec: the scripts and parsers behind actions on a batch of jobs.

A command that takes many ids (`flux cancel`, `flux job kill`) runs once, and its stderr, one line per
id it could not act on, says which failed. A command that takes one id (`flux job urgency`) runs once
per job inside one script, each run fenced by a line with a fresh nonce, so every job gets its own
exit code and flux's own message, and nothing a job or flux prints can fake a fence.

Every word is quoted with shlex. The command travels URL-encoded in the exec request's line, which
proxies in front of an API server (nginx by default) and aiohttp refuse beyond 8 KiB, so a batch is cut
where the encoded command word would pass MAX_WORD bytes: about 350 jobs per exec (ids are written in
their shortest form, ASCII F58, `fABC123`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from . import commands as fc
from .ids import parse_jobid
from .snapshot import split_sections

MAX_WORD = 6000   # URL-encoded bytes of the command word: the rest of an 8 KiB request line is path and names
FUNCTION = "F"


def url_cost(text: str) -> int:
    """Bytes of `text` in an exec URL (the client percent-encodes each argv word)."""
    return len(quote(text))


def chunks(items: Sequence[str], cost: Callable[[str], int], limit: int) -> list[list[str]]:
    """`items` in order, cut so that each batch's summed cost stays within `limit` (an item over it
    still goes alone: flux, not this split, then says what is wrong)."""
    out: list[list[str]] = []
    size = 0
    for item in items:
        c = cost(item)
        if not out or size + c > limit:
            out.append([])
            size = 0
        out[-1].append(item)
        size += c
    return out


def id_batches(argv: Sequence[str], ids: Sequence[str], limit: int = MAX_WORD) -> list[list[str]]:
    """`ids` cut so that `argv + batch`, run in the pod, stays within `limit` encoded bytes."""
    fixed = url_cost(fc.in_pod(list(argv))[2])
    return chunks(ids, lambda i: url_cost(" " + shlex.quote(i)), max(1, limit - fixed))


def each_script(nonce: str, before: Sequence[str], after: Sequence[str], keys: Sequence[str]) -> str:
    """Run `before KEY after` once per key, fenced: `@@nonce section KEY`, its output (stderr joined to
    stdout, so a job's message stays beside it), `@@nonce rc N`: the refresh script's fences, read by
    the same reader. No single quote in the function, so
    quoting the whole script for `bash -c` costs two characters. A key is printed on its fence line, so
    it must be one line (a job id is)."""
    if any("\n" in k or "\r" in k for k in keys):
        raise ValueError("a batch key must be one line")
    fence = shlex.quote(f"@@{nonce}")
    body = (f'{FUNCTION}() {{ printf "%s section %s\\n" {fence} "$1"; {shlex.join(before)} "$1" {shlex.join(after)} '
            f'2>&1; printf "\\n%s rc %s\\n" {fence} "$?"; }}')
    return "\n".join([body, *(f"{FUNCTION} {shlex.quote(k)}" for k in keys)]) + "\n"


def each_batches(before: Sequence[str], after: Sequence[str], keys: Sequence[str],
                 limit: int = MAX_WORD) -> list[list[str]]:
    """`keys` cut so that each_script of a batch, run in the pod, stays within `limit` encoded bytes."""
    fixed = url_cost(fc.script_in_pod(each_script("n" * 12, before, after, []))[2])
    return chunks(keys, lambda k: url_cost(f"{FUNCTION} {shlex.quote(k)}\n"), max(1, limit - fixed))


def parse_each(stdout: str, nonce: str) -> dict[str, tuple[int | None, str]]:
    """key -> (exit code, output) of every item that ran to its end; an item cut off is missing."""
    _now, sections = split_sections(stdout, nonce)
    return {key: (rc, text.strip()) for key, (text, rc) in sections.items()}


@dataclass(frozen=True)
class IdError:
    """One line of a multi-id flux command's stderr naming the id it failed on."""

    id: int | None        # None: the id flux printed is not one it could read either
    text: str             # as flux printed it, after the id: `job is inactive`


# `flux-cancel: ERROR: ƒX: job is inactive`, `flux-job: kill ƒX: job is not running`,
# `flux-cancel: ERROR: invalid jobid: X`, `flux-job: invalid jobid: X`
_ID_LINE = re.compile(r"^flux-(?:cancel|job): (?:ERROR: |kill )?(?P<id>\S+): (?P<text>.+)$")
_INVALID = re.compile(r"^flux-(?:cancel|job): (?:ERROR: )?invalid jobid: (?P<id>\S+)$")


def id_errors(stderr: str) -> tuple[list[IdError], list[str]]:
    """(errors naming an id, other lines) from a multi-id flux command's stderr."""
    found: list[IdError] = []
    other: list[str] = []
    for line in stderr.splitlines():
        line = line.rstrip("\r")
        if not line.strip():
            continue
        m = _INVALID.match(line)
        if m:
            found.append(IdError(_id(m.group("id")), "invalid jobid"))
            continue
        m = _ID_LINE.match(line)
        if m and _id(m.group("id")) is not None:
            found.append(IdError(_id(m.group("id")), m.group("text").strip()))
        else:
            other.append(line)
    return found, other


def _id(text: str) -> int | None:
    try:
        return parse_jobid(text)
    except ValueError:
        return None
