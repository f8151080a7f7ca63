"""`bash` reading its commands from stdin: each complete command runs as soon as it has arrived.

Interactive (stdin is a terminal, or `-i`): the startup files, PS1 and PS2 on stderr, errors without
line numbers, COLUMNS and LINES from the terminal, ^C drops the line or stops the running command,
`exit` and end of file print "exit". Otherwise a script taken line by line from the very stdin its
commands read, so `read` or `cat` in it get the lines after their own, as with bash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from ..proc import Terminal
from .common import hpath
from .control import IO, LoopControl, ReturnFromFunc, ShellExit, ShellFatal
from .interp import Shell
from .lexer import Lexer
from .parser import ListNode, Parser
from .prompt import PS1_BUILTIN, PS1_IMAGE, PS2_DEFAULT, render
from .words import ShellSyntaxError

T = TypeVar("T")
SIGINT_STATUS = 130


class Interrupted(Exception):
    """^C arrived while the shell waited for a line or a command."""


def startup_files(name: str, login: bool, norc: bool) -> list[str]:
    """What bash sources before its first prompt (`sh` reads none of them: POSIX mode)."""
    if name.rsplit("/", 1)[-1] == "sh":
        return []
    if login:
        return ["/etc/profile", "~/.bash_profile"]
    return [] if norc else ["~/.bashrc"]


def _incomplete(err: ShellSyntaxError) -> bool:
    return err.message == "syntax error: unexpected end of file" or \
        err.message.startswith("unexpected EOF while looking for matching")


def _continued(src: str) -> bool:
    """The last line ends in a backslash that escapes its newline: bash asks for the next line."""
    body = src[:-1] if src.endswith("\n") else src
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


def parse(src: str, line: int, final: bool) -> ListNode | None:
    """The command in `src`, or None while it needs more lines (`final`: none will come)."""
    if not final and _continued(src):
        return None
    lexer = Lexer(src, line)
    try:
        tree = Parser(lexer.tokens()).program()
    except ShellSyntaxError as e:
        if not final and _incomplete(e):
            return None
        raise
    return None if lexer.open_heredoc and not final else tree


class Session:
    """One shell reading stdin until `exit` or the end of file."""

    def __init__(self, sh: Shell, io: IO, interactive: bool) -> None:
        self.sh = sh
        self.io = io
        self.interactive = interactive
        self.terminal: Terminal | None = io.stdin.terminal if interactive else None
        self.interrupts: asyncio.Event | None = None
        self.line = 1       # of the input, for syntax errors
        self.count = 1      # commands read, for \# in prompts

    async def run(self, startup: list[str]) -> int:
        if self.terminal is not None:
            self.interrupts = self.terminal.claim_interrupts()
        try:
            try:
                if self.interactive:
                    await self._start(startup)
                status = await self._loop()
            except ShellExit as e:
                if self.interactive:
                    await self.io.stderr(b"exit\n")
                status = e.status
        finally:
            if self.terminal is not None and self.interrupts is not None:
                self.terminal.release_interrupts(self.interrupts)
            if self.interactive:
                # an interactive shell does not wait for its jobs; they get the hangup, never outlive it
                jobs, self.sh.bg_tasks = self.sh.bg_tasks, []
                for job in jobs:
                    job.cancel()
                await asyncio.gather(*jobs, return_exceptions=True)
        await self.sh.wait_bg()
        return status & 0xFF

    async def _start(self, startup: list[str]) -> None:
        sh = self.sh
        sh.interactive = True
        sh.vars.setdefault("PS1", PS1_BUILTIN)
        sh.vars.setdefault("PS2", PS2_DEFAULT)
        if startup and sh.vars["PS1"] == PS1_BUILTIN:
            # the image's /etc/bashrc (Rocky Linux) replaces bash's default prompt this way
            sh.vars["PS1"] = PS1_IMAGE
        home = sh.vars.get("HOME", "/root")
        for name in startup:
            path = home + name[1:] if name.startswith("~") else name
            try:
                exists = hpath(sh.proc.child([], cwd=sh.cwd), path).is_file()
            except OSError:
                exists = False
            if exists:
                await self._execute(sh.builtins["."](sh, [".", path], self.io, {}))

    async def _loop(self) -> int:
        while True:
            try:
                tree = await self._read_command()
            except Interrupted:
                await self._interrupted()
                continue
            except ShellSyntaxError as e:
                where = "" if self.interactive else f"line {e.line}: "
                await self.io.stderr(f"{self.sh.errname}: {where}{e.message}\n".encode())
                self.sh.status = 2
                if not self.interactive:
                    return 2
                continue
            if tree is None:
                if self.interactive:
                    await self.io.stderr(b"exit\n")
                return self.sh.status
            self._window()
            await self._execute(self.sh.run_list(tree, self.io))

    async def _read_command(self) -> ListNode | None:
        """The next complete command; None at the end of the input."""
        text = ""
        start = self.line
        while True:
            if self.interactive:
                await self._prompt("PS2" if text else "PS1")
            data = await self._wait(self.io.stdin.readline())
            if not data:
                return parse(text, start, final=True) if text else None
            line = data.decode(errors="surrogateescape")
            text += line
            self.line += line.count("\n")
            tree = parse(text, start, final=False)
            if tree is not None:
                self.count += 1
                if self.terminal is not None:
                    self.terminal.remember(text.rstrip("\n"))
                return tree

    async def _execute(self, run: Awaitable[int]) -> None:
        sh = self.sh
        try:
            await self._wait(run)
        except Interrupted:
            await self._interrupted()
        except ShellFatal as e:
            await sh.error(self.io, e.message)
            sh.status = e.status
            if not self.interactive:
                raise ShellExit(e.status) from None
        except ReturnFromFunc as e:
            sh.status = e.status
        except LoopControl:
            pass

    async def _interrupted(self) -> None:
        # the terminal echoed ^C; bash ends the line and starts afresh
        await self.io.stderr(b"\n")
        self.sh.status = SIGINT_STATUS

    def _window(self) -> None:
        # readline follows SIGWINCH: a resize shows in COLUMNS and LINES by the next command
        if self.terminal is not None:
            self.sh.vars["COLUMNS"] = str(self.terminal.columns)
            self.sh.vars["LINES"] = str(self.terminal.lines)

    async def _prompt(self, var: str) -> None:
        sh = self.sh
        self._window()
        template = sh.vars.get(var)
        if not template:
            return
        try:
            text = await render(sh, template, self.io, self.count)
        except ShellFatal:
            return
        await self.io.stderr(text.encode(errors="surrogateescape"))

    async def _wait(self, step: Awaitable[T]) -> T:
        """`step`'s result, unless ^C comes first: then `step` is cancelled and Interrupted raised."""
        if self.interrupts is None:
            return await step
        task = asyncio.ensure_future(step)
        stop = asyncio.ensure_future(self.interrupts.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            stop.cancel()
        if task.done():
            return task.result()
        self.interrupts.clear()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise Interrupted


async def run_stdin(sh: Shell, io: IO, interactive: bool, startup: list[str]) -> int:
    return await Session(sh, io, interactive).run(startup)
