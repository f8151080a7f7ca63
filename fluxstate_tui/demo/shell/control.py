"""What the interpreter and its builtins share: the IO triple, control-flow exceptions, collectors."""

from __future__ import annotations

from dataclasses import dataclass

from ..proc import Proc
from .common import ConsumableStdin, wrap_stdin


class ShellExit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ShellFatal(Exception):
    """An expansion error: message printed, non-interactive shell exits with status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class LoopControl(Exception):
    def __init__(self, kind: str, n: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.n = n


class ReturnFromFunc(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class IO:
    stdin: ConsumableStdin
    stdout: object
    stderr: object


class Collector:
    def __init__(self) -> None:
        self.buf = bytearray()

    async def __call__(self, data: bytes) -> None:
        self.buf += data


async def discard(data: bytes) -> None:
    return None



def make_io(proc: Proc) -> IO:
    return IO(wrap_stdin(proc.stdin), proc.stdout, proc.stderr)
