"""The option parsing of flux-core's C commands: liboptparse over glibc's getopt_long, as 0.88 builds it.

Every optparse parser (flux, flux-job and their subcommands, the builtins) parses in POSIX order: the
first operand ends the options, `--` is dropped, and long options may be abbreviated to any unambiguous
prefix. getopt itself prints nothing (optparse hands it an optstring starting with ':'); optparse then
writes `PROG: unrecognized option 'X'` plus a `Try ... --help` line, or `PROG: 'X' missing argument`,
and the command exits 1. `-h/--help` prints the usage block on stderr. flux-logger alone uses
getopt_long directly, in GNU (permuting) order, with glibc's own messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .pyargs import ArgExit, fsd


@dataclass(frozen=True)
class Opt:
    """One `struct optparse_option`: key is the short letter ("" for a long-only option)."""

    name: str
    key: str = ""
    arg: int = 0                  # has_arg: 0 none, 1 required, 2 optional
    arginfo: str = ""
    usage: str = ""
    group: int = 0
    hidden: bool = False          # OPTPARSE_OPT_HIDDEN
    short_optional: bool = False  # OPTPARSE_OPT_SHORTOPT_OPTIONAL_ARG
    autosplit: bool = False       # OPTPARSE_OPT_AUTOSPLIT


HELP = Opt("help", "h", usage="Display this message.")


@dataclass
class Cmd:
    """An optparse parser: a program or one of its registered subcommands."""

    name: str
    usage: str | None = None
    doc: str | None = None
    opts: tuple[Opt, ...] = ()
    subcmds: tuple[Cmd, ...] = ()
    hidden: bool = False          # OPTPARSE_SUBCMD_HIDDEN
    print_subcmds: bool = True    # OPTPARSE_PRINT_SUBCMDS
    parent: Cmd | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for sub in self.subcmds:
            sub.parent = self

    @property
    def fullname(self) -> str:
        return f"{self.parent.fullname} {self.name}" if self.parent else self.name

    @property
    def options(self) -> tuple[Opt, ...]:
        return (HELP, *self.opts)

    def sub(self, name: str) -> Cmd | None:
        return next((s for s in self.subcmds if s.name == name), None)

    def __getitem__(self, name: str) -> Cmd:
        found = self.sub(name)
        if found is None:
            raise KeyError(name)
        return found


@dataclass
class Parsed:
    """What a parse found: each option's optargs (None for a flag use), and the operands."""

    found: dict[str, list[str | None]]
    operands: list[str]

    def has(self, name: str) -> bool:
        return name in self.found

    def count(self, name: str) -> int:
        return len(self.found.get(name, []))

    def get(self, name: str, default: str | None = None) -> str | None:
        values = [v for v in self.found.get(name, []) if v is not None]
        return values[-1] if values else default

    def values(self, name: str) -> list[str]:
        return [v for v in self.found.get(name, []) if v is not None]


class GetoptError(Exception):
    """A getopt failure: kind is unknown, ambiguous, missing or noarg; word is the argv element."""

    def __init__(self, kind: str, word: str, opt: Opt | None = None, char: str = "") -> None:
        super().__init__(kind)
        self.kind, self.word, self.opt, self.char = kind, word, opt, char
        self.before: list[tuple[Opt, str | None]] = []  # what getopt returned before failing


def _long_match(opts: tuple[Opt, ...], name: str, word: str) -> Opt:
    """getopt_long's lookup: an exact name, else the one prefix match (ambiguous when two prefix
    matches differ in has_arg or value)."""
    found: Opt | None = None
    ambiguous = False
    for o in opts:
        if not o.name.startswith(name):
            continue
        if o.name == name:
            return o
        if found is None:
            found = o
        elif (found.arg != o.arg) or (found.key != o.key):
            ambiguous = True
    if found is None:
        raise GetoptError("unknown", word)
    if ambiguous:
        raise GetoptError("ambiguous", word)
    return found


def getopt(opts: tuple[Opt, ...], args: list[str], permute: bool = False) -> tuple[list[tuple[Opt, str | None]],
                                                                                  list[str]]:
    """([(option, optarg)], operands), or GetoptError; args excludes argv[0]."""
    used: list[tuple[Opt, str | None]] = []
    operands: list[str] = []
    try:
        _scan(opts, args, permute, used, operands)
    except GetoptError as exc:
        exc.before = used
        raise
    return used, operands


