"""What a process in a demo pod sees: its argv, environment, I/O and the container it runs in.

The pod shell (demo/shell), the Flux simulator (demo/flux) and the cluster glue (demo/cluster.py)
all speak these types, so a command can be run by any of them without knowing the others.
"""

from __future__ import annotations

import asyncio
import posixpath
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

Writer = Callable[[bytes], Awaitable[None]]


class SimClock:
    """Simulated time: runs `speed` times faster than the wall clock.

    Every simulated delay (pod start-up, job durations, `sleep`) goes through this clock, so
    `--speed 10` makes the whole demo ten times faster while the times Flux reports still read
    like a real run (a `sleep 10` job shows a 10 s runtime).
    """

    def __init__(self, speed: float = 1.0, epoch: float | None = None, *, frozen: bool = False) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        # A frozen clock reads `epoch` until advance() moves it, while its delays (sleep, call_later)
        # still pass: the deterministic demo's processes all see the same instant every run.
        self.frozen = frozen
        self._mono0 = time.monotonic()
        self._epoch0 = time.time() if epoch is None else epoch

    def now(self) -> float:
        """Simulated seconds since the Unix epoch."""
        if self.frozen:
            return self._epoch0
        return self._epoch0 + (time.monotonic() - self._mono0) * self.speed

    def advance(self, sim_seconds: float) -> None:
        """Move a frozen clock on at once, for a scene where nothing was due meanwhile."""
        if not self.frozen:
            raise RuntimeError("only a frozen clock is moved by hand")
        if sim_seconds < 0:
            raise ValueError("a clock does not go back")
        self._epoch0 += sim_seconds

    def real(self, sim_seconds: float) -> float:
        """Wall-clock seconds that `sim_seconds` of simulated time take."""
        return max(0.0, sim_seconds) / self.speed

    async def sleep(self, sim_seconds: float) -> None:
        await asyncio.sleep(self.real(sim_seconds))

    def call_later(self, sim_seconds: float, callback: Callable[..., object], *args: object) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(self.real(sim_seconds), callback, *args)


class Terminal(Protocol):
    """The pseudo-terminal of an exec with a tty, as the processes on it see it."""

    columns: int
    lines: int

    def claim_interrupts(self) -> asyncio.Event:
        """Make the caller the foreground: ^C sets the returned event until it is released."""

    def release_interrupts(self, event: asyncio.Event) -> None:
        """Give the foreground back to whoever claimed it before."""

    def remember(self, line: str) -> None:
        """Add a command line to the history the arrow keys recall."""


class Stdin:
    """A process's standard input: read whole, on demand (commands that never read it never wait)."""

    # Set when the input is a terminal (an exec with tty=true): interactive shells look for it.
    terminal: Terminal | None = None

    def __init__(self, data: bytes = b"", reader: Callable[[], Awaitable[bytes]] | None = None) -> None:
        self._data = data
        self._reader = reader

    async def read(self) -> bytes:
        if self._reader is not None:
            self._data += await self._reader()
            self._reader = None
        return self._data


class StreamStdin(Stdin):
    """Standard input that arrives while the process runs (an exec's channel 0).

    `read_chunk` hands out what has arrived so far, so a shell can run each line as it comes and
    leave the rest to the commands it starts; `read` still waits for the end of file. A terminal
    feeds it one line at a time and may send an end of file (^D) that only the next read sees;
    `close` is the end of file for good (the client closed stdin or went away).
    """

    def __init__(self) -> None:
        super().__init__()
        self._chunks: deque[bytes] = deque()
        self._closed = False
        self._ready = asyncio.Event()

    def feed(self, data: bytes) -> None:
        if data and not self._closed:
            self._chunks.append(bytes(data))
            self._ready.set()

    def end_of_file(self) -> None:
        if not self._closed:
            self._chunks.append(b"")
            self._ready.set()

    def discard(self) -> None:
        """Drop the input nobody has read yet (a terminal's ^C flushes typed-ahead lines)."""
        self._chunks.clear()

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    async def read_chunk(self) -> bytes:
        """The next piece of input; b"" at an end of file."""
        while not self._chunks and not self._closed:
            self._ready.clear()
            await self._ready.wait()
        return self._chunks.popleft() if self._chunks else b""

    async def read(self) -> bytes:
        out = bytearray()
        while chunk := await self.read_chunk():
            out += chunk
        return bytes(out)


