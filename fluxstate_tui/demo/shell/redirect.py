"""Redirections of the pod shell: < > >> &> >& <& <> here-documents and here-strings."""

from __future__ import annotations

from .common import ConsumableStdin, hpath, stamp, strerror, wrap_stdin
from .control import IO, discard
from .parser import Redir
from .words import Lit


class Redirector:
    """Mixin of Shell: opens redirection targets in the pod fs (uses proc, cwd, error, expand)."""

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
                    fds[fd] = discard if fd else ConsumableStdin(b"")
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
        return IO(wrap_stdin(fds[0]), fds[1], fds[2]), closers, True

    async def _read_target(self, target: str) -> bytes:
        if target == "/dev/null":
            return b""
        if target in ("/dev/stdin", "/proc/self/fd/0"):
            return b""
        p = hpath(self.proc.child([], cwd=self.cwd), target)
        if p.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        return p.read_bytes()

    def _open_writer(self, target: str, append: bool):
        if target == "/dev/null":
            return discard, None
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
