"""`flux jobs -o ROW_FORMAT`: the row format the client lists jobs with, and its reader.

One job per line, fields split by US (0x1f). Every free-text field (name, user, queue, nodelist,
exception type and note, dependencies) is printed with flux's `!a` conversion, Python's ascii():
a quoted literal in which every control character (newline and US included) and every non-ASCII
character is escaped. So no job, whatever its name or cancel message, can add a line or a field,
and the output is plain ASCII whatever the pod's locale. Real flux-core 0.88 supports it:
flux.util.UtilFormatter handles d D F H P and hands every other conversion to string.Formatter.
Numbers and states are flux's own words and stay plain, and a quoted field without a backslash
is just cut out, so 100,000 rows parse about as fast as the unquoted format did.

A record that still cannot be read costs that record only: `read_job_rows` returns the others
and why each bad one was skipped (`unreadable_text` words it for the snapshot's errors).
"""

from __future__ import annotations

import ast
import sys

from .model import Job

SEP = "\x1f"
# `{id.dec}` because plain `{id}` prints F58.
ROW_FIELDS = ("id.dec", "username", "name", "state", "result", "ntasks", "ncores", "nnodes", "t_submit", "t_run",
              "t_inactive", "duration", "nodelist", "queue", "urgency", "priority", "returncode",
              "exception.type", "exception.note", "runtime", "dependencies")
QUOTED_FIELDS = frozenset(("username", "name", "nodelist", "queue", "exception.type", "exception.note",
                           "dependencies"))
ROW_FORMAT = SEP.join(("{%s!a}" if f in QUOTED_FIELDS else "{%s}") % f for f in ROW_FIELDS)


def unquote(text: str) -> str:
    """The string an ascii() literal stands for: `'a\\nb'` -> "a\nb". ValueError if it is none."""
    if len(text) < 2 or text[0] != text[-1] or text[0] not in "'\"":
        raise ValueError(f"not a quoted field: {text[:40]!r}")
    body = text[1:-1]
    if "\\" not in body:
        if text[0] in body:
            raise ValueError(f"not a quoted field: {text[:40]!r}")
        return body
    if body.isascii():
        # ascii() writes only \\ \' \t \n \r \xhh \uhhhh \Uhhhhhhhh, which the unicode_escape codec
        # reads exactly as Python does, at a tenth of literal_eval's cost.
        try:
            return body.encode("ascii").decode("unicode_escape")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not a quoted field: {text[:40]!r}: {exc.reason}") from None
    value = ast.literal_eval(text)  # a repr() (non-ASCII kept): Python's own reader
    if not isinstance(value, str):  # pragma: no cover - the quotes above admit only strings
        raise ValueError(f"not a quoted field: {text[:40]!r}")
    return value


def _int_or_none(text: str) -> int | None:
    text = text.strip()
    if text in ("", "-", "None"):
        return None
    try:
        return int(text)
    except ValueError:  # "4.0": through float (int(float()) alone would round integers past 2**53)
        return int(float(text))


def _int_or(text: str, default: int) -> int:
    value = _int_or_none(text)
    return default if value is None else value


def _float(text: str) -> float:
    text = text.strip()
    return float(text) if text not in ("", "-", "None") else 0.0


def _deps(text: str) -> tuple[str, ...]:
    """`{dependencies!a}`: the repr of flux's DependencyList, e.g. `['after-success=\\u0192aQgpKh']`."""
    if text in ("[]", "''"):
        return ()
    value = ast.literal_eval(text)
    if isinstance(value, str):  # a simulator or flux that prints the joined string
        return tuple(d for d in value.split(",") if d)
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise ValueError(f"not a dependency list: {text[:40]!r}")
    return tuple(value)


def _text(field: str) -> str:
    """A quoted field: most are plain (`'sim-4'`) and are just cut out; the rest go through unquote.
    Interned: a queue of 100,000 jobs repeats a few users, names and node lists (one string each,
    not one per job; an interned string still goes once nothing holds it)."""
    if field.count("'") == 2 and field[0] == "'" and field[-1] == "'" and "\\" not in field:
        return sys.intern(field[1:-1])
    return sys.intern(unquote(field))


def _count(text: str) -> int | None:
    """A count field: flux prints an int (the fast path), or "", "-", "None" where there is none."""
    try:
        return int(text)
    except ValueError:
        return _int_or_none(text)


def _seconds(text: str) -> float:
    if text == "0.0":
        return 0.0  # one float for every unset time, not one per job
    try:
        return float(text)
    except ValueError:
        return _float(text)


# flux's own words for states and results, shared by every job rather than split out anew for each
_WORDS = {w: w for w in ("DEPEND", "PRIORITY", "SCHED", "RUN", "CLEANUP", "INACTIVE", "COMPLETED", "FAILED",
                         "CANCELED", "TIMEOUT", "")}


def parse_job_row(line: str) -> Job:
    # The hot loop of opening a big queue (100,000 calls): every field is tried the common way first.
    parts = line.split(SEP)
    if len(parts) != len(ROW_FIELDS):
        raise ValueError(f"expected {len(ROW_FIELDS)} fields, got {len(parts)}: {line[:80]!r}")
    (jobid, username, name, state, result, ntasks, ncores, nnodes, t_submit, t_run, t_inactive, duration,
     nodelist, queue, urgency, priority, returncode, exc_type, exc_note, runtime, dependencies) = parts
    urgency_value = _count(urgency)
    return Job(
        int(jobid),
        _text(username),
        _text(name),
        _WORDS.get(state) or sys.intern(state),
        _WORDS.get(result) or sys.intern(result),
        _count(ntasks) or 0,
        _count(ncores) or 0,
        _count(nnodes) or None,
        _seconds(t_submit),
        _seconds(t_run),
        _seconds(t_inactive),
        _seconds(duration),
        _text(nodelist),
        _text(queue),
        16 if urgency_value is None else urgency_value,
        _count(priority),
        _count(returncode) if state == "INACTIVE" else None,
        _text(exc_type),
        _text(exc_note),
        () if dependencies == "[]" else _deps(dependencies),
        _seconds(runtime),
    )


def read_job_rows(text: str) -> tuple[list[Job], list[str]]:
    """Every readable job, and why each unreadable record was skipped: one bad record costs only itself."""
    jobs: list[Job] = []
    bad: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            jobs.append(parse_job_row(line))
        except (ValueError, OverflowError, SyntaxError, MemoryError, RecursionError) as exc:  # and literal_eval's
            bad.append(str(exc) or type(exc).__name__)
    return jobs, bad


def parse_job_rows(text: str) -> list[Job]:
    """Strict: the first unreadable record raises ValueError."""
    jobs, bad = read_job_rows(text)
    if bad:
        raise ValueError(bad[0])
    return jobs


def unreadable_text(bad: list[str]) -> str:
    """`1 job could not be read: <why>`, for the snapshot's errors."""
    n = len(bad)
    return f"{n} job{'' if n == 1 else 's'} could not be read: {bad[0]}" if bad else ""