def _scan(opts: tuple[Opt, ...], args: list[str], permute: bool, used: list[tuple[Opt, str | None]],
          operands: list[str]) -> None:
    shorts = {o.key: o for o in opts if o.key}
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word == "--":
            operands.extend(args[i:])
            break
        if not word.startswith("-") or word == "-":
            if not permute:
                operands.extend(args[i - 1:])
                break
            operands.append(word)
            continue
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            o = _long_match(opts, name, word)
            if eq:
                if not o.arg:
                    raise GetoptError("noarg", word, o)
                used.append((o, value))
            elif o.arg == 1:
                if i >= len(args):
                    raise GetoptError("missing", word, o)
                used.append((o, args[i]))
                i += 1
            else:
                used.append((o, None))
            continue
        pos = 1
        while pos < len(word):
            c = word[pos]
            pos += 1
            short = shorts.get(c)
            if short is None:
                raise GetoptError("unknown", word, char=c)
            takes = short.arg == 1 or (short.arg == 2 and short.short_optional)
            if not takes:
                used.append((short, None))
                continue
            rest = word[pos:]
            if rest:
                used.append((short, rest))
            elif short.arg == 1:
                if i >= len(args):
                    raise GetoptError("missing", word, short, char=c)
                used.append((short, args[i]))
                i += 1
            else:
                used.append((short, None))
            break


# ---- liboptparse: messages and the usage block ---------------------------------------------------

def columns(env: dict[str, str]) -> int:
    """get_term_columns(): COLUMNS when strtol reads all of it as a number from 17 to 255, else 80."""
    text = env.get("COLUMNS", "")
    cols = int(text) if re.fullmatch(r"\s*[+-]?\d+", text) else 80
    return cols if 16 < cols < 256 else 80


def _segments(text: str, width: int) -> list[str]:
    """get_next_segment(): cut at the last blank within width, or break a word with '-'."""
    out = []
    rest = text
    while rest:
        if len(rest) <= width:
            out.append(rest)
            break
        p = width
        while p > 0 and not rest[p].isspace():
            p -= 1
        nxt = p + 1
        while p > 0 and rest[p].isspace():
            p -= 1
        if p == 0:
            out.append(rest[:width - 1] + "-")
            rest = rest[width - 1:]
        else:
            out.append(rest[:p + 1])
            rest = rest[nxt:]
    return out


def _option_lines(o: Opt, cols: int) -> list[str]:
    width, equals = 25, f"={o.arginfo}" if o.arginfo else ""
    info = f"  -{o.key}, --{o.name}{equals}" if o.key else f"      --{o.name}{equals}"
    n = len(info)
    if n > cols:
        info = info[:cols - 2] + "+"
    segs = _segments(o.usage, cols - width) or ["(null)"]
    head = [f"{info:<{width}}{segs[0]}"] if n < width else [info, " " * width + segs[0]]
    return head + [" " * width + s for s in segs[1:]]


def usage_text(cmd: Cmd, env: dict[str, str]) -> str:
    """optparse_print_usage(): the usage line(s), the doc string, then every visible option."""
    lines = []
    if cmd.usage:
        lines.append(f"Usage: {cmd.fullname} {cmd.usage}")
    if not cmd.subcmds or not cmd.print_subcmds:
        if not cmd.usage:
            lines.append(f"Usage: {cmd.fullname} [OPTIONS]...")
    else:
        for sub in (s for s in cmd.subcmds if not s.hidden):
            lines.append(f"{'Usage' if len(lines) == 0 else 'or':>5}: {sub.fullname} {sub.usage or '[OPTIONS]'}")
    cols = columns(env)
    if cmd.doc:
        lines += _segments(cmd.doc, cols)
    for o in sorted(cmd.options, key=lambda o: o.group):
        if not o.hidden:
            lines += _option_lines(o, cols)
    return "".join(line + "\n" for line in lines)


def _message(cmd: Cmd, exc: GetoptError) -> str:
    name = cmd.fullname
    if exc.kind == "missing":
        return f"{name}: '{exc.word}' missing argument\n"
    if exc.char:
        shown = "-" + exc.char
    elif exc.kind == "noarg" and exc.opt is not None and exc.opt.key:
        shown = "-" + exc.opt.key  # getopt reports the option's value, its short letter
    else:
        shown = exc.word
    return f"{name}: unrecognized option '{shown}'\nTry `{name} --help' for more information.\n"


