"""State workflows: pause, resume, dump, recreate at a new size, scale, archive. No Textual here."""

from .events import Event, NeedsRecreate, PauseTimeout, Progress, Refused, WorkflowError
from .ops import ArchiveInfo, archive_delete, archive_info, archive_rename, dump, pause, resume
from .recreate import recreate
from .scaling import DrainTimeout, OnRunning, RunningJob, RunningJobsInTheWay, jobs_on_removed_ranks, scale

__all__ = ["Event", "NeedsRecreate", "PauseTimeout", "Progress", "Refused", "WorkflowError", "ArchiveInfo",
           "archive_delete", "archive_info", "archive_rename", "dump", "pause", "resume", "scale", "recreate",
           "DrainTimeout", "OnRunning", "RunningJob", "RunningJobsInTheWay", "jobs_on_removed_ranks"]
