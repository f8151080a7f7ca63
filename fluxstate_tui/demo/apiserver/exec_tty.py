"""The terminal an exec with `tty=true` gets: what the container runtime's pty and bash's readline do.

Input (channel 0) goes through a line discipline: CR becomes NL, typed characters are echoed,
backspace erases, ^U kills the line, ^W the last word, ^C interrupts the foreground (the innermost
interactive shell, else the exec'd command), ^D on an empty line is an end of file, and the up and
down arrows recall the shell's history. Complete lines reach the process's stdin one at a time.
Output gets NL -> CR NL, as with the pty's ONLCR. Resize messages (channel 4) set the size the
shell reports in COLUMNS and LINES.
"""

from __future__ import annotations

import asyncio
import json

from ..proc import StreamStdin, Writer

INTR, EOF, BACKSPACE, KILL, WERASE, ESC, ERASE = 0x03, 0x04, 0x08, 0x15, 0x17, 0x1B, 0x7F
RUB = b"\b \b"


class Pty:
    """One exec's pseudo-terminal; `send` writes to the client's stdout channel."""

    def __init__(self, send: Writer, columns: int = 80, lines: int = 24) -> None:
        self._send = send
        self.columns = columns
        self.lines = lines
        self.stdin = StreamStdin()
        self.stdin.terminal = self
        self._line = bytearray()
        self._escape: bytearray | None = None
        self._history: list[str] = []
        self._recall = 0
        self._claims: list[asyncio.Event] = []

    # -- the processes' side -----------------------------------------------------------------------
    async def write(self, data: bytes) -> None:
        if data:
            await self._send(bytes(data).replace(b"\n", b"\r\n"))

    def claim_interrupts(self) -> asyncio.Event:
        event = asyncio.Event()
        self._claims.append(event)
        return event

    def release_interrupts(self, event: asyncio.Event) -> None:
        if event in self._claims:
            self._claims.remove(event)

    def remember(self, line: str) -> None:
        if line.strip() and (not self._history or self._history[-1] != line):
            self._history.append(line)
        self._recall = len(self._history)

    # -- the client's side -------------------------------------------------------------------------
    def resize(self, payload: bytes) -> None:
        """A channel-4 message, `{"Width":W,"Height":H}`; anything else is ignored, as the kubelet does."""
        try:
            size = json.loads(payload)
            width, height = int(size["Width"]), int(size["Height"])
        except (ValueError, TypeError, KeyError):
            return
        if width > 0 and height > 0:
            self.columns, self.lines = width, height

    async def feed(self, data: bytes) -> None:
        echo = bytearray()
        for byte in data:
            echo += self._key(byte)
        if echo:
            await self._send(bytes(echo))

    def _key(self, byte: int) -> bytes:
        """One typed byte: what to echo (the line and stdin change as a side effect)."""
        if self._escape is not None:
            return self._escape_key(self._escape, byte)
        if byte == 0x0D:
            byte = 0x0A
        if byte == 0x0A:
            line = bytes(self._line) + b"\n"
            self._line.clear()
            self._recall = len(self._history)
            self.stdin.feed(line)
            return b"\r\n"
        if byte == INTR:
            self._line.clear()
            self.stdin.discard()
            if self._claims:
                self._claims[-1].set()
            return b"^C"
        if byte == EOF:
            if self._line:
                # bash's readline ignores ^D on a non-empty line (it deletes under the cursor)
                return b""
            self.stdin.end_of_file()
            return b""
        if byte in (ERASE, BACKSPACE):
            return self._erase(1)
        if byte == KILL:
            return self._erase(len(self._line))
        if byte == WERASE:
            text = bytes(self._line)
            keep = len(text.rstrip(b" \t"))
            keep = max(text.rfind(b" ", 0, keep), text.rfind(b"\t", 0, keep)) + 1
            return self._erase(_chars(text[keep:]))
        if byte == ESC:
            self._escape = bytearray()
            return b""
        if byte < 0x20 and byte != 0x09:
            return b""
        self._line.append(byte)
        return bytes([byte])

    def _escape_key(self, escape: bytearray, byte: int) -> bytes:
        """An escape sequence (ESC [ ... final, or ESC O x): the arrows recall history, the rest is dropped."""
        escape.append(byte)
        seq = bytes(escape)
        if seq in (b"[", b"O") or (seq[:1] == b"[" and not 0x40 <= byte <= 0x7E):
            return b""
        self._escape = None
        if seq in (b"[A", b"OA"):
            return self._recall_line(-1)
        if seq in (b"[B", b"OB"):
            return self._recall_line(1)
        return b""

    def _recall_line(self, step: int) -> bytes:
        index = self._recall + step
        if not 0 <= index <= len(self._history):
            return b""
        self._recall = index
        text = (self._history[index] if index < len(self._history) else "").encode()
        rub = self._erase(_chars(bytes(self._line)))
        self._line[:] = text
        return rub + text

    def _erase(self, chars: int) -> bytes:
        out = bytearray()
        for _ in range(chars):
            if not self._line:
                break
            # one character, however many UTF-8 bytes it took
            while len(self._line) > 1 and self._line[-1] & 0xC0 == 0x80:
                self._line.pop()
            self._line.pop()
            out += RUB
        return bytes(out)


def _chars(data: bytes) -> int:
    return len(data.decode(errors="replace"))
