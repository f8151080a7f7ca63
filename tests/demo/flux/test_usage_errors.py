"""Usage errors of every simulated flux subcommand, as flux-core 0.88 reports them.

The expectations come from flux-core 0.88's own grammar: the Python commands' argparse parsers
(src/cmd/flux-*.py, src/bindings/python/flux/cli/) print `usage: PROG ...` then `PROG: error: MSG`
and exit 2; the C commands' liboptparse prints `PROG: unrecognized option 'X'` plus a `Try` line, or
`PROG: 'X' missing argument`, or the usage block (`Usage: ...`, the doc string, the options) and exits
1; flux-logger uses getopt_long's own messages. One transcript block (01-basic.txt) is the real output.
"""

from __future__ import annotations

import pytest

from fluxstate_tui.demo.flux import run_flux
from fluxstate_tui.demo.proc import Proc, Stdin
from fluxstate_tui.flux.ids import parse_jobid
from tests.demo.flux.conftest import Cluster
from tests.demo.flux.test_commands import submit, wait_inactive
from tests.transcripts import block

QUEUE_USAGE = "usage: flux-queue [-h] {list,status,enable,disable,start,stop,drain,idle} ..."
RES_USAGE = "usage: flux-resource [-h]"
JOBS_USAGE = "usage: flux-jobs [-h] [-a] [-A] [-c N] [-f STATE|RESULT] [--since WHEN] [-n]"
CANCEL_USAGE = "usage: flux cancel [OPTIONS] [JOBID...]"
SUBMIT_USAGE = "usage: flux submit [OPTIONS...] COMMAND [ARGS...]"
RUN_USAGE = "usage: flux run [OPTIONS...] COMMAND [ARGS...]"
JOB_USAGE = "Usage: flux-job [OPTIONS] COMMAND ARGS"
LOGGER_USAGE = "Usage: flux-logger [--severity LEVEL] [--appname NAME] message ..."


def _try(prog: str) -> str:
    return f"Try `{prog} --help' for more information."


