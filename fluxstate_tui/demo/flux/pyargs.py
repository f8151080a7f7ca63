"""The argument grammar of flux-core 0.88's Python commands, parsed by argparse as they parse it.

flux-core builds every Python command's parser with `flux.cli.argparse.FluxArgumentParser`: argparse
with no long-option abbreviations, and for the submission commands POSIX order (the first operand
and everything after it is the job's command line). A usage error prints the usage line and
`PROG: error: MSG` on stderr and exits 2; the usage line is argparse's own, wrapped at the terminal
width less two (80 without a terminal). The option tables are in pytables.py and submit_args.py.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any, NoReturn

from fluxstate_tui.flux.ids import parse_jobid


class ArgExit(Exception):
    """A command that ends while reading its arguments: exit code and what it printed."""

    def __init__(self, code: int, out: str = "", err: str = "") -> None:
        super().__init__(code)
        self.code, self.out, self.err = code, out, err


def unsupported(prog: str, what: str) -> ArgExit:
    """A real option or subcommand this simulator does not carry out: refused rather than ignored."""
    return ArgExit(1, err=f"{prog}: ERROR: {what}: not supported by this simulated instance\n")


class JobID(int):
    """flux.job.JobID as an argparse type: its name appears in `invalid JobID value: 'x'`."""

    orig: str

    def __new__(cls, text: str) -> JobID:
        self = super().__new__(cls, parse_jobid(text))
        self.orig = text
        return self


class _Formatter(argparse.HelpFormatter):
    """FluxHelpFormatter's option column: `-o, --format=FORMAT`, long-only options indented."""

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings:
            return super()._format_action_invocation(action)
        hidden = getattr(action, "hidden", ())
        shown = [s for s in action.option_strings if s not in hidden]
        text = ", ".join(shown)
        if len(shown) == 1 and len(shown[0]) > 2:
            text = "    " + shown[0]
        if action.nargs == 0:
            return text
        return text + "=" + self._format_args(action, action.dest.upper())


class Parser(argparse.ArgumentParser):
    """FluxArgumentParser whose exits are ArgExit: usage errors exit 2, help goes to stdout."""

    def __init__(self, *args: Any, columns: int = 80, posix: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", lambda prog: _Formatter(prog, width=columns - 2,
                                                                      max_help_position=40))
        super().__init__(*args, **kwargs)
        self.columns, self.posix = columns, posix

    def add(self, *flags: str, hidden: tuple[str, ...] = (), **kwargs: Any) -> argparse.Action:
        """add_argument with FluxArgumentParser's hidden_aliases: accepted, named in errors, not in help."""
        action = self.add_argument(*flags, *hidden, **kwargs)
        action.hidden = hidden  # type: ignore[attr-defined]
        return action

    def subparsers(self) -> Callable[[str], Parser]:
        """add_subparsers(title="subcommands", dest="subcommand", required): a factory of subparsers."""
        group = self.add_subparsers(title="subcommands", description="", dest="subcommand")
        group.required = True
        return lambda name: group.add_parser(name, columns=self.columns)

    def error(self, message: str) -> NoReturn:
        raise ArgExit(2, err=self.format_usage() + f"{self.prog}: error: {message}\n")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise ArgExit(status, err=message or "")

    def print_help(self, file: Any = None) -> None:
        raise ArgExit(0, out=self.format_help())

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
        if not self.posix:
            return super().parse_args(args, namespace)
        options, command = self._split_posix(list(args))
        ns = super().parse_args(options, namespace)
        ns.command = list(ns.command or []) + command
        return ns

    def _split_posix(self, words: list[str]) -> tuple[list[str], list[str]]:
        """Options up to the first operand (or `--`, kept with the command); an option's separate value
        goes with it. A word with its value attached (`-n4`, `--job-name=x`) takes no next word."""
        i = 0
        while i < len(words):
            word = words[i]
            negative = self._negative_number_matcher.match(word) and not self._has_negative_number_optionals
            if word == "--" or len(word) < 2 or word[0] != "-" or negative:
                return words[:i], words[i:]
            i += 1
            if ("=" in word) if word[1] == "-" else len(word) > 2:
                continue
            action = self._option_string_actions.get(word)
            if action is not None:
                i += self._values_after(action, words[i:])
        return words, []

    def _values_after(self, action: argparse.Action, rest: list[str]) -> int:
        """How many of the next words the option takes as its value(s)."""
        nargs = action.nargs
        if nargs is None:
            return 1
        if isinstance(nargs, int):
            return min(nargs, len(rest))
        plain = [self._parse_optional(w) is None for w in rest]
        if nargs == "?":
            return 1 if plain[:1] == [True] else 0
        if nargs in ("+", "*"):
            return next((n for n, ok in enumerate(plain) if not ok), len(plain))
        return 0


def make(prog: str, env: dict[str, str], **kwargs: Any) -> Parser:
    """A parser whose usage wraps as the real one's: Python reads COLUMNS, else 80 without a terminal."""
    try:
        cols = int(env.get("COLUMNS", ""))
    except ValueError:
        cols = 0
    return Parser(prog=prog, columns=cols if cols > 0 else 80, **kwargs)


def fsd(text: str) -> float:
    """flux.util.parse_fsd: `inf`, or a number with an optional s/m/h/d/ms unit."""
    if text in ("inf", "infinity", "INF", "INFINITY"):
        return float("inf")
    m = re.match(r"(.*?)(s|m|h|d|ms)$", text)
    try:
        value = float(m.group(1) if m else text)
    except ValueError:
        raise ValueError("invalid Flux standard duration") from None
    seconds = value * {"s": 1, "m": 60, "h": 3600, "d": 86400, "ms": 0.001}[m.group(2) if m else "s"]
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError("invalid Flux standard duration")
    return seconds


class FSDAction(argparse.Action):
    """flux-queue's --timeout: parsed as it is read, so a bad duration ends the command (exit 1)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        try:
            setattr(namespace, self.dest, fsd(values))
        except ValueError as exc:
            raise ArgExit(1, err=f"{parser.prog.split()[0]}: ERROR: {exc}\n") from None


class Filter(argparse.Action):
    """flux.util's FilterAction family: the value, and `filtered` set for the jobid-list warning."""

    def __init__(self, *args: Any, merge: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.merge = merge

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        namespace.filtered = True
        if self.nargs == 0:
            setattr(namespace, self.dest, True)
        elif self.merge:
            getattr(namespace, self.dest).update(values.split(","))
        else:
            setattr(namespace, self.dest, values)


class Color(argparse.Action):
    """flux.util.ColorAction: `--color[=WHEN]`, WHEN always (if omitted), never or auto."""

    def __init__(self, option_strings: Any, dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs="?", default="auto", metavar="WHEN", **kwargs)

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        values = "always" if values is None else values
        if values not in ("auto", "always", "never"):
            parser.error(f"Invalid argument to --color: '{values}'")
        setattr(namespace, self.dest, values)
