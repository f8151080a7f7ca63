"""Option tables of flux-core 0.88's C commands: `flux` itself, its builtins, flux-job and flux-logger.

Each Cmd mirrors a `struct optparse_subcommand` / `struct optparse_option` table (src/cmd/flux.c,
src/cmd/builtin/*.c, src/cmd/job/*.c): the usage string, the doc string and each option's text are
what the usage block prints, so they are the real ones. Subcommands the simulator does not carry out
are listed with their usage and doc only (flux-job's usage names them all) and refused when run.
"""

from __future__ import annotations

from .liboptparse import Cmd, Opt

COLOR = Opt("color", "L", 2, "WHEN", short_optional=True,
            usage="Colorize output when supported; WHEN can be 'always' (default if omitted), 'never', or 'auto' "
                  "(default).")
FORMAT = Opt("format", "f", 1, "FORMAT", "Specify output format: text, json")
TIME_FORMAT = Opt("time-format", "T", 1, "FORMAT", "Specify time format: raw, iso, offset")
HUMAN = Opt("human", "H", usage="Display human-readable output. See also --color, --format, and --time-format.")
PATH = Opt("path", "p", 1, "PATH",
           "Specify alternate eventlog name or path suffix (e.g. \"exec\", \"output\", or \"guest.exec.eventlog\")")
SIGNAL = Opt("signal", "s", 1, "SIG", "Send signal SIG (default SIGTERM)")


def _job_subcommands() -> tuple[Cmd, ...]:
    def c(name: str, usage: str | None, doc: str, *opts: Opt, hidden: bool = False) -> Cmd:
        return Cmd(name, usage, doc, opts, hidden=hidden)

    return (
        c("list", "[OPTIONS]", "List jobs", hidden=True),
        c("list-inactive", "[OPTIONS]", "List Inactive jobs", hidden=True),
        c("list-ids", "[OPTIONS] ID [ID ...]", "List job(s) by id", hidden=True),
        c("urgency", "[OPTIONS] id urgency", "Set job urgency (0-31, HOLD, EXPEDITE, DEFAULT)",
          Opt("verbose", "v", usage="Output old urgency value on success")),
        c("raise", "[OPTIONS] ids... [--] [message ...]", "Raise exception on one or more jobs"),
        c("raiseall", "OPTIONS type [message ...]", "Raise an exception on multiple jobs."),
        c("kill", "[OPTIONS] ids...", "Send signal to one or more running jobs", SIGNAL),
        c("killall", "[OPTIONS]", "Send signal to multiple running jobs"),
        c("attach", "[OPTIONS] id", "Interactively attach to job",
          Opt("show-events", "E", usage="Show job events on stderr"),
          Opt("show-exec", "X", usage="Show exec events on stderr"),
          Opt("show-status", usage="Show job status line while pending"),
          Opt("wait-event", "w", 1, "NAME", "Wait for event NAME before detaching from eventlog (default=finish)"),
          Opt("label-io", "l", usage="Label output by rank"),
          Opt("verbose", "v", usage="Increase verbosity"),
          Opt("quiet", "q", usage="Suppress warnings written to stderr from flux-job"),
          Opt("read-only", "r", usage="Disable reading stdin and capturing signals"),
          Opt("unbuffered", "u", usage="Disable buffering of stdin"),
          Opt("stdin-ranks", "i", 1, "RANKS", "Send standard input to only RANKS (default: all)"),
          Opt("tail", "", 2, "NUM", "Output only the last NUM lines of job output (default 10)"),
          Opt("debug", usage="Enable parallel debugger to attach to a running job"),
          Opt("debug-emulate", usage="Set MPIR_being_debugged for testing", hidden=True),
          Opt("queue-check-interval", "", 1, "SECONDS", "Set interval to check queue state for testing",
              hidden=True)),
        c("status", "id [id...]", "Wait for job(s) to complete and exit with largest exit code",
          Opt("verbose", "v", usage="Increase verbosity"),
          Opt("exception-exit-code", "e", 1, "N",
              "Set the default exit code for any jobs that terminate solely due to an exception (e.g. canceled "
              "jobs or jobs rejected by the scheduler) to N [default=1]", group=1),
          Opt("json", "j", usage="Dump job result information gleaned from eventlog to stdout")),
        c("submit", "[OPTIONS] [jobspec]", "Run job"),
        c("id", "[OPTIONS] [id ...]", "Convert jobid(s) to another form",
          Opt("to", "t", 1, "dec|kvs|hex|dothex|words|f58", "Convert jobid to specified form")),
        c("eventlog", "[OPTIONS] id", "Display eventlog for a job",
          FORMAT, TIME_FORMAT, HUMAN, COLOR, Opt("follow", "F", usage="Follow events until job is inactive."), PATH),
        c("wait-event", "[OPTIONS] id event", "Wait for an event ",
          FORMAT, TIME_FORMAT, HUMAN, Opt("timeout", "t", 1, "DURATION", "timeout after DURATION"),
          Opt("match-context", "m", 1, "KEY=VAL", "match key=val in context"),
          Opt("count", "c", 1, "COUNT", "required number of matches (default 1)"),
          Opt("quiet", "q", usage="Do not output matched event"),
          Opt("verbose", "v", usage="Output all events before matched event"), COLOR, PATH,
          Opt("waitcreate", "W", usage="If path does not exist, wait for its creation")),
        c("info", "id key", "Display info for a job",
          Opt("original", "o", usage="For key \"jobspec\", return the original submitted jobspec"),
          Opt("base", "b", usage="For key \"jobspec\" or \"R\", do not apply updates from eventlog")),
        c("stats", None, "Get current job stats"),
        c("namespace", "[id ...]", "Convert job ids to job guest kvs namespace names"),
        c("wait", "[--all] [id]", "Wait for job(s) to complete."),
        c("memo", "[--volatile] id key=value [key=value, ...]", "Post an RFC 21 memo to a job"),
        c("taskmap", "[OPTION] JOBID|TASKMAP", "Utility function for working with job task maps"),
        c("timeleft", "[JOBID]", "Find remaining runtime for job or enclosing instance"),
        c("hostpids", "[OPTIONS] JOBID", "Print host:pid pairs for tasks in JOBID"),
        c("last", "SLICE", "List my most recently submitted job id(s)"),
        c("purge", "[--age-limit=FSD] [--num-limit=N] [--batch=COUNT] [--force] [ID ...]",
          "Purge the oldest inactive jobs"),
    )