# (command line, exit code, first line of stderr, last line of stderr)
CASES = [
    # flux itself (src/cmd/flux.c): -v -V -p -r, then a builtin or a program
    ("flux", 1, "Usage: flux [OPTIONS] COMMAND ARGS", "See 'flux help COMMAND' for more information about a "
     "specific command."),
    ("flux --bogus jobs", 1, "flux: unrecognized option '--bogus'", _try("flux")),
    ("flux -q jobs", 1, "flux: unrecognized option '-q'", _try("flux")),
    ("flux --ver", 1, "flux: unrecognized option '--ver'", _try("flux")),  # --verbose or --version
    ("flux bogus", 1, "flux: `bogus' is not a flux command.  See 'flux --help'", None),
    # flux jobs
    ("flux jobs --bogus", 2, JOBS_USAGE, "flux-jobs: error: unrecognized arguments: --bogus"),
    ("flux jobs --cou=3", 2, JOBS_USAGE, "flux-jobs: error: unrecognized arguments: --cou=3"),  # no abbreviations
    ("flux jobs -c x", 2, JOBS_USAGE, "flux-jobs: error: argument -c/--count: invalid int value: 'x'"),
    ("flux jobs -o", 2, JOBS_USAGE, "flux-jobs: error: argument -o/--format: expected one argument"),
    ("flux jobs x1", 2, JOBS_USAGE, "flux-jobs: error: argument JOBID: invalid JobID value: 'x1'"),
    ("flux jobs --color=sometimes", 2, JOBS_USAGE, "flux-jobs: error: Invalid argument to --color: 'sometimes'"),
    # flux cancel (its own usage string)
    ("flux cancel --bogus", 2, CANCEL_USAGE, "flux-cancel: error: unrecognized arguments: --bogus"),
    ("flux cancel x1", 2, CANCEL_USAGE, "flux-cancel: error: argument JOBID...: invalid JobID value: 'x1'"),
    ("flux cancel -S", 2, CANCEL_USAGE, "flux-cancel: error: argument -S/--states/--state: expected one argument"),
    ("flux cancel", 1, "flux-cancel: ERROR: No target jobs were provided", None),
    ("flux cancel --all f1", 1,
     "flux-cancel: ERROR: Do not specify a list of jobids with --all,--user,--states options", None),
    # flux queue and its subcommands
    ("flux queue", 2, QUEUE_USAGE, "flux-queue: error: the following arguments are required: subcommand"),
    ("flux queue bogus", 2, QUEUE_USAGE, "flux-queue: error: argument subcommand: invalid choice: 'bogus' "
     "(choose from 'list', 'status', 'enable', 'disable', 'start', 'stop', 'drain', 'idle')"),
    ("flux queue list -x", 2, QUEUE_USAGE, "flux-queue: error: unrecognized arguments: -x"),
    ("flux queue list -o", 2, "usage: flux-queue list [-h] [-q QUEUE,...] [-o FORMAT] [-n]",
     "flux-queue list: error: argument -o/--format: expected one argument"),
    ("flux queue status a b", 2, QUEUE_USAGE, "flux-queue: error: unrecognized arguments: b"),
    ("flux queue status -q", 2, "usage: flux-queue status [-h] [-v] [QUEUE]",
     "flux-queue status: error: argument -q/--queue: expected one argument"),
    ("flux queue enable -m x", 2, QUEUE_USAGE, "flux-queue: error: unrecognized arguments: -m"),
    ("flux queue disable -m", 2, "usage: flux-queue disable [-h] [-a] [--quiet] [-v] [--nocheckpoint]",
     "flux-queue disable: error: argument -m/--message: expected one argument"),
    ("flux queue start --nocheckpoint", 2, QUEUE_USAGE, "flux-queue: error: unrecognized arguments: --nocheckpoint"),
    ("flux queue stop -q a b", 1, "flux-queue: ERROR: Conflicting queues specified as --queue=a and b", None),
    ("flux queue drain --quiet", 2, QUEUE_USAGE, "flux-queue: error: unrecognized arguments: --quiet"),
    ("flux queue idle -t soon", 1, "flux-queue: ERROR: invalid Flux standard duration", None),
    ("flux queue idle x", 2, QUEUE_USAGE, "flux-queue: error: unrecognized arguments: x"),
    # flux resource and its subcommands
    ("flux resource", 2, RES_USAGE, "flux-resource: error: the following arguments are required: subcommand"),
    ("flux resource list -o", 2, "usage: flux-resource list [-h] [-o FORMAT] [-s STATE,...] [-i TARGETS]",
     "flux-resource list: error: argument -o/--format: expected one argument"),
    ("flux resource status --states", 2,
     "usage: flux-resource status [-h] [-o FORMAT] [-s STATE,...] [-i TARGETS]",
     "flux-resource status: error: argument -s/--states/--state: expected one argument"),
    ("flux resource drain -o", 2, "usage: flux-resource drain [-h] [-f] [-u] [-i TARGETS] [-q QUEUE,...]",
     "flux-resource drain: error: argument -o/--format: expected one argument"),
    ("flux resource undrain", 2, "usage: flux-resource undrain [-h] [-u] [-f] targets ...",
     "flux-resource undrain: error: the following arguments are required: targets, reason"),
    ("flux resource info x", 2, RES_USAGE, "flux-resource: error: unrecognized arguments: x"),
    ("flux resource R -o x", 2, RES_USAGE, "flux-resource: error: unrecognized arguments: -o x"),
    ("flux resource eventlog -f yaml", 2, "usage: flux-resource eventlog [-h] [-f FORMAT] [-T FORMAT] [-H] [-L [WHEN]]",
     "flux-resource eventlog: error: argument -f/--format: invalid choice: 'yaml' (choose from 'text', 'json')"),
    ("flux resource reload", 2, "usage: flux-resource reload [-h] [-x] [-f] path",
     "flux-resource reload: error: the following arguments are required: path"),
    # flux submit / flux run (POSIX order; prog with a space; errors after parsing exit 1)
    ("flux submit", 1, "flux-submit: ERROR: job command and arguments are missing", None),
    ("flux submit --bogus true", 2, SUBMIT_USAGE, "flux submit: error: unrecognized arguments: --bogus"),
    ("flux submit --job-nam=x true", 2, SUBMIT_USAGE, "flux submit: error: unrecognized arguments: --job-nam=x"),
    ("flux submit -N", 2, SUBMIT_USAGE, "flux submit: error: argument -N/--nodes: expected one argument"),
    ("flux submit -vn 4 true", 2, SUBMIT_USAGE, "flux submit: error: argument -n/--ntasks: expected one argument"),
    ("flux submit -N x true", 1, "flux-submit: ERROR: --nodes: invalid int value 'x'", None),
    ("flux submit --urgency=soon true", 1, "flux-submit: ERROR: invalid literal for int() with base 10: 'soon'",
     None),
    ("flux submit -t x true", 1, "flux-submit: ERROR: invalid Flux standard duration", None),
    ("flux submit --cc=1 --bcc=2 true", 1, "flux-submit: ERROR: specify only one of --cc or --bcc", None),
    ("flux submit --help=nope", 1, "flux-submit: ERROR: --help: no such option nope", None),
    ("flux run", 1, "flux-run: ERROR: job command and arguments are missing", None),
    ("flux run --cc=1 true", 2, RUN_USAGE, "flux run: error: unrecognized arguments: --cc=1"),
    ("flux run -c x true", 1, "flux-run: ERROR: --cores-per-task: invalid int value 'x'", None),
    # flux job (src/cmd/job/main.c): usage() and exit 1 for no, an unknown or the removed `cancel` subcommand
    ("flux job", 1, JOB_USAGE, "   purge           Purge the oldest inactive jobs"),
    ("flux job bogus", 1, JOB_USAGE, "   purge           Purge the oldest inactive jobs"),
    ("flux job cancel f1", 1, JOB_USAGE, "   purge           Purge the oldest inactive jobs"),
    ("flux job -h", 1, JOB_USAGE, "   purge           Purge the oldest inactive jobs"),
    ("flux job --bogus urgency", 1, "flux-job: unrecognized option '--bogus'", _try("flux-job")),
    ("flux job urgency f1", 1, "Usage: flux-job urgency [OPTIONS] id urgency",
     "  -v, --verbose          Output old urgency value on success"),
    ("flux job urgency f1 16 -v", 1, "Usage: flux-job urgency [OPTIONS] id urgency", None),  # options end first
    ("flux job urgency -x f1 16", 1, "flux-job urgency: unrecognized option '-x'", _try("flux-job urgency")),
    ("flux job urgency --verbose=1 f1 16", 1, "flux-job urgency: unrecognized option '-v'", None),
    ("flux job kill", 1, "Usage: flux-job kill [OPTIONS] ids...", None),
    ("flux job kill --signal", 1, "flux-job kill: '--signal' missing argument", None),
    ("flux job kill -s", 1, "flux-job kill: '-s' missing argument", None),
    ("flux job kill x1", 1, "flux-job: invalid jobid: x1", None),
    ("flux job attach", 1, "Usage: flux-job attach [OPTIONS] id", None),
    ("flux job attach --show f1", 1, "flux-job attach: unrecognized option '--show'", None),  # ambiguous prefix
    ("flux job attach --show-status=1 f1", 1, "flux-job attach: unrecognized option '--show-status=1'", None),
    ("flux job status", 1, "Usage: flux-job status id [id...]",
     "                         rejected by the scheduler) to N [default=1]"),
    ("flux job status -e", 1, "flux-job status: '-e' missing argument", None),
    ("flux job id --from=dec 1", 1, "flux-job id: unrecognized option '--from=dec'", None),
    ("flux job id --to=bogus 1", 1, "flux-job: Unknown to=bogus", None),
    ("flux job id nope", 1, "flux-job: nope: malformed input", None),
    ("flux job eventlog", 1, "Usage: flux-job eventlog [OPTIONS] id", None),
    ("flux job eventlog -f yaml f1", 1, "flux-job: invalid format type 'yaml'", None),
    ("flux job eventlog -T clock f1", 1, "flux-job: invalid time-format type 'clock'", None),
    ("flux job eventlog x1", 1, 'flux-job: error parsing jobid: "x1"', None),
    ("flux job eventlog f1", 1, "flux-job: job f1 not found", None),
    ("flux job wait-event f1", 1, "Usage: flux-job wait-event [OPTIONS] id event", None),
    ("flux job wait-event -c 0 f1 start", 1, "flux-job: count must be > 0", None),
    ("flux job wait-event -t x f1 start", 1,
     "flux-job wait-event: wait-event: Invalid argument for option 'timeout': 'x'", None),
    ("flux job info f1", 1, "Usage: flux job info id key", "Use flux job info -h to list available options"),
    ("flux job info f1 R J", 1, "Usage: flux job info id key", None),
    ("flux job stats --bogus", 1, "flux-job stats: unrecognized option '--bogus'", None),
    ("flux job last x", 1, "Usage: flux-job last SLICE", None),
    ("flux job last 1 2", 1, "Usage: flux-job last SLICE", None),
    ("flux job last -1", 1, "flux-job last: unrecognized option '-1'", None),
    # builtins: optparse subcommands of `flux`, so named `flux NAME`
    ("flux uptime -x", 1, "flux uptime: unrecognized option '-x'", _try("flux uptime")),
    ("flux getattr", 1, "Usage: flux getattr name", "  -h, --help             Display this message."),
    ("flux getattr size rank", 1, "Usage: flux getattr name", None),
    ("flux dump", 1, "Usage: flux dump [OPTIONS] OUTFILE",
     "      --maxreqs=N        Increase number of concurrent requests (default 2)"),
    ("flux dump --maxreqs", 1, "flux dump: '--maxreqs' missing argument", None),
    ("flux dump --bogus x.tar", 1, "flux dump: unrecognized option '--bogus'", _try("flux dump")),
    ("flux dmesg x", 1, "flux-dmesg: flux-dmesg accepts no free arguments", None),
    ("flux overlay", 1, "flux overlay: missing subcommand", "  -h, --help             Display this message."),
    ("flux overlay bogus", 1, "flux overlay: Unknown subcommand: bogus", None),
    ("flux overlay status --bogus", 1, "flux overlay status: unrecognized option '--bogus'", None),
    ("flux overlay status -r x", 1, "flux overlay status: status: Option 'rank' requires an integer argument",
     None),
    ("flux config", 1, "flux config: missing subcommand", None),
    ("flux config bogus", 1, "flux config: Unknown subcommand: bogus", None),
    ("flux config reload x", 1, "Usage: flux config reload [OPTIONS]", None),
    ("flux proxy", 1, "flux proxy: URI argument is required", None),
    ("flux proxy --bogus", 1, "flux proxy: unrecognized option '--bogus'", _try("flux proxy")),
    ("flux version -x", 1, "flux version: unrecognized option '-x'", None),
    # flux-logger: glibc getopt_long, run by flux as `logger`
    ("flux logger --foo", 1, "logger: unrecognized option '--foo'", LOGGER_USAGE),
    ("flux logger -x", 1, "logger: invalid option -- 'x'", LOGGER_USAGE),
    ("flux logger -s", 1, "logger: option requires an argument -- 's'", LOGGER_USAGE),
    ("flux logger --severity", 1, "logger: option '--severity' requires an argument", LOGGER_USAGE),
    ("flux logger --help=x", 1, "logger: option '--help' doesn't allow an argument", LOGGER_USAGE),
    ("flux logger -s loud x", 1,
     "flux-logger: invalid severity: Use emerg|alert|crit|err|warning|notice|info|debug", None),
]


