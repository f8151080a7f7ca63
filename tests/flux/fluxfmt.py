"""`flux jobs -o FORMAT` the way real flux-core 0.88 prints it, for one job given as its JSON dict.

Real flux renders a format with `flux.util.UtilFormatter`, a `string.Formatter` whose
`convert_field` handles d D F H P itself and hands every other conversion (our `!a`) to
string.Formatter; fields are looked up on a `flux.job.info.JobInfo` after `0.` is prepended to
each field name (OutputFormat.get_format_prepended). JobInfo's defaults for unset values ("" for
counts and strings, 0.0 for times), its ExceptionInfo and its DependencyList (a list that prints
joined by commas) are reproduced here from flux-core v0.88.0 src/bindings/python/flux/job/info.py.
"""

from __future__ import annotations

import string
from types import SimpleNamespace
from typing import Any


class InfoList(list):
    """flux.job.info.InfoList."""

    def __str__(self) -> str:
        return ",".join(self)


DEFAULTS = {"t_run": 0.0, "t_inactive": 0.0, "duration": 0.0, "name": "", "queue": "", "ntasks": "", "ncores": "",
            "nnodes": "", "priority": "", "nodelist": "", "result": "", "returncode": "", "runtime": 0.0}


def job_info(d: dict[str, Any]) -> SimpleNamespace:
    """A JobInfo look-alike from `flux jobs --json` output (JobInfo.to_dict)."""
    values = dict(DEFAULTS)
    values.update({k: v for k, v in d.items() if k not in ("exception", "id", "dependencies")})
    exc = d.get("exception") or {}
    occurred = exc.get("occurred", False)
    values["exception"] = SimpleNamespace(occurred=occurred, type=exc.get("type", "") if occurred else "",
                                          note=exc.get("note", "") if occurred else "")
    values["id"] = SimpleNamespace(dec=int(d["id"]))
    values["dependencies"] = InfoList(d.get("dependencies") or [])
    return SimpleNamespace(**values)


def flux_format(fmt: str, d: dict[str, Any]) -> str:
    """One row of `flux jobs -n -o fmt` for the job `d`."""
    prepended = "".join(
        text.replace("{", "{{").replace("}", "}}")
        + ("" if field is None else "{0." + field + ("!" + conv if conv else "") + (":" + spec if spec else "") + "}")
        for text, field, spec, conv in string.Formatter().parse(fmt))
    return string.Formatter().format(prepended, job_info(d))
