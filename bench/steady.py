"""Issue 17, steady state: the jobs screen open on a queue of N jobs, the full table in, ~1% of the jobs
changing per refresh tick (refresh every 2 s), measured end to end in the app.

    .venv/bin/python bench/steady.py [--sizes 1000,10000,100000] [--churn 0.01] [--quiet-s 20] [--keys-s 30]
                                     [--profile DIR]

Set-up: `demo-server --seed-jobs N --cores-per-node 1024` in a process of its own (bench/demo_proc.py), its
pods Running; the app (FluxStateApp, refresh=2) headless in this process (`App.run_test(size=(160, 50))`),
Enter on flux-sample, the full table in, two refreshes to settle. A churn process (bench/_churn.py) then
submits `flux submit --cc 1-M sleep 1` every 2 s by `kubectl exec`, M = N x churn / 2: a 1 s job is seen
once new or running and once done, so about N x churn rows change per refresh; the rows each refresh
really changed are counted and printed ("rows/tick"). The seeded scene's big-run (two whole nodes, at the head
of sched-simple's FIFO queue) is cancelled first, else every churn job would wait behind it; --backlog keeps
it, and the pending jobs pile up (thousands: the cost of working out why each waits).

What is measured:
- a loop-lag probe: a coroutine in the app's event loop sleeping 5 ms and recording how late it woke.
  A worker thread parsing or diffing holds the GIL, so the main thread stalls although no handler runs:
  this is the stall the user feels. "stall/tick" sums the lateness over one refresh tick (from one
  `on_jobs_fetched` to the next); "max stall" is the longest single one. Lateness shorter than the probe's
  own 5 ms nap is not seen, nor lateness under 1 ms (the idle loop's jitter), so the sum is a lower bound
  of the busy time; the main thread's CPU per tick
  (`time.thread_time`, probe included) is printed beside it as an upper one.
- phase 1 ("quiet", --quiet-s): refreshes only. stall/tick and main CPU/tick (median, max), and what each
  stage cost (wrappers around the stages, wall and CPU time of the thread they ran on).
- phase 2 ("keys", --keys-s): `down` sent as the terminal driver sends keys (`driver.send_message(Key)`)
  every 100-200 ms, refreshes going on. Key-to-screen: from the send to the end of the first compositor
  update after JobTable.action_cursor_down ran for that key (the i-th press is the i-th action), the
  update's terminal bytes included: the headless driver writes nothing, so the bench renders the update's
  segments itself, as a terminal driver would, and counts that time. p50 / p99.
- change-to-screen (both phases): for every churn job, from `flux submit` returning (in the churn process,
  wall clock) to the end of the first compositor update after the row was in the table. p50 / p95.

Baseline beside it, in the same run: JobTable alone in a bare App, holding the same rows and fed the same
`update_rows` diffs at the same moments (recorded from phase 1 and 2), with the same probe and keys. It is
the cost of the widget and Textual at this size with no fetch, parse or diff: what the screen adds over
it is ours to cut. (Textual's DataTable is no baseline here: it takes ~24 s to hold 100k rows at all.)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _churn import start_churn  # noqa: E402
from demo_proc import VIEW, DemoProcess, load_note  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.screen import Screen  # noqa: E402
from textual.widget import Widget  # noqa: E402

from fluxstate_tui.app import FluxStateApp  # noqa: E402
from fluxstate_tui.flux.ids import parse_jobid  # noqa: E402
from fluxstate_tui.flux.snapshot import SnapshotReader  # noqa: E402
from fluxstate_tui.heap import fix_mmap_threshold  # noqa: E402
from fluxstate_tui.kube import broker as broker_mod  # noqa: E402
from fluxstate_tui.kube.client import Target  # noqa: E402
from fluxstate_tui.widgets.job_table import JobTable  # noqa: E402

SIZE = (160, 50)
INTERVAL = 2.0
PROBE = 0.005
STALL = 0.001   # lateness below this is the loop's own jitter (a 5 ms sleep wakes ~0.2 ms late when idle), not a stall
CORES_PER_NODE = 1024   # room for the churn's jobs to run at once (2 nodes)
JOB_SLEEP = 1.0
CANCEL_BIG_RUN = (f"{VIEW} bash -c 'flux cancel $(flux jobs -n -o \"{{id}} {{name}}\" "
                  "| grep big-run | cut -d\" \" -f1)'")


# ---- instruments ---------------------------------------------------------------------------------

@dataclass
class Call:
    start: float
    wall: float
    cpu: float
    main: bool


class Stages:
    """Wall and CPU time (of the thread it ran on) of each call of the wrapped functions."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Call]] = defaultdict(list)
        self.profiles: dict[str, cProfile.Profile] = {}
        self.profiling = False
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: object, name: str, label: str | None = None, profile: bool = False) -> None:
        label = label or name
        original = getattr(owner, name)
        calls = self.calls[label]
        stages = self

        if asyncio.iscoroutinefunction(original):
            async def wrapper(*args, **kwargs):
                t0, c0 = time.perf_counter(), time.thread_time()
                try:
                    return await original(*args, **kwargs)
                finally:
                    calls.append(Call(t0, time.perf_counter() - t0, time.thread_time() - c0,
                                      threading.current_thread() is threading.main_thread()))
        else:
            def wrapper(*args, **kwargs):
                main = threading.current_thread() is threading.main_thread()
                prof = None
                if profile and stages.profiling and not main:  # cProfile sees only its own thread
                    prof = stages.profiles.setdefault(label, cProfile.Profile())
                t0, c0 = time.perf_counter(), time.thread_time()
                try:
                    if prof is not None:
                        return prof.runcall(original, *args, **kwargs)
                    return original(*args, **kwargs)
                finally:
                    calls.append(Call(t0, time.perf_counter() - t0, time.thread_time() - c0, main))
        setattr(owner, name, wrapper)
        self._undo.append(lambda: setattr(owner, name, original))

    def undo(self) -> None:
        for step in reversed(self._undo):
            step()
        self._undo.clear()

    def between(self, label: str, t0: float, t1: float) -> list[Call]:
        return [c for c in self.calls.get(label, []) if t0 <= c.start < t1]


