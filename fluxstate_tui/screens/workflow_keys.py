"""What the workflow keys act on and are called: the bindings, the read-only table, the Subject.

Kept apart from the actions (screens/actions.py) so the lists and the palette can name the keys
without the actions' machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message

if TYPE_CHECKING:
    from ..flux.snapshot import Snapshot
    from ..kube.resources import MiniCluster

WORKFLOW_BINDINGS = [
    Binding("S", "queue_toggle", "Stop/start", tooltip="stop or start the queue (asks first)"),
    Binding("D", "dump", "Dump", tooltip="flux dump to spec.archive.path (asks first)"),
    Binding("R", "recreate", "Recreate", tooltip="recreate at a new size, keeping every job (asks first)"),
    Binding("Z", "scale", "Scale", tooltip="live resize within maximumSize (asks first)"),
    Binding("F", "assets", "Assets", tooltip="paths in the broker pod carried with the queue (files jobs wrote)"),
    Binding("A", "archive", "Archive", tooltip="show the archive: size, age, jobs, versions"),
    Binding("M", "move", "Move", show=False,
            tooltip="move the queue to another name, namespace or cluster (asks first)"),
    Binding("P", "protect", "Protect", show=False,
            tooltip="protect from unsafe deletes: the guard dumps before any deletion (asks first)"),
]
# On the marked jobs, or the one under the cursor (job_keys.py); k9s's ctrl+d and ctrl+k for the dangerous ones.
JOB_BINDINGS = [
    Binding("ctrl+d", "cancel_jobs", "Cancel job", tooltip="flux cancel the marked jobs or the one under the cursor"),
    Binding("h", "hold_jobs", "Hold", show=False, tooltip="urgency 0: not scheduled until released"),
    Binding("r", "release_jobs", "Release", show=False, tooltip="urgency back to the default: scheduled again"),
    Binding("u", "urgency_jobs", "Urgency", show=False, tooltip="set the urgency, 0 to 31"),
    Binding("ctrl+k", "kill_jobs", "Kill", show=False, tooltip="flux job kill with a signal (running jobs)"),
    Binding("plus", "submit", "Submit", show=False, tooltip="submit jobs: command, nodes, tasks, copies, after a job"),
    Binding("E", "queue_submission", "Enable/disable", show=False,
            tooltip="enable or disable submission to the queue, with a reason"),
]
# Every screen pushed over a list: back, and the keys of this screen.
BACK_KEYS = [
    Binding("escape", "app.pop_screen", "Back"),
    Binding("question_mark", "app.help", "Help"),
]
# The app's own keys, repeated by the screens so the footer shows them before the less used ones
# (the footer lists the screen's keys first and the app's last).
APP_KEYS = [
    Binding("w", "app.show_workflow", "Workflow"),
    Binding("q", "app.quit", "Quit"),
]
# action -> what it is called in the read-only refusal and the palette
MUTATING = {"queue_toggle": "stop/start queue", "dump": "dump", "recreate": "recreate", "scale": "scale",
            "assets": "edit assets", "cancel_jobs": "cancel jobs", "hold_jobs": "hold jobs",
            "release_jobs": "release jobs", "urgency_jobs": "set urgency", "kill_jobs": "kill jobs",
            "queue_submission": "enable/disable submission", "drain": "drain", "undrain": "undrain",
            "submit": "submit", "protect": "protect", "move": "move"}
# key -> action, for telling a read-only user why a mutating key does nothing
READ_ONLY_KEYS = {b.key: b.action for b in WORKFLOW_BINDINGS + JOB_BINDINGS if b.action in MUTATING}
# What a cancel from the progress screen leaves behind, per workflow (said before and after).
CANCEL_NOTES = {
    "pause": "The queue stays stopped (S starts it again); running jobs go on.",
    "dump": "The archive in place is untouched; a half-written temporary file beside it may remain.",
    "recreate": "Its journal keeps the place: run the same recreate again (R, or `fluxstate-tui recreate "
                "NAME`) to continue from there. The archive and the saved manifest are kept.",
    "scale": "The MiniCluster keeps the size last patched (the summary shows it); Z again to change it.",
    "move": "Its journal keeps the place: M again (or `fluxstate-tui move NAME --to …`) continues; the source "
            "keeps its queue stopped and nothing is deleted.",
}


@dataclass
class FreshSubject(Message):
    """The MiniCluster as it is now, read for an action that is about to ask or act."""

    action: str
    subject: Subject


@dataclass
class Subject:
    """What a workflow key acts on: the MiniCluster, and what the screen last saw of it."""

    mc: MiniCluster
    snapshot: Snapshot | None = None
    jobs: int | None = None

    @property
    def queue_stopped(self) -> bool | None:
        q = self.snapshot.queue if self.snapshot else None
        if q is None or not q.queues:
            return None
        return q.all_stopped
