"""`fluxstate-tui serve` without a browser: its flags, the command line each tab runs, and the checks in front
of the web server (asked over plain HTTP, as a hostile page or a DNS-rebound name would ask)."""

from __future__ import annotations

import http.client
import json
import shlex
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from fluxstate_tui.cli import serve
from fluxstate_tui.cli.main import UsageError, build_parser, merge_flags
from tests.conftest import REPO, wait_for

from .conftest import start_serve


def parse(*argv: str):
    args = build_parser().parse_args(argv)
    merge_flags(args)
    return args


def test_the_tui_flags_work_before_or_after_serve_and_two_values_are_refused():
    args = parse("--refresh", "1", "-n", "ns", "serve", "--read-only", "--jobs", "5")
    assert (args.refresh, args.namespace, args.read_only, args.jobs, args.demo) == (1.0, "ns", True, 5, False)
    args = parse("serve", "--demo", "--demo-seed-jobs", "7", "--refresh", "3", "-A")
    assert (args.demo, args.demo_seed_jobs, args.refresh, args.all_namespaces) == (True, 7, 3.0, True)
    assert parse("--demo", "serve").demo
    with pytest.raises(UsageError, match="before and after"):
        parse("--refresh", "1", "serve", "--refresh", "3")
    with pytest.raises(UsageError, match="applies to the TUI only"):
        parse("--demo", "ls")


def test_each_tab_runs_the_tui_with_the_users_flags_and_no_word_is_shell_syntax(tmp_path, monkeypatch):
    """textual-serve hands the line to /bin/sh: run it there, with a stand-in interpreter that prints its argv."""
    witness = tmp_path / "pwned"
    echo = tmp_path / "argv"
    echo.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    echo.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(echo))
    context = f"$(touch {witness})"
    kubeconfig = f"/tmp/k c;touch {witness};'\"`x`"
    args = parse("--context", context, "serve", "-n", "ns", "--refresh", "1.5", "--read-only", "--jobs", "9")
    line = serve.session_command(args, kubeconfig, args.context)
    shown = subprocess.run(["sh", "-c", line], capture_output=True, text=True, check=True).stdout
    assert json.loads(shown) == ["-m", "fluxstate_tui.cli", "--refresh", "1.5", "--jobs", "9",
                                 "--kubeconfig", kubeconfig, "--context", context, "--namespace", "ns", "--read-only"]
    assert not witness.exists()


def test_with_demo_every_tab_gets_the_one_demo_kubeconfig_not_a_demo_of_its_own():
    args = parse("serve", "--demo", "-A")
    words = shlex.split(serve.session_command(args, "/tmp/demo/kubeconfig", None))
    assert "--demo" not in words and words[words.index("--kubeconfig") + 1] == "/tmp/demo/kubeconfig"
    assert "--all-namespaces" in words and "--context" not in words


def request(url: str, path: str = "/", **headers: str) -> tuple[int, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        # a 101 is a websocket now: it has no end to read to
        return response.status, "" if response.status == 101 else response.read().decode()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    # no cluster is needed for the page and the checks
    server = start_serve("--kubeconfig", str(tmp_path_factory.mktemp("serve") / "missing"))
    yield server
    server.stop()


def test_the_page_uses_the_name_the_browser_used(served):
    port = urlsplit(served.url).port
    status, page = request(served.url)
    assert status == 200 and f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
    status, page = request(served.url, Host=f"localhost:{port}")
    assert status == 200 and f"ws://localhost:{port}/ws" in page and f"http://localhost:{port}/static/" in page


def test_a_rebound_name_and_a_foreign_page_are_refused(served):
    port = urlsplit(served.url).port
    status, body = request(served.url, Host=f"evil.example:{port}")
    assert status == 403 and "answers only to" in body
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    status, body = request(served.url, "/ws", Origin="http://evil.example", **upgrade)
    assert status == 403 and "only from this server's own page" in body
    assert request(served.url, "/ws", **upgrade)[0] == 403           # no Origin: not a page of ours either
    own = request(served.url, "/ws", Origin=f"http://127.0.0.1:{port}", **upgrade)[0]
    assert own == 101


def test_a_busy_port_is_one_line_and_exit_1():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "fluxstate_tui.cli", "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=60, cwd=REPO, stdin=subprocess.DEVNULL)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "cannot listen" in result.stderr
    assert result.stdout == ""


def test_a_remote_host_needs_the_flag_and_says_who_controls_the_tui(tmp_path):
    server = start_serve("--host", "0.0.0.0", "--allow-remote", "--read-only",
                         "--kubeconfig", str(tmp_path / "missing"))
    try:
        warning = wait_for(lambda: "".join(server.err), timeout=10, what="the warning")
        assert "anyone who can reach this port controls the TUI" in warning and warning.count("\n") == 1
        assert server.url.startswith(f"http://{socket.gethostname()}:")
    finally:
        server.stop()


def test_another_loopback_address_answers_by_its_own_name(tmp_path):
    server = start_serve("--host", "127.0.0.2", "--kubeconfig", str(tmp_path / "missing"))
    try:
        assert server.url.startswith("http://127.0.0.2:")
        status, page = request(server.url)
        assert status == 200 and f"ws://127.0.0.2:{urlsplit(server.url).port}/ws" in page
    finally:
        server.stop()