class Layouts:
    """Who asks for a layout of the screen (`refresh(layout=True)`, layout reactives included) while `on`:
    a layout of the jobs screen costs tens of ms, so a refresh tick should ask for none."""

    def __init__(self) -> None:
        self.by_class: dict[str, int] = defaultdict(int)
        self.on = False
        self._original = Widget.refresh
        original, layouts = self._original, self

        def refresh(widget, *regions, repaint=True, layout=False, recompose=False):
            if layout and layouts.on:
                layouts.by_class[type(widget).__name__] += 1
            return original(widget, *regions, repaint=repaint, layout=layout, recompose=recompose)

        Widget.refresh = refresh  # type: ignore[method-assign]

    def undo(self) -> None:
        Widget.refresh = self._original  # type: ignore[method-assign]

    def summary(self) -> str:
        return ", ".join(f"{name} {count}" for name, count in sorted(self.by_class.items(), key=lambda x: -x[1])) \
            or "none"


class GcPauses:
    """The cyclic collector's pauses while `on`, by generation: (count, total s, max s). A collection of
    the oldest generation walks every tracked object, on whichever thread allocated last."""

    def __init__(self) -> None:
        self.on = False
        self.pauses: dict[int, list[float]] = defaultdict(list)
        self._t0 = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        elif self.on:
            self.pauses[info["generation"]].append(time.perf_counter() - self._t0)

    def undo(self) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        return "; ".join(f"gen{g}: {len(p)} taking {sum(p) * 1000:.0f} ms (max {max(p) * 1000:.0f})"
                         for g, p in sorted(self.pauses.items())) or "none"