@pytest.mark.parametrize(("cmd", "code", "first", "last"), CASES, ids=[c[0] for c in CASES])
async def test_usage_error(cluster, cmd, code, first, last):
    rc, out, err = await cluster.flux(cmd)
    lines = err.splitlines()
    assert (rc, out, lines[0]) == (code, "", first)
    if last is not None:
        assert lines[-1] == last


async def test_usage_errors_come_before_connecting(cluster):
    """Parsing happens before the command opens the broker, so a usage error is the same with none."""
    for cmd in ("flux jobs --bogus", "flux job urgency f1", "flux dump", "flux queue idle -t soon"):
        with_broker = await cluster.flux(cmd)
        assert await cluster.flux(cmd, env={"FLUX_URI": ""}, inst=None) == with_broker, cmd
    # flux getattr and flux job eventlog connect first, then count their operands
    assert await cluster.flux("flux getattr", env={"FLUX_URI": ""}, inst=None) == (
        1, "", "flux: flux_open: No such file or directory\n")
    assert await cluster.flux("flux job eventlog", env={"FLUX_URI": ""}, inst=None) == (
        1, "", "flux-job: flux_open: No such file or directory\n")


async def test_resource_unrecognized_argument_01(cluster):
    b = block("01-basic.txt", "flux resource list -v")
    assert await cluster.flux("flux resource list -v") == (b["exit"], b["stdout"], b["stderr"])


