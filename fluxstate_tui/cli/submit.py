"""`fluxstate-tui submit NAME [options] -- CMD…`: jobs into a MiniCluster's queue, as argv (no shell string),
with the form's fields as flags; `--count N` submits N copies in one flux submit. Prints the new ids."""

from __future__ import annotations

import argparse
import sys

from ..flux.display import json_text, printable
from ..kube.client import KubeClient, Target
from ..kube.resources import get_minicluster
from ..limits import MAX_SIZE
from ..workflows.events import Refused
from ..workflows.submit import MAX_CORES, MAX_COUNT, SubmitRequest, submit_jobs
from . import validate
from .act_args import jobid, urgency
from .run import run_command
from .workflow import StderrProgress


def add_parser(sub, client_flags) -> None:
    p = sub.add_parser("submit", parents=[client_flags], help="submit jobs: submit NAME [options] -- CMD…",
                       description="Submit a command as a Flux job (flux submit), N copies with --count. The command "
                                   "goes to flux as its own words, never through a shell.")
    p.add_argument("name", type=validate.dns_label("MiniCluster name"), help="MiniCluster name")
    p.add_argument("-N", "--nodes", type=validate.whole(1, MAX_SIZE, "a node count"), help="nodes (exclusive)")
    p.add_argument("--ntasks", type=validate.whole(1, MAX_CORES, "a task count"), help="tasks")
    p.add_argument("-c", "--cores-per-task", type=validate.whole(1, MAX_CORES, "a core count"), help="cores per task")
    p.add_argument("-t", "--time-limit", type=validate.nonempty("time limit"), help="e.g. 30s, 5m, 2h")
    p.add_argument("--job-name", type=validate.nonempty("job name"), help="the job's name")
    p.add_argument("--count", type=validate.whole(1, MAX_COUNT, "a count"), default=1, help="copies to submit")
    p.add_argument("--dependency", type=jobid, metavar="JOBID", help="run after this job succeeds (afterok)")
    p.add_argument("--urgency", type=urgency, help="0-31, hold, default or expedite")
    p.add_argument("-q", "--queue", type=validate.nonempty("queue name"), help="a named queue")
    p.add_argument("--json", action="store_true", help="print the result as one JSON document")
    p.epilog = "The command and its arguments follow --, each word as it is (no shell reads them)."


def split_command(words: list[str]) -> tuple[list[str], list[str] | None]:
    """`… submit NAME [options] -- CMD…`: the words before `--` for argparse, the command after it. Split
    before parsing, because argparse would read a command word like `-l` as an option of ours."""
    if "--" in words and "submit" in words[: words.index("--")]:
        at = words.index("--")
        return words[:at], words[at + 1:]
    return words, None


def run(args: argparse.Namespace) -> int:
    if args.command_argv is None:
        print("fluxstate-tui submit: error: the command goes after --: submit NAME [options] -- CMD …",
              file=sys.stderr)
        return 2
    request = SubmitRequest(list(args.command_argv), nodes=args.nodes, tasks=args.ntasks,
                            cores_per_task=args.cores_per_task, time_limit=args.time_limit, name=args.job_name,
                            count=args.count,
                            dependency=str(args.dependency) if args.dependency is not None else None,
                            urgency=args.urgency, queue=args.queue)
    problems = request.problems()
    if problems:
        print(f"fluxstate-tui submit: error: {printable('; '.join(problems))}", file=sys.stderr)
        return 2

    async def main() -> dict:
        if args.read_only:
            raise Refused("read-only mode: submit changes the cluster")
        target = Target(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace)
        async with await KubeClient.connect(target) as kube:
            mc = await get_minicluster(kube, args.name, kube.namespace)
            result = await submit_jobs(kube, mc, request, progress=StderrProgress())
            if result.audit_error:
                print(f"fluxstate-tui: warning: {printable(result.audit_error)}", file=sys.stderr)
            return {"ok": True, **result.to_json(), "result": result.summary()}

    code, doc = run_command(main())
    if code or doc is None:
        return code or 1
    print(json_text(doc) if args.json else "\n".join(printable(i) for i in doc["ids"]))
    return 0