class LoopProbe:
    """A coroutine sleeping PROBE seconds at a time, recording (wake time, lateness)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(PROBE)
            now = time.perf_counter()
            self.samples.append((now, max(0.0, now - t - PROBE)))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def lateness(self, t0: float, t1: float) -> list[float]:
        """The stalls seen between t0 and t1: every lateness of STALL or more."""
        return [late for at, late in self.samples if t0 <= at < t1 and late >= STALL]


class Screenshots:
    """Times of every compositor update of the app (what a terminal would be sent), its bytes rendered."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.times: list[float] = []
        self.render_s = 0.0
        self.listeners: list[Callable[[float], None]] = []
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            t0 = time.perf_counter()
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)  # the bytes a terminal driver would write
            now = time.perf_counter()
            self.render_s += now - t0
            self.times.append(now)
            for listener in list(self.listeners):
                listener(now)

        app._display = display  # type: ignore[method-assign]

    def first_after(self, t: float) -> float | None:
        import bisect
        i = bisect.bisect_right(self.times, t)
        return self.times[i] if i < len(self.times) else None


class Keys:
    """`down` at a person's pace, sent as the terminal driver sends keys; the i-th action is the i-th key."""

    def __init__(self, app: App, shots: Screenshots) -> None:
        self.app = app
        self.shots = shots
        self.sent: list[float] = []
        self.acted: list[float] = []

    def on_action(self) -> None:
        self.acted.append(time.perf_counter())

    async def run(self, seconds: float, rng: random.Random) -> None:
        end = time.perf_counter() + seconds
        driver = self.app._driver
        assert driver is not None
        while time.perf_counter() < end:
            event = events.Key("down", None)
            event.set_sender(self.app)
            self.sent.append(time.perf_counter())
            driver.send_message(event)
            await asyncio.sleep(rng.uniform(0.1, 0.2))
        await asyncio.sleep(1.0)  # the last ones reach the screen

    def latencies(self) -> list[float]:
        out = []
        for sent, acted in zip(self.sent, self.acted, strict=False):
            shown = self.shots.first_after(acted)
            if shown is not None:
                out.append(shown - sent)
        return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def wait_for(predicate: Callable[[], object], what: str, timeout: float = 300.0, poll: float = 0.01) -> None:
    end = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(poll)


# ---- the run -------------------------------------------------------------------------------------

@dataclass
class Recording:
    """What the table was fed, to replay to the widget alone."""

    columns: list = field(default_factory=list)
    rows: dict = field(default_factory=dict)
    updates: list[tuple[float, dict, set]] = field(default_factory=list)  # (seconds from start, upserts, removed)


def tick_windows(handler_calls: list[Call], t0: float, t1: float) -> list[tuple[float, float]]:
    starts = [c.start for c in handler_calls if t0 <= c.start < t1]
    return list(zip(starts, starts[1:], strict=False))


def stall_figures(probe: LoopProbe, windows: list[tuple[float, float]]) -> dict[str, float]:
    sums = [sum(probe.lateness(a, b)) for a, b in windows]
    maxes = [max(probe.lateness(a, b), default=0.0) for a, b in windows]
    return {"stall_med": statistics.median(sums) if sums else float("nan"),
            "stall_max": max(sums, default=float("nan")),
            "maxstall_med": statistics.median(maxes) if maxes else float("nan"),
            "maxstall_max": max(maxes, default=float("nan"))}


def listen_cursor_down() -> tuple[list[Callable[[], None]], Callable[[], None]]:
    """JobTable.action_cursor_down made to call each listener of the returned list after it ran (a key's
    effect, timed); the second value puts the original back."""
    listeners: list[Callable[[], None]] = []
    original = JobTable.action_cursor_down

    def action_cursor_down(self):
        original(self)
        for listener in listeners:
            listener()

    JobTable.action_cursor_down = action_cursor_down

    def restore() -> None:
        JobTable.action_cursor_down = original

    return listeners, restore


