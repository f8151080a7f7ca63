"""`fluxstate-tui serve` started as users start it, read through pipes that are always drained (textual-serve
writes each tab's stderr to its stdout: an unread pipe would stall the server)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO, wait_for

URL = re.compile(r"serving the TUI at (http://\S+)")


@dataclass
class Served:
    proc: subprocess.Popen
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        match = next((m for m in map(URL.search, self.out) if m), None)
        assert match is not None, f"no URL printed: {self.out!r} {self.err!r}"
        return match.group(1)

    def sessions(self) -> set[int]:
        """The TUI processes this server runs now, one per open tab (by their argv, not the sh that starts them)."""
        return {pid for pid in descendants(self.proc.pid) if b"fluxstate_tui.cli" in cmdline(pid).split(b"\0")}

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _drain(stream, into: list[str]) -> None:
    for line in stream:
        into.append(line)


def start_serve(*args: str, timeout: float = 60) -> Served:
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, cwd=REPO)
    served = Served(proc)
    for stream, into in ((proc.stdout, served.out), (proc.stderr, served.err)):
        threading.Thread(target=_drain, args=(stream, into), daemon=True).start()
    try:
        wait_for(lambda: any(map(URL.search, served.out)) or proc.poll() is not None, timeout=timeout,
                 what="serve to print its URL")
        assert proc.poll() is None, f"serve exited {proc.returncode}: {served.out!r} {served.err!r}"
    except BaseException:
        served.stop()
        raise
    return served


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


def running(pid: int) -> bool:
    """Not ended: a zombie has ended, only nobody has reaped it yet (in a container, maybe nobody will)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def descendants(root: int) -> set[int]:
    """Every process under `root`, from /proc (the field after the command name, which may hold spaces and
    parentheses, is the parent's pid)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
