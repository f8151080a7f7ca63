"""The Textual app: global keys, the shared cluster client, the command palette. Screens do the rest."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.notifications import SeverityLevel
from textual.screen import Screen

from .kube.client import KubeClient, Target, import_client, list_contexts
from .kube.errors import KubeError, Unreachable
from .screens.base import RefreshScreen
from .screens.clusters import ClustersScreen
from .workflows.runner import Runs

if TYPE_CHECKING:
    from .demo.embedded import DemoProcess, EmbeddedDemo

# The screens the first frame does not show (help, the progress of a workflow, the quit dialog) are imported
# when first shown, each import marked `# start-up speed`.


class ClusterCommands(Provider):
    """Open a MiniCluster, switch namespace or context, from ctrl+p or `:`."""

    async def startup(self) -> None:
        app = self.app
        assert isinstance(app, FluxStateApp)
        self.items: list[tuple[str, str, Callable[[], object]]] = []
        clusters = app.clusters_screen
        for key, s in sorted((clusters.summaries if clusters else {}).items()):
            self.items.append((f"Open MiniCluster {key}", "show its jobs",
                               partial(app.open_minicluster, s.mc.namespace, s.mc.name)))
        self.items.append(("All namespaces", "list MiniClusters in every namespace (-A)",
                           partial(app.switch_namespace, None)))
        for ns in await app.namespaces():
            self.items.append((f"Namespace {ns}", "list MiniClusters in this namespace",
                               partial(app.switch_namespace, ns)))
        try:
            names, _ = list_contexts(app.target.kubeconfig)
        except KubeError:
            names = []
        for name in names:
            self.items.append((f"Context {name}", "switch the kubeconfig context", partial(app.switch_context, name)))

    async def discover(self) -> Hits:
        for title, help_text, callback in self.items:
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.items:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


def screen_key_commands(screen: Screen, skip: set[str]) -> Iterable[SystemCommand]:
    for binding in screen.BINDINGS:
        if not isinstance(binding, Binding) or binding.action.startswith("app.") or "(" in binding.action:
            continue
        name = f"action_{binding.action}"
        method = getattr(screen, name, None)
        if method is None or name in skip or name in ("action_back", "action_toggle_pause", "action_refresh_now"):
            continue
        if screen.check_action(binding.action, ()) is False:
            continue
        key = screen.app.get_key_display(replace(binding, key=binding.key.split(",")[0]))
        yield SystemCommand(f"{binding.description} ({key})", binding.tooltip or binding.description, method)


DEMO_LOAD = 1.0  # jobs a second the palette streams into the demo when --load gave no rate


class FluxStateApp(App):
    TITLE = "fluxstate-tui"
    COMMANDS = App.COMMANDS | {ClusterCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", show=False),
        # Both keys: declaring any command_palette binding drops Textual's own ctrl+p one. ctrl+p has
        # priority so it works from a text field too; `:` must stay typeable there.
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True),
        Binding("colon", "command_palette", "Commands", show=False),
        # state workflows (screens/progress.py): shown while one exists
        Binding("w", "show_workflow", "Workflow"),
    ]
    CSS = """
    #mc-empty, #jobs-note { padding: 1 2; color: $text-muted; }
    #mc-empty.error { color: $error; }
    #detail-scroll { padding: 0 1; }
    #detail-scroll > Static { margin-bottom: 1; }
    #log-status { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self, target: Target, *, refresh: float = 2.0, read_only: bool = False, job_count: int = 0,
                 demo: EmbeddedDemo | DemoProcess | None = None, gc_paused: bool = False) -> None:
        """gc_paused: the caller disabled the garbage collector for the start (cli/main.py); once the first
        frame is drawn, what the start built is frozen out of its way and it collects again."""
        super().__init__()
        self._gc_paused = gc_paused
        self.target = target
        self.refresh_interval = refresh
        self.read_only = read_only
        self.job_count = job_count
        self.demo = demo
        self._demo_rate = demo.load if demo is not None else None  # --load, what the palette turns back on
        self.paused = False
        self.all_namespaces = target.all_namespaces
        self.namespace: str | None = target.namespace
        self.context_name: str | None = target.context
        self._kube: KubeClient | None = None
        self._connecting = asyncio.Lock()  # one connection however many screens ask for it at once
        # Start-up speed: connecting (importing the client, about 0.35 s) and the demo cluster wait until the
        # first frame is on the screen; on a busy machine they would only hold it back. Then both at once:
        # `--demo`'s cluster is a DemoProcess, on a core of its own.
        self._drawn = asyncio.Event()
        self.workflows = Runs()     # the state workflows started here, one per MiniCluster

    def on_mount(self) -> None:
        self.push_screen(ClustersScreen())
        self.call_after_refresh(self._first_frame_drawn)

    def _first_frame_drawn(self) -> None:
        if self._gc_paused:
            gc.freeze()  # the modules, classes and widgets of the start live as long as the app
            gc.enable()
        if self.demo is not None:
            self.demo.launch()
        self._drawn.set()

    async def client(self) -> KubeClient:
        """The cluster client, connected on first use (and again after a context switch)."""
        async with self._connecting:
            if self._kube is None:
                await self._drawn.wait()
                if self.demo is not None:
                    # the client is imported while the demo comes up (connect() then finds it imported)
                    loading = asyncio.ensure_future(asyncio.to_thread(import_client))
                    try:
                        await asyncio.to_thread(self.demo.wait_ready)
                    except RuntimeError as exc:
                        raise Unreachable(str(exc)) from exc
                    finally:
                        await loading
                self._kube = await KubeClient.connect(self.target)
                self.context_name = self._kube.context
                self.namespace = self._kube.namespace
            return self._kube

    async def on_unmount(self) -> None:
        if self._kube is not None:
            await self._kube.close()

    @property
    def clusters_screen(self) -> ClustersScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, ClustersScreen):
                return screen
        return None

    async def namespaces(self) -> list[str]:
        try:
            kube = await self.client()
            result = await kube.call(kube.core.list_namespace(), verb="list", resource="namespaces")
            return sorted(n.metadata.name for n in result.items if n.metadata and n.metadata.name)
        except KubeError:
            return [self.namespace] if self.namespace else []

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications carry cluster text (error messages, job names, paths): never read as markup,
        whoever calls (Widget.notify passes markup=True on)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # ---- actions -----------------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # start-up speed

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    async def open_minicluster(self, namespace: str, name: str) -> None:
        clusters = self.clusters_screen
        while self.screen is not clusters and len(self.screen_stack) > 2:
            self.pop_screen()
        if clusters is not None:
            await clusters.open_named(namespace, name)

    async def switch_namespace(self, namespace: str | None) -> None:
        self.all_namespaces = namespace is None
        if namespace is not None:
            self.target.namespace = namespace
            self.namespace = namespace
            if self._kube is not None:
                self._kube.namespace = namespace
        await self._back_to_clusters()
        self.notify("All namespaces" if namespace is None else f"Namespace {namespace}", timeout=2)

    async def switch_context(self, context: str) -> None:
        self.target.context = context
        self.target.namespace = None
        if self._kube is not None:
            await self._kube.close()
            self._kube = None
        # Until the new context answers, nothing of the old one may be shown as current.
        self.context_name = context
        self.namespace = None
        await self._back_to_clusters()
        self.notify(f"Context {context}", timeout=2)

    async def _back_to_clusters(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        clusters = self.clusters_screen
        if clusters is not None:
            clusters.forget()

    # ---- state workflows (screens/actions.py, screens/progress.py) ------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_workflow":
            if self.workflows.latest is None:  # progress.current_run(): none has run, the first frame's case
                return False
            from .screens.progress import ProgressScreen  # start-up speed

            return not isinstance(self.screen, ProgressScreen)
        return True

    async def action_quit(self) -> None:
        """Quitting stops a running workflow mid-step (its journal lets a rerun finish it): ask first."""
        running = self.workflows.any_running()
        if not running:
            self.exit()
            return
        from .screens.confirm import ConfirmModal  # start-up speed

        if isinstance(self.screen, ConfirmModal):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmModal(
            "A workflow is running",
            f"“{'”, “'.join(r.title for r in running)}” still running. Quitting stops it where it is; running the "
            "same workflow again "
            "(the CLI or this TUI) continues from the step it stopped at.",
            "Quit anyway"), answered)

    def toggle_demo_load(self) -> None:
        demo = self.demo
        if demo is None:
            return
        rate = None if demo.load else (self._demo_rate or DEMO_LOAD)
        demo.set_load(rate)
        self.notify(f"the demo streams jobs into flux-sample, {rate:g} a second" if rate
                    else "the demo's stream of jobs stopped", timeout=3)

    def action_show_workflow(self) -> None:
        from .screens.progress import show_workflow  # start-up speed

        show_workflow(self)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: every key (?)", "list the keys of this screen", self.action_help)
        if self.demo is not None:
            if self.demo.load:
                yield SystemCommand("Demo: stop the stream of jobs", f"jobs go into flux-sample, {self.demo.load:g} a "
                                    "second: stop submitting them", self.toggle_demo_load)
            else:
                yield SystemCommand("Demo: stream jobs into flux-sample",
                                    f"mixed jobs, {DEMO_LOAD:g} a second (as --load {DEMO_LOAD:g}): a live queue",
                                    self.toggle_demo_load)
        if isinstance(screen, RefreshScreen):
            yield SystemCommand("Refresh now (ctrl+r)", "fetch again without waiting", screen.action_refresh_now)
            yield SystemCommand("Pause or resume live refresh (p)", "stop fetching; the data stays",
                                screen.action_toggle_pause)
        # state workflows: the S D R Z A keys of the Jobs and MiniClusters screens, named for their MiniCluster
        commands = getattr(screen, "workflow_commands", None)
        named = set()
        if commands is not None:
            for title, help_text, callback in commands():
                named.add(getattr(callback, "__name__", ""))
                yield SystemCommand(title, help_text, callback)
        # every other key of the screen that is allowed now (job, queue and node actions, the views, sort)
        yield from screen_key_commands(screen, named)

        run = self.workflows.latest  # progress.current_run()
        if run is not None:
            yield SystemCommand("Show running workflow (w)" if run.running else "Show the last workflow (w)",
                                run.title, self.action_show_workflow)