async def test_usage_blocks_in_full(cluster):
    assert await cluster.flux("flux job urgency -h") == (0, "", (
        "Usage: flux-job urgency [OPTIONS] id urgency\n"
        "Set job urgency (0-31, HOLD, EXPEDITE, DEFAULT)\n"
        "  -h, --help             Display this message.\n"
        "  -v, --verbose          Output old urgency value on success\n"))
    rc, out, err = await cluster.flux("flux job status")
    assert (rc, out) == (1, "")
    assert err == ("Usage: flux-job status id [id...]\n"
                   "Wait for job(s) to complete and exit with largest exit code\n"
                   "  -h, --help             Display this message.\n"
                   "  -v, --verbose          Increase verbosity\n"
                   "  -j, --json             Dump job result information gleaned from eventlog to\n"
                   "                         stdout\n"
                   "  -e, --exception-exit-code=N\n"
                   "                         Set the default exit code for any jobs that terminate\n"
                   "                         solely due to an exception (e.g. canceled jobs or jobs\n"
                   "                         rejected by the scheduler) to N [default=1]\n")
    rc, out, err = await cluster.flux("flux job")
    assert err.startswith(JOB_USAGE + "\n  -h, --help             Display this message.\n\n"
                          "Common commands from flux-job:\n   urgency         Set job urgency")
    assert "list" not in err  # hidden subcommands are not named
    # COLUMNS narrows the C usage block as it narrows the terminal's
    rc, out, err = await cluster.flux("flux proxy", env={"COLUMNS": "60"})
    assert err.splitlines()[-5:] == ["  -n, --nohup            Do not send SIGHUP to child",
                                     "                         processes when connection to Flux",
                                     "                         is lost",
                                     "      --reconnect        If broker connection is lost, try",
                                     "                         to reconnect"]
    rc, out, err = await cluster.flux("flux queue idle -h")
    assert (rc, err) == (0, "") and out.startswith("usage: flux-queue idle [-h] [-t DURATION] [--quiet]\n")


