"""The pod shell at a prompt: bash on the exec's terminal (exec_tty.Pty), with `-i`, and reading a
script from stdin as it arrives; driven byte by byte the way kubectl's raw terminal sends keys."""

from __future__ import annotations

import asyncio

import pytest

from fluxstate_tui.demo.apiserver.exec_tty import Pty
from fluxstate_tui.demo.proc import Proc, StreamStdin
from fluxstate_tui.demo.shell import run_program

PROMPT = "[root@flux-sample-0 /]# "
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root"}


class Terminal:
    """`argv` running on a pty, as `kubectl exec -it` gives it; `screen` is what the client received."""

    def __init__(self, pod, argv: tuple[str, ...] = ("bash",)) -> None:
        self.received = bytearray()
        self.seen = 0

        async def send(data: bytes) -> None:
            self.received += data

        self.pty = Pty(send)
        proc = Proc(list(argv), dict(ENV), pod.host, self.pty.write, self.pty.write, self.pty.stdin, "/")
        self.task = asyncio.ensure_future(run_program(proc))

    @property
    def screen(self) -> str:
        return self.received.decode(errors="replace")

    async def type(self, keys: str) -> None:
        await self.pty.feed(keys.encode())

    async def expect(self, text: str, timeout: float = 5) -> str:
        """Waits for `text` after what earlier expects matched; returns what came up to its end."""
        async def appears() -> str:
            while True:
                at = self.screen.find(text, self.seen)
                if at >= 0:
                    got, self.seen = self.screen[self.seen:at + len(text)], at + len(text)
                    return got
                await asyncio.sleep(0.01)

        try:
            return await asyncio.wait_for(appears(), timeout)
        except TimeoutError:
            raise AssertionError(f"{text!r} not in {self.screen[self.seen:]!r}") from None

    async def exit_code(self, timeout: float = 5) -> int:
        return await asyncio.wait_for(self.task, timeout)

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    async def converse(self, *steps: tuple[str, str]) -> None:
        """Types each step's keys and checks the screen then shows exactly its text, nothing before it."""
        for keys, shown in steps:
            await self.type(keys)
            assert await self.expect(shown) == shown


@pytest.fixture
async def term(pod):
    t = Terminal(pod)
    await t.expect(PROMPT)
    yield t
    await t.close()


def rub(text: str) -> str:
    """What erasing `text` on the line echoes."""
    return "\b \b" * len(text)


async def test_prompt_echo_and_crlf(term):
    await term.converse(("echo hi\r", "echo hi\r\nhi\r\n" + PROMPT),
                        ("cd /state\r", "cd /state\r\n[root@flux-sample-0 state]# "),
                        ("mkdir /root; cd\r", "mkdir /root; cd\r\n[root@flux-sample-0 ~]# "),
                        ("exit 3\r", "exit 3\r\nexit\r\n"))
    assert await term.exit_code() == 3


async def test_line_editing(term):
    await term.converse(
        ("echo abcx\x7fd\r", "echo abcx" + rub("x") + "d\r\nabcd\r\n" + PROMPT),
        ("junk\x15echo ok\r", "junk" + rub("junk") + "echo ok\r\nok\r\n" + PROMPT),
        ("echo one two\x17three\r", "echo one two" + rub("two") + "three\r\none three\r\n" + PROMPT),
        ("echo é\x7fe\r", "echo é" + rub("é") + "e\r\ne\r\n" + PROMPT),
        # unbound control keys and cursor moves are dropped; a tab stays (a blank to the shell)
        ("echo \x01\t\x1b[D\x1bOCx\r", "echo \tx\r\nx\r\n" + PROMPT),
        ("echo first\r", "echo first\r\nfirst\r\n" + PROMPT),
        ("echo second\r", "echo second\r\nsecond\r\n" + PROMPT),
        # up, up, down: the history, newest first
        ("\x1b[A\x1b[A\x1b[B\r", "echo second" + rub("echo second") + "echo first" + rub("echo first") +
         "echo second\r\nsecond\r\n" + PROMPT),
        # down past the newest: an empty line, and no further
        ("\x1b[A\x1b[B\x1b[B\r", "echo second" + rub("echo second") + "\r\n" + PROMPT))


async def test_continuation_prompts(term):
    await term.converse(
        ("for i in 1 2\r", "for i in 1 2\r\n> "), ("do echo n$i\r", "do echo n$i\r\n> "),
        ("done\r", "done\r\nn1\r\nn2\r\n" + PROMPT),
        ("cat <<EOF\r", "cat <<EOF\r\n> "), ("hello\r", "hello\r\n> "), ("EOF\r", "EOF\r\nhello\r\n" + PROMPT),
        ("echo 'a\r", "echo 'a\r\n> "), ("b' && echo x \\\r", "b' && echo x \\\r\n> "),
        ("y\r", "y\r\na\r\nb\r\nx y\r\n" + PROMPT),
        (")\r", ")\r\nbash: syntax error near unexpected token `)'\r\n" + PROMPT),
        ("echo $?\r", "echo $?\r\n2\r\n" + PROMPT),
        ("nope\r", "nope\r\nbash: nope: command not found\r\n" + PROMPT))


