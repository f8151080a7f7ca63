"""Reading a `flux ...` command line as flux-core 0.88 reads it, before anything connects to a broker.

`flux` parses its own options, then runs a builtin (C, liboptparse), flux-job (C), flux-logger (C,
getopt) or a Python command (argparse). Every usage error happens here, so it is reported the same
whether or not an instance answers. The result names the command and carries what its parser
returned; main.py connects and runs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import ctables as ct
from . import liboptparse as lop
from . import pytables, submit_args
from .pyargs import ArgExit, unsupported

PYTHON: dict[str, Callable[[dict[str, str]], Any]] = {
    "jobs": pytables.jobs, "cancel": pytables.cancel, "queue": pytables.queue, "resource": pytables.resource,
    "submit": submit_args.submit, "run": submit_args.run,
}
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")


@dataclass
class Call:
    """One command to run: name (`jobs`, `job`, `dump`...), kind (python, job, builtin, logger, version),
    the parsed arguments and, for flux-job / overlay / config, the subcommand."""

    name: str
    kind: str
    args: Any = None
    sub: str = ""


def read(argv: list[str], env: dict[str, str]) -> Call:
    """The command argv names, its arguments parsed; ArgExit for anything that ends it first."""
    top = lop.parse(ct.FLUX, argv[1:], env, on_help=lambda cmd: None)
    if top.has("help"):
        raise ArgExit(0, err=lop.usage_text(ct.FLUX, env) + ct.FLUX_HELP_TAIL)
    if top.has("version"):
        return Call("version", "version")
    if top.has("verbose"):
        raise unsupported("flux", "--verbose")  # it prints the environment and the command search
    # --parent and --root change nothing in a top-level instance (no parent-uri): accepted.
    if not top.operands:
        raise ArgExit(1, err=lop.usage_text(ct.FLUX, env) + ct.FLUX_HELP_TAIL)
    name, args = top.operands[0], top.operands[1:]
    if name in PYTHON:
        parser = PYTHON[name](env)
        ns = parser.parse_args(args)
        if name in ("submit", "run"):
            _submit_help(parser, ns)
        return Call(name, "python", ns)
    if name == "job":
        return _job(args, env)
    if name == "logger":
        return Call(name, "logger", _logger(args, env))
    builtin = ct.FLUX.sub(name)
    if builtin is not None:
        return _builtin(builtin, args, env)
    if name in ct.OTHER_BUILTINS or name in ct.PYTHON_PROGRAMS or name in ct.C_PROGRAMS:
        raise ArgExit(1, err=f"flux-{name}: ERROR: not supported by this simulated instance\n")
    raise ArgExit(1, err=f"flux: `{name}' is not a flux command.  See 'flux --help'\n")


def _submit_help(parser, ns) -> None:
    """MiniCmd.run_command(): `--help` prints the help, `--help=TOPIC` a plugin option's documentation."""
    if ns.help == "default":
        raise ArgExit(0, out=parser.format_help())
    if ns.help is None:
        return
    if ns.help in ("--resources-shape", "resources-shape", "--resources-json", "resources-json"):
        raise unsupported(parser.prog.replace(" ", "-"), "--help")
    raise ArgExit(1, err=f"{parser.prog.replace(' ', '-')}: ERROR: --help: no such option {ns.help}\n")


def _job(args: list[str], env: dict[str, str]) -> Call:
    """src/cmd/job/main.c: its usage() (exit 1) for -h, no subcommand or an unknown one."""
    usage = ArgExit(1, err=lop.usage_text(ct.FLUX_JOB, env) + ct.job_usage())
    top = lop.parse(ct.FLUX_JOB, args, env, on_help=lambda cmd: usage)
    sub = ct.FLUX_JOB.sub(top.operands[0]) if top.operands else None
    if sub is None:
        raise usage
    if sub.name not in ct.JOB_IMPLEMENTED:
        raise unsupported("flux-job", sub.name)
    parsed = lop.parse(sub, top.operands[1:], env)
    n = len(parsed.operands)
    if sub.name == "info" and n != 2:
        raise ArgExit(1, err=ct.INFO_USAGE)
    # Operand counts checked before connecting (eventlog checks its own after, so no broker wins there).
    low, high = JOB_OPERANDS.get(sub.name, (0, None))
    slice_ = parsed.operands[0] if sub.name == "last" and n == 1 else "[]"
    if n < low or (high is not None and n > high) or ("[" not in slice_ and not _strtol(slice_)):
        raise lop.print_usage_exit(sub, env)
    return Call("job", "job", parsed, sub.name)


JOB_OPERANDS: dict[str, tuple[int, int | None]] = {
    "urgency": (2, 2), "kill": (1, None), "attach": (1, 1), "status": (1, None), "wait-event": (2, 2), "last": (0, 1)}


def _strtol(text: str) -> bool:
    """Whether strtol(3) reads all of text as a long (no digits at all reads as 0 only when text is empty)."""
    m = re.fullmatch(r"(\s*[+-]?\d+)?", text)
    return m is not None and -2**63 <= int(text or 0) < 2**63


def _builtin(cmd: lop.Cmd, args: list[str], env: dict[str, str]) -> Call:
    """A builtin of flux (ctables.BUILTINS lists the simulated ones) and its operand checks."""
    parsed = lop.parse(cmd, args, env)
    sub = ""
    if cmd.subcmds:  # overlay, config: optparse_run_subcommand()
        if not parsed.operands:
            raise lop.print_usage_exit(cmd, env, "missing subcommand")
        found = cmd.sub(parsed.operands[0])
        if found is None:
            raise lop.print_usage_exit(cmd, env, f"Unknown subcommand: {parsed.operands[0]}")
        sub = found.name
        if sub not in ("status", "reload"):
            raise unsupported(f"flux-{cmd.name}", sub)
        parsed = lop.parse(found, parsed.operands[1:], env)
        if sub == "reload" and parsed.operands:
            raise lop.print_usage_exit(found, env)
    n = len(parsed.operands)
    if cmd.name == "dump" and n != 1:
        raise lop.print_usage_exit(cmd, env)
    if cmd.name == "dmesg" and n:
        raise ArgExit(1, err="flux-dmesg: flux-dmesg accepts no free arguments\n")
    if cmd.name == "proxy" and not n:
        raise lop.print_usage_exit(cmd, env, "URI argument is required")
    return Call(cmd.name, "builtin", parsed, sub)


def _logger(args: list[str], env: dict[str, str]) -> lop.Parsed:
    """src/cmd/flux-logger.c: getopt_long run as `logger` (flux execs it with argv[0] = the command word)."""
    parsed = lop.glibc_parse("logger", ct.LOGGER_OPTS, args, env, ct.LOGGER_USAGE)
    for value in parsed.values("severity"):
        if value.lower() not in SEVERITIES:
            raise ArgExit(1, err="flux-logger: invalid severity: Use emerg|alert|crit|err|warning|notice|info|debug\n")
    return parsed
