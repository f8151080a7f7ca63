"""Start-up: how soon the TUI on the demo paints, and how long a CLI command takes, beside baselines.

    .venv/bin/python bench/startup.py [--runs 5] [--skip-tui] [--skip-cli]

TUI: RUNS cold starts of `fluxstate-tui --demo` (what `make demo` runs), each in a pseudo-terminal of
120x40, timed from the spawn to when the terminal receives
  - the first frame: the MiniCluster screen's title;
  - the MiniCluster list: flux-sample's row;
  - its queue state: "started" in that row (Flux answered through the broker pod);
then `q`. Nothing in the app is instrumented: the times are when its bytes reach the terminal.

CLI: a `fluxstate-tui demo-server` in the background, then RUNS runs of each of `ls`, `jobs flux-sample`
and `status flux-sample`, the whole process timed (wall clock, and the CPU time the command itself
used: other load on the machine stretches the first, hardly the second).

Baselines, measured in the same run: `python -c "import textual"` and `from textual.app import App` (what
any Textual app pays before it can draw), and `kubectl exec <broker pod> -- … flux jobs -a` (the same
exec the commands make; skipped with a note when kubectl is missing). Every figure is a median.

Warm venv: every command runs once untimed first, with PYTHONDONTWRITEBYTECODE unset, so the modules'
bytecode is cached as a user's repeated starts find it (compiling this project's ~100 modules from source
would add some 0.1 s to each start). `--no-bytecode-cache` keeps the environment's setting instead.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import resource
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fluxstate_tui.flux import commands as fc  # noqa: E402

SIZE = (40, 120)             # rows, columns of the pseudo-terminal
ALT_SCREEN = b"\x1b[?1049h"  # Textual switches to the alternate screen before its first frame
MARKS = (("first frame", b"MiniClusters"), ("MiniCluster list", b"flux-sample"), ("queue state", b"started"))
TIMEOUT = 60.0               # seconds a TUI start may take before the run counts as failed
COMMANDS = (["ls"], ["jobs", "flux-sample"], ["status", "flux-sample"])


def fluxstate_command() -> list[str]:
    """`fluxstate-tui` as the module of this script's checkout (run from ROOT, which `-m` puts first on
    sys.path): the installed `fluxstate-tui` script would time whichever checkout the venv was installed
    from, not a worktree's changes. Both start the same `main()`."""
    return [sys.executable, "-m", "fluxstate_tui.cli"]


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every timed command: bytecode cached unless --no-bytecode-cache."""
    env = dict(os.environ if base is None else base)
    if not KEEP_BYTECODE_SETTING:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


KEEP_BYTECODE_SETTING = False  # --no-bytecode-cache


def spawn_in_pty(argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[0], SIZE[1], 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    return proc, master


def tui_start(env: dict[str, str]) -> dict[str, float]:
    """One cold start: seconds from the spawn to each mark, in order (each searched after the last)."""
    t0 = time.perf_counter()
    proc, master = spawn_in_pty([*fluxstate_command(), "--demo"], env)
    seen: dict[str, float] = {}
    out = bytearray()
    at = -1  # where the next mark is searched from; -1 until the app's screen is up
    try:
        while len(seen) < len(MARKS) and time.perf_counter() - t0 < TIMEOUT:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the app exited and its terminal closed
                break
            out += chunk
            now = time.perf_counter() - t0
            if at < 0:
                at = out.find(ALT_SCREEN)
                if at < 0:
                    continue
            for label, mark in MARKS[len(seen):]:
                found = out.find(mark, at)
                if found < 0:
                    break
                seen[label] = now
                at = found + len(mark)
        os.write(master, b"q")
        end(proc, wait=15)
    finally:
        end(proc, wait=0)  # the bench itself failed: leave no TUI behind
        drain(master)
        os.close(master)
    missing = [label for label, _ in MARKS if label not in seen]
    if missing:
        tail = bytes(out[-400:]).decode(errors="replace")
        raise RuntimeError(f"the TUI never showed its {', '.join(missing)} (exit {proc.returncode}): {tail!r}")
    return seen


def end(proc: subprocess.Popen, wait: float) -> None:
    """Give the process `wait` seconds to exit (it was asked to), then kill it."""
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def drain(fd: int) -> None:
    """Read what the app still writes while it quits, so it never blocks on a full terminal."""
    try:
        while select.select([fd], [], [], 0)[0] and os.read(fd, 1 << 16):
            pass
    except OSError:
        pass


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run (CPU: the command's own, what another load on the machine
    does not stretch)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()[-300:]}")
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def medians(runs: int, argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    env = child_env(env)
    timed(argv, env)  # the warm-up (see the module's docstring)
    walls, cpus = zip(*(timed(argv, env) for _ in range(runs)), strict=True)
    return statistics.median(walls), statistics.median(cpus)


def row(label: str, timing: tuple[float, float]) -> str:
    return f"  {label:<50} {timing[0]:7.3f}s   cpu {timing[1]:6.3f}s"


class DemoServer:
    """`fluxstate-tui demo-server` in the background, its flux-sample up and its demo jobs submitted."""

    def __init__(self, data_dir: Path) -> None:
        self.proc = subprocess.Popen([*fluxstate_command(), "demo-server", "--data-dir", str(data_dir)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("ready:"):
            self.stop()
            raise RuntimeError(f"demo-server did not start: {line!r}")
        fields = dict(word.split("=", 1) for word in line.split()[1:])
        self.env = {**os.environ, "KUBECONFIG": fields["kubeconfig"]}
        self.broker = self._wait_for_flux()

    def _wait_for_flux(self, timeout: float = 60.0) -> str:
        """The broker pod's name once flux-sample's queue answers and its demo jobs are all in."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = subprocess.run([*fluxstate_command(), "ls", "--json"], env=self.env, capture_output=True,
                                    text=True)
            if result.returncode == 0:
                (mc,) = json.loads(result.stdout)["miniclusters"]
                jobs = mc["jobs"] or {}
                if mc["queue"] and mc["queue"]["state"] == "started" and sum(jobs.values()) >= 12:
                    return str(mc["broker"])
            time.sleep(0.5)
        raise RuntimeError("flux-sample did not come up on the demo-server")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        end(self.proc, wait=15)


