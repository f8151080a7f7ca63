"""`flux CMD ...` dispatcher: reads the command line (grammar.py), then connects and runs the command, or
prints flux's errors when no instance answers."""

from __future__ import annotations

from . import archive, cancel_cmd, config_cmd, job_admin, job_cmd, job_query, jobs_cmd, misc_cmd, queue_cmd, submit_cmd
from .grammar import Call, read
from .instance import FluxInstance
from .pyargs import ArgExit

PYTHON_RUN = {"jobs": jobs_cmd.run, "queue": queue_cmd.run, "submit": submit_cmd.submit, "run": submit_cmd.run,
              "cancel": cancel_cmd.run, "resource": misc_cmd.resource}
JOB_RUN = {"info": job_cmd.info, "status": job_cmd.status, "attach": job_cmd.attach_cmd, "urgency": job_admin.urgency,
           "kill": job_admin.kill, "eventlog": job_query.eventlog, "wait-event": job_query.wait_event,
           "id": job_query.id_cmd, "last": job_query.last, "stats": job_query.stats}
BUILTIN_RUN = {"uptime": misc_cmd.uptime, "overlay": misc_cmd.overlay, "dmesg": misc_cmd.dmesg,
               "getattr": misc_cmd.getattr_, "config": config_cmd.run}


def _socket_path(env: dict[str, str]) -> str:
    uri = env.get("FLUX_URI") or "local:///run/flux/local"
    return uri[len("local://"):] if uri.startswith("local://") else uri


async def run_flux(proc, instance: FluxInstance | None) -> int:
    try:
        call = read(list(proc.argv), proc.env)
        if call.name == "version":  # `flux version` or `flux -V`: works with no instance too
            return await misc_cmd.version(proc, instance)
        if call.name == "proxy":
            return await _proxy(proc, instance, call)
        if instance is None or instance.closed:
            await proc.err(_no_instance(call, proc.env))
            return 1
        instance._schedule()
        return await _run(proc, instance, call)
    except ArgExit as exc:
        if exc.out:
            await proc.out(exc.out)
        if exc.err:
            await proc.err(exc.err)
        return exc.code


def _no_instance(call: Call, env: dict[str, str]) -> str:
    if call.kind == "python":
        return f"flux-{call.name}: ERROR: Unable to connect to Flux: broker socket {_socket_path(env)} was not found\n"
    if call.kind == "job":
        return "flux-job: flux_open: No such file or directory\n"
    return "flux: flux_open: No such file or directory\n"


async def _run(proc, inst: FluxInstance, call: Call) -> int:
    if call.kind == "python":
        return await PYTHON_RUN[call.name](proc, inst, call.args)
    if call.kind == "job":
        return await JOB_RUN[call.sub](proc, inst, call.args)
    if call.kind == "logger":
        text = " ".join(call.args.operands) if call.args.operands else (await proc.stdin.read()).decode()
        inst.dmesg(call.args.get("appname", "logger"), (call.args.get("severity") or "notice").lower(), text)
        return 0
    if call.name == "dump":
        # archive.dump_cmd reads the options itself: hand it the ones flux-dump acts on, spelled out.
        # --no-cache, --ignore-failed-read, --sd-notify and --maxreqs only change how the real one
        # reads its content store, so they are accepted and dropped.
        flags = [f"--{name}" for name in ("quiet", "verbose", "checkpoint") if call.args.has(name)]
        return await archive.dump_cmd(proc, inst, flags + call.args.operands)
    return await BUILTIN_RUN[call.name](proc, inst, call.args)


async def _proxy(proc, instance: FluxInstance | None, call: Call) -> int:
    """flux proxy URI [COMMAND...]: --force, --nohup and --reconnect change nothing a simulated
    connection shows, so they are accepted."""
    uri, *cmd = call.args.operands
    if instance is None or instance.closed or uri != instance.uri:
        await proc.err(f"flux-proxy: ERROR: {uri}: No such file or directory\n")
        return 1
    return await proc.host.run(proc.child(cmd or ["bash"], env={**proc.env, "FLUX_URI": uri}))
