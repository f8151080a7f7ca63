"""A closed stdout ends a command quietly, as it ends other Unix tools: `fluxstate-tui jobs NAME --json |
head` prints what head shows and nothing else, and exits 141 (128 + SIGPIPE, what a shell reports for
`yes | head`'s yes), never "internal error: BrokenPipeError".

Python ignores SIGPIPE and raises BrokenPipeError on the write instead; it cannot be set back to the
default (the process would die the same way on a lost websocket to the API server). So `sys.stdout` is
wrapped for the command's run: a write or flush that finds the pipe closed points stdout at /dev/null
(Python flushes it once more at exit, which would fail again and print "Exception ignored") and raises
`StdoutClosed`. It is a SystemExit, so it passes through what catches errors on the way out:
run_command's `except Exception` ("internal error") and exec_stream's OSError translation (a
BrokenPipeError is an OSError, and would be reported as a connection error).
"""

from __future__ import annotations

import functools
import os
import select
import sys
from collections.abc import Callable
from typing import IO, Any, NoReturn, ParamSpec

EXIT_CODE = 141

P = ParamSpec("P")


class StdoutClosed(SystemExit):
    """The reader of stdout went away: exit with EXIT_CODE, saying nothing."""


def _fileno(stream: Any) -> int:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return 1


def stdout_closed(stream: Any = None) -> NoReturn:
    """Point the stream's file (stdout's by default) at /dev/null and raise StdoutClosed."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, _fileno(sys.__stdout__ if stream is None else stream))
        finally:
            os.close(devnull)
    except OSError:  # nothing to point anywhere: nothing is flushed there at exit either
        pass
    raise StdoutClosed(EXIT_CODE)


def _reader_gone(fd: int) -> bool:
    """Is `fd` a pipe whose reading end is closed? (poll says POLLERR for it)"""
    try:
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        return any(events & select.POLLERR for _, events in poll.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll() (Windows): then it is not known to be gone
        return False


class Guarded:
    """A stream whose write and flush turn BrokenPipeError into StdoutClosed; the rest is the stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._buffer: Guarded | None = None

    def write(self, data: Any) -> int:
        try:
            return self._stream.write(data)
        except BrokenPipeError:
            stdout_closed(self._stream)

    def writelines(self, lines: Any) -> None:
        try:
            self._stream.writelines(lines)
        except BrokenPipeError:
            stdout_closed(self._stream)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            stdout_closed(self._stream)

    @property
    def buffer(self) -> Guarded:
        """The binary stream under a text one (`jobs --json` writes bytes), guarded the same way."""
        if self._buffer is None:
            self._buffer = Guarded(self._stream.buffer)
        return self._buffer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def binary_stdout() -> IO[bytes]:
    """sys.stdout's bytes, guarded whether or not a caller has wrapped sys.stdout."""
    out = sys.stdout
    return (out if isinstance(out, Guarded) else Guarded(out)).buffer  # type: ignore[return-value]


def quiet_when_stdout_closes(main: Callable[P, int]) -> Callable[P, int]:
    """Decorates a command's entry point (`cli/main.py` `main`, `cli/read.py` `run`): a closed stdout
    anywhere in it returns EXIT_CODE instead of a traceback or an "internal error" line."""

    @functools.wraps(main)
    def run(*args: P.args, **kwargs: P.kwargs) -> int:
        original = sys.stdout
        if original is None or isinstance(original, Guarded):  # no stdout, or an outer run guards it already
            return main(*args, **kwargs)
        sys.stdout = Guarded(original)
        try:
            code = main(*args, **kwargs)
            sys.stdout.flush()  # here, not at exit: a pipe closed before the last flush is caught too
            return code
        except StdoutClosed as exc:
            return exc.code if isinstance(exc.code, int) else EXIT_CODE
        except BrokenPipeError:
            # Written around the wrapper (straight to sys.__stdout__, say); a socket's is not ours to hide.
            if not _reader_gone(_fileno(original)):
                raise
            try:
                stdout_closed(original)
            except StdoutClosed:
                return EXIT_CODE
        finally:
            sys.stdout = original

    return run