FLUX_JOB = Cmd("flux-job", "[OPTIONS] COMMAND ARGS", subcmds=_job_subcommands(), print_subcmds=False)
JOB_IMPLEMENTED = {"info", "eventlog", "status", "attach", "id", "last", "urgency", "kill", "wait-event", "stats"}


def job_usage() -> str:
    """flux-job's own usage(): the usage block, then the subcommands it does not hide (exit 1)."""
    common = "".join(f"   {s.name:<15} {s.doc}\n" for s in FLUX_JOB.subcmds if not s.hidden)
    return "\nCommon commands from flux-job:\n" + common


INFO_USAGE = ("Usage: flux job info id key\n"
              "some useful keys are:\n"
              "  J                    - signed jobspec\n"
              "  R                    - allocated resources\n"
              "  eventlog             - primary job eventlog\n"
              "  jobspec              - job specification\n"
              "  guest.exec.eventlog  - execution eventlog\n"
              "  guest.input          - job input log\n"
              "  guest.output         - job output log\n"
              "Use flux job info -h to list available options\n")

OVERLAY = Cmd("overlay", None, "Manage overlay network", subcmds=(
    Cmd("trace", "[OPTIONS] [topic-glob]", "Trace messages received on overlay network"),
    Cmd("errors", "[OPTIONS]", "Summarize overlay errors"),
    Cmd("status", "[OPTIONS]", "Display overlay subtree health status", (
        Opt("rank", "r", 1, "NODEID", "Check health of subtree rooted at NODEID (default 0)"),
        Opt("verbose", "v", 2, "[LEVEL]", "Increase reporting detail: 1=show time since current state was "
            "entered, 2=show round-trip RPC times."),
        Opt("timeout", "t", 1, "FSD", "Set RPC timeout, 0=disable (default 0.5s)"),
        Opt("summary", usage="Show only the root subtree status."),
        Opt("down", usage="Show only the partial/degraded subtrees."),
        Opt("no-pretty", usage="Do not indent entries and use line drawing characters to show overlay tree "
            "structure"),
        Opt("no-ghost", usage="Do not fill in presumed state of nodes that are inaccessible behind "
            "offline/lost overlay parents"),
        COLOR,
        Opt("highlight", "H", 1, "TARGET", "Highlight one or more TARGETs and their ancestors."),
        Opt("wait", "w", 1, "STATE", "Wait until subtree enters STATE before reporting (full, partial, "
            "offline, degraded, lost)"))),
    Cmd("lookup", "[OPTIONS] TARGET", "translate rank idset to hostlist or the reverse"),
    Cmd("parentof", "[OPTIONS] RANK", "show the parent of RANK"),
    Cmd("disconnect", "[OPTIONS] TARGET", "disconnect a subtree rooted at TARGET (hostname or rank)"),
))

