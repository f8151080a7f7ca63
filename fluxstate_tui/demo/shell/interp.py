"""The pod shell's interpreter: state, control flow, command dispatch (expansion and redirections are its mixins).

It only ever runs its own builtins and the programs of this package (through Host.run); it never
touches the real OS shell.
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
from collections.abc import Awaitable, Callable, Mapping

from ..proc import CommandNotFound, Proc
from .common import ConsumableStdin, hpath
from .control import IO, Collector, LoopControl, ReturnFromFunc, ShellExit, ShellFatal
from .expand import Expander
from .lexer import tokenize
from .parser import AndOr, Case, For, FuncDef, Group, If, ListNode, Parser, Pipeline, Simple, While
from .redirect import Redirector
from .words import ShellSyntaxError

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

Runner = Callable[[Proc], Awaitable[int]]
Builtin = Callable[["Shell", list[str], IO, dict[str, str]], Awaitable[int]]


class Shell(Expander, Redirector):
    """One shell: `builtins` (name -> builtin) and `runner` (runs an external argv when the host has
    no Host.run) are passed in by whoever starts it, so the interpreter imports neither."""

    def __init__(self, proc: Proc, name: str = "bash", params: list[str] | None = None,
                 errname: str | None = None, *, builtins: Mapping[str, Builtin], runner: Runner) -> None:
        self.proc = proc
        self.builtins = builtins
        self.runner = runner
        self.host = proc.host
        self.vars: dict[str, str] = dict(proc.env)
        self.exported: set[str] = set(proc.env)
        self.vars.setdefault("PATH", DEFAULT_PATH)
        self.exported.add("PATH")
        self.vars.setdefault("HOME", "/root")
        self.vars.setdefault("HOSTNAME", proc.host.hostname)
        self.vars["PWD"] = proc.cwd
        self.cwd = proc.cwd
        self.name = name
        self.errname = errname or name
        self.params = list(params or [])
        self.status = 0
        self.opts = {"errexit": False, "nounset": False, "pipefail": False, "xtrace": False,
                     "noglob": False}
        self.funcs: dict[str, object] = {}
        self.lineno = 1
        self.cond_depth = 0
        self.loop_depth = 0
        self.func_depth = 0
        self.bg_tasks: list[asyncio.Task] = []
        self.last_bg_pid = ""
        self.pid = 4242
        self.subst_status: int | None = None
        # Set by the prompt loop (interactive.py): errors then name no line, as bash's do at a prompt.
        self.interactive = False

    # -- state ---------------------------------------------------------------------------------
    def copy(self) -> Shell:
        sh = Shell.__new__(Shell)
        sh.__dict__.update(self.__dict__)
        sh.vars = dict(self.vars)
        sh.exported = set(self.exported)
        sh.params = list(self.params)
        sh.opts = dict(self.opts)
        sh.funcs = dict(self.funcs)
        sh.bg_tasks = []
        return sh

    def prefix(self) -> str:
        if self.interactive:
            return f"{self.errname}: "
        return f"{self.errname}: line {self.lineno}: "

    async def error(self, io: IO, msg: str) -> None:
        await io.stderr(f"{self.prefix()}{msg}\n".encode())

    def child_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: self.vars[k] for k in self.exported if k in self.vars}
        if extra:
            env.update(extra)
        return env

    def set_var(self, name: str, value: str, append: bool = False) -> None:
        if append:
            value = self.vars.get(name, "") + value
        self.vars[name] = value

    def get_param(self, name: str) -> str | None:
        if name == "?":
            return str(self.status)
        if name == "#":
            return str(len(self.params))
        if name in ("@", "*"):
            return " ".join(self.params)
        if name == "$":
            return str(self.pid)
        if name == "!":
            return self.last_bg_pid
        if name == "-":
            return "h" + ("e" if self.opts["errexit"] else "") + ("u" if self.opts["nounset"] else "") + \
                ("i" if self.interactive else "")
        if name == "0":
            return self.name
        if name.isdigit():
            i = int(name)
            return self.params[i - 1] if 0 < i <= len(self.params) else None
        if name == "RANDOM":
            return str(random.randint(0, 32767))
        if name == "SECONDS":
            return "0"
        if name == "LINENO":
            return str(self.lineno)
        return self.vars.get(name)

    # -- running -------------------------------------------------------------------------------
    async def run_source(self, src: str, io: IO, where: str = "") -> int:
        """Parse and run a whole script text. Syntax errors print bash's message, status 2."""
        try:
            tree = Parser(tokenize(src)).program()
        except ShellSyntaxError as e:
            await io.stderr(f"{self.errname}: {where}line {e.line}: {e.message}\n".encode())
            self.status = 2
            return 2
        return await self.run_list(tree, io)

    async def run_top(self, src: str, io: IO, where: str = "") -> int:
        try:
            status = await self.run_source(src, io, where)
        except ShellExit as e:
            status = e.status
        except ShellFatal as e:
            await self.error(io, e.message)
            status = e.status
        except LoopControl:
            status = self.status
        except ReturnFromFunc as e:
            status = e.status
        await self.wait_bg()
        return status & 0xFF

    async def wait_bg(self) -> None:
        tasks, self.bg_tasks = self.bg_tasks, []
        for t in tasks:
            try:
                await t
            except Exception:
                pass

    async def run_list(self, node: ListNode, io: IO) -> int:
        status = self.status
        for ao, background in node.items:
            if background:
                sub = self.copy()

                async def bg(sub: Shell = sub, ao: AndOr = ao) -> None:
                    try:
                        await sub.run_and_or(ao, io)
                    except (ShellExit, ShellFatal, LoopControl, ReturnFromFunc):
                        pass
                    await sub.wait_bg()

                self.bg_tasks.append(asyncio.ensure_future(bg()))
                self.last_bg_pid = str(self.pid + len(self.bg_tasks))
                status = self.status = 0
                continue
            status, checkable = await self.run_and_or(ao, io)
            if status != 0 and checkable and self.opts["errexit"] and self.cond_depth == 0:
                raise ShellExit(status)
        return status

    async def run_and_or(self, node: AndOr, io: IO) -> tuple[int, bool]:
        n = len(node.rest)
        if n:
            self.cond_depth += 1
        try:
            status = await self.run_pipeline(node.first, io) if n == 0 else await self.run_pipeline(node.first, io)
        finally:
            if n:
                self.cond_depth -= 1
        checkable = n == 0 and not node.first.negate
        for idx, (op, pipe) in enumerate(node.rest):
            if (op == "&&") != (status == 0):
                checkable = False
                continue
            last = idx == n - 1
            if not last:
                self.cond_depth += 1
            try:
                status = await self.run_pipeline(pipe, io)
            finally:
                if not last:
                    self.cond_depth -= 1
            checkable = last and not pipe.negate
        return status, checkable

    async def run_pipeline(self, node: Pipeline, io: IO) -> int:
        if node.negate:
            self.cond_depth += 1
        try:
            if len(node.cmds) == 1:
                status = await self.run_command(node.cmds[0], io)
            else:
                statuses = []
                data_in: ConsumableStdin = io.stdin
                for i, cmd in enumerate(node.cmds):
                    last = i == len(node.cmds) - 1
                    col = None if last else Collector()
                    stage_io = IO(data_in, io.stdout if last else col, io.stderr)
                    sub = self.copy()
                    st = await sub.finish_subshell(sub.run_command(cmd, stage_io), io)
                    statuses.append(st)
                    if col is not None:
                        data_in = ConsumableStdin(bytes(col.buf))
                status = statuses[-1]
                if self.opts["pipefail"]:
                    for st in reversed(statuses):
                        if st:
                            status = st
                            break
        finally:
            if node.negate:
                self.cond_depth -= 1
        if node.negate:
            status = 0 if status else 1
        self.status = status
        return status

    async def run_command(self, cmd: object, io: IO) -> int:
        if isinstance(cmd, Simple):
            status = await self.run_simple(cmd, io)
        elif isinstance(cmd, FuncDef):
            self.funcs[cmd.name] = cmd.body
            status = 0
        else:
            io2, closers, ok = await self.redirect(cmd.redirs, io)
            if not ok:
                self.status = 1
                return 1
            try:
                status = await self.run_compound(cmd, io2)
            finally:
                for c in closers:
                    c()
        self.status = status
        return status

    async def run_compound(self, cmd: object, io: IO) -> int:
        if isinstance(cmd, Group):
            if cmd.subshell:
                sub = self.copy()
                try:
                    st = await sub.run_list(cmd.body, io)
                except ShellExit as e:
                    st = e.status
                await sub.wait_bg()
                return st
            return await self.run_list(cmd.body, io)
        if isinstance(cmd, If):
            for cond, body in cmd.branches:
                self.cond_depth += 1
                try:
                    st = await self.run_list(cond, io)
                finally:
                    self.cond_depth -= 1
                if st == 0:
                    return await self.run_list(body, io)
            if cmd.else_ is not None:
                return await self.run_list(cmd.else_, io)
            return 0
        if isinstance(cmd, For):
            if cmd.words is None:
                items = list(self.params)
            else:
                items = []
                for w in cmd.words:
                    items += await self.expand(w, io)
            status = 0
            self.loop_depth += 1
            try:
                for item in items:
                    self.vars[cmd.var] = item
                    status, stop = await self._loop_pass(cmd.body, io, status)
                    if stop:
                        break
            finally:
                self.loop_depth -= 1
            return status
        if isinstance(cmd, While):
            status = 0
            self.loop_depth += 1
            try:
                while True:
                    self.cond_depth += 1
                    try:
                        st = await self.run_list(cmd.cond, io)
                    finally:
                        self.cond_depth -= 1
                    if (st == 0) == cmd.until:
                        break
                    status, stop = await self._loop_pass(cmd.body, io, status)
                    if stop:
                        break
                    await asyncio.sleep(0)
            finally:
                self.loop_depth -= 1
            return status
        if isinstance(cmd, Case):
            value = await self.expand_str(cmd.word.parts, io)
            for pats, body in cmd.arms:
                for p in pats:
                    pat = await self.expand_pattern(p.parts, io)
                    if fnmatch.fnmatchcase(value, pat):
                        return await self.run_list(body, io)
            return 0
        raise TypeError(cmd)

    async def _loop_pass(self, body: ListNode, io: IO, status: int) -> tuple[int, bool]:
        """One pass of a loop body: (status, whether `break` ends the loop); `continue` keeps `status`."""
        try:
            return await self.run_list(body, io), False
        except LoopControl as lc:
            if lc.n > 1:
                lc.n -= 1
                raise
            return status, lc.kind == "break"

    async def finish_subshell(self, run: Awaitable[int], io: IO) -> int:
        """Status of `run` in this (sub)shell: `exit` and fatal expansion errors end only it."""
        try:
            st = await run
        except ShellExit as e:
            st = e.status
        except ShellFatal as e:
            await self.error(io, e.message)
            st = e.status
        await self.wait_bg()
        return st

    async def run_simple(self, cmd: Simple, io: IO) -> int:
        self.lineno = cmd.line
        self.subst_status = None
        argv: list[str] = []
        for w in cmd.words:
            argv += await self.expand(w, io)
        values = []
        for a in cmd.assigns:
            values.append((a, await self.expand_str(a.value, io, tilde=True)))
        if not argv:
            for a, v in values:
                self.set_var(a.name, v, a.append)
            io2, closers, ok = await self.redirect(cmd.redirs, io)
            for c in closers:
                c()
            if not ok:
                return 1
            return self.subst_status if self.subst_status is not None else 0
        env_over = {a.name: (self.vars.get(a.name, "") + v if a.append else v) for a, v in values}
        if self.opts["xtrace"]:
            await io.stderr(("+ " + " ".join(_xtrace_quote(x) for x in argv) + "\n").encode())
        io2, closers, ok = await self.redirect(cmd.redirs, io)
        if not ok:
            return 1
        try:
            return await self.dispatch(argv, env_over, io2)
        finally:
            for c in closers:
                c()

    async def dispatch(self, argv: list[str], env_over: dict[str, str], io: IO) -> int:
        name = argv[0]
        if name in self.funcs:
            return await self.call_function(name, argv, io)
        if name in self.builtins:
            return await self.builtins[name](self, argv, io, env_over)
        return await self.run_external(argv, env_over, io)

    async def call_function(self, name: str, argv: list[str], io: IO) -> int:
        saved = self.params
        self.params = argv[1:]
        self.func_depth += 1
        try:
            return await self.run_command(self.funcs[name], io)
        except ReturnFromFunc as r:
            return r.status
        finally:
            self.func_depth -= 1
            self.params = saved

    async def run_external(self, argv: list[str], env_over: dict[str, str], io: IO) -> int:
        child = self.proc.child(argv, env=self.child_env(env_over), stdout=io.stdout,
                                stderr=io.stderr, stdin=io.stdin, cwd=self.cwd)
        run = self.host.run or self.runner
        try:
            return await run(child)
        except CommandNotFound:
            return await self.not_found(argv[0], io)

    async def not_found(self, name: str, io: IO) -> int:
        if "/" in name:
            try:
                p = hpath(self.proc.child([name], cwd=self.cwd), name)
                if p.is_dir():
                    await self.error(io, f"{name}: Is a directory")
                    return 126
                if p.exists():
                    await self.error(io, f"{name}: Permission denied")
                    return 126
            except OSError:
                pass
            await self.error(io, f"{name}: No such file or directory")
            return 127
        await self.error(io, f"{name}: command not found")
        return 127



def _xtrace_quote(s: str) -> str:
    if s and all(c.isalnum() or c in "@%+=:,./-_" for c in s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"
