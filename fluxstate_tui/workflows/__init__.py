"""State workflows: pause, resume, dump, recreate at a new size, scale, archive. No Textual here.

The names below are re-exported lazily: importing one light module of the package (runner, events, the
TUI imports them before its first frame) must not load ops, recreate and scaling (with world, the
journal, the broker's commands): start-up speed. `from fluxstate_tui.workflows import pause` still works.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .events import Event, NeedsRecreate, PauseTimeout, Progress, Refused, WorkflowError
    from .ops import ArchiveInfo, archive_delete, archive_info, archive_rename, dump, pause, resume
    from .recreate import recreate
    from .scaling import DrainTimeout, OnRunning, RunningJob, RunningJobsInTheWay, jobs_on_removed_ranks, scale

_SOURCES = {
    "events": ("Event", "NeedsRecreate", "PauseTimeout", "Progress", "Refused", "WorkflowError"),
    "ops": ("ArchiveInfo", "archive_delete", "archive_info", "archive_rename", "dump", "pause", "resume"),
    "recreate": ("recreate",),
    "scaling": ("DrainTimeout", "OnRunning", "RunningJob", "RunningJobsInTheWay", "jobs_on_removed_ranks", "scale"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = ["Event", "NeedsRecreate", "PauseTimeout", "Progress", "Refused", "WorkflowError", "ArchiveInfo",
           "archive_delete", "archive_info", "archive_rename", "dump", "pause", "resume", "scale", "recreate",
           "DrainTimeout", "OnRunning", "RunningJob", "RunningJobsInTheWay", "jobs_on_removed_ranks"]


def __getattr__(name: str) -> Any:
    """A re-exported name, its module imported on first use (PEP 562)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


class _Package(ModuleType):
    """Loading the submodule `recreate` binds the package's `recreate` to it (the import system does), which
    the eager re-export used to overwrite with the function: the name stays the function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _MODULE_OF and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