CONFIG = Cmd("config", None, "Manage configuration", subcmds=(
    Cmd("load", "[PATH]", "Load broker configuration from stdin or PATH"),
    Cmd("reload", "[OPTIONS]", "Reload broker configuration from files", (
        Opt("follower-noop", usage="Do nothing if run on a non-leader broker (for systemd use)"),)),
    Cmd("get", "[OPTIONS] [NAME]", "Query broker configuration values"),
    Cmd("set", "[OPTIONS] NAME VALUE", "Set broker configuration value"),
    Cmd("unset", "NAME", "Unset broker configuration value"),
    Cmd("builtin", "NAME", "Print compiled-in Flux configuration values"),
))

BUILTINS = (
    Cmd("dmesg", "[OPTIONS...]", "Print or control log ring buffer", (
        Opt("clear", "C", usage="Clear the ring buffer"),
        Opt("read-clear", "c", usage="Clear the ring buffer contents after printing"),
        Opt("follow", "f", usage="Track new entries as are logged"),
        Opt("new", "n", usage="Show only new log messages"),
        Opt("human", "H", usage="Human readable output"),
        Opt("delta", "d", usage="With --human, show timestamp delta between messages"),
        COLOR)),
    Cmd("dump", "[OPTIONS] OUTFILE", "Dump KVS snapshot to a portable archive format", (
        Opt("verbose", "v", usage="List keys on stderr as they are archived"),
        Opt("quiet", "q", usage="Don't show periodic progress updates"),
        Opt("checkpoint", usage="Dump from checkpoint"),
        Opt("no-cache", usage="Bypass the broker content cache"),
        Opt("ignore-failed-read", usage="Treat content load errors as non-fatal"),
        Opt("sd-notify", usage="Send status updates to systemd via flux-broker(1)"),
        Opt("maxreqs", "", 1, "N", "Increase number of concurrent requests (default 2)"))),
    Cmd("getattr", "name", "Get broker attribute"),
    Cmd("proxy", "[OPTIONS] JOBID|URI [COMMAND...]", "Route messages to/from Flux instance", (
        Opt("force", "f", usage="Skip checks when connecting to Flux broker"),
        Opt("nohup", "n", usage="Do not send SIGHUP to child processes when connection to Flux is lost"),
        Opt("reconnect", usage="If broker connection is lost, try to reconnect"))),
    Cmd("uptime", None, "Show how long this Flux instance has been running"),
    Cmd("version", None, "Display flux version information"),
    OVERLAY, CONFIG,
)

FLUX = Cmd("flux", "[OPTIONS] COMMAND ARGS", opts=(
    Opt("verbose", "v", usage="Be verbose about environment and command search"),
    Opt("version", "V", usage="Display command and component versions"),
    Opt("parent", "p", usage="Set environment of parent instead of current instance"),
    Opt("root", "r", usage="Set environment of root instead of current instance"),
), subcmds=BUILTINS, print_subcmds=False)

FLUX_HELP_TAIL = ("\nFor general Flux documentation, please visit\n    https://flux-framework.readthedocs.io\n"
                  "\nSee 'flux help COMMAND' for more information about a specific command.\n")

# Builtins of 0.88 the simulator does not carry out (src/cmd/builtin/*.c registrations).
OTHER_BUILTINS = {"archive", "filemap", "setattr", "lsattr", "cgroup", "content", "env", "fsck", "gc",
                  "heaptrace", "help", "lptest", "pmi", "python", "relay", "restore", "shutdown", "startlog"}
# Programs flux runs from its exec path (src/cmd and the broker and shell); Python ones end in .py there.
PYTHON_PROGRAMS = {"admin", "alloc", "batch", "bulksubmit", "cancel", "fortune", "hostlist", "housekeeping",
                   "job-exec-override", "job-frobnicator", "job-validator", "jobs", "jobtap", "modprobe",
                   "multi-prog", "pgrep", "post-job-event", "pstree", "queue", "resource", "run", "sproc",
                   "slurm-expiration-sync", "submit", "update", "uri", "watch"}
C_PROGRAMS = {"broker", "cron", "event", "exec", "imp", "job", "keygen", "kvs", "logger", "module", "ping", "R",
              "run-epilog", "run-housekeeping", "run-prolog", "shell", "start", "terminus", "top"}

LOGGER_OPTS = (Opt("help", "h"), Opt("severity", "s", 1), Opt("appname", "n", 1))
LOGGER_USAGE = "Usage: flux-logger [--severity LEVEL] [--appname NAME] message ...\n"
