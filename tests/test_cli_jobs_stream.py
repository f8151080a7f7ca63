"""`jobs NAME --json` streams (issue 17): the same document as before, byte for byte, without holding the
jobs; `status` reads only the pending jobs; a closed stdout ends a command quietly (exit 141); flux failing
part way still ends in one line and a non-zero exit.

The byte-for-byte checks run against the deterministic demo (its clock stands still, so a running job's
runtime does not move between two reads), with hostile names in finished and pending jobs, and compare
the CLI's output with the document the command printed before it streamed: `listing()`'s jobs through
`job_json` and `json_text(doc, indent=2)`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from fluxstate_tui.cli import read
from fluxstate_tui.cli.main import build_parser, merge_flags
from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.flux.display import json_text
from fluxstate_tui.flux.snapshot import ALL_SECTIONS
from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.readmodel import job_json, listing
from tests.conftest import REPO, start_demo_server

NAMES = ["\x1b]2;TITLE\x07", "del\x7f", "two\nlines", "us\x1fsep", "uni\u202eflip", 'q"uo\\te',
         "na\u00efve-\u0192-\u65e5", "tab\there", "plain"]
SEEDED = 3000


async def broker_of(kubeconfig: str) -> tuple[KubeClient, Broker]:
    kube = await KubeClient.connect(Target(kubeconfig=kubeconfig))
    broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
    for _ in range(300):
        if await broker.ready():
            return kube, broker
        await asyncio.sleep(0.1)
    raise AssertionError("Flux did not come up in flux-sample")


@pytest.fixture(scope="module")
def frozen():
    """The deterministic demo with SEEDED finished jobs, its queue stopped, a job per hostile name (every
    other one canceled with a hostile note: finished with an exception), one depending on another, canceled."""
    demo = EmbeddedDemo(frozen=True, seed_jobs=SEEDED).start(timeout=120)

    async def fill() -> None:
        kube, broker = await broker_of(str(demo.kubeconfig))
        async with kube:
            await broker.flux(["flux", "queue", "stop", "-m", "maint \x1b[2J"])
            ids = []
            for i, name in enumerate(NAMES):
                ids.append((await broker.flux(["flux", "submit", f"--job-name={name}", "true"])).stdout.strip())
                if i % 2 == 0:
                    await broker.flux(["flux", "cancel", "-m", f"note {name}", ids[-1]])
            dep = (await broker.flux(["flux", "submit", f"--dependency=afterok:{ids[1]}", "true"])).stdout.strip()
            await broker.flux(["flux", "cancel", dep])

    asyncio.run(fill())
    yield demo
    demo.stop()


def cli(kubeconfig: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBECONFIG": kubeconfig}
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *args], capture_output=True, cwd=REPO,
                          env=env, timeout=300)


def document_before(kubeconfig: str, count: int) -> str:
    """What `jobs --json` printed before it streamed (cli/read.py's _jobs at d4152ed)."""
    async def go() -> str:
        async with await KubeClient.connect(Target(kubeconfig=kubeconfig)) as kube:
            result = await listing(kube, "flux-sample", "default", count=count)
        snap = result.snapshot
        return json_text({
            "namespace": result.mc.namespace, "minicluster": result.mc.name, "broker": result.broker,
            "truncated": result.truncated, "total": snap.total_jobs,
            "jobs": [job_json(j, result.reasons.get(j.id)) for j in result.jobs],
            "errors": snap.errors,
        }, indent=2) + "\n"

    return asyncio.run(go())


@pytest.mark.parametrize("count", ["0", "1000", "5000", "1"])
def test_the_document_is_the_one_printed_before_byte_for_byte(frozen, count):
    # -c 0 and 5000: the counts settle "truncated" and "total" first; 1000 and 1: only the listing can (a spool)
    done = cli(str(frozen.kubeconfig), "jobs", "flux-sample", "-c", count, "--json")
    assert done.returncode == 0, done.stderr
    expected = document_before(str(frozen.kubeconfig), int(count))
    assert done.stdout.decode() == expected
    doc = json.loads(done.stdout)
    assert doc["total"] > SEEDED and doc["truncated"] == (count in ("1000", "1"))
    assert len(doc["jobs"]) == (doc["total"] if count in ("0", "5000") else int(count))
    if count == "0":
        names = {j["name"] for j in doc["jobs"]}
        assert set(NAMES) <= names and any(j.get("reasons") for j in doc["jobs"] if j["name"] == NAMES[1])
        assert any(j["exception"] and j["name"] == NAMES[0] for j in doc["jobs"])
        assert any(j["dependencies"] for j in doc["jobs"])
        assert "\\u001b]2;TITLE\\u0007" in done.stdout.decode() and "\\u202e" in done.stdout.decode()
    truncated = f"warning: showing {count} of {doc['total']} jobs; use --count 0 for all\n"
    assert done.stderr.decode() == (truncated if doc["truncated"] else "")


def test_status_reads_the_pending_jobs_only_and_says_the_same(frozen, capsys):
    kubeconfig = str(frozen.kubeconfig)

    async def before() -> tuple[str, str]:
        async with await KubeClient.connect(Target(kubeconfig=kubeconfig)) as kube:
            result = await listing(kube, "flux-sample", "default", count=0, sections=ALL_SECTIONS)
        outs = []
        for as_json in (True, False):
            read._status(result, as_json)
            outs.append(capsys.readouterr().out)
        return outs[0], outs[1]

    as_json, as_text = asyncio.run(before())
    done = cli(kubeconfig, "status", "flux-sample", "--json")
    assert done.returncode == 0 and done.stdout.decode() == as_json
    assert len(json.loads(as_json)["pending"]) == len(NAMES) // 2 + 3  # and the scene's big-run, report, held
    done = cli(kubeconfig, "status", "flux-sample")
    assert done.returncode == 0 and done.stdout.decode() == as_text


def run_in_process(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    merge_flags(args)
    return read.run(args)


@pytest.mark.parametrize("fail_after_rows", [True, False])
def test_flux_jobs_failing_ends_in_one_line_and_exit_1(frozen, monkeypatch, capfd, fail_after_rows):
    from fluxstate_tui import readmodel

    original = readmodel.jobs_script

    def failing(nonce: str, *, count: int = 0) -> str:
        # The listing's command line, followed by a failure (or replaced by it): flux jobs exits 1.
        lines = original(nonce, count=count).split("\n")
        at = next(i for i, line in enumerate(lines) if line.startswith("flux jobs -A -n"))
        lines[at] = lines[at] + " && false" if fail_after_rows else "false"
        return "\n".join(lines)

    monkeypatch.setattr(readmodel, "jobs_script", failing)
    monkeypatch.setenv("KUBECONFIG", str(frozen.kubeconfig))
    code = run_in_process(["jobs", "flux-sample", "-c", "0", "--json"])
    out, err = capfd.readouterr()
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fluxstate-tui: error: flux jobs failed in flux-sample-0")
    if fail_after_rows:
        doc = json.loads(out)  # what was written is a whole document, saying what failed
        assert len(doc["jobs"]) == doc["total"] > SEEDED and doc["errors"] == {"jobs": "flux jobs exited 1"}
        assert lines[0].endswith(f"after {doc['total']} jobs: flux jobs exited 1")
    else:
        assert out == "" and lines[0].endswith(": flux jobs exited 1")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    server = start_demo_server(tmp_path_factory.mktemp("big"), "--seed-jobs", "30000")
    env = server.env

    def seeded() -> bool:
        done = subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", "jobs", "flux-sample", "-c", "1", "--json"],
                              capture_output=True, cwd=REPO, env=env, timeout=120)
        return done.returncode == 0 and json.loads(done.stdout)["total"] >= 30000

    for _ in range(120):
        if seeded():
            break
    yield server
    server.stop()


def peak(argv: list[str], env: dict[str, str]) -> tuple[int, int, int]:
    """(bytes written, peak RSS in bytes, exit code) of the CLI as a subprocess."""
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=REPO, env=env)
    assert proc.stdout is not None
    size = 0
    while chunk := os.read(proc.stdout.fileno(), 1 << 20):
        size += len(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    return size, usage.ru_maxrss * 1024, proc.returncode


def test_the_listing_is_not_held(big):
    small, rss_small, code = peak(["jobs", "flux-sample", "-c", "1", "--json"], big.env)
    assert code == 0
    size, rss, code = peak(["jobs", "flux-sample", "-c", "0", "--json"], big.env)
    assert code == 0 and size > 15 << 20  # 30,000 jobs: about 18 MB of JSON
    # The whole document held once would add its size; the rows and their jobs held, several times that.
    assert rss - rss_small < size / 2, (rss_small, rss, size)


def test_a_closed_stdout_ends_every_read_command_quietly(big, tmp_path):
    env = big.env
    # The reader goes away after 600 bytes of a 18 MB document.
    proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "jobs", "flux-sample", "-c", "0", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(600)
    proc.stdout.close()
    assert proc.wait(timeout=120) == 141 and proc.stderr.read() == b""
    assert first.startswith(b'{\n  "namespace": "default",')
    # Read by nobody from the start: every write fails.
    for argv in (["jobs", "flux-sample", "--json"], ["jobs", "flux-sample"], ["status", "flux-sample"],
                 ["status", "flux-sample", "--json"], ["ls"], ["ls", "--json"]):
        read_end, write_end = os.pipe()
        os.close(read_end)
        done = subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *argv], stdout=write_end,
                              stderr=subprocess.PIPE, cwd=REPO, env=env, timeout=120)
        os.close(write_end)
        assert (done.returncode, done.stderr) == (141, b""), argv


