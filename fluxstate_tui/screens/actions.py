"""The state-workflow keys shared by the Jobs and MiniClusters screens.

`S` stop/start the queue, `D` dump, `R` recreate at a new size, `Z` scale, `A` archive. Shifted letters
because they change the cluster; each asks first (a modal naming the action) and then runs in the
progress screen (see progress.py), which can be hidden while the workflow goes on.

A screen derives from `WorkflowActions`, adds `WORKFLOW_BINDINGS` to its BINDINGS (listed there so each
screen orders its footer) and implements `workflow_subject()`.
In read-only mode the bindings are hidden (check_action) and the actions refuse.

The MiniCluster list derives from these classes and is the first frame: the engine (workflows/), the
modals and the progress screen are imported by the actions that use them, when a key is first pressed,
never with this module (start-up speed; each such import says `# start-up speed`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events

from ..kube.errors import KubeError
from ..kube.lease import now_utc
from ..kube.resources import get_minicluster
from ..workflows.events import NeedsRecreate, PauseTimeout
from .base import RefreshScreen
from .workflow_keys import CANCEL_NOTES, MUTATING, READ_ONLY_KEYS, FreshSubject, Subject

if TYPE_CHECKING:
    from ..kube.resources import MiniCluster
    from ..workflows import OnRunning
    from .progress import Offer, WorkflowDone, WorkflowFailed, WorkflowRun

class WorkflowActions(RefreshScreen):
    """Base of the screens with workflow keys. Subclasses implement workflow_subject() and may override
    workflow_finished()."""

    def workflow_subject(self) -> Subject | None:
        """The MiniCluster the keys act on; None (nothing selected) makes them do nothing."""
        return None

    def workflow_finished(self, run: WorkflowRun) -> None:
        """A workflow ended (any screen's): fetch again now so the screen shows what changed."""
        self.action_refresh_now()

    # ---- read-only -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATING and self.fs_app.read_only:
            return False
        return super().check_action(action, parameters)   # the views' own rules (no shell in a browser)

    def on_key(self, event: events.Key) -> None:
        # In read-only mode the mutating keys are hidden and unbound (check_action), so they reach here:
        # say why nothing happens, once per press (an older notice is replaced, not stacked).
        action = READ_ONLY_KEYS.get(event.key)
        if action is not None and self.fs_app.read_only:
            event.stop()
            self.app.clear_notifications()
            self.app.notify(f"read-only session: {event.key} ({MUTATING[action]}) would change the cluster. "
                            "Start without --read-only to act.", severity="warning", timeout=4)

    def workflow_busy_note(self) -> str | None:
        """While a workflow of this screen's MiniCluster runs, a failed fetch is expected: say so. That is
        one of this app, or one of another process whose lock refused a workflow started here (its holder
        is shown until the lease it had then would have expired)."""
        from .progress import current_run  # start-up speed

        subject = self.workflow_subject()
        if subject is None:
            return None
        target = (subject.mc.namespace, subject.mc.name)
        run = current_run(self.app)
        if run is not None and run.running and run.target == target:
            # the step first: it is what changes, and a narrow terminal cuts the end
            return f"{run.current or 'starting'} · {run.title} (w shows it)"
        seen = getattr(self, "_lock_holder", None)
        if seen is not None and seen[0] == target and not seen[1].free(now_utc()):
            return seen[1].describe(subject.mc.name) + " (in another process)"
        return None

    # ---- reading the MiniCluster as it is now ---------------------------------------------------

    def _with_fresh(self, action: str, subject: Subject) -> None:
        """Read the MiniCluster again before asking: a dialog must offer what is true now (an assets
        list edited a moment ago, a size changed by someone else)."""
        async def load() -> None:
            try:
                mc = await get_minicluster(await self.fs_app.client(), subject.mc.name, subject.mc.namespace)
            except KubeError as exc:
                self.app.notify(exc.message, title=f"cannot read {subject.mc.name}", severity="error")
                return
            self.post_message(FreshSubject(action, Subject(mc, subject.snapshot, subject.jobs)))

        self.run_worker(load(), group="fresh-subject", exclusive=True, exit_on_error=False)

    def _ask_fresh(self, action: str) -> None:
        subject = self._allowed(action)
        if subject is not None:
            self._with_fresh(action, subject)

    def on_fresh_subject(self, message: FreshSubject) -> None:
        from .workflow_dialogs import AssetsModal, ScaleModal  # start-up speed

        subject = message.subject
        if message.action == "recreate":
            self.open_recreate(subject)
        elif message.action == "scale":
            self.app.push_screen(ScaleModal(subject.mc), partial(self._confirmed_scale, subject))
        else:
            self.app.push_screen(AssetsModal(subject.mc), partial(self._confirmed_assets, subject))

    async def _current(self, subject: Subject) -> MiniCluster:
        """For a workflow job: the MiniCluster as it is when the action starts, not when it was asked."""
        return await get_minicluster(await self.fs_app.client(), subject.mc.name, subject.mc.namespace)

    def _allowed(self, action: str) -> Subject | None:
        app = self.app
        if action in MUTATING and self.fs_app.read_only:
            app.notify(f"read-only mode: {MUTATING[action]} refused", severity="warning")
            return None
        subject = self.workflow_subject()
        if subject is None:
            app.notify("no MiniCluster selected", severity="warning", timeout=3)
        return subject

    def _start(self, subject: Subject, title: str, job, *, show: bool = True, on_error=None,
               workflow: str = "", offer: Offer | None = None) -> None:
        from ..workflows.locking import Busy  # start-up speed
        from .progress import start_workflow

        app = self.app
        target = (subject.mc.namespace, subject.mc.name)

        def failed(exc: BaseException) -> bool:
            # The engine takes the MiniCluster's lock; refused, another process (a CLI, another TUI, another
            # machine) runs a workflow on it: name the holder, and remember it for workflow_busy_note.
            if isinstance(exc, Busy):
                self._lock_holder = (target, exc.holder)
                app.notify(exc.message, title=f"{title}: refused", severity="warning", timeout=10)
                return True
            return bool(on_error(exc)) if on_error is not None else False

        start_workflow(app, title, job, target=target, show=show, on_error=failed,
                       cancel_note=CANCEL_NOTES.get(workflow, ""), offer=offer)

    def on_workflow_done(self, message: WorkflowDone) -> None:
        self.workflow_finished(message.run)
        self.app.refresh_bindings()

    def on_workflow_failed(self, message: WorkflowFailed) -> None:
        self.workflow_finished(message.run)
        self.app.refresh_bindings()

    # ---- S: stop or start the queue --------------------------------------------------------------

    def action_queue_toggle(self) -> None:
        from .confirm import ConfirmModal  # start-up speed

        subject = self._allowed("queue_toggle")
        if subject is None:
            return
        name = subject.mc.name
        if subject.queue_stopped:
            modal = ConfirmModal(
                "Start the queue",
                f"flux queue start --all on {name}: pending jobs are scheduled again.",
                f"Start the queue of {name}", destructive=False)
            self.app.push_screen(modal, partial(self._confirmed_resume, subject))
        else:
            modal = ConfirmModal(
                "Stop the queue",
                f"flux queue stop --all on {name}: no new job starts; pending jobs stay queued and "
                "running jobs go on. The progress screen then waits for the running jobs to finish "
                "(up to 10 min), which a dump needs. S starts the queue again.",
                f"Stop the queue of {name}")
            self.app.push_screen(modal, partial(self._confirmed_pause, subject))

    def _confirmed_pause(self, subject: Subject, yes: bool | None, cancel_running: bool = False) -> None:
        if not yes:
            return
        from ..workflows import pause  # start-up speed
        from .progress import Offer

        async def job(progress):
            return await pause(await self.fs_app.client(), await self._current(subject),
                               cancel_running=cancel_running, progress=progress)

        title = f"Stop the queue of {subject.mc.name}" + (" (cancelling running jobs)" if cancel_running else "")
        offer = Offer("x", "cancel the running jobs", "wait for running jobs",
                      partial(self._offer_cancel_running, subject))
        self._start(subject, title, job, on_error=partial(self._pause_failed, subject), workflow="pause",
                    offer=None if cancel_running else offer)

    def _offer_cancel_running(self, subject: Subject) -> None:
        """From a waiting stop's progress screen: name the running jobs, then cancel exactly those."""

        from ..workflows.ops import list_running  # start-up speed
        from .confirm import ConfirmModal

        async def load() -> None:
            try:
                ids = await list_running(await self.fs_app.client(), subject.mc)
            except KubeError as exc:
                self.app.notify(exc.message, severity="error")
                return
            if not ids:
                self.app.notify("no job is running any more", timeout=3)
                return
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            self.app.push_screen(ConfirmModal(
                "Cancel the running jobs",
                Text(f"{len(ids)} job(s) of {subject.mc.name} still run: {shown}. They end as CANCELED "
                     "(exit 143) and the stop then finishes."),
                f"Cancel {len(ids)} running job(s)"), partial(self._cancel_confirmed, subject, ids))

        self.run_worker(load(), group="offer", exclusive=True, exit_on_error=False)

    def _cancel_confirmed(self, subject: Subject, ids: list[str], yes: bool | None) -> None:
        if not yes:
            return
        from ..workflows.ops import cancel_jobs  # start-up speed

        async def cancel() -> None:
            try:
                done = await cancel_jobs(await self.fs_app.client(), subject.mc, ids,
                                         message="canceled by fluxstate-tui stop")
                self.app.notify(done, timeout=6)
            except Exception as exc:  # shown, never fatal
                self.app.notify(getattr(exc, "message", str(exc)), severity="error")

        self.run_worker(cancel(), group="cancel-jobs", exit_on_error=False)

    def _pause_failed(self, subject: Subject, exc: BaseException) -> bool:
        if not isinstance(exc, PauseTimeout):
            return False
        from .confirm import ConfirmModal  # start-up speed

        app = self.app
        ids = ", ".join(exc.running[:10]) + (" …" if len(exc.running) > 10 else "")
        app.notify(exc.message, title="Jobs still running", severity="warning", timeout=10)
        modal = ConfirmModal(
            "Jobs still running",
            f"The queue of {subject.mc.name} is stopped, but {len(exc.running)} job(s) still run: {ids}.\n"
            "Cancel them now (they end as CANCELED), or keep them running: Cancel leaves them alone; "
            "S then offers to start the queue, or run the stop again to keep waiting.",
            f"Cancel {len(exc.running)} running job(s) of {subject.mc.name}")
        app.push_screen(modal, partial(self._confirmed_pause, subject, cancel_running=True))
        return True

    def _confirmed_resume(self, subject: Subject, yes: bool | None) -> None:
        if not yes:
            return
        from ..workflows import resume  # start-up speed

        async def job(progress):
            return await resume(await self.fs_app.client(), await self._current(subject), progress=progress)

        self._start(subject, f"Start the queue of {subject.mc.name}", job, show=False)

    # ---- D: dump ---------------------------------------------------------------------------------

    def action_dump(self) -> None:
        subject = self._allowed("dump")
        if subject is None:
            return
        mc = subject.mc
        if not mc.archive_path:
            self.app.notify(f"{mc.name} has no spec.archive.path: there is nowhere to dump to",
                            severity="error")
            return
        if subject.queue_stopped is False:
            # The engine would refuse: no button that cannot work, but the way forward.
            self.app.notify(f"The queue of {mc.name} is started: a dump needs a stopped queue with no running "
                            "jobs. Stop it first with S, then D.", title="Dump refused", severity="warning",
                            timeout=8)
            return
        from .confirm import ConfirmModal  # start-up speed

        body = (f"flux dump of {mc.name}'s queue to a temporary file next to {mc.archive_path}; it is verified "
                "(it lists, it is not empty, every job is in it), then renamed over the archive. The archive "
                "there now is kept as a timestamped version (the last 3 are kept).")
        modal = ConfirmModal("Dump the queue", body, f"Dump {mc.name} to {mc.archive_path}")
        self.app.push_screen(modal, partial(self._confirmed_dump, subject))

    def _confirmed_dump(self, subject: Subject, yes: bool | None) -> None:
        if not yes:
            return
        from ..workflows import dump  # start-up speed

        async def job(progress):
            return await dump(await self.fs_app.client(), await self._current(subject), progress=progress)

        self._start(subject, f"Dump {subject.mc.name} to {subject.mc.archive_path}", job, workflow="dump")

    # ---- R: recreate -----------------------------------------------------------------------------

    def action_recreate(self, size: int | None = None) -> None:
        subject = self._allowed("recreate")
        if subject is None:
            return
        if size is None:
            self._with_fresh("recreate", subject)
        else:
            self.open_recreate(subject, size)

    def open_recreate(self, subject: Subject, size: int | None = None) -> None:
        from .workflow_dialogs import RecreateModal  # start-up speed

        modal = RecreateModal(subject.mc, jobs=subject.jobs, size=size, queue_stopped=subject.queue_stopped)
        self.app.push_screen(modal, lambda size: self._confirmed_recreate(subject, size, modal.asset_paths()))

    def _confirmed_recreate(self, subject: Subject, size: int | None, assets: list[str] | tuple[str, ...] = ()) -> None:
        if size is None:
            return
        from ..workflows import recreate  # start-up speed

        async def job(progress):
            # The modal showed the annotated paths (read when it opened) and let them be edited: its list
            # is the whole list.
            return await recreate(await self.fs_app.client(), await self._current(subject), size=size,
                                  assets=tuple(assets), use_annotation=False, progress=progress)

        self._start(subject, f"Recreate {subject.mc.name} at size {size}", job, workflow="recreate")

    # ---- Z: scale --------------------------------------------------------------------------------

    def action_scale(self) -> None:
        self._ask_fresh("scale")

    def _confirmed_scale(self, subject: Subject, size: int | None) -> None:
        if size is None:
            return
        if size >= subject.mc.size:
            self._run_scale(subject, size)
            return

        from ..workflows import jobs_on_removed_ranks  # start-up speed

        async def check() -> None:
            # A scale-down removes the highest ranks and Flux kills what runs there: look first.
            try:
                mc = await self._current(subject)
                jobs = await jobs_on_removed_ranks(await self.fs_app.client(), mc, size)
            except KubeError as exc:
                self.app.notify(exc.message, title=f"Scale {subject.mc.name}: cannot see its jobs", severity="error")
                return
            if not jobs:
                self._run_scale(subject, size)
                return
            self._ask_scale_down(subject, size, jobs)

        self.run_worker(check(), group="scale-check", exclusive=True, exit_on_error=False)

    def _ask_scale_down(self, subject: Subject, size: int, jobs: list) -> None:
        from .confirm import ChoiceModal, ConfirmModal  # start-up speed

        name = subject.mc.name
        ranks = f"{size}" if size == subject.mc.size - 1 else f"{size}-{subject.mc.size - 1}"
        shown = "\n".join(f"  {j.describe()}" for j in jobs[:12]) + (
            f"\n  … and {len(jobs) - 12} more" if len(jobs) > 12 else "")
        body = Text(f"Scaling {name} to {size} removes rank(s) {ranks}. These {len(jobs)} job(s) run there; "
                    f"Flux would kill them (node-failure):\n{shown}\n\nNothing changes until you choose.")
        choices = [("drain", f"Drain rank(s) {ranks}, wait for these jobs to end, then scale to {size}"),
                   ("cancel", f"Cancel these {len(jobs)} job(s), then scale to {size}…")]

        def chosen(choice: str | None) -> None:
            if choice == "drain":
                self._run_scale(subject, size, on_running="drain")
            elif choice == "cancel":
                ids = ", ".join(j.f58 for j in jobs[:10]) + (" …" if len(jobs) > 10 else "")
                self.app.push_screen(ConfirmModal(
                    "Cancel running jobs", Text(f"Cancel {len(jobs)} running job(s) of {name}: {ids}? They end as "
                                                "CANCELED; then the scale-down goes on."),
                    f"Cancel {len(jobs)} job(s) and scale {name} to {size}"),
                    partial(self._cancel_and_scale, subject, size, jobs))

        self.app.push_screen(ChoiceModal(f"Scale {name} down to {size}", body, choices, cancel="Keep the size"),
                             chosen)

    def _cancel_and_scale(self, subject: Subject, size: int, jobs: list, yes: bool | None) -> None:
        if yes:
            # only the jobs shown: one that started since makes the engine refuse rather than kill it
            self._run_scale(subject, size, on_running="cancel", confirmed=jobs)

    def _run_scale(self, subject: Subject, size: int, *, on_running: OnRunning = "refuse", confirmed=None) -> None:
        from ..workflows import scale  # start-up speed

        async def job(progress):
            return await scale(await self.fs_app.client(), await self._current(subject), size=size,
                               on_running=on_running, confirmed=confirmed, progress=progress)

        # Above the live limit the engine refuses at once (NeedsRecreate) and a recreate is offered:
        # no progress screen to flash by.
        self._start(subject, f"Scale {subject.mc.name} to {size}", job, show=size <= subject.mc.scale_limit,
                    on_error=partial(self._scale_failed, subject), workflow="scale")

    def _scale_failed(self, subject: Subject, exc: BaseException) -> bool:
        if not isinstance(exc, NeedsRecreate):
            return False
        from .progress import ProgressScreen  # start-up speed

        app = self.app
        app.notify(exc.message, title="A recreate is needed", severity="warning", timeout=8)

        def offer() -> None:
            if isinstance(app.screen, ProgressScreen):
                app.pop_screen()
            self.open_recreate(subject, exc.size)

        app.call_after_refresh(offer)
        return True

    # ---- F: filesystem assets -------------------------------------------------------------------

    def action_assets(self) -> None:
        self._ask_fresh("assets")

    def _confirmed_assets(self, subject: Subject, paths: list[str] | None) -> None:
        if paths is None:
            return
        from ..workflows.assets import set_annotation  # start-up speed

        app = self.app

        async def save() -> None:

            try:
                app.notify(await set_annotation(await self.fs_app.client(), subject.mc, paths), timeout=5)
            except Exception as exc:  # shown, never fatal
                app.notify(getattr(exc, "message", str(exc)), severity="error", timeout=8)

        app.run_worker(save(), group="assets", exit_on_error=False)

    # ---- A: archive ------------------------------------------------------------------------------

    def action_archive(self) -> None:
        subject = self._allowed("archive")
        if subject is None:
            return
        from .confirm import ArchiveModal  # start-up speed

        self.app.push_screen(ArchiveModal(subject.mc))

    # ---- the command palette ---------------------------------------------------------------------

    def workflow_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(title, help, callback) for app.get_system_commands: the actions allowed on this screen now."""
        subject = self.workflow_subject()
        out: list[tuple[str, str, Callable[[], object]]] = []
        if subject is not None:
            name = subject.mc.name
            queue = (f"Start the queue of {name} (S)", "flux queue start --all") if subject.queue_stopped else \
                    (f"Stop the queue of {name} (S)", "flux queue stop --all, then wait for running jobs")
            items = [
                ("queue_toggle", *queue),
                ("dump", f"Dump {name} to its archive (D)", "flux dump to spec.archive.path, verified"),
                ("recreate", f"Recreate {name} at a new size (R)", "pause, dump, delete, create at N, restore"),
                ("scale", f"Scale {name} (Z)", "a live resize within maximumSize"),
                ("archive", f"Archive of {name} (A)", "path, size, age, jobs inside, versions"),
            ]
            for action, title, help_text in items:
                if self.check_action(action, ()):
                    out.append((title, help_text, getattr(self, f"action_{action}")))
        return out
