"""`M`: move the queue of a MiniCluster to another name, namespace or cluster (a context of the same
kubeconfig), as `fluxstate-tui move` does (workflows/move.py): pause, dump, copy the archive through the
API, create the destination, verify every job id, start its queue. The source stays, its queue stopped."""

from __future__ import annotations

import re

from rich.text import Text

from ..kube.client import KubeClient, Target
from .actions import WorkflowActions
from .ask import AskModal
from .workflow_keys import Subject

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def parse_to(text: str) -> tuple[str | None, str, str] | None:
    """[CONTEXT/]NAMESPACE/NEWNAME, or None (a context may hold '/', the last two parts never do)."""
    parts = text.strip().rsplit("/", 2)
    if len(parts) < 2 or not all(parts) or not all(DNS_LABEL.fullmatch(p) for p in parts[-2:]):
        return None
    return (parts[0] if len(parts) == 3 else None), parts[-2], parts[-1]


def move_dialog(subject: Subject) -> AskModal:
    mc = subject.mc
    return AskModal(f"Move the queue of {mc.name}", Text(
        f"Pauses {mc.name}, dumps it, copies the archive through the Kubernetes API into the destination's "
        "volume (sha256 checked at both ends), creates the new MiniCluster from this one's spec, verifies "
        f"every job id there and starts its queue. {mc.name} stays, its queue stopped."),
        label="to", value=f"{mc.namespace}/{mc.name}-moved", placeholder="[CONTEXT/]NAMESPACE/NEWNAME",
        check=lambda t: None if parse_to(t) else "[CONTEXT/]NAMESPACE/NEWNAME, names as Kubernetes takes them",
        action_label=f"Move the queue of {mc.name}")


class MoveKey(WorkflowActions):
    def action_move(self) -> None:
        if (subject := self._allowed("move")) is not None:
            self.app.push_screen(move_dialog(subject), lambda to: self._move(subject, to) if to else None)

    def _move(self, subject: Subject, to: str) -> None:
        where = parse_to(to)
        if where is None:
            return
        context, namespace, name = where
        app = self.fs_app
        from ..workflows.move import Destination, move  # start-up speed: the engine loads on first use

        async def job(progress):
            target = Target(kubeconfig=app.target.kubeconfig, context=context or app.context_name,
                            namespace=namespace)
            async with await KubeClient.connect(target) as dest:
                return await move(await app.client(), await self._current(subject),
                                  to=Destination(dest, namespace, name), progress=progress)

        self._start(subject, f"Move the queue of {subject.mc.name} to {to}", job, workflow="move")
