"""The parser of submit and how its command words are split off, apart from submit.py so that the
other commands never import the submit workflow: start-up speed."""

from __future__ import annotations

from ..limits import MAX_CORES, MAX_COUNT, MAX_SIZE
from . import validate
from .act_args import jobid, urgency


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
