"""`flux CMD ...` dispatcher: picks the command, or prints flux's errors when no instance answers."""

from __future__ import annotations

from . import archive, cancel_cmd, config_cmd, job_cmd, jobs_cmd, misc_cmd, queue_cmd, submit_cmd
from .instance import FluxInstance

PYTHON_CMDS = {"jobs", "queue", "submit", "run", "resource", "cancel", "pgrep", "pstree", "batch", "alloc",
               "bulksubmit"}
BUILTINS = {"uptime", "getattr", "setattr", "dmesg", "overlay", "dump", "restore", "kvs", "logger", "ping", "module",
            "config"}


def _socket_path(env: dict[str, str]) -> str:
    uri = env.get("FLUX_URI") or "local:///run/flux/local"
    return uri[len("local://"):] if uri.startswith("local://") else uri


async def run_flux(proc, instance: FluxInstance | None) -> int:
    argv = list(proc.argv)
    args = argv[1:]
    while args and args[0] in ("-v", "--verbose", "-q", "--quiet"):
        args = args[1:]
    if not args:
        await proc.err("usage: flux [OPTIONS] COMMAND ARGS\n")
        return 1
    cmd, rest = args[0], args[1:]
    if cmd in ("version", "--version"):
        return await misc_cmd.version(proc, instance)
    known = PYTHON_CMDS | BUILTINS | {"job", "proxy", "help"}
    if cmd not in known:
        await proc.err(f"flux: '{cmd}' is not a flux command.  See 'flux --help'\n")
        return 1
    if cmd == "proxy":
        return await _proxy(proc, instance, rest)
    if instance is None or instance.closed:
        if cmd in PYTHON_CMDS:
            await proc.err(f"flux-{cmd}: ERROR: Unable to connect to Flux: broker socket {_socket_path(proc.env)} "
                           "was not found\n")
        elif cmd == "job":
            await proc.err("flux-job: flux_open: No such file or directory\n")
        else:
            await proc.err("flux: flux_open: No such file or directory\n")
        return 1
    instance._schedule()
    if cmd == "jobs":
        return await jobs_cmd.run(proc, instance, rest)
    if cmd == "queue":
        return await queue_cmd.run(proc, instance, rest)
    if cmd == "submit":
        return await submit_cmd.submit(proc, instance, rest)
    if cmd == "run":
        return await submit_cmd.run(proc, instance, rest)
    if cmd == "cancel":
        return await cancel_cmd.run(proc, instance, rest)
    if cmd == "job":
        return await job_cmd.run(proc, instance, rest)
    if cmd == "resource":
        return await misc_cmd.resource(proc, instance, rest)
    if cmd == "uptime":
        return await misc_cmd.uptime(proc, instance, rest)
    if cmd == "overlay":
        return await misc_cmd.overlay(proc, instance, rest)
    if cmd == "dmesg":
        return await misc_cmd.dmesg(proc, instance, rest)
    if cmd == "getattr":
        return await misc_cmd.getattr_(proc, instance, rest)
    if cmd == "dump":
        return await archive.dump_cmd(proc, instance, rest)
    if cmd == "config":
        return await config_cmd.run(proc, instance, rest)
    if cmd == "logger":
        instance.dmesg("logger", "notice", " ".join(rest))
        return 0
    await proc.err(f"flux-{cmd}: ERROR: not supported by this simulated instance\n")
    return 1


async def _proxy(proc, instance: FluxInstance | None, args: list[str]) -> int:
    pos = [a for a in args if not a.startswith("-")]
    rest = args[args.index(pos[0]) + 1:] if pos else []
    if not pos:
        await proc.err("Usage: flux-proxy [OPTIONS] TARGET [COMMAND...]\n")
        return 1
    uri = pos[0]
    if instance is None or instance.closed or uri != instance.uri:
        await proc.err(f"flux-proxy: ERROR: {uri}: No such file or directory\n")
        return 1
    cmd = rest or ["bash"]
    return await proc.host.run(proc.child(cmd, env={**proc.env, "FLUX_URI": uri}))
