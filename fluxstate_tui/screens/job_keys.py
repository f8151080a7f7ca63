"""The keys that fix a stuck queue where the user looks: on the marked jobs (or the one under the cursor)
`ctrl+d` cancel, `h` hold, `r` release, `u` set the urgency, `ctrl+k` kill with a signal; `E` enables or
disables submission to the queue; `+` submits new jobs. Each asks in a modal whose button names the action
and the jobs, then runs through the workflow runner (the engine in workflows/ writes the audit line)."""

from __future__ import annotations

from functools import partial

from rich.text import Text

from ..flux.display import printable
from ..flux.ids import f58_encode
from ..flux.model import Job
from ..workflows.events import WorkflowError
from ..workflows.job_actions import JobAction, act_on_jobs
from ..workflows.queue_actions import queue_action
from ..workflows.submit import SubmitRequest, submit_jobs
from .actions import WorkflowActions
from .ask import AskModal
from .confirm import ConfirmModal
from .submit_form import SubmitModal
from .workflow_keys import Subject

NAMED = 8   # jobs named in a dialog; the rest are counted
# Which jobs each action can take (flux refuses the others, one by one): said before asking.
ELIGIBLE = {
    "cancel": ("active", lambda j: j.active),
    "hold": ("pending and not held", lambda j: j.pending and not j.held),
    "release": ("held", lambda j: j.held),
    "urgency": ("pending", lambda j: j.pending),
    "kill": ("running", lambda j: j.running),
}
WORDS = {"cancel": "Cancel", "hold": "Hold", "release": "Release", "urgency": "Set the urgency of",
         "kill": "Kill"}
SIGNALS = ("SIGTERM", "SIGKILL", "SIGINT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGQUIT", "SIGCONT", "SIGSTOP")
URGENCY_WORDS = {"hold": 0, "default": 16, "expedite": 31}   # flux job urgency's own words


def check_urgency(text: str) -> str | None:
    if text.lower() in URGENCY_WORDS or (text.isdigit() and 0 <= int(text) <= 31):
        return None
    return "an urgency is 0 to 31, or hold (0), default (16) or expedite (31)"


def urgency_value(text: str) -> int:
    return URGENCY_WORDS[text.lower()] if text.lower() in URGENCY_WORDS else int(text)


def check_signal(text: str) -> str | None:
    name = text.upper()
    name = name if name.startswith("SIG") else "SIG" + name
    if name in SIGNALS or (text.isdigit() and 1 <= int(text) <= 64):
        return None
    return "a signal: " + ", ".join(s.removeprefix("SIG") for s in SIGNALS) + ", or a number 1-64"


def jobs_text(action: str, mc: str, jobs: list[Job], skipped: int, note: str = "") -> Text:
    text = Text(f"{WORDS[action]} {len(jobs)} job(s) of {printable(mc)}:\n")
    for job in jobs[:NAMED]:
        text.append(f"  {f58_encode(job.id)}  ", style="bold")
        text.append(printable(job.name or "-"))
        text.append(f"  {job.state.lower()}\n", style="dim")
    if len(jobs) > NAMED:
        text.append(f"  and {len(jobs) - NAMED} more\n", style="dim")
    if skipped:
        text.append(f"{skipped} marked job(s) are not {ELIGIBLE[action][0]}: left as they are.\n", style="yellow")
    if note:
        text.append(note, style="dim")
    return text


