"""Flux command lines for the broker pod, built from argv with every argument quoted.

The pod expands `$fluxsocket` after sourcing /mnt/flux/flux-view.sh (the operator writes it; the
socket path differs between operator releases), so that one word stays unquoted; everything else
goes through shlex.quote.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence

VIEW = ". /mnt/flux/flux-view.sh"
PROXY = "flux proxy $fluxsocket"


def flux(*args: object) -> list[str]:
    return ["flux", *(str(a) for a in args)]


def in_pod(argv: Sequence[str]) -> list[str]:
    """One flux command run in the broker pod through `flux proxy $fluxsocket`."""
    return ["/bin/bash", "-c", f"{VIEW} && {PROXY} {shlex.join(argv)}"]


def script_in_pod(script: str) -> list[str]:
    """A shell script run under one `flux proxy`, so several flux commands share a connection."""
    return ["/bin/bash", "-c", f"{VIEW} && {PROXY} /bin/bash -c {shlex.quote(script)}"]


def line(argv: Sequence[str]) -> str:
    return shlex.join(argv)


# ---- the commands the TUI and CLI run ---------------------------------------------------------

def jobs(fmt: str, *, count: int = 1000, all_states: bool = True, since: str | None = None,
         filters: Iterable[str] | None = None, ids: Iterable[str] = ()) -> list[str]:
    argv = flux("jobs", "-A", "-n", "-c", count, "-o", fmt)
    if filters:
        argv += ["-f", ",".join(filters)]
    elif since:
        argv.append(f"--since={since}")
    elif all_states:
        argv.append("-a")
    return argv + list(ids)


def stats() -> list[str]:
    return flux("jobs", "-A", "--stats-only")


def queue_status() -> list[str]:
    return flux("queue", "status", "-v")


def _queue_target(queue: str | None, all_queues: bool) -> list[str]:
    """A named queue, or `--all` (which also covers the anonymous queue); the name goes last, after `--`,
    so no queue name is read as an option."""
    if queue is not None:
        return ["--", queue]
    return ["--all"] if all_queues else []


def _message(reason: str | None) -> list[str]:
    # One word `--message=…`: a reason that starts with '-' is still the reason, not an option.
    return [f"--message={reason}"] if reason else []


def queue_stop(reason: str | None = None, all_queues: bool = True, queue: str | None = None) -> list[str]:
    return flux("queue", "stop", *_message(reason), *_queue_target(queue, all_queues))


def queue_start(all_queues: bool = True, queue: str | None = None) -> list[str]:
    return flux("queue", "start", *_queue_target(queue, all_queues))


def queue_enable(queue: str | None = None) -> list[str]:
    return flux("queue", "enable", *_queue_target(queue, True))


def queue_disable(reason: str | None = None, queue: str | None = None) -> list[str]:
    """Without a reason flux records `disabled by administrator`."""
    return flux("queue", "disable", *_message(reason), *_queue_target(queue, True))


QUEUE_LIST_FORMAT = "{queue}|{queuem}"


def queue_list(fmt: str = QUEUE_LIST_FORMAT) -> list[str]:
    """The configured queues, one per line (none but an empty name: only the anonymous queue)."""
    return flux("queue", "list", "-n", "-o", fmt)


def queue_idle(timeout: float) -> list[str]:
    return flux("queue", "idle", f"--timeout={timeout:g}s")


def resources(fmt: str = "{state} {nnodes} {ncores} {ngpus} {nodelist}") -> list[str]:
    return flux("resource", "list", "-s", "all,allocated,free,down", "-n", "-o", fmt)


def resource_status(fmt: str) -> list[str]:
    return flux("resource", "status", "-n", "-o", fmt)


def uptime() -> list[str]:
    return flux("uptime")


def getattr_(name: str) -> list[str]:
    return flux("getattr", name)


def version() -> list[str]:
    return flux("version")


def dump(path: str, quiet: bool = True) -> list[str]:
    return flux("dump", *(["-q"] if quiet else []), path)


def cancel(ids: Iterable[str] = (), *, states: str | None = None, message: str | None = None) -> list[str]:
    argv = flux("cancel", *_message(message))
    ids = list(ids)
    if ids:
        return argv + ids
    return argv + ["--user=all"] + ([f"--states={states}"] if states else [])


def resource_drain(targets: str, reason: str) -> list[str]:
    """Drain ranks (an idset such as `1-3`): running jobs go on, no new job is scheduled there.
    Without -f, flux-core 0.88 refuses ranks already drained with a reason: drain only the others.
    After `--` a reason that starts with '-' stays the reason."""
    return flux("resource", "drain", "--", targets, *([reason] if reason else []))


def resource_undrain(targets: str) -> list[str]:
    """Undrain ranks; flux fails the whole request if one of them is not drained."""
    return flux("resource", "undrain", "--", targets)


def resource_r() -> list[str]:
    """The instance's resource set R (JSON): every rank's cores, up or down."""
    return flux("resource", "R")


# flux job urgency's words (FLUX_JOB_URGENCY_HOLD, _DEFAULT, _EXPEDITE); numbers run from 0 to 31.
URGENCY_HOLD, URGENCY_DEFAULT, URGENCY_EXPEDITE = 0, 16, 31
URGENCY_WORDS = {"hold": URGENCY_HOLD, "default": URGENCY_DEFAULT, "expedite": URGENCY_EXPEDITE}


def job_urgency(jobid: str, urgency: int | str) -> list[str]:
    """One job's urgency (flux-core 0.88 takes one id per call); fails once the job has resources."""
    return flux("job", "urgency", jobid, urgency)


def job_kill(ids: Iterable[str], signal: str = "SIGTERM") -> list[str]:
    """Signal running jobs; flux reports each id it could not signal and goes on with the rest."""
    return flux("job", "kill", f"--signal={signal}", *ids)


def resource_drained(fmt: str = "{ranks}|{reason}") -> list[str]:
    """The drained ranks (`flux resource drain` without targets lists them), one row per group."""
    return flux("resource", "drain", "-n", "-o", fmt)


def job_eventlog(jobid: str) -> list[str]:
    return flux("job", "info", jobid, "eventlog")


def job_info(jobid: str, key: str) -> list[str]:
    return flux("job", "info", jobid, key)


def job_output(jobid: str) -> list[str]:
    return flux("job", "info", jobid, "guest.output")


def submit(command: Sequence[str], *, nodes: int | None = None, tasks: int | None = None,
           cores_per_task: int | None = None, time_limit: str | None = None, name: str | None = None,
           count: int = 1, dependency: str | None = None, urgency: int | None = None,
           queue: str | None = None) -> list[str]:
    """`flux submit` with one option per field, the command last as its own words; `count` copies with
    --cc (one id printed per copy). `dependency` is a job id the new jobs wait for (afterok)."""
    options: list[object] = []
    for flag, value in (("--nodes", nodes), ("--ntasks", tasks), ("--cores-per-task", cores_per_task),
                        ("--time-limit", time_limit), ("--job-name", name), ("--urgency", urgency),
                        ("--queue", queue)):
        if value is not None and value != "":
            options.append(f"{flag}={value}")
    if dependency:
        options.append(f"--dependency=afterok:{dependency}")
    if count > 1:
        options.append(f"--cc=1-{count}")
    return flux("submit", *options, *command)
