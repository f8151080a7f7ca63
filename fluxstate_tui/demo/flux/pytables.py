"""Option tables of flux-core 0.88's flux-jobs, flux-cancel, flux-queue and flux-resource.

Each builder declares the options and operands the real command declares, in its order (the usage
line lists them in that order), with the same metavars, defaults, actions and choices. Help texts are
not reproduced: `-h` prints the usage and the option list without them.
"""

from __future__ import annotations

import argparse

from .pyargs import Color, Filter, FSDAction, JobID, Parser, make

REMAINDER = argparse.REMAINDER


def jobs(env: dict[str, str]) -> Parser:
    """src/cmd/flux-jobs.py parse_args()."""
    p = make("flux-jobs", env)
    p.add("-a", action=Filter, nargs=0, default=False)
    p.add("-A", action=Filter, nargs=0, default=False)
    p.add("-c", "--count", action=Filter, type=int, metavar="N", default=1000)
    p.add("-f", "--filter", action=Filter, merge=True, metavar="STATE|RESULT", default=set())
    p.add("--since", action=Filter, type=str, metavar="WHEN", default=0.0)
    p.add("-n", "--no-header", action="store_true")
    p.add("--suppress-header", action="store_true", dest="no_header", help=argparse.SUPPRESS)
    p.add("-u", "--user", action=Filter, type=str, metavar="[USERNAME|UID]", default=None)
    p.add("--name", action=Filter, type=str, metavar="JOB-NAME")
    p.add("-q", "--queue", action=Filter, merge=True, default=set(), metavar="QUEUE,...")
    p.add("-i", "--include", type=str, metavar="HOSTS|RANKS")
    p.add("-o", "--format", type=str, default="default", metavar="FORMAT")
    p.add("--sort", type=str, default="", metavar="KEY,...")
    p.add("-w", "--width", type=int, default=-1, const=0, metavar="N", nargs="?")
    p.add("--json", action="store_true")
    p.add("--color", action=Color)
    p.add("-R", "--recursive", action="store_true")
    p.add("-L", "--level", type=int, metavar="N", default=9999)
    p.add("--recurse-all", action="store_true")
    p.add("--threads", type=int, metavar="N")
    p.add("--stats", action="store_true")
    p.add("--stats-only", action="store_true")
    p.add("jobids", metavar="JOBID", type=JobID, nargs="*")
    p.add("--from-stdin", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(filtered=False)
    return p


def cancel(env: dict[str, str]) -> Parser:
    """src/cmd/flux-cancel.py parse_args(): note its own usage line."""
    p = make("flux-cancel", env, usage="flux cancel [OPTIONS] [JOBID...]")
    p.add("--all", action="store_true")
    p.add("-n", "--dry-run", hidden=("--dry",), action="store_true")
    p.add("-q", "--quiet", action="store_true")
    p.add("-u", "--user", type=str, metavar="USER")
    p.add("-S", "--states", hidden=("--state",), action="append")
    p.add("-m", "--message", type=str, metavar="NOTE")
    p.add("jobids", metavar="JOBID...", type=JobID, nargs="*")
    return p


QUEUE_SUBCOMMANDS = ("list", "status", "enable", "disable", "start", "stop", "drain", "idle")


def queue(env: dict[str, str]) -> Parser:
    """src/cmd/flux-queue.py main() and common_parser_create()."""
    p = make("flux-queue", env)
    sub = p.subparsers()
    s = sub("list")
    s.add("-q", "--queue", action=Filter, merge=True, default=set(), metavar="QUEUE,...")
    s.add("-o", "--format", default="default")
    s.add("-n", "--no-header", action="store_true")
    for command in ("status", "enable", "disable", "start", "stop"):
        s = sub(command)
        s.add("-q", "--queue", dest="old_queue", type=str, metavar="NAME", help=argparse.SUPPRESS)
        if command != "status":
            s.add("-a", "--all", action="store_true")
            s.add("--quiet", action="store_true")
        s.add("-v", "--verbose", action="store_true")
        if command in ("stop", "disable"):
            s.add("--nocheckpoint", action="store_true")
            s.add("-m", "--message", type=str, metavar="REASON")
        s.add("queue", metavar="QUEUE", nargs="?")
    for command in ("drain", "idle"):
        s = sub(command)
        s.add("-t", "--timeout", action=FSDAction, metavar="DURATION", default=-1.0)
        if command == "idle":
            s.add("--quiet", action="store_true")
    return p


def _targets_and_queue(s: Parser) -> None:
    s.add("-i", "--include", metavar="TARGETS")
    s.add("-q", "--queue", action=Filter, merge=True, default=set(), metavar="QUEUE,...")


def _states(s: Parser, default: str | None = None) -> None:
    s.add("-s", "--states", hidden=("--state",), metavar="STATE,...", default=default)


def _hidden_input(s: Parser) -> None:
    s.add("--from-stdin", action="store_true", help=argparse.SUPPRESS)
    s.add("--config-file", help=argparse.SUPPRESS)


def resource(env: dict[str, str]) -> Parser:
    """src/cmd/flux-resource.py main()."""
    p = make("flux-resource", env)
    sub = p.subparsers()
    sub("acquire-mute")
    s = sub("drain")
    s.add("-f", "--force", action="count", default=0)
    s.add("-u", "--update", action="store_true")
    _targets_and_queue(s)
    s.add("-o", "--format", default="default")
    s.add("-n", "--no-header", action="store_true")
    s.add("-L", "--color", action=Color)
    s.add("targets", nargs="?")
    s.add("reason", nargs=REMAINDER)
    s = sub("undrain")
    s.add("-u", "--update", action="store_true")
    s.add("-f", "--force", action="count", default=0)
    s.add("targets")
    s.add("reason", nargs=REMAINDER)
    s = sub("status")
    s.add("-o", "--format", default="default")
    _states(s)
    _targets_and_queue(s)
    s.add("-n", "--no-header", action="store_true")
    s.add("-L", "--color", action=Color)
    _hidden_input(s)
    s.add("--skip-empty", action="store_true")
    s = sub("list")
    s.add("-o", "--format", default="default")
    _states(s, "free,allocated,down")
    _targets_and_queue(s)
    s.add("--skip-empty", action="store_true")
    s.add("--no-skip-empty", action="store_true")
    s.add("-n", "--no-header", action="store_true")
    _hidden_input(s)
    s = sub("info")
    _states(s)
    _targets_and_queue(s)
    _hidden_input(s)
    s.add("--skip-empty", action="store_true", help=argparse.SUPPRESS)
    s.add("--no-skip-empty", action="store_true", help=argparse.SUPPRESS)
    s = sub("reload")
    s.add("path")
    s.add("-x", "--xml", action="store_true", default=False)
    s.add("-f", "--force", action="store_true", default=False)
    s = sub("R")
    _states(s, "all")
    _targets_and_queue(s)
    _hidden_input(s)
    s = sub("eventlog")
    s.add("-f", "--format", default="text", metavar="FORMAT", choices=["text", "json"])
    s.add("-T", "--time-format", default="raw", metavar="FORMAT", choices=["raw", "iso", "offset", "human", "reltime"])
    s.add("-H", "--human", action="store_true")
    s.add("-L", "--color", action=Color)
    s.add("-F", "--follow", action="store_true")
    s.add("-t", "--timeout", metavar="TIME")
    s.add("-w", "--wait", metavar="EVENT")
    s.add("-m", "--match-context", action="append")
    s.add("-i", "--include", metavar="TARGETS")
    return p