class JobKeys(WorkflowActions):
    """Mixed into the screens that show jobs; they say which jobs the keys act on."""

    def chosen_jobs(self) -> list[Job]:
        """The marked jobs, else the one under the cursor."""
        return []

    def jobs_acted(self) -> None:
        """An action on the chosen jobs was started (the jobs screen clears its marks)."""

    def _ask_jobs(self, action: JobAction) -> tuple[Subject, list[Job]] | None:
        subject = self._allowed(f"{action}_jobs")
        if subject is None:
            return None
        chosen = self.chosen_jobs()
        jobs = [j for j in chosen if ELIGIBLE[action][1](j)]
        if not jobs:
            what = "the marked jobs" if len(chosen) > 1 else "this job"
            self.app.notify(f"{what}: nothing to {action} ({action} takes {ELIGIBLE[action][0]} jobs)",
                            severity="warning", timeout=4)
            return None
        return subject, jobs

    def _confirm_jobs(self, action: JobAction, note: str, destructive: bool = True) -> None:
        asked = self._ask_jobs(action)
        if asked is None:
            return
        subject, jobs = asked
        skipped = len(self.chosen_jobs()) - len(jobs)
        label = f"{WORDS[action]} {len(jobs)} job(s) of {subject.mc.name}"
        modal = ConfirmModal(f"{WORDS[action]} jobs", jobs_text(action, subject.mc.name, jobs, skipped, note), label,
                             destructive=destructive, dismiss_label="Keep them" if action == "cancel" else "Cancel")
        self.app.push_screen(modal, lambda yes: self._act(subject, action, jobs) if yes else None)

    def action_cancel_jobs(self) -> None:
        self._confirm_jobs("cancel", "flux cancel: pending jobs never run, running ones are stopped.")

    def action_hold_jobs(self) -> None:
        self._confirm_jobs("hold", "urgency 0: they stay queued and are not scheduled until released (r).",
                           destructive=False)

    def action_release_jobs(self) -> None:
        self._confirm_jobs("release", "urgency back to 16 (default): they are scheduled again.", destructive=False)

    def _ask_value(self, action: JobAction, label: str, value: str, check, note: str) -> None:
        asked = self._ask_jobs(action)
        if asked is None:
            return
        subject, jobs = asked
        skipped = len(self.chosen_jobs()) - len(jobs)
        modal = AskModal(f"{WORDS[action]} jobs", jobs_text(action, subject.mc.name, jobs, skipped, note),
                         label=label, value=value, check=check,
                         action_label=f"{WORDS[action]} {len(jobs)} job(s) of {subject.mc.name}")
        self.app.push_screen(modal, lambda v: self._act(subject, action, jobs, v) if v else None)

    def action_urgency_jobs(self) -> None:
        self._ask_value("urgency", "urgency", "16", check_urgency,
                        "0 holds, 16 is the default, 31 runs first among equals (expedite).")

    def action_kill_jobs(self) -> None:
        self._ask_value("kill", "signal", "SIGTERM", check_signal,
                        "flux job kill: the signal goes to every task of each job.")

    def _act(self, subject: Subject, action: JobAction, jobs: list[Job], value: str | None = None) -> None:
        ids = [j.id for j in jobs]

        async def job(progress):
            urgency = urgency_value(value) if action == "urgency" and value else None
            signal = value if action == "kill" and value else "SIGTERM"
            result = await act_on_jobs(await self.fs_app.client(), await self._current(subject), action, ids,
                                       urgency=urgency, signal=signal, progress=progress, described="from the TUI")
            if result.failed:
                raise WorkflowError(result.summary())
            return result.summary()

        self.jobs_acted()
        self._start(subject, f"{WORDS[action]} {len(ids)} job(s) of {subject.mc.name}", job, show=False)

    # ---- +: submit ---------------------------------------------------------------------------------

    def action_submit(self) -> None:
        subject = self._allowed("submit")
        if subject is None:
            return
        chosen = self.chosen_jobs()
        modal = SubmitModal(subject.mc.name, after=chosen[0].id if len(chosen) == 1 else None)
        self.app.push_screen(modal, lambda request: self._submit(subject, request) if request else None)

    def _submit(self, subject: Subject, request: SubmitRequest) -> None:
        async def job(progress):
            result = await submit_jobs(await self.fs_app.client(), await self._current(subject), request,
                                       progress=progress)
            return result.summary()

        self._start(subject, f"Submit {request.count} job(s) to {subject.mc.name}", job, show=False)

    # ---- E: submission to the queue ----------------------------------------------------------------

    def action_queue_submission(self) -> None:
        subject = self._allowed("queue_submission")
        if subject is None:
            return
        queues = subject.snapshot.queue.queues if subject.snapshot and subject.snapshot.queue else []
        name = subject.mc.name
        where = "every queue" if len(queues) > 1 else "the queue"
        if any(not q.enabled for q in queues):
            modal = ConfirmModal("Enable submission", f"flux queue enable on {where} of {name}: "
                                 "flux submit is accepted again.", f"Enable submission to {name}", destructive=False)
            self.app.push_screen(modal, lambda yes: self._queue(subject, "enable", None) if yes else None)
            return
        ask = AskModal("Disable submission", Text(
            f"flux queue disable on {where} of {name}: flux submit is refused with the reason; jobs already "
            "queued still run (S stops them from starting)."), label="reason", value="",
            placeholder="e.g. maintenance until 14:00", action_label=f"Disable submission to {name}")
        self.app.push_screen(ask, partial(self._queue, subject, "disable"))

    def _queue(self, subject: Subject, action, reason: str | None) -> None:
        if action == "disable" and reason is None:
            return  # the dialog was cancelled

        async def job(progress):
            result = await queue_action(await self.fs_app.client(), await self._current(subject), action,
                                        reason=reason or None, progress=progress)
            return result.summary()

        self._start(subject, f"{action.capitalize()} submission to {subject.mc.name}", job, show=False)
