"""Bad input, as a hostile or careless user types it: every case ends in one clear line on stderr, the
documented exit code (2 for usage), no traceback, and the cluster exactly as it was.

Runs the real CLI (`python -m fluxstate_tui.cli`) against one demo server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FAST, REPO, DemoServer, start_demo_server, wait_for

GARBAGE_YAML = "a: [b\n"
LIST_YAML = "- 1\n- 2\n"
BINARY = b"\x00\x01\xff\xfe\x80"

USAGE = 2
FAILED = 1

# (argv, exit code, a phrase the one line must hold). {kc:NAME} is replaced by a prepared kubeconfig.
CASES: list[tuple[list[str], int, str]] = [
    # numbers: finite, in range
    (["--refresh", "nan"], USAGE, "finite"),
    (["--refresh", "inf"], USAGE, "finite"),
    (["--refresh", "-inf"], USAGE, "expected one argument"),
    (["--refresh", "0.1"], USAGE, "at least 0.5"),
    (["--refresh", "-1"], USAGE, "greater than 0"),
    (["--refresh", "abc"], USAGE, "not a number"),
    (["--refresh", "1e30"], USAGE, "at most"),
    (["--jobs", "-1"], USAGE, "0 or more"),
    (["--jobs", "1e30"], USAGE, "whole number"),
    (["--jobs", "99999999999"], USAGE, "must be 0 to"),
    (["--demo-seed-jobs", "nan"], USAGE, "whole number"),
    (["jobs", "flux-sample", "-c", "nan"], USAGE, "whole number"),
    (["jobs", "flux-sample", "-c", "1e30"], USAGE, "whole number"),
    (["jobs", "flux-sample", "-c", "-5"], USAGE, "0 or more"),
    (["jobs", "flux-sample", "-c", "99999999999"], USAGE, "must be 0 to"),
    (["pause", "flux-sample", "--timeout", "nan"], USAGE, "finite"),
    (["pause", "flux-sample", "--timeout", "inf"], USAGE, "finite"),
    (["pause", "flux-sample", "--timeout", "-3"], USAGE, "greater than 0"),
    (["pause", "flux-sample", "--timeout", "1e30"], USAGE, "at most"),
    (["recreate", "flux-sample", "--size", "0"], USAGE, "at least 1"),
    (["recreate", "flux-sample", "--size", "abc"], USAGE, "whole number"),
    (["recreate", "flux-sample", "--size", "99999999999", "--yes"], USAGE, "must be 1 to"),
    (["recreate", "flux-sample", "--size", "5000", "--yes"], USAGE, "at most"),
    (["recreate", "flux-sample", "--size", "2", "--timeout", "nan", "--yes"], USAGE, "finite"),
    (["scale", "flux-sample", "--size", "nan"], USAGE, "whole number"),
    (["scale", "flux-sample", "--size", "-2"], USAGE, "at least 1"),
    (["scale", "flux-sample", "--size", "99999999999", "--yes"], USAGE, "must be 1 to"),
    (["scale", "flux-sample"], USAGE, "--size"),
    (["scale", "flux-sample", "--size", "1", "--drain-first", "--cancel-running"], USAGE, "not allowed"),
    (["dump", "flux-sample", "--keep", "0"], USAGE, "at least 1"),
    (["dump", "flux-sample", "--keep", "1e9"], USAGE, "whole number"),
    (["demo-server", "--port", "70000"], USAGE, "0 to 65535"),
    (["demo-server", "--port", "-1"], USAGE, "0 or more"),
    (["demo-server", "--speed", "nan"], USAGE, "finite"),
    (["demo-server", "--speed", "inf"], USAGE, "finite"),
    (["demo-server", "--speed", "0"], USAGE, "greater than 0"),
    (["demo-server", "--seed-jobs", "1e9"], USAGE, "whole number"),
    (["serve", "--port", "70000"], USAGE, "0 to 65535"),
    (["serve", "--port", "nan"], USAGE, "whole number"),
    (["serve", "--refresh", "inf"], USAGE, "finite"),
    (["serve", "--jobs", "-1"], USAGE, "0 or more"),
    (["serve", "--host", "0.0.0.0"], USAGE, "--allow-remote"),
    (["serve", "--host", ""], USAGE, "not a valid host"),
    (["serve", "--demo", "--kubeconfig", "x"], USAGE, "--demo serves its own cluster"),
    (["serve", "--demo-seed-jobs", "5"], USAGE, "needs --demo"),
    (["--refresh", "1", "serve", "--refresh", "3"], USAGE, "before and after the command"),
    # names Kubernetes would reject: refused before any request
    (["-n", "Bad_NS", "ls"], USAGE, "not a valid namespace"),
    (["ls", "-n", "UPPER"], USAGE, "not a valid namespace"),
    (["-n", "x" * 64, "ls"], USAGE, "not a valid namespace"),
    (["-n", "-leading", "ls"], USAGE, "expected one argument"),
    (["jobs", "Bad Name"], USAGE, "not a valid MiniCluster name"),
    (["status", "../etc"], USAGE, "not a valid MiniCluster name"),
    (["pause", "flux_sample", "--yes"], USAGE, "not a valid MiniCluster name"),
    (["recreate", "Flux-Sample", "--size", "2", "--yes"], USAGE, "not a valid MiniCluster name"),
    (["scale", "$(reboot)", "--size", "1", "--yes"], USAGE, "not a valid MiniCluster name"),
    (["archive", "a;b"], USAGE, "not a valid MiniCluster name"),
    (["--context", "", "ls"], USAGE, "not a valid context name"),
    (["--context", "a\x01b", "ls"], USAGE, "not a valid context name"),
    (["--kubeconfig", "", "ls"], USAGE, "not a usable path"),
    (["--kubeconfig", "a\nb", "ls"], USAGE, "not a usable path"),
    # flags: honoured in either position, or refused; never dropped
    (["--demo", "ls"], USAGE, "applies to the TUI only"),
    (["--refresh", "3", "ls"], USAGE, "applies to the TUI only"),
    (["--jobs", "5", "status", "flux-sample"], USAGE, "applies to the TUI only"),
    (["--context", "a", "ls", "--context", "b"], USAGE, "before and after the command"),
    (["-n", "a", "jobs", "flux-sample", "-n", "b"], USAGE, "before and after the command"),
    (["--kubeconfig", "x", "demo-server"], USAGE, "demo-server"),
    (["--read-only", "demo-server"], USAGE, "demo-server"),
    (["jobs"], USAGE, "name"),
    (["pause"], USAGE, "name"),
    (["nosuchcommand"], USAGE, "invalid choice"),
    (["ls", "--bogus"], USAGE, "unrecognized arguments"),
    (["archive", "flux-sample", "--delete", "--rename", "x"], USAGE, "not allowed"),
    # bad files and targets: one line, exit 1, nothing touched
    (["--kubeconfig", "{kc:garbage}", "ls"], FAILED, "cannot read kubeconfig"),
    (["--kubeconfig", "{kc:binary}", "ls"], FAILED, "cannot read kubeconfig"),
    (["--kubeconfig", "{kc:list}", "ls"], FAILED, "cannot read kubeconfig"),
    (["--kubeconfig", "{kc:missing}", "ls"], FAILED, "no kubeconfig"),
    (["ls", "--kubeconfig", "{kc:garbage}"], FAILED, "cannot read kubeconfig"),
    (["--context", "nope", "ls"], FAILED, "context 'nope' not found"),
    (["--context", "nope", "-n", "x", "pause", "flux-sample", "--yes"], FAILED, "context 'nope' not found"),
    (["pause", "flux-sample", "--yes", "--context", "nope"], FAILED, "context 'nope' not found"),
    (["--kubeconfig", "{kc:missing}", "pause", "flux-sample", "--yes"], FAILED, "no kubeconfig"),
    (["-n", "kube-system", "pause", "flux-sample", "--yes"], FAILED, "not found"),
    (["jobs", "no-such-mc"], FAILED, "not found"),
    (["status", "no-such-mc"], FAILED, "not found"),
    (["recreate", "no-such-mc", "--size", "2", "--yes"], FAILED, "not found"),
    (["--read-only", "pause", "flux-sample", "--yes"], FAILED, "read-only"),
    (["--read-only", "recreate", "flux-sample", "--size", "3", "--yes"], FAILED, "read-only"),
    # job, queue and node actions: ids, values and ranks are checked before any request
    (["hold", "flux-sample"], USAGE, "name the jobs to hold"),
    (["cancel", "flux-sample", "$(reboot)"], USAGE, "not a job id"),
    (["urgency", "flux-sample", "99", "ƒ2"], USAGE, "0 to 31"),
    (["kill", "flux-sample", "ƒ2", "--signal", "NOPE"], USAGE, "not a signal"),
    (["drain", "flux-sample", "1;2"], USAGE, "not a rank"),
    (["queue", "flux-sample", "drain"], USAGE, "invalid choice"),
    (["audit", "--since", "nan"], USAGE, "not a duration or a time"),
    (["--read-only", "cancel", "flux-sample", "--all-pending", "--yes"], FAILED, "read-only"),
    (["--read-only", "queue", "flux-sample", "stop", "--yes"], FAILED, "read-only"),
    (["demo-server", "--data-dir", "/proc/fluxstate-nope"], FAILED, "cannot"),
    (["demo-server", "--host", "10.1.2.3"], FAILED, "loopback"),
]


def _cluster_state(server: DemoServer) -> dict:
    """What must not change: the MiniCluster's spec and annotations, the queue, and the job ids."""
    mc = json.loads(server.kubectl("get", "minicluster", "flux-sample", "-o", "json").stdout)
    # the broker pod's name carries a random suffix: find it by the operator's job-index label
    pods = json.loads(server.kubectl("get", "pods", "-l", "hpa-selector=flux-sample", "-o", "json").stdout)
    broker = next(p["metadata"]["name"] for p in pods["items"]
                  if p["metadata"].get("labels", {}).get("job-index") == "0")

    def flux(*argv: str) -> str:
        cmd = ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux " + " ".join(argv)
        return server.kubectl("exec", broker, "-c", "flux-sample", "--", "/bin/bash", "-c", cmd).stdout

    return {"spec": mc["spec"], "annotations": mc["metadata"].get("annotations", {}),
            "queue": flux("queue", "status"), "jobs": sorted(flux("jobs", "-a", "-n", "-o", "{id}").split())}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> DemoServer:
    server = start_demo_server(tmp_path_factory.mktemp("bad-input"), "--speed", FAST)

    def seeded() -> bool:
        try:
            return len(_cluster_state(server)["jobs"]) >= 12
        except AssertionError:  # Flux not up yet
            return False

    wait_for(seeded, timeout=60, what="flux-sample's seeded jobs")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kubeconfigs(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("kubeconfigs")
    (d / "garbage").write_text(GARBAGE_YAML)
    (d / "binary").write_bytes(BINARY)
    (d / "list").write_text(LIST_YAML)
    return {"garbage": str(d / "garbage"), "binary": str(d / "binary"), "list": str(d / "list"),
            "missing": str(d / "missing")}


def run_cli(server: DemoServer, argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", *argv], env=server.env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.skipif(__import__("shutil").which("kubectl") is None, reason="kubectl is not installed")
def test_every_bad_input_is_one_line_and_changes_nothing(server, kubeconfigs):
    assert len(CASES) >= 60
    before = _cluster_state(server)
    problems = []
    for argv, code, phrase in CASES:
        argv = [kubeconfigs[a[4:-1]] if a.startswith("{kc:") else a for a in argv]
        result = run_cli(server, argv)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        if (result.returncode != code or len(lines) != 1 or "Traceback" in result.stderr
                or phrase not in result.stderr):
            problems.append(f"{argv!r}: exit {result.returncode} (want {code}), stderr {result.stderr!r} "
                            f"(want one line with {phrase!r})")
    assert not problems, "\n".join(problems)
    assert _cluster_state(server) == before


def test_a_long_usage_line_still_names_the_flag(server):
    result = run_cli(server, ["jobs", "flux-sample", "-c", "x" * 5000])
    assert result.returncode == USAGE and result.stderr.count("\n") == 1 and "-c/--count" in result.stderr


def test_cli_reads_no_file_outside_the_repo_for_bad_input(server):
    # the usage errors need no cluster: they must not even connect
    result = run_cli(server, ["--kubeconfig", str(Path("/nonexistent/kubeconfig")), "--refresh", "nan"])
    assert result.returncode == USAGE and "finite" in result.stderr