HelpHook = Callable[[Cmd], "ArgExit | None"]


def parse(cmd: Cmd, args: list[str], env: dict[str, str], on_help: HelpHook | None = None) -> Parsed:
    """optparse_parse_args(): the options before the first operand; ArgExit on an error or on -h (whose
    callback runs when getopt reaches it: by default the usage block and exit 0; on_help may replace
    it, or return None to leave --help as a flag the caller reads)."""
    error: GetoptError | None = None
    try:
        used, operands = getopt(cmd.options, args)
    except GetoptError as exc:
        error, used, operands = exc, exc.before, []
    found: dict[str, list[str | None]] = {}
    for o, value in used:
        if o is HELP:
            stop = on_help(cmd) if on_help else ArgExit(0, err=usage_text(cmd, env))
            if stop is not None:
                raise stop
        values = value.split(",") if (o.autosplit and value is not None) else [value]
        found.setdefault(o.name, []).extend(values)
    if error is not None:
        raise ArgExit(1, err=_message(cmd, error))
    return Parsed(found, operands)


def print_usage_exit(cmd: Cmd, env: dict[str, str], message: str = "") -> ArgExit:
    """`optparse_print_usage (p); exit (1);` (or optparse_fatal_usage with a message first)."""
    return ArgExit(1, err=(f"{cmd.fullname}: {message}\n" if message else "") + usage_text(cmd, env))


def glibc_parse(prog: str, opts: tuple[Opt, ...], args: list[str], env: dict[str, str],
                usage: str) -> Parsed:
    """getopt_long with glibc's own messages (argv[0] is the name flux ran the program by) and the
    program's usage() after them; POSIXLY_CORRECT in the environment stops at the first operand."""
    try:
        used, operands = getopt(opts, args, permute="POSIXLY_CORRECT" not in env)
    except GetoptError as exc:
        o = exc.opt
        if exc.kind == "missing":
            text = (f"option requires an argument -- '{exc.char}'" if exc.char else
                    f"option '--{o.name if o else ''}' requires an argument")
        elif exc.kind == "noarg":
            text = f"option '--{o.name if o else ''}' doesn't allow an argument"
        elif exc.char:
            text = f"invalid option -- '{exc.char}'"
        else:
            text = f"unrecognized option '{exc.word}'"
        raise ArgExit(1, err=f"{prog}: {text}\n{usage}") from None
    found: dict[str, list[str | None]] = {}
    for o, value in used:
        if o.name == "help":
            raise ArgExit(1, err=usage)
        found.setdefault(o.name, []).append(value)
    return Parsed(found, operands)


# ---- optparse_get_int / _duration / _color: reading an option's value, or exiting as they do -----

def get_int(cmd: Cmd, parsed: Parsed, name: str, default: int) -> int:
    """The option's last argument as an int; a flag use counts its uses."""
    n, text = parsed.count(name), parsed.get(name)
    if n == 0:
        return default
    if text is None:
        return n
    if not re.fullmatch(r"\s*[+-]?\d+", text) or not -2**31 <= int(text) < 2**31:
        raise ArgExit(1, err=f"{cmd.fullname}: {cmd.name}: Option '{name}' requires an integer argument\n")
    return int(text)


def get_duration(cmd: Cmd, parsed: Parsed, name: str, default: float) -> float:
    """The option's argument as a Flux standard duration in seconds."""
    text = parsed.get(name)
    if not parsed.has(name):
        return default
    try:
        return fsd(text or "")
    except ValueError:
        raise ArgExit(1, err=f"{cmd.fullname}: {cmd.name}: Invalid argument for option '{name}': '{text}'\n") from None


def get_color(cmd: Cmd, parsed: Parsed, env: dict[str, str], name: str = "color") -> bool:
    """--color[=WHEN]: always when given bare, auto by default (never with NO_COLOR set); a simulated
    command's stdout is never a terminal, so auto means no colour. The real message has no newline."""
    when = "never" if env.get("NO_COLOR") else "auto"
    if parsed.has(name):
        when = parsed.get(name) or "always"
    if when not in ("always", "never", "auto"):
        raise ArgExit(1, err=f"{cmd.fullname}: Invalid argument to --{name}: '{when}'")
    return when == "always"
