"""`P`: protect a MiniCluster (or stop protecting it): the guard (`fluxstate-tui guard`) then dumps its
queue before any deletion, by anyone, lets it go only after a verified dump, and keeps it when the dump
fails. The list says what the guard did (a failed dump in red)."""

from __future__ import annotations

from rich.text import Text

from ..kube.protection import guard_status, is_protected
from ..kube.resources import MiniCluster
from .actions import WorkflowActions
from .workflow_keys import Subject


def guard_cell(mc: MiniCluster) -> Text:
    """A short word for the list: protected, dumping, or KEPT with why (a failed guard dump waits for a person)."""
    status = guard_status(mc)
    if status is None:
        return Text("-", style="dim")
    if status["outcome"] == "failed" and status["held"]:
        return Text("KEPT: dump failed", style="bold red")
    if status["outcome"] == "dumping" and status["held"]:
        return Text("dumping", style="yellow")
    if status["held"]:
        return Text("deleting", style="yellow")
    return Text("protected", style="green") if status["protected"] else Text(str(status["outcome"] or "-"))


class GuardKeys(WorkflowActions):
    def action_protect(self) -> None:
        subject = self._allowed("protect")
        if subject is None:
            return
        mc = subject.mc
        on = not is_protected(mc.raw)
        body = (f"Adds the finalizer fluxstate-tui/guard to {mc.name}: a guard (`fluxstate-tui guard`, or "
                "deploy/guard.yaml in the cluster) then stops its queue, dumps it and verifies the archive "
                "before any deletion lets it go." if on else
                f"Removes the finalizer from {mc.name}: a deletion then goes at once, with no dump.")
        label = f"Protect {mc.name}" if on else f"Stop protecting {mc.name}"
        from .confirm import ConfirmModal  # start-up speed: the first frame needs no dialog

        modal = ConfirmModal("Protect" if on else "Stop protecting", Text(body), label, destructive=not on)
        self.app.push_screen(modal, lambda yes: self._protect(subject, on) if yes else None)

    def _protect(self, subject: Subject, on: bool) -> None:
        from ..workflows.protect import set_protected  # start-up speed: the engine loads on first use

        async def job(progress):
            return await set_protected(await self.fs_app.client(), await self._current(subject), on)

        self._start(subject, ("Protect " if on else "Stop protecting ") + subject.mc.name, job, show=False)