def bench_tui(runs: int) -> None:
    env = {**child_env(), "TERM": "xterm-256color", "COLUMNS": str(SIZE[1]), "LINES": str(SIZE[0])}
    tui_start(env)  # the warm-up (see the module's docstring)
    starts = [tui_start(env) for _ in range(runs)]
    print(f"TUI: `fluxstate-tui --demo`, {runs} cold starts in a {SIZE[1]}x{SIZE[0]} terminal (median, min-max)")
    for label, _ in MARKS:
        times = [s[label] for s in starts]
        print(f"  {label:<50} {statistics.median(times):7.3f}s   ({min(times):.3f}-{max(times):.3f})")


def bench_cli(runs: int) -> None:
    print(f"CLI against a demo-server ({runs} runs each, median)")
    with tempfile.TemporaryDirectory(prefix="fluxstate-bench-") as tmp:
        server = DemoServer(Path(tmp) / "demo")
        try:
            for cmd in COMMANDS:
                print(row(f"fluxstate-tui {' '.join(cmd)}", medians(runs, [*fluxstate_command(), *cmd], server.env)))
            kubectl = shutil.which("kubectl")
            if kubectl is None:
                print(f"  {'baseline: kubectl exec … flux jobs -a':<50} skipped: kubectl is not installed")
            else:
                argv = [kubectl, "exec", server.broker, "-c", "flux-sample", "--", *fc.in_pod(["flux", "jobs", "-a"])]
                print(row("baseline: kubectl exec <broker> -- flux jobs -a", medians(runs, argv, server.env)))
        finally:
            server.stop()


def bench_baselines(runs: int) -> None:
    print(f"Baselines ({runs} cold starts, median)")
    for label, code in (('python -c "import textual"', "import textual"),
                        ('python -c "from textual.app import App"', "from textual.app import App")):
        print(row(label, medians(runs, [sys.executable, "-c", code])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts per figure (default 5)")
    parser.add_argument("--skip-tui", action="store_true", help="only the CLI and the baselines")
    parser.add_argument("--skip-cli", action="store_true", help="only the TUI and the baselines")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="keep the environment's PYTHONDONTWRITEBYTECODE (by default unset: a warm venv)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    global KEEP_BYTECODE_SETTING
    KEEP_BYTECODE_SETTING = args.no_bytecode_cache
    cached = "never written (PYTHONDONTWRITEBYTECODE kept: modules without a cached .pyc compile each start)" \
        if args.no_bytecode_cache and os.environ.get("PYTHONDONTWRITEBYTECODE") \
        else "cached (one untimed warm-up run each)"
    print(f"{ROOT}: this checkout's code; bytecode {cached}")
    bench_baselines(args.runs)
    if not args.skip_tui:
        bench_tui(args.runs)
    if not args.skip_cli:
        bench_cli(args.runs)


if __name__ == "__main__":
    main()
