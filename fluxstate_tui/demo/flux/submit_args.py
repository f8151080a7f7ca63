"""Option table of flux-core 0.88's `flux submit` and `flux run` (flux.cli.base, submit.py, run.py).

Both parse in POSIX order: options stop at the first word that is not one, which starts the job's
command. Their prog is `flux submit` / `flux run` (with a space) and their usage line is
`usage: flux submit [OPTIONS...] COMMAND [ARGS...]`; failures after parsing are logged as
`flux-submit: ERROR: ...` (exit 1). The shape plugin, loaded by default, adds --resources-shape and
--resources-json.
"""

from __future__ import annotations

import argparse

from .pyargs import Parser, make

# Options the simulator does not carry out. Accepted only where doing nothing leaves what a real
# instance would show unchanged; every other one is refused by name (see unsupported()).
IGNORED = {
    "setopt",        # shell options tune the job shell, which the simulator does not run
    "env", "env_remove", "env_file", "rlimit",  # the simulated programs read no environment but FLUX_JOB_CC
    "unbuffered", "flags", "debug_emulate",
    "jps",           # only changes what --progress shows, and --progress is refused
}
REFUSED = {
    "bank": "--bank", "add_file": "--add-file", "requires": "--requires", "begin_time": "--begin-time",
    "input": "--input", "signal": "--signal", "dry_run": "--dry-run", "list_plugins": "--list-plugins",
    "taskmap": "--taskmap", "gpus_per_task": "--gpus-per-task", "cores": "--cores",
    "tasks_per_node": "--tasks-per-node", "tasks_per_core": "--tasks-per-core", "gpus_per_node": "--gpus-per-node",
    "watch": "--watch", "log": "--log", "log_stderr": "--log-stderr", "progress": "--progress",
    "resources_shape": "--resources-shape", "resources_json": "--resources-json",
}


def _base(p: Parser) -> None:
    """MiniCmd.create_parser()."""
    p.add("--help", nargs="?", const="default", metavar="TOPIC")
    p.add("-B", "--bank", type=str, metavar="BANK")
    p.add("-q", "--queue", type=str, metavar="NAME")
    p.add("-t", "--time-limit", type=str, metavar="MIN|FSD")
    p.add("--urgency", metavar="N", default="16")
    p.add("--job-name", type=str, metavar="NAME")
    p.add("-o", "--setopt", action="append", metavar="OPT")
    p.add("-S", "--setattr", action="append", metavar="ATTR")
    p.add("--add-file", action="append", metavar="[NAME=]PATH")
    p.add("--dependency", action="append", metavar="URI")
    p.add("--requires", hidden=("--require",), action="append", metavar="CONSTRAINT")
    p.add("--begin-time", metavar="+FSD|TIME")
    for name in ("--env", "--env-remove", "--env-file", "--rlimit"):
        p.add(name, action="append", metavar={"--env-remove": "PATTERN", "--env-file": "FILE"}.get(name, "RULE"))
    for name in ("--input", "--output", "--error"):
        p.add(name, type=str, metavar="FILENAME")
    p.add("-u", "--unbuffered", action="store_true")
    p.add("-l", "--label-io", action="store_true")
    p.add("--cwd", metavar="DIRECTORY")
    p.add("--flags", action="append", metavar="FLAGS")
    p.add("--signal", metavar="[SIG][@TIME]")
    p.add("--dry-run", hidden=("--dry",), action="store_true")
    p.add("--quiet", action="store_true")
    p.add("--list-plugins", action="store_true")
    p.add("--debug-emulate", action="store_true", help=argparse.SUPPRESS)


def _submit_base(p: Parser) -> None:
    """SubmitBaseCmd.__init__()."""
    p.add("--taskmap", type=str, metavar="URI")
    group = p.add_argument_group("Common resource options")
    group.add_argument("-N", "--nodes", metavar="N")
    group.add_argument("-x", "--exclusive", action="store_true")
    group = p.add_argument_group("Per task options")
    for flags in (("-n", "--ntasks"), ("-c", "--cores-per-task"), ("-g", "--gpus-per-task")):
        group.add_argument(*flags, metavar="N")
    group = p.add_argument_group("Per resource options")
    for name in ("--cores", "--tasks-per-node", "--tasks-per-core", "--gpus-per-node"):
        group.add_argument(name, metavar="N")
    p.add("-v", "--verbose", action="count", default=0)


def _plugins(p: Parser) -> None:
    """The shape plugin's options (prefix `resources`), last as run_command() adds them."""
    group = p.add_argument_group("Options provided by plugins")
    group.add_argument("--resources-shape", metavar="SHAPE")
    group.add_argument("--resources-json", metavar="FILE")


def submit(env: dict[str, str]) -> Parser:
    """SubmitCmd: SubmitBulkCmd's options, then the command."""
    p = make("flux submit", env, usage="flux submit [OPTIONS...] COMMAND [ARGS...]", add_help=False, posix=True)
    _base(p)
    _submit_base(p)
    p.add("--cc", metavar="IDSET", default=None)
    p.add("--bcc", metavar="IDSET", default=None)
    p.add("--wait-event", metavar="NAME", dest="wait")
    p.add("--wait", action="store_const", const="clean")
    p.add("--watch", action="store_true")
    p.add("--log", metavar="FILE")
    p.add("--log-stderr", metavar="FILE")
    p.add("--progress", action="store_true")
    p.add("--jps", action="store_true")
    p.add("command", nargs=argparse.REMAINDER)
    _plugins(p)
    return p


def run(env: dict[str, str]) -> Parser:
    """RunCmd: --wait-event passed on to `flux job attach`, then the command."""
    p = make("flux run", env, usage="flux run [OPTIONS...] COMMAND [ARGS...]", add_help=False, posix=True)
    _base(p)
    _submit_base(p)
    p.add("--wait-event", metavar="NAME")
    p.add("command", nargs=argparse.REMAINDER)
    _plugins(p)
    return p


def refused(ns: argparse.Namespace) -> str | None:
    """The first option given that the simulator refuses, as the user would name it."""
    for dest, flag in REFUSED.items():
        if getattr(ns, dest, None) not in (None, False, [], 0):
            return flag
    return None
