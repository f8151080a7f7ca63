"""The pod shell's interpreter: expansion, redirection, control flow, command dispatch.

It only ever runs its own builtins and the programs of this package (through Host.run); it never
touches the real OS shell.
"""

from __future__ import annotations

import ast
import asyncio
import fnmatch
import os
import re
from dataclasses import dataclass

from ..proc import CommandNotFound, Proc
from .common import ConsumableStdin, hpath, stamp, strerror, wrap_stdin
from .lexer import Arith, CmdSub, Lit, Param, Part, ShellSyntaxError, Word, tokenize
from .parser import AndOr, Case, For, FuncDef, Group, If, ListNode, Parser, Pipeline, Redir, Simple, While

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


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


class _Collector:
    def __init__(self) -> None:
        self.buf = bytearray()

    async def __call__(self, data: bytes) -> None:
        self.buf += data


async def _discard(data: bytes) -> None:
    return None


_BREAK = object()


class Shell:
    def __init__(self, proc: Proc, name: str = "bash", params: list[str] | None = None,
                 errname: str | None = None) -> None:
        self.proc = proc
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
            return "h" + ("e" if self.opts["errexit"] else "") + ("u" if self.opts["nounset"] else "")
        if name == "0":
            return self.name
        if name.isdigit():
            i = int(name)
            return self.params[i - 1] if 0 < i <= len(self.params) else None
        if name == "RANDOM":
            import random
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
                    col = None if last else _Collector()
                    stage_io = IO(data_in, io.stdout if last else col, io.stderr)
                    sub = self.copy()
                    try:
                        st = await sub.run_command(cmd, stage_io)
                    except ShellExit as e:
                        st = e.status
                    except ShellFatal as e:
                        await sub.error(io, e.message)
                        st = e.status
                    await sub.wait_bg()
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
            io2, closers, ok = await self.redirect(cmd.redirs, io)  # type: ignore[attr-defined]
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
                    try:
                        status = await self.run_list(cmd.body, io)
                    except LoopControl as lc:
                        if lc.n > 1:
                            lc.n -= 1
                            raise
                        if lc.kind == "break":
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
                    try:
                        status = await self.run_list(cmd.body, io)
                    except LoopControl as lc:
                        if lc.n > 1:
                            lc.n -= 1
                            raise
                        if lc.kind == "break":
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
        from .builtins import SHELL_BUILTINS

        name = argv[0]
        if name in self.funcs:
            return await self.call_function(name, argv, io)
        if name in SHELL_BUILTINS:
            return await SHELL_BUILTINS[name](self, argv, io, env_over)
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
        run = self.host.run
        if run is None:
            from . import run_program as run
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

    # -- redirections --------------------------------------------------------------------------
    async def redirect(self, redirs: list[Redir], io: IO) -> tuple[IO, list, bool]:
        fds = {0: io.stdin, 1: io.stdout, 2: io.stderr}
        closers: list = []
        for r in redirs:
            op = r.op
            if op in ("<<", "<<-"):
                assert r.heredoc is not None
                body = await self.expand_str(r.heredoc.body, io) if not r.heredoc.quoted else \
                    "".join(p.text for p in r.heredoc.body if isinstance(p, Lit))
                fds[r.fd if r.fd is not None else 0] = ConsumableStdin(body.encode())
                continue
            assert r.target is not None
            if op == "<<<":
                text = await self.expand_str(r.target.parts, io)
                fds[r.fd if r.fd is not None else 0] = ConsumableStdin((text + "\n").encode())
                continue
            fields = await self.expand(r.target, io, glob=True)
            if len(fields) != 1:
                await self.error(io, f"{r.target.raw}: ambiguous redirect")
                for c in closers:
                    c()
                return io, [], False
            target = fields[0]
            if op in (">&", "<&"):
                fd = r.fd if r.fd is not None else (1 if op == ">&" else 0)
                if target == "-":
                    fds[fd] = _discard if fd else ConsumableStdin(b"")
                    continue
                if target.isdigit():
                    src = int(target)
                    if src not in fds:
                        await self.error(io, f"{target}: Bad file descriptor")
                        return io, [], False
                    fds[fd] = fds[src]
                    continue
                if op == ">&" and r.fd is None:
                    op = "&>"   # `>& file` is `&> file`
                else:
                    await self.error(io, f"{target}: ambiguous redirect")
                    return io, [], False
            try:
                if op == "<":
                    fd = r.fd if r.fd is not None else 0
                    fds[fd] = ConsumableStdin(await self._read_target(target))
                    continue
                append = op in (">>", "&>>")
                writer, closer = self._open_writer(target, append)
                if closer is not None:
                    closers.append(closer)
                if op in ("&>", "&>>"):
                    fds[1] = writer
                    fds[2] = writer
                elif op == "<>":
                    fds[r.fd if r.fd is not None else 0] = ConsumableStdin(b"")
                else:
                    fds[r.fd if r.fd is not None else 1] = writer
            except OSError as e:
                await self.error(io, f"{target}: {strerror(e)}")
                for c in closers:
                    c()
                return io, [], False
        return IO(wrap_stdin(fds[0]), fds[1], fds[2]), closers, True  # type: ignore[arg-type]

    async def _read_target(self, target: str) -> bytes:
        if target == "/dev/null":
            return b""
        if target in ("/dev/stdin", "/proc/self/fd/0"):
            return b""
        p = hpath(self.proc.child([], cwd=self.cwd), target)
        if p.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        return p.read_bytes()

    def _open_writer(self, target: str, append: bool):  # type: ignore[no-untyped-def]
        if target == "/dev/null":
            return _discard, None
        if target in ("/dev/stdout", "/proc/self/fd/1"):
            return self.proc.stdout, None
        if target in ("/dev/stderr", "/proc/self/fd/2"):
            return self.proc.stderr, None
        child = self.proc.child([], cwd=self.cwd)
        p = hpath(child, target)
        if p.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        f = open(p, "ab" if append else "wb")

        async def write(data: bytes) -> None:
            f.write(data)

        def close() -> None:
            f.close()
            stamp(child, p)

        return write, close

    # -- expansion -----------------------------------------------------------------------------
    async def expand(self, word: Word, io: IO, glob: bool = True) -> list[str]:
        parts = word.parts
        if parts and isinstance(parts[0], Lit) and not parts[0].quoted and parts[0].text.startswith("~"):
            parts = self._tilde(parts)
        segs = await self._segments(parts, io)
        fields = _split_fields(segs, self.vars.get("IFS", " \t\n"))
        out: list[str] = []
        for f in fields:
            text = "".join(t for t, _ in f)
            if glob and not self.opts["noglob"] and any(not q and any(c in t for c in "*?[") for t, q in f):
                matches = self._glob("".join(t if not q else _glob_escape(t) for t, q in f))
                if matches:
                    out.extend(matches)
                    continue
            out.append(text)
        return out

    def _tilde(self, parts: list[Part]) -> list[Part]:
        first = parts[0]
        assert isinstance(first, Lit)
        text = first.text
        head, sep, tail = text.partition("/")
        if head == "~":
            home = self.vars.get("HOME", "/root")
        elif head == "~root":
            home = "/root"
        else:
            return parts
        if not sep and len(parts) > 1 and not (isinstance(parts[1], Lit)):
            pass
        return [Lit(home, True), Lit(sep + tail, False), *parts[1:]]

    async def expand_str(self, parts: list[Part], io: IO, tilde: bool = False) -> str:
        if tilde and parts and isinstance(parts[0], Lit) and not parts[0].quoted and parts[0].text.startswith("~"):
            parts = self._tilde(parts)
        segs = await self._segments(parts, io)
        return "".join(s[0] for s in segs if s is not _BREAK)

    async def expand_pattern(self, parts: list[Part], io: IO) -> str:
        segs = await self._segments(parts, io)
        return "".join((s[0] if not s[1] else _glob_escape(s[0])) for s in segs if s is not _BREAK)

    async def _segments(self, parts: list[Part], io: IO) -> list:
        """(text, quoted, splittable) segments, with _BREAK between "$@" fields."""
        segs: list = []
        for p in parts:
            if isinstance(p, Lit):
                segs.append((p.text, p.quoted, False))
            elif isinstance(p, Param):
                if p.name == "@" and p.quoted and p.op is None:
                    for i, v in enumerate(self.params):
                        if i:
                            segs.append(_BREAK)
                        segs.append((v, True, False))
                    if not self.params:
                        segs.append(("", False, False))
                    continue
                value = await self._param_value(p, io)
                segs.append((value, p.quoted, not p.quoted))
            elif isinstance(p, CmdSub):
                out = await self.command_substitution(p.source, io)
                segs.append((out, p.quoted, not p.quoted))
            elif isinstance(p, Arith):
                value = str(await self.arith(p.source, io))
                segs.append((value, p.quoted, not p.quoted))
        return segs

    async def _param_value(self, p: Param, io: IO) -> str:
        value = self.get_param(p.name)
        op = p.op
        if op == "len":
            if value is None and self.opts["nounset"]:
                raise ShellFatal(f"{p.name}: unbound variable")
            return str(len(value or ""))
        if op is None:
            if value is None:
                if self.opts["nounset"] and p.name not in ("@", "*"):
                    raise ShellFatal(f"{p.name}: unbound variable")
                return ""
            return value
        unset = value is None or (op.startswith(":") and value == "")
        if op in (":-", "-"):
            return await self.expand_str(p.arg, io, tilde=True) if unset else value  # type: ignore[return-value]
        if op in (":=", "="):
            if unset:
                value = await self.expand_str(p.arg, io, tilde=True)
                self.vars[p.name] = value
            return value  # type: ignore[return-value]
        if op in (":+", "+"):
            return "" if unset else await self.expand_str(p.arg, io)
        if op in (":?", "?"):
            if unset:
                msg = await self.expand_str(p.arg, io) or "parameter null or not set"
                raise ShellFatal(f"{p.name}: {msg}")
            return value  # type: ignore[return-value]
        value = value or ""
        pat = await self.expand_pattern(p.arg, io)
        if op in ("#", "##"):
            rng = range(0, len(value) + 1) if op == "#" else range(len(value), -1, -1)
            for i in rng:
                if fnmatch.fnmatchcase(value[:i], pat):
                    return value[i:]
            return value
        if op in ("%", "%%"):
            rng = range(len(value), -1, -1) if op == "%" else range(0, len(value) + 1)
            for i in rng:
                if fnmatch.fnmatchcase(value[i:], pat):
                    return value[:i]
            return value
        return value

    async def command_substitution(self, source: str, io: IO) -> str:
        col = _Collector()
        sub = self.copy()
        sub_io = IO(io.stdin, col, io.stderr)
        try:
            st = await sub.run_source(source, sub_io)
        except ShellExit as e:
            st = e.status
        except ShellFatal as e:
            await sub.error(io, e.message)
            st = e.status
        await sub.wait_bg()
        self.subst_status = st
        self.status = st
        return bytes(col.buf).decode(errors="surrogateescape").rstrip("\n")

    async def arith(self, source: str, io: IO) -> int:
        text = await self.expand_str(_arith_parts(source), io)
        return _arith_eval(text, self.vars)

    def _glob(self, pattern: str) -> list[str]:
        """Pathname expansion against the pod filesystem; [] when nothing matches."""
        absolute = pattern.startswith("/")
        comps = [c for c in pattern.split("/") if c != ""]
        base = "/" if absolute else ""
        results = [base]
        fs = self.host.fs
        for comp in comps:
            nxt = []
            magic = any(c in comp for c in "*?[")
            for prefix in results:
                cont = prefix if prefix else "."
                if not magic:
                    cand = (prefix + ("" if prefix.endswith("/") or not prefix else "/") + _glob_unescape(comp))
                    if fs.host_path(cand, self.cwd).exists() or fs.host_path(cand, self.cwd).is_symlink():
                        nxt.append(cand)
                    continue
                try:
                    names = sorted(os.listdir(fs.host_path(cont, self.cwd)))
                except OSError:
                    continue
                for n in names:
                    if n.startswith(".") and not comp.startswith("."):
                        continue
                    if fnmatch.fnmatchcase(n, _fnmatch_pattern(comp)):
                        nxt.append(prefix + ("" if prefix.endswith("/") or not prefix else "/") + n)
            results = nxt
            if not results:
                return []
        if pattern.endswith("/"):
            results = [r + "/" for r in results if fs.host_path(r, self.cwd).is_dir()]
        return results


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _glob_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _fnmatch_pattern(comp: str) -> str:
    """Our escaped glob (\\* literal) to an fnmatch pattern ([*] literal)."""
    out = []
    i = 0
    while i < len(comp):
        c = comp[i]
        if c == "\\" and i + 1 < len(comp):
            out.append("[" + comp[i + 1] + "]" if comp[i + 1] != "]" else "]")
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _split_fields(segs: list, ifs: str) -> list[list[tuple[str, bool]]]:
    fields: list[list[tuple[str, bool]]] = []
    cur: list[tuple[str, bool]] = []
    started = False

    def flush() -> None:
        nonlocal cur, started
        if started:
            fields.append(cur)
        cur = []
        started = False

    ws = "".join(c for c in ifs if c in " \t\n")
    other = "".join(c for c in ifs if c not in " \t\n")
    for s in segs:
        if s is _BREAK:
            started = True
            flush()
            continue
        text, quoted, splittable = s
        if not splittable or not ifs:
            cur.append((text, quoted))
            if quoted or text:
                started = True
            continue
        if text == "":
            continue
        pieces = re.split("[" + re.escape(ifs) + "]", text) if other else None
        if pieces is None:
            lead = text[0] in ws
            trail = text[-1] in ws
            words = text.split()
            if lead:
                flush()
            for i, w in enumerate(words):
                if i:
                    flush()
                cur.append((w, False))
                started = True
            if trail:
                flush()
        else:
            text2 = text.strip(ws) if ws else text
            for i, w in enumerate(re.split("[" + re.escape(other) + "]", text2)):
                if i:
                    started = True
                    flush()
                for j, ww in enumerate(w.split() if ws else [w]):
                    if j:
                        flush()
                    if ww:
                        cur.append((ww, False))
                        started = True
    flush()
    return fields


