"""Small helpers shared by the simulated flux commands: durations, times, locale, output."""

from __future__ import annotations

import json
import math
import time

from fluxstate_tui.flux.ids import f58_encode

VERSION = "0.88.0"
BUILD_OPTIONS = "+systemd+hwloc.api==2.8.0+zmq==4.3.4"

# Locales the pod images have (05-locale.txt: "locales installed: C C.utf8 POSIX").
INSTALLED_UTF8 = {"c.utf8", "c.utf-8"}


def iso_utc(ts: float, micro: bool = True) -> str:
    """2026-11-24T17:19:35.700314Z (eventlog -T iso, dmesg)."""
    t = time.gmtime(ts)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", t)
    if micro:
        return f"{base}.{int((ts - math.floor(ts)) * 1e6):06d}Z"
    return base + "Z"


def strftime_utc(fmt: str, ts: float) -> str:
    return time.strftime(fmt, time.gmtime(ts))


def broker_stderr_line(ts: float, text: str) -> str:
    """`Nov 24 17:21:25.527709 UTC 2026 job-exec.err[0]: ...` as the broker writes to stderr."""
    t = time.gmtime(ts)
    stamp = time.strftime("%b %d %H:%M:%S", t)
    return f"{stamp}.{int((ts % 1) * 1e6):06d} UTC {time.strftime('%Y', t)} {text}"


def _locale_name(env: dict[str, str]) -> tuple[str, str]:
    for key in ("LC_ALL", "LC_CTYPE", "LANG"):
        val = env.get(key, "")
        if val:
            return key, val
    return "", ""


def _is_utf8(name: str) -> bool:
    return name.lower() in INSTALLED_UTF8


def ascii_ids_python(env: dict[str, str]) -> bool:
    """Prefix rule of the Python commands (jobs, submit, run, queue, cancel, resource).

    PEP 538 coerces an unset/C/POSIX LC_CTYPE to C.UTF-8 unless LC_ALL is set, so these print
    `ƒ` with LANG and LC_ALL empty; an explicit LC_ALL=C/POSIX (or a locale that is not
    installed, like en_US.UTF-8) leaves them in ASCII (05-locale.txt).
    """
    if env.get("FLUX_F58_FORCE_ASCII"):
        return True
    if env.get("PYTHONIOENCODING", "").lower().startswith("ascii"):
        return True
    if env.get("LC_ALL"):
        return not _is_utf8(env["LC_ALL"])
    return False


def ascii_ids_c(env: dict[str, str]) -> bool:
    """Prefix rule of the C commands (job id/last/attach, dmesg...): `ƒ` only in a UTF-8 locale."""
    if env.get("FLUX_F58_FORCE_ASCII"):
        return True
    _key, name = _locale_name(env)
    return not _is_utf8(name)


def f58(jobid: int, ascii: bool) -> str:
    return f58_encode(jobid, ascii=ascii)


def jdumps(obj) -> str:
    """Compact JSON as libjansson writes eventlog entries."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def jdumps_py(obj) -> str:
    """Python json.dumps defaults (jobspec, R, annotations as flux's Python tools print them)."""
    return json.dumps(obj, ensure_ascii=False)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class UsageError(Exception):
    """An option error: printed as `flux-CMD: error: MSG` after a usage line, exit 2."""


class CmdError(Exception):
    """A command failure printed as `flux-CMD: ERROR: MSG`, exit 1."""