class PodFS:
    """A container's filesystem, kept as real directories on the host.

    Volume mounts (container path -> host directory) are resolved longest prefix first; every
    other path lives under the pod's private root. `..` can never climb out of either.
    """

    def __init__(self, root: Path, mounts: dict[str, Path] | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.mounts: dict[str, Path] = {}
        for mount_path, host_dir in (mounts or {}).items():
            self.mount(mount_path, host_dir)

    def mount(self, container_path: str, host_dir: Path) -> None:
        norm = posixpath.normpath("/" + container_path.strip("/"))
        host_dir = Path(host_dir)
        host_dir.mkdir(parents=True, exist_ok=True)
        self.mounts[norm] = host_dir

    @staticmethod
    def normalize(path: str, cwd: str = "/") -> str:
        """An absolute, normalized container path (`..` stops at `/`)."""
        joined = path if path.startswith("/") else posixpath.join(cwd or "/", path)
        parts: list[str] = []
        for part in joined.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
        return "/" + "/".join(parts)

    def host_path(self, path: str, cwd: str = "/") -> Path:
        """The host path behind a container path."""
        norm = self.normalize(path, cwd)
        for mount_path in sorted(self.mounts, key=len, reverse=True):
            if norm == mount_path or norm.startswith(mount_path.rstrip("/") + "/"):
                rest = norm[len(mount_path):].lstrip("/")
                base = self.mounts[mount_path]
                return base / rest if rest else base
        rest = norm.lstrip("/")
        return self.root / rest if rest else self.root

    def mount_of(self, path: str, cwd: str = "/") -> str | None:
        """The container path of the volume mount holding `path`, or None if pod-private."""
        norm = self.normalize(path, cwd)
        for mount_path in sorted(self.mounts, key=len, reverse=True):
            if norm == mount_path or norm.startswith(mount_path.rstrip("/") + "/"):
                return mount_path
        return None


@dataclass
class Host:
    """The container a process runs in."""

    hostname: str
    fs: PodFS
    clock: SimClock
    # Runs any argv in this container (program lookup, builtins, scripts): the shell's entry point.
    run: Callable[[Proc], Awaitable[int]]
    # Runs a `flux ...` argv (argv[0] == "flux") against whatever FLUX_URI in proc.env names.
    flux: Callable[[Proc], Awaitable[int]] | None = None
    user: str = "root"
    uid: int = 0


@dataclass
class Proc:
    """One process: argv, environment, working directory, I/O, and its host container."""

    argv: list[str]
    env: dict[str, str]
    host: Host
    stdout: Writer
    stderr: Writer
    stdin: Stdin = field(default_factory=Stdin)
    cwd: str = "/"

    async def out(self, text: str | bytes) -> None:
        await self.stdout(text.encode() if isinstance(text, str) else text)

    async def err(self, text: str | bytes) -> None:
        await self.stderr(text.encode() if isinstance(text, str) else text)

    def child(self, argv: list[str], **changes: object) -> Proc:
        """A child process: same host and I/O unless changed; env is copied."""
        env = dict(changes.pop("env", self.env))
        return replace(self, argv=list(argv), env=env, **changes)

    def path(self, path: str) -> Path:
        """Host path of a container path, relative to this process's cwd."""
        return self.host.fs.host_path(path, self.cwd)


class CommandNotFound(Exception):
    """Raised by Host.run when argv[0] names no program; the caller decides how to report it."""
