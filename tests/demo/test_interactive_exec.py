"""Interactive exec against `fluxstate-tui demo-server`: `kubectl exec -it` on a real pseudo-terminal,
`kubectl exec -i` with a piped script, and the official Python client's websocket with stdin and tty."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from kubernetes import client, config
from kubernetes.stream import stream

from tests.conftest import FAST, DemoServer, needs_kubectl, start_demo_server, wait_for

PROMPT = "[root@flux-sample-0 /]# "
FLUX_VIEW = ". /mnt/flux/flux-view.sh"


def open_exec(core: client.CoreV1Api, pod: str, argv: list[str], tty: bool, stdin: bool = True):
    return stream(core.connect_get_namespaced_pod_exec, pod, "default", command=argv, container="flux-sample",
                  stdin=stdin, stdout=True, stderr=True, tty=tty, _preload_content=False)


@dataclass
class Cluster:
    demo: DemoServer
    core: client.CoreV1Api
    broker: str         # the broker pod, once Flux answers in it


def _flux_broker(core: client.CoreV1Api) -> str | None:
    pods = core.list_namespaced_pod("default", label_selector="hpa-selector=flux-sample,job-index=0").items
    for pod in pods:
        if pod.status.phase == "Running" and not pod.metadata.deletion_timestamp:
            ws = open_exec(core, pod.metadata.name,
                           ["bash", "-c", f"{FLUX_VIEW} && flux proxy $fluxsocket flux uptime"], tty=False, stdin=False)
            ws.run_forever(timeout=10)
            if ws.returncode == 0:
                return pod.metadata.name
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    demo = start_demo_server(tmp_path_factory.mktemp("interactive"), "--speed", FAST)
    api = config.new_client_from_config(str(demo.kubeconfig))
    try:
        core = client.CoreV1Api(api)
        yield Cluster(demo, core, wait_for(lambda: _flux_broker(core), 30, 0.3, "a broker pod where Flux answers"))
    finally:
        api.close()
        demo.stop()


def read_until(ws, text: str, timeout: float = 15) -> str:
    """Channel 1 up to the first `text`; what follows stays unread in `ws.pending`."""
    got = getattr(ws, "pending", "")
    deadline = time.monotonic() + timeout
    while text not in got:
        if time.monotonic() > deadline or not ws.is_open():
            raise AssertionError(f"{text!r} not in {got!r}")
        ws.update(timeout=0.1)
        got += ws.read_channel(1, 0)
    end = got.index(text) + len(text)
    ws.pending = got[end:]
    return got[:end]


class KubectlTerminal:
    """kubectl on a pseudo-terminal of its own (its controlling tty, so a resize reaches it as SIGWINCH)."""

    def __init__(self, demo: DemoServer, args: list[str], rows: int = 40, cols: int = 132) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:   # the child: nothing but exec
            try:
                os.execvpe("kubectl", ["kubectl", *args], demo.env)
            finally:
                os._exit(127)
        self.resize(rows, cols)
        self.output = ""
        self.seen = 0

    def resize(self, rows: int, cols: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:     # EIO: kubectl exited and closed the terminal
            return False
        self.output += data.decode(errors="replace")
        return bool(data)

    def expect(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while (at := self.output.find(text, self.seen)) < 0:
            if time.monotonic() > deadline or not self._read(0.1):
                raise AssertionError(f"{text!r} not in {self.output[self.seen:]!r}")
        got, self.seen = self.output[self.seen:at + len(text)], at + len(text)
        return got

    def wait(self, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.05):
                    pass
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        raise AssertionError(f"kubectl did not exit: {self.output[self.seen:]!r}")

    def command(self, line: str) -> str:
        """Types a command line and returns what came back up to the next prompt."""
        self.type(line + "\r")
        return self.expect(PROMPT)


@needs_kubectl()
def test_kubectl_exec_it_bash(cluster):
    term = KubectlTerminal(cluster.demo, ["exec", "-it", cluster.broker, "-c", "flux-sample", "--", "bash"])
    term.expect(PROMPT)
    assert term.command("echo hi") == "echo hi\r\nhi\r\n" + PROMPT
    assert term.command("echo $COLUMNS $LINES") == "echo $COLUMNS $LINES\r\n132 40\r\n" + PROMPT
    term.resize(30, 100)
    wait_for(lambda: "\r\n100 30\r\n" in term.command("echo $COLUMNS $LINES"), 10, 0.1, "the resize")
    assert term.command(FLUX_VIEW) == FLUX_VIEW + "\r\n" + PROMPT
    jobs = term.command("flux proxy $fluxsocket flux jobs -a")
    assert "JOBID USER     NAME       ST NTASKS NNODES     TIME INFO\r\n" in jobs
    # `flux proxy URI` alone starts a shell that talks to the instance; ^D leaves it
    term.command("flux proxy $fluxsocket")
    assert "\r\nlocal:///mnt/flux/config/run/flux/local\r\n" in term.command("echo $FLUX_URI")
    assert "JOBID" in term.command("flux jobs -a")
    term.type("sleep 1000\r")
    term.expect("sleep 1000\r\n")
    term.type("\x03")
    term.expect("^C\r\n" + PROMPT)
    term.type("\x04")
    term.expect("exit\r\n" + PROMPT)
    assert term.command("echo $? ab\x7fc") == "echo $? ab\b \bc\r\n130 ac\r\n" + PROMPT
    term.type("exit 3\r")
    term.expect("exit 3\r\nexit\r\n")
    assert term.wait() == 3
    assert "command terminated with exit code 3" in term.output[term.seen:]


@needs_kubectl()
def test_kubectl_exec_i_with_a_piped_script(cluster):
    demo, broker = cluster.demo, cluster.broker
    inner = ["bash", "-c", f"{FLUX_VIEW} && bash"]
    one = demo.kubectl("exec", "-i", broker, "-c", "flux-sample", "--", *inner,
                       input="flux proxy $fluxsocket flux jobs -a\n")
    assert one.stdout.startswith("       JOBID USER     NAME       ST NTASKS NNODES     TIME INFO\n")
    script = ("echo one\nread x\nhello there\necho \"got $x\"\n"
              "flux proxy $fluxsocket flux jobs -a | head -1\nexit 5\necho never\n")
    run = demo.kubectl("exec", "-i", broker, "-c", "flux-sample", "--", *inner, input=script, check=False)
    assert run.returncode == 5
    assert run.stdout.splitlines()[:2] == ["one", "got hello there"] and "JOBID" in run.stdout
    assert "never" not in run.stdout and "#" not in run.stdout + run.stderr    # no prompt, no echo


def test_python_client_tty(cluster):
    ws = open_exec(cluster.core, cluster.broker, ["bash"], tty=True)
    read_until(ws, PROMPT)
    ws.write_channel(4, json.dumps({"Width": 100, "Height": 30}))
    ws.write_stdin("echo $COLUMNS; ls /nope\n")
    # stderr comes on the terminal, so on channel 1
    assert read_until(ws, PROMPT) == ("echo $COLUMNS; ls /nope\r\n100\r\n"
                                      "ls: cannot access '/nope': No such file or directory\r\n" + PROMPT)
    ws.write_stdin(f"{FLUX_VIEW}; FLUX_URI=$fluxsocket flux jobs -a\n")
    assert "JOBID" in read_until(ws, PROMPT)
    ws.write_stdin("sleep 1000\n")
    read_until(ws, "sleep 1000\r\n")
    ws.write_stdin("\x03")
    assert read_until(ws, PROMPT) == "^C\r\n" + PROMPT
    ws.write_stdin("exit 4\n")
    ws.run_forever(timeout=10)
    assert ws.returncode == 4
    assert ws.read_channel(2, 0) == ""


def test_python_client_stdin_without_tty(cluster):
    ws = open_exec(cluster.core, cluster.broker, ["bash", "-c", f"{FLUX_VIEW} && bash"], tty=False)
    assert ws.subprotocol == "v5.channel.k8s.io"
    ws.write_stdin("echo first\n")
    assert read_until(ws, "first\n") == "first\n"       # run before stdin ends
    ws.write_stdin(b"flux proxy $fluxsocket flux jobs -a | head -1\n")
    assert "JOBID" in read_until(ws, "\n")
    ws.write_stdin("nope\n")
    ws.close_channel(0)     # v5: stdin's end, bash's end of file
    ws.run_forever(timeout=10)
    assert ws.returncode == 127
    assert ws.read_channel(2, 0) == "bash: line 3: nope: command not found\n"


def test_python_client_interrupt_without_a_shell(cluster):
    ws = open_exec(cluster.core, cluster.broker, ["sleep", "1000"], tty=True)
    ws.write_stdin("\x03")
    ws.run_forever(timeout=10)
    assert ws.returncode == 130
    assert ws.read_channel(1, 0) == "^C"

