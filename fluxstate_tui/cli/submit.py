"""`fluxstate-tui submit NAME [options] -- CMD…`: jobs into a MiniCluster's queue, as argv (no shell string),
with the form's fields as flags; `--count N` submits N copies in one flux submit. Prints the new ids."""

from __future__ import annotations

import argparse
import sys

from ..flux.display import json_text, printable
from ..kube.client import KubeClient, Target
from ..kube.resources import get_minicluster
from ..workflows.events import Refused
from ..workflows.submit import SubmitRequest, submit_jobs
from .run import run_command
from .workflow import StderrProgress


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