async def test_ctrl_c_and_ctrl_d(term):
    await term.converse(
        ("sleep 100000\r", "sleep 100000\r\n"), ("\x03", "^C\r\n" + PROMPT),
        ("echo $?\r", "echo $?\r\n130\r\n" + PROMPT),
        ("half a line\x03", "half a line^C\r\n" + PROMPT),
        ("if true\r", "if true\r\n> "), ("\x03", "^C\r\n" + PROMPT),
        # ^C drops the lines typed ahead too: neither echo runs
        ("echo a\recho b\r\x03", "echo a\r\necho b\r\n^C\r\n" + PROMPT),
        ("echo c\r", "echo c\r\nc\r\n" + PROMPT),
        # ^D on a non-empty line does nothing; on an empty one it ends the shell
        ("abc\x04\x15\x04", "abc" + rub("abc") + "exit\r\n"))
    assert await term.exit_code() == 0


async def test_programs_read_the_terminal(term):
    await term.converse(
        ("read x\r", "read x\r\n"), ("some value\r", "some value\r\n" + PROMPT),
        ('echo "[$x]"\r', 'echo "[$x]"\r\n[some value]\r\n' + PROMPT),
        ("cat\r", "cat\r\n"), ("line 1\r", "line 1\r\n"), ("line 2\r", "line 2\r\n"),
        ("\x04", "line 1\r\nline 2\r\n" + PROMPT),
        ("echo after\r", "echo after\r\nafter\r\n" + PROMPT))


async def test_window_size_and_interactive_variables(term):
    await term.converse(("echo $COLUMNS $LINES $-\r", "echo $COLUMNS $LINES $-\r\n80 24 hi\r\n" + PROMPT))
    term.pty.resize(b'{"Width":132,"Height":40}')
    term.pty.resize(b"not json")
    await term.converse(("echo $COLUMNS $LINES\r", "echo $COLUMNS $LINES\r\n132 40\r\n" + PROMPT),
                        ("X=demo; PS1='\\u:\\w $X\\$ '\r", "X=demo; PS1='\\u:\\w $X\\$ '\r\nroot:/ demo# "))


async def test_nested_shell_takes_the_interrupt(term):
    await term.converse(
        ("bash\r", "bash\r\n" + PROMPT), ("sleep 100000\r", "sleep 100000\r\n"), ("\x03", "^C\r\n" + PROMPT),
        # the inner shell exits at once: its background job is hung up, not waited for
        ("sleep 100000 &\r", "sleep 100000 &\r\n" + PROMPT), ("exit 7\r", "exit 7\r\nexit\r\n" + PROMPT),
        ("echo $?\r", "echo $?\r\n7\r\n" + PROMPT))


@pytest.mark.parametrize("argv, prompt", [(("sh",), "sh-5.1# "), (("bash", "--norc"), "bash-5.1# "),
                                          (("/bin/bash", "-l"), PROMPT), (("bash", "-i"), PROMPT)])
async def test_prompts_of_each_way_to_start(pod, argv, prompt):
    t = Terminal(pod, argv)
    await t.expect(prompt)
    await t.converse(("\x04", "exit\r\n"))
    assert await t.exit_code() == 0


async def test_bashrc_is_read_unless_norc(pod):
    pod.write("/root/.bashrc", "export GREETING=hello\nPS1='rc\\$ '\n")
    t = Terminal(pod)
    await t.expect("rc# ")
    await t.converse(("echo $GREETING\r", "echo $GREETING\r\nhello\r\nrc# "))
    await t.close()
    t = Terminal(pod, ("bash", "--norc"))
    await t.expect("bash-5.1# ")
    await t.close()


async def _run_streamed(pod, argv: list[str]):
    out, err = bytearray(), bytearray()

    async def w_out(b: bytes) -> None:
        out.extend(b)

    async def w_err(b: bytes) -> None:
        err.extend(b)

    stdin = StreamStdin()
    task = asyncio.ensure_future(run_program(Proc(argv, dict(ENV), pod.host, w_out, w_err, stdin, "/")))
    return stdin, out, err, task


async def _until(predicate, timeout: float = 5) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def test_script_on_stdin_runs_as_it_arrives(pod):
    stdin, out, err, task = await _run_streamed(pod, ["bash"])
    stdin.feed(b"echo first\n")
    await _until(lambda: out == b"first\n")        # before the end of the input
    stdin.feed(b"read x\nhello\necho \"got $x\"\ncat\n")
    stdin.feed(b"to cat\n")
    stdin.close()
    assert await asyncio.wait_for(task, 5) == 0
    assert (out, err) == (b"first\ngot hello\nto cat\n", b"")


async def test_script_on_stdin_stops_at_a_syntax_error(pod):
    stdin, out, err, task = await _run_streamed(pod, ["bash", "-s", "a1"])
    stdin.feed(b"echo $1 $LINENO\nif true\nthen echo in\nfi\n)\necho never\n")
    stdin.close()
    assert await asyncio.wait_for(task, 5) == 2
    assert out == b"a1 1\nin\n"
    assert err == b"bash: line 5: syntax error near unexpected token `)'\n"


async def test_interactive_without_a_terminal(pod):
    stdin, out, err, task = await _run_streamed(pod, ["bash", "-i"])
    await _until(lambda: err == PROMPT.encode())
    stdin.feed(b"echo hi\nnope\n")
    stdin.close()
    assert await asyncio.wait_for(task, 5) == 127
    assert out == b"hi\n"                          # no echo without a terminal
    assert err.decode() == PROMPT * 2 + "bash: nope: command not found\n" + PROMPT + "exit\n"