# ---- what the real grammar accepts, which the simulator read differently before -------------------

async def test_flux_options(cluster):
    c = cluster
    version = await c.flux("flux version")
    assert await c.flux("flux -V") == version and await c.flux("flux --vers") == version
    rc, out, err = await c.flux("flux -h")
    assert (rc, out, err.splitlines()[:2]) == (0, "", ["Usage: flux [OPTIONS] COMMAND ARGS",
                                                       "  -h, --help             Display this message."])
    assert await c.flux("flux -p getattr size") == (0, "4\n", "")  # no parent: --parent changes nothing
    assert await c.flux("flux -r getattr size") == (0, "4\n", "")
    assert await c.flux("flux -v jobs") == (1, "", "flux: ERROR: --verbose: not supported by this simulated "
                                           "instance\n")  # it would print the environment


async def test_real_options_the_simulator_does_not_carry_out_are_refused(cluster):
    c = cluster
    for cmd, flag in (("flux jobs -i 0", "flux-jobs: ERROR: --include"),
                      ("flux submit --begin-time=+1h true", "flux-submit: ERROR: --begin-time"),
                      ("flux run -vv true", "flux-run: ERROR: -vv"),
                      ("flux resource eventlog -F", "flux-resource: ERROR: --follow"),
                      ("flux job attach -E f1", "flux-job: ERROR: attach --show-events"),
                      ("flux job raise f1", "flux-job: ERROR: raise"),
                      ("flux overlay errors", "flux-overlay: ERROR: errors"),
                      ("flux dmesg --follow", "flux-dmesg: ERROR: --follow")):
        assert await c.flux(cmd) == (1, "", f"{flag}: not supported by this simulated instance\n"), cmd