def _xtrace_quote(s: str) -> str:
    if s and all(c.isalnum() or c in "@%+=:,./-_" for c in s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


def _arith_parts(source: str) -> list[Part]:
    from .lexer import parse_word_parts
    return parse_word_parts(source, quoted=True)


_ARITH_TOKEN = re.compile(r"\s*(0[xX][0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*"
                          r"|\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%()<>!~&|^?:])")


def _arith_eval(text: str, variables: dict[str, str], depth: int = 0) -> int:
    """Integer arithmetic like bash's $(( )): + - * / % ** comparisons, && || !, ?:."""
    pos = 0
    toks: list[str] = []
    text = text.strip()
    while pos < len(text):
        m = _ARITH_TOKEN.match(text, pos)
        if not m:
            raise ShellFatal(f"{text}: syntax error: invalid arithmetic operator (error token is \"{text[pos:]}\")")
        toks.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    py = []
    for t in toks:
        if t[0].isalpha() or t[0] == "_":
            v = variables.get(t, "0") or "0"
            if depth < 8 and not re.fullmatch(r"-?\d+", v.strip()):
                v = str(_arith_eval(v, variables, depth + 1))
            py.append(f"({int(v.strip())})")
        elif t[0].isdigit():
            py.append(str(int(t, 0)) if not (t.startswith("0") and len(t) > 1 and t.isdigit()) else str(int(t, 8)))
        elif t == "&&":
            py.append(" and ")
        elif t == "||":
            py.append(" or ")
        elif t == "!":
            py.append(" not ")
        elif t == "/":
            py.append("//")
        else:
            py.append(t)
    expr = "".join(py) or "0"
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        raise ShellFatal(f"{text}: syntax error in expression") from None
    return int(_ast_eval(tree.body))


def _ast_eval(node: ast.AST) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.UnaryOp):
        v = _ast_eval(node.operand)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return v
        if isinstance(node.op, ast.Not):
            return int(not v)
        if isinstance(node.op, ast.Invert):
            return ~v
    if isinstance(node, ast.BinOp):
        a, b = _ast_eval(node.left), _ast_eval(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if isinstance(op, (ast.FloorDiv, ast.Mod)):
            if b == 0:
                raise ShellFatal("division by 0 (error token is \"0\")")
            q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
            return q if isinstance(op, ast.FloorDiv) else a - q * b
        if isinstance(op, ast.Pow):
            if b > 4096:
                raise ShellFatal("exponent too large")
            return a ** b
        if isinstance(op, ast.LShift):
            return a << min(b, 63)
        if isinstance(op, ast.RShift):
            return a >> b
        if isinstance(op, ast.BitAnd):
            return a & b
        if isinstance(op, ast.BitOr):
            return a | b
        if isinstance(op, ast.BitXor):
            return a ^ b
    if isinstance(node, ast.BoolOp):
        vals = [_ast_eval(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return int(all(vals))
        return int(any(vals))
    if isinstance(node, ast.Compare):
        left = _ast_eval(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _ast_eval(right_node)
            ok = {ast.Lt: left < right, ast.Gt: left > right, ast.LtE: left <= right,
                  ast.GtE: left >= right, ast.Eq: left == right, ast.NotEq: left != right}.get(type(op))
            if ok is None or not ok:
                return 0
            left = right
        return 1
    if isinstance(node, ast.IfExp):
        return _ast_eval(node.body) if _ast_eval(node.test) else _ast_eval(node.orelse)
    raise ShellFatal("syntax error in expression")


def make_io(proc: Proc) -> IO:
    return IO(wrap_stdin(proc.stdin), proc.stdout, proc.stderr)
