"""The read-only views of a MiniCluster that the lists open, k9s style: `n` its nodes, `l` its broker log,
`y` its YAML, `d` a describe, `s` a shell in its broker pod (kubectl exec -it, the TUI suspended)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message

from ..kube.client import Target
from ..kube.resources import MiniCluster, find_broker
from .base import RefreshScreen
from .workflow_keys import Subject

VIEW_BINDINGS = [
    Binding("n", "nodes", "Nodes", tooltip="every rank: state, drain reason, cores, jobs; drain/undrain"),
    Binding("l", "broker_log", "Broker log"),
    Binding("d", "describe", "Describe", show=False, tooltip="spec, status, pods and recent events"),
    Binding("y", "yaml", "YAML", show=False, tooltip="the MiniCluster as kubectl get -o yaml shows it"),
    Binding("s", "shell", "Shell", show=False, tooltip="bash in the broker pod (kubectl exec -it)"),
]
# Under textual-serve (`fluxstate-tui serve`) Textual's web driver sets app.is_web, and the app has no terminal
# to suspend into for kubectl exec -it: the key is hidden there (check_action) and a press says why.
NO_SHELL_IN_BROWSER = ("no shell in a browser: s hands the TUI's terminal to kubectl exec -it, and this TUI runs in "
                       "a browser tab. Run fluxstate-tui in a terminal for a shell in the broker pod.")
SHELL_HINT = ("In the pod, `. /mnt/flux/flux-view.sh && flux proxy $fluxsocket bash` gives a shell where "
              "flux commands reach the instance; `exit` comes back here.")


def shell_argv(kubectl: str, target: Target, context: str | None, namespace: str, pod: str,
               container: str) -> list[str]:
    """kubectl exec -it into the pod, on the cluster the app is on (its kubeconfig and context): argv, no shell."""
    argv = [kubectl]
    if target.kubeconfig:
        argv += ["--kubeconfig", target.kubeconfig]
    if context:
        argv += ["--context", context]
    return [*argv, "-n", namespace, "exec", "-it", pod, "-c", container, "--", "/bin/bash"]


@dataclass
class ShellReady(Message):
    argv: list[str]


class MiniClusterViews(RefreshScreen):
    """Mixed into the screens that have a MiniCluster under the cursor (workflow_subject)."""

    def workflow_subject(self) -> Subject | None:
        return None

    def _mc(self) -> MiniCluster | None:
        subject = self.workflow_subject()
        if subject is None:
            self.app.notify("no MiniCluster selected", severity="warning", timeout=3)
        return subject.mc if subject is not None else None

    # Each view's screen (with its widgets, and yaml and rich.syntax for describe) is imported when the view
    # is first opened, not with the lists that offer it, which the first frame waits for: start-up speed.

    def action_nodes(self) -> None:
        if (mc := self._mc()) is not None:
            from .nodes import NodesScreen  # start-up speed (above)

            self.app.push_screen(NodesScreen(mc))

    def action_broker_log(self) -> None:
        if (mc := self._mc()) is not None:
            from .broker_log import BrokerLogScreen  # start-up speed (above)

            self.app.push_screen(BrokerLogScreen(mc))

    def action_describe(self) -> None:
        self._open_description("describe")

    def action_yaml(self) -> None:
        self._open_description("yaml")

    def _open_description(self, view: str) -> None:
        if (mc := self._mc()) is not None:
            from .describe import DescribeScreen  # start-up speed (above)

            self.app.push_screen(DescribeScreen(mc, view))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "shell" and self.app.is_web:
            return False
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        # hidden in a browser, so the press falls through to here (as the read-only keys do): say why, once
        if event.key == "s" and self.app.is_web:
            event.stop()
            self._no_shell_in_browser()

    def _no_shell_in_browser(self) -> None:
        self.app.clear_notifications()
        self.app.notify(NO_SHELL_IN_BROWSER, title="shell", severity="warning", timeout=6)

    def action_shell(self) -> None:
        if self.app.is_web:  # the palette, or a screen whose check_action does not ask this one
            self._no_shell_in_browser()
            return
        mc = self._mc()
        if mc is None:
            return
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            self.app.notify("the shell key runs kubectl exec -it, and kubectl is not on PATH", severity="warning")
            return

        async def find() -> None:
            try:
                pod = await find_broker(await self.fs_app.client(), mc)
            except Exception as exc:  # the broker may be gone (a recreate): said, not raised
                self.app.notify(getattr(exc, "message", str(exc)), title="no shell", severity="error")
                return
            self.post_message(ShellReady(shell_argv(kubectl, self.fs_app.target, self.fs_app.context_name,
                                                    mc.namespace, pod.name, mc.container)))

        self.run_worker(find(), group="shell", exclusive=True, exit_on_error=False)

    def on_shell_ready(self, message: ShellReady) -> None:
        with self.app.suspend():
            print(SHELL_HINT, flush=True)
            code = subprocess.call(message.argv)
        if code not in (0, 130):
            self.app.notify(f"kubectl exec exited {code}", severity="warning", timeout=5)
