"""PS1/PS2 as bash shows them: the backslash escapes, then parameter and command expansion."""

from __future__ import annotations

import posixpath
import time
from typing import TYPE_CHECKING

from .control import IO
from .lexer import parse_word_parts

if TYPE_CHECKING:
    from .interp import Shell

BASH_VERSION = "5.1"            # Rocky Linux 9's bash, the image's
BASH_RELEASE = "5.1.8"
PS1_BUILTIN = r"\s-\v\$ "       # bash's own default, what `sh` and `bash --norc` show
PS1_IMAGE = r"[\u@\h \W]\$ "    # what the image's /etc/bashrc sets for an interactive bash
PS2_DEFAULT = "> "

_TIME_FORMATS = {"t": "%H:%M:%S", "T": "%I:%M:%S", "@": "%I:%M %p", "A": "%H:%M", "d": "%a %b %d"}


def _home_short(path: str, home: str) -> str:
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")):]
    return path


def _escape(sh: Shell, c: str, counter: int) -> str | None:
    """The text of `\\c`, or None when bash keeps the backslash and the character."""
    home = sh.vars.get("HOME", "")
    cwd = sh.vars.get("PWD") or sh.cwd
    simple = {
        "u": sh.host.user, "h": sh.host.hostname.split(".")[0], "H": sh.host.hostname,
        "w": _home_short(cwd, home), "$": "#" if sh.host.uid == 0 else "$",
        "s": posixpath.basename(sh.name) or sh.name, "v": BASH_VERSION, "V": BASH_RELEASE,
        "n": "\n", "r": "\r", "a": "\a", "e": "\033", "\\": "\\", "[": "", "]": "",
        "j": str(sum(1 for t in sh.bg_tasks if not t.done())), "l": "0", "!": str(counter),
        "#": str(counter),
    }
    if c in simple:
        return simple[c]
    if c == "W":
        return "~" if cwd == home and home else (posixpath.basename(cwd) or "/")
    if c in _TIME_FORMATS:
        return time.strftime(_TIME_FORMATS[c], time.localtime(sh.host.clock.now()))
    return None


async def render(sh: Shell, template: str, io: IO, counter: int = 1) -> str:
    """A prompt string: `\\u`, `\\h`, `\\w`... decoded, and `$VAR` / `$(cmd)` in the rest expanded."""
    out: list[str] = []
    raw: list[str] = []

    async def flush() -> None:
        if raw:
            text = "".join(raw)
            raw.clear()
            out.append(await sh.expand_str(parse_word_parts(text, quoted=True), io) if "$" in text or "`" in text
                       else text)

    i = 0
    while i < len(template):
        c = template[i]
        if c == "\\" and i + 1 < len(template):
            octal = template[i + 1:i + 4]
            if len(octal) == 3 and all(d in "01234567" for d in octal):
                await flush()
                out.append(chr(int(octal, 8)))
                i += 4
                continue
            value = _escape(sh, template[i + 1], counter)
            if value is not None:
                await flush()
                out.append(value)
                i += 2
                continue
        raw.append(c)
        i += 1
    await flush()
    return "".join(out)