async def _piped(c: Cluster, argv: list[str], data: str) -> tuple[int, str]:
    """A flux command reading `data` on stdin: (exit code, stdout)."""
    out = bytearray()

    async def keep(b: bytes) -> None:
        out.extend(b)

    proc = Proc(argv=argv, env={"FLUX_URI": c.inst.uri}, host=c.host, stdout=keep, stderr=keep, cwd="/tmp",
                stdin=Stdin(data.encode()))
    return await run_flux(proc, c.inst), out.decode()


async def test_c_long_options_take_unambiguous_prefixes(cluster):
    c = cluster
    job = await submit(c, "flux submit sleep 100")
    running = c.inst.jobs[parse_jobid(job)]
    await c.inst.wait_for(lambda: running.state == 16, 5 * c.clock.speed)
    assert await c.flux(f"flux job kill --sig=CONT {job}") == (0, "", "")
    rc, out, _ = await c.flux("flux overlay status --no-p --summ")
    assert (rc, out) == (0, "full\n")
    assert await c.flux(f"flux job urgency -- {job} 16") == (
        1, "", f"flux-job: {job}: urgency cannot be changed once resources are allocated\n")


async def test_python_options_as_flux_core_reads_them(cluster):
    c = cluster
    done = await submit(c, "flux submit true")
    await wait_inactive(c, done)
    rc, out, err = await c.flux(f"flux jobs -n -c 1 -o {{id.f58}} {done}")
    assert (rc, out, err) == (0, done + "\n", "flux-jobs: WARNING: Filtering options ignored with jobid list\n")
    held = await submit(c, "flux submit --urgency=hold hostname")
    assert await c.flux(f"flux cancel --dry-run {held}") == (0, "", "flux-cancel: Would cancel 1 job\n")
    assert await c.flux("flux cancel -S sched -S depend --user=all --dry-run") == (
        0, "", "flux-cancel: Would cancel 1 job\n")  # -S adds to the list
    rc, out, _ = await c.flux("flux submit -vN1 --bcc=1-2 printenv FLUX_JOB_CC")
    assert rc == 0 and len(out.split()) == 2  # --bcc copies without setting FLUX_JOB_CC
    assert await c.flux("flux queue stop -q default") == (1, "", "flux-queue: ERROR: stop: 'default' is not a "
                                                          "valid queue\n")  # the old -q spelling of QUEUE
    assert await c.flux("flux resource undrain -u 0") == (0, "", "")  # -u: not drained is no error


async def test_job_commands_as_their_c_code_reads_them(cluster):
    c = cluster
    unsat = await submit(c, "flux submit -N 99 hostname")
    await wait_inactive(c, unsat)
    assert (await c.flux(f"flux job status -e 7 {unsat}"))[0] == 7  # ended by an exception alone
    assert (await c.flux(f"flux job status {unsat}"))[0] == 1
    assert await _piped(c, ["flux", "job", "id", "--to=dec"], f"{unsat}\n{unsat}\n") == (
        0, f"{parse_jobid(unsat)}\n" * 2)  # no operand: one id per line of stdin
    assert await _piped(c, ["flux", "job", "id"], "") == (1, "")
    rc, out, _ = await c.flux(f"flux job wait-event -q {unsat} clean")
    assert (rc, out) == (0, "")
    assert await c.flux("flux logger hello -s err") == (0, "", "")  # getopt permutes: options after operands
    assert c.inst.dmesg_ring[-1].endswith("logger.err[0]: hello")
    assert (await c.flux("flux uptime now"))[0] == 0  # uptime ignores operands