def test_the_hook_for_every_command(big):
    """cli/main.py's `main` decorated with pipes.quiet_when_stdout_closes (the hook for main.py): any command,
    and --help, end quietly on a closed stdout."""
    hooked = ("import sys; from fluxstate_tui.cli import pipes; from fluxstate_tui.cli.main import main; "
              "sys.exit(pipes.quiet_when_stdout_closes(main)())")
    for argv in (["--help"], ["jobs", "--help"], ["jobs", "flux-sample", "--json"]):
        read_end, write_end = os.pipe()
        os.close(read_end)
        done = subprocess.run([sys.executable, "-c", hooked, *argv], stdout=write_end, stderr=subprocess.PIPE,
                              cwd=REPO, env=big.env, timeout=120)
        os.close(write_end)
        assert (done.returncode, done.stderr) == (141, b""), argv


def test_the_api_server_gone_mid_stream_ends_in_one_line(tmp_path):
    """The connection lost part way: one line, exit 1, and the document left cut (not valid JSON), so no
    reader takes what came for the whole listing. 100,000 jobs: more than the socket buffers hold, so the
    server is still sending when it is killed (the CLI is held by its unread stdout)."""
    server = start_demo_server(tmp_path / "demo", "--seed-jobs", "100000")
    try:
        for _ in range(120):
            done = subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", "jobs", "flux-sample", "-c", "1",
                                   "--json"], capture_output=True, cwd=REPO, env=server.env, timeout=120)
            if done.returncode == 0 and json.loads(done.stdout)["total"] >= 100000:
                break
        proc = subprocess.Popen([sys.executable, "-m", "fluxstate_tui.cli", "jobs", "flux-sample", "-c", "0",
                                 "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=server.env)
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.read(600)
        server.proc.kill()
        server.proc.wait()
        rest = proc.stdout.read()
        assert proc.wait(timeout=120) == 1
        lines = proc.stderr.read().decode().splitlines()
        assert len(lines) == 1 and lines[0].startswith("fluxstate-tui: error: ") and "connection lost" in lines[0]
        with pytest.raises(json.JSONDecodeError):
            json.loads(first + rest)
    finally:
        server.stop()
