"""The parsers of pause, resume, dump, recreate, scale and archive, apart from workflow.py so that
`--help` and the other commands never import the workflows: start-up speed."""

from __future__ import annotations

from ..limits import MAX_SIZE
from . import validate


def add_parsers(sub, client_flags) -> None:
    def common(p, *, confirmable: bool = True) -> None:
        p.add_argument("name", type=validate.dns_label("MiniCluster name"), help="MiniCluster name")
        p.add_argument("--json", action="store_true", help="print the result as one JSON document")
        if confirmable:
            p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")

    positive = validate.positive
    seconds = validate.seconds(what="a number of seconds")

    p = sub.add_parser("pause", parents=[client_flags], help="stop the queue and wait for running jobs",
                       description="flux queue stop, then flux queue idle until no job runs.")
    common(p)
    p.add_argument("--timeout", type=seconds, default=600, help="seconds to wait for running jobs (default 600)")
    p.add_argument("--cancel-running", action="store_true", help="cancel jobs still running at the timeout")
    p = sub.add_parser("resume", parents=[client_flags], help="start the queue again")
    common(p)
    p = sub.add_parser("dump", parents=[client_flags], help="dump the stopped, idle queue to spec.archive.path",
                       description="flux dump to a temporary name, verify it, keep the previous archive, rename over.")
    common(p)
    p.add_argument("--keep", type=positive, default=3, help="previous archive versions to keep (default 3)")
    p.add_argument("--assets", action="append", default=[], metavar="PATH",
                   help="also pack this path of the broker pod beside the archive (repeatable; added to the "
                        "MiniCluster's fluxstate-tui/assets annotation)")
    p = sub.add_parser("recreate", parents=[client_flags],
                       help="recreate the MiniCluster at a new size, queue included",
                       description="pause, dump, delete, create at --size, wait for Flux, verify every job, start. "
                                   "Run it again after a crash: it continues from the journal. With "
                                   "--from-manifest FILE: create a MiniCluster a recreate deleted from its saved "
                                   "manifest and verify it.")
    common(p)
    p.add_argument("--size", type=validate.size, help="the new size (maxSize is raised to it when needed)")
    p.add_argument("--max-size", type=validate.size, default=MAX_SIZE, metavar="N",
                   help=f"refuse a --size above N (default {MAX_SIZE}): a typo must not make a "
                        "MiniCluster of millions of pods")
    p.add_argument("--force", action="store_true",
                   help="recreate even at a size the cluster's nodes cannot host (allocatable pods)")
    p.add_argument("--assets", action="append", default=[], metavar="PATH",
                   help="carry this path of the broker pod to the new broker, checksums verified (repeatable; "
                        "added to the MiniCluster's fluxstate-tui/assets annotation)")
    p.add_argument("--timeout", type=seconds, default=600, help="seconds to wait for running jobs (default 600)")
    p.add_argument("--cancel-running", action="store_true", help="cancel jobs still running at the timeout")
    p.add_argument("--from-manifest", metavar="FILE", type=validate.path_text,
                   help="bring back a MiniCluster a recreate deleted, from its journal or the .manifest.yaml saved "
                        "beside it (refused if a MiniCluster of that name exists)")
    p = sub.add_parser("scale", parents=[client_flags], help="resize live, within maximumSize",
                       description="Patch the scale subresource. Scaling down removes the highest ranks, and Flux "
                                   "kills the jobs running there: so it refuses while jobs run on them, unless "
                                   "--drain-first (wait for them to end) or --cancel-running (cancel them).")
    common(p)
    p.add_argument("--size", type=validate.size, required=True, help="the new size")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--drain-first", action="store_true",
                      help="scaling down: drain the ranks that go away and wait for their running jobs to end")
    when.add_argument("--cancel-running", action="store_true",
                      help="scaling down: cancel the running jobs on the ranks that go away (named when asked)")
    p.add_argument("--timeout", type=seconds, default=600,
                   help="seconds to wait for the jobs on the ranks that go away (default 600)")
    p = sub.add_parser("archive", parents=[client_flags], help="show, delete or rename the MiniCluster's archive")
    common(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--delete", action="store_true", help="delete the archive (a new broker starts empty)")
    group.add_argument("--rename", metavar="NEW", help="rename the archive (a name in the same directory, or a path)")