async def measure_app(n: int, demo: DemoProcess, churn_fraction: float, quiet_s: float, keys_s: float,
                      profile_dir: Path | None, backlog: bool = False) -> tuple[dict[str, float], Recording, dict]:
    from fluxstate_tui.screens import jobs as jobs_screen

    stages = Stages()
    # Class- and module-level wrappers: Textual finds handlers on the class, fetch() names diff_jobs by module.
    stages.wrap(jobs_screen.JobsScreen, "on_jobs_fetched", "handler (main)")
    stages.wrap(jobs_screen.JobsScreen, "fetch", "fetch (await)")
    stages.wrap(jobs_screen, "diff_jobs", "diff_jobs (thread)", profile=True)
    # The listing is parsed as it arrives, a frame at a time, on the main thread (SnapshotReader.feed).
    stages.wrap(SnapshotReader, "feed", "parse a frame (main)")
    stages.wrap(broker_mod.Broker, "exec", "exec + parse (await)")
    stages.wrap(JobTable, "update_rows", "JobTable.update_rows")
    stages.wrap(Screen, "_compositor_refresh", "compositor update")
    stages.wrap(Screen, "_refresh_layout", "screen layout")
    layouts = Layouts()
    gc_pauses = GcPauses()
    recording = Recording()
    original_update = JobTable.update_rows  # the wrapper
    recording_on = [False]
    t_base = [0.0]
    added_at: dict[int, float] = {}

    def update_rows(self, upserts, removed=()):
        removed = set(removed)
        now = time.perf_counter()
        for key in upserts:
            if key not in self._model.cells:
                added_at.setdefault(key, now)
        if recording_on[0]:
            recording.updates.append((now - t_base[0], dict(upserts), removed))
        return original_update(self, upserts, removed)

    JobTable.update_rows = update_rows
    action_listeners, restore_down = listen_cursor_down()
    app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=INTERVAL)
    out: dict[str, float] = {}
    extra: dict = {}
    churn = None
    try:
        async with app.run_test(size=SIZE) as pilot:
            shots = Screenshots(app)
            clusters = app.screen
            await wait_for(lambda: "default/flux-sample" in clusters.summaries
                           and clusters.summaries["default/flux-sample"].snapshot is not None, "flux-sample listed")
            press = asyncio.create_task(pilot.press("enter"))
            await wait_for(lambda: isinstance(app.screen, jobs_screen.JobsScreen), "the jobs screen")
            screen = app.screen
            await wait_for(lambda: screen.table.total_count >= n, "the full table")
            await press
            handler = stages.calls["handler (main)"]
            seen = len(handler)
            await wait_for(lambda: len(handler) >= seen + 2, "two refreshes", timeout=120)
            table = screen.table
            # The cursor among old finished jobs, which never move: each `down` moves it exactly one row.
            table.move_cursor_to(table.row_keys()[min(n // 3, 5000)])
            await pilot.pause()
            model = table._model
            recording.columns = list(model.columns)
            recording.rows = {k: (model.cells[k], model.sort_keys[k], model.styles[k]) for k in model.cells}

            # The seeded scene's big-run waits for two whole nodes at the head of sched-simple's FIFO queue, and
            # every job behind it would wait too: cancelled, so the churn's jobs run at once.
            if not backlog:
                demo.kubectl_shell(CANCEL_BIG_RUN)
            per_tick = max(1, round(n * churn_fraction / 2))
            churn = start_churn(str(demo.kubeconfig), demo.broker_pod(), per_tick, INTERVAL, JOB_SLEEP)
            await asyncio.sleep(2 * INTERVAL + 1)  # the churn under way
            probe = LoopProbe()
            probe.start()
            await asyncio.sleep(0.5)
            recording_on[0] = True
            t_base[0] = time.perf_counter()

            # Phase 1: refreshes only.
            prof = cProfile.Profile() if profile_dir else None
            stages.profiling = profile_dir is not None
            q0 = time.perf_counter()
            cpu_marks: list[tuple[float, float]] = []
            action_listeners.clear()
            handler_len = len(handler)
            if prof:
                prof.enable()
            layouts.on = gc_pauses.on = True
            while time.perf_counter() - q0 < quiet_s:
                await asyncio.sleep(0.05)
                if len(handler) != handler_len:  # a handler ran: mark the main thread's CPU
                    handler_len = len(handler)
                    cpu_marks.append((handler[-1].start, time.thread_time()))
            layouts.on = gc_pauses.on = False
            if prof:
                prof.disable()
            stages.profiling = False
            q1 = time.perf_counter()
            windows = tick_windows(handler, q0, q1)
            out.update({f"quiet_{k}": v for k, v in stall_figures(probe, windows).items()})
            cpu = [b[1] - a[1] for a, b in zip(cpu_marks, cpu_marks[1:], strict=False)]
            out["quiet_cpu_med"] = statistics.median(cpu) if cpu else float("nan")
            out["quiet_cpu_max"] = max(cpu, default=float("nan"))
            out["quiet_ticks"] = len(windows)
            changed = [len(u[1]) + len(u[2]) for u in recording.updates]
            out["rows_per_tick"] = statistics.median(changed) if changed else 0.0
            stage_figures = {}
            for label in stages.calls:
                calls = stages.between(label, q0, q1)
                if calls:
                    stage_figures[label] = (statistics.median(c.wall for c in calls), max(c.wall for c in calls),
                                            statistics.median(c.cpu for c in calls), len(calls),
                                            sum(c.main for c in calls))
            extra["stages"] = stage_figures
            extra["render_s"] = shots.render_s
            extra["layouts"] = layouts.summary()
            extra["gc"] = gc_pauses.summary()
            if prof and profile_dir:
                profile_dir.mkdir(parents=True, exist_ok=True)
                prof.dump_stats(profile_dir / f"main-{n}.pstats")
                for label, p in stages.profiles.items():
                    p.dump_stats(profile_dir / f"{label.split()[0]}-{n}.pstats")
                stages.profiles.clear()

            # Phase 2: keys while the refreshes go on.
            keys = Keys(app, shots)
            action_listeners.append(keys.on_action)
            k0 = time.perf_counter()
            await keys.run(keys_s, random.Random(17))
            k1 = time.perf_counter()
            action_listeners.clear()
            recording_on[0] = False
            lat = keys.latencies()
            out["keys_sent"] = len(keys.sent)
            out["keys_shown"] = len(lat)
            out["key_p50"], out["key_p99"], out["key_max"] = pct(lat, 50), pct(lat, 99), max(lat, default=float("nan"))
            out.update({f"keys_{k}": v for k, v in stall_figures(probe, tick_windows(handler, k0, k1)).items()})
            probe.stop()

            # Change-to-screen, over both phases: submit returned (wall clock) -> the update showing the row.
            churn.stop()
            wall_minus_perf = time.time() - time.perf_counter()
            delays = []
            missing = 0
            for stamp, jobid in churn.submitted:
                submitted = stamp - wall_minus_perf
                if not q0 <= submitted < k1 - 2 * INTERVAL:
                    continue
                try:
                    key = parse_jobid(jobid)
                except ValueError:
                    continue
                at = added_at.get(key)
                shown = shots.first_after(at) if at is not None else None
                if shown is None:
                    missing += 1
                else:
                    delays.append(shown - submitted)
            out["change_p50"], out["change_p95"] = pct(delays, 50), pct(delays, 95)
            out["change_n"], out["change_missing"] = len(delays), missing
            extra["churn_failures"] = churn.failures[:3]
    finally:
        if churn is not None:
            churn.stop()
        JobTable.update_rows = original_update
        restore_down()
        layouts.undo()
        gc_pauses.undo()
        stages.undo()
    return out, recording, extra


# ---- the baseline: JobTable alone, fed the same diffs ---------------------------------------------

class TableApp(App):
    def __init__(self, columns: list) -> None:
        super().__init__()
        self.columns = columns

    def compose(self) -> ComposeResult:
        yield JobTable(self.columns, id="job-table")


async def measure_widget(rec: Recording, n: int, quiet_s: float, keys_s: float) -> dict[str, float]:
    app = TableApp(rec.columns)
    out: dict[str, float] = {}
    action_listeners, restore_down = listen_cursor_down()
    try:
        async with app.run_test(size=SIZE) as pilot:
            shots = Screenshots(app)
            table = app.query_one(JobTable)
            table.set_rows(rec.rows)
            table.focus()
            await pilot.pause()
            table.move_cursor_to(table.row_keys()[min(n // 3, 5000)])
            await pilot.pause()
            probe = LoopProbe()
            probe.start()
            await asyncio.sleep(0.5)
            starts: list[float] = []
            t_base = time.perf_counter()

            async def feed() -> None:
                for at, upserts, removed in rec.updates:
                    delay = t_base + at - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    starts.append(time.perf_counter())
                    table.update_rows(upserts, removed)

            feeder = asyncio.create_task(feed())
            gc_pauses = GcPauses()
            gc_pauses.on = True
            q0 = time.perf_counter()
            cpu_marks = []
            seen = 0
            while time.perf_counter() - q0 < quiet_s:
                await asyncio.sleep(0.05)
                if len(starts) != seen:
                    seen = len(starts)
                    cpu_marks.append(time.thread_time())
            q1 = time.perf_counter()
            gc_pauses.undo()
            print(f"  the table alone, garbage collections in phase 1: {gc_pauses.summary()}", flush=True)
            windows = [w for w in zip(starts, starts[1:], strict=False) if w[1] <= q1]
            out.update({f"quiet_{k}": v for k, v in stall_figures(probe, windows).items()})
            cpu = [b - a for a, b in zip(cpu_marks, cpu_marks[1:], strict=False)]
            out["quiet_cpu_med"] = statistics.median(cpu) if cpu else float("nan")
            out["quiet_cpu_max"] = max(cpu, default=float("nan"))
            keys = Keys(app, shots)
            action_listeners.append(keys.on_action)
            await keys.run(keys_s, random.Random(17))
            lat = keys.latencies()
            out["key_p50"], out["key_p99"], out["key_max"] = pct(lat, 50), pct(lat, 99), max(lat, default=float("nan"))
            probe.stop()
            feeder.cancel()
    finally:
        restore_down()
    return out


async def measure(n: int, churn: float = 0.01, quiet_s: float = 20.0, keys_s: float = 30.0,
                  profile_dir: Path | None = None, backlog: bool = False) -> dict[str, float]:
    """Every figure of one size: the app's (plain keys) and the widget alone's (keys prefixed `widget_`).
    `backlog`: leave the seeded big-run at the head of the queue, so the churn piles up pending jobs."""
    with DemoProcess(seed_jobs=n, cores_per_node=CORES_PER_NODE) as demo:
        demo.wait_running()
        ours, rec, extra = await measure_app(n, demo, churn, quiet_s, keys_s, profile_dir, backlog)
    widget = await measure_widget(rec, n, quiet_s, keys_s)
    ours.update({f"widget_{k}": v for k, v in widget.items()})
    ours["_extra"] = extra  # type: ignore[assignment]
    return ours


def measure_in_subprocess(n: int, quiet_s: float = 20.0, keys_s: float = 30.0) -> dict:
    """`measure` in a fresh interpreter, as the TUI runs: not in a heap (and under a collector) that still
    holds what earlier benches of the same run left behind."""
    argv = [sys.executable, __file__, "--one", str(n), "--quiet-s", str(quiet_s), "--keys-s", str(keys_s)]
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"bench/steady.py --one {n} failed: {out.stderr[-2000:]}")
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ms(seconds: float) -> str:
    return "   n/a" if seconds != seconds else f"{seconds * 1000:6.0f}"


async def main() -> None:
    fix_mmap_threshold()  # the app runs in this process: set as the CLI sets it when it starts
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--churn", type=float, default=0.01, help="fraction of the jobs changing per tick")
    parser.add_argument("--quiet-s", type=float, default=20.0)
    parser.add_argument("--keys-s", type=float, default=30.0)
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile stats of phase 1 here")
    parser.add_argument("--backlog", action="store_true",
                        help="keep the seeded big-run blocking the FIFO queue: the churn piles up as pending jobs")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # one size, JSON out
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(await measure(args.one, args.churn, args.quiet_s, args.keys_s)))
        return
    print(f"# {load_note()}", flush=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        r = await measure(n, args.churn, args.quiet_s, args.keys_s, args.profile, args.backlog)
        rows.append((n, r))
        extra = r.pop("_extra")
        print(f"\nN={n:,}: rows changed per tick (median) {r['rows_per_tick']:.0f}, ticks {r['quiet_ticks']:.0f}, "
              f"keys {r['keys_shown']:.0f}/{r['keys_sent']:.0f} shown, churn jobs timed {r['change_n']:.0f} "
              f"(missing {r['change_missing']:.0f}) {extra.get('churn_failures') or ''}", flush=True)
        print(f"  {'stage (phase 1)':<24} {'wall med':>9} {'wall max':>9} {'cpu med':>8} {'calls':>6} {'on main':>7}")
        for label, (wmed, wmax, cmed, count, main_) in sorted(extra["stages"].items()):
            print(f"  {label:<24} {ms(wmed):>9} {ms(wmax):>9} {ms(cmed):>8} {count:>6} {main_:>7}")
        print(f"  layouts asked for in phase 1, by widget: {extra['layouts']}")
        print(f"  garbage collections in phase 1: {extra['gc']}")
        print(f"  terminal bytes rendered by the bench (both phases): {extra['render_s'] * 1000:.0f} ms", flush=True)
    head = (f"\n{'jobs':>7} | {'stall/tick med':>14} {'max':>5} | {'max stall med':>13} {'max':>5} | "
            f"{'main CPU/tick med':>17} {'max':>5} | {'key p50':>7} {'p99':>5} | {'change p50':>10} {'p95':>5}")
    print(head + "   (ms; goals: stall/tick <= 30, key p99 <= 100, change p95 <= 2200)")
    print("-" * len(head))
    for n, r in rows:
        for who, p in (("app", ""), ("widget", "widget_")):
            change = (f"{ms(r['change_p50']):>10} {ms(r['change_p95']):>5}" if who == "app"
                      else f"{'':>10} {'':>5}")
            print(f"{n if who == 'app' else '':>7} | "
                  f"{ms(r[p + 'quiet_stall_med']):>14} {ms(r[p + 'quiet_stall_max']):>5} | "
                  f"{ms(r[p + 'quiet_maxstall_med']):>13} {ms(r[p + 'quiet_maxstall_max']):>5} | "
                  f"{ms(r[p + 'quiet_cpu_med']):>17} {ms(r[p + 'quiet_cpu_max']):>5} | "
                  f"{ms(r[p + 'key_p50']):>7} {ms(r[p + 'key_p99']):>5} | {change}  {who}")
    print("\napp: the jobs screen end to end; widget: JobTable alone in a bare App fed the same diffs at the same "
          "moments (the floor). Stall: lateness of a 5 ms sleep in the app's loop, summed per refresh tick; "
          f"main CPU: the main thread's CPU per tick, the probe's included. {load_note()}")


if __name__ == "__main__":
    asyncio.run(main())
