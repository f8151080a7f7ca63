"""Builtins that need the shell's own state (variables, cwd, options, control flow)."""

from __future__ import annotations

from .common import hpath, strerror
from .control import IO, LoopControl, ReturnFromFunc, ShellExit
from .interp import Builtin, Shell
from .lexer import valid_name
from .programs import PROGRAMS, find_on_path


async def _err(sh: Shell, io: IO, msg: str) -> None:
    await sh.error(io, msg)


async def b_cd(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    args = [a for a in argv[1:] if a not in ("-L", "-P")]
    if len(args) > 1:
        await _err(sh, io, "cd: too many arguments")
        return 1
    if not args:
        target = sh.vars.get("HOME", "/root")
    elif args[0] == "-":
        target = sh.vars.get("OLDPWD", sh.cwd)
        await io.stdout((target + "\n").encode())
    else:
        target = args[0]
    norm = sh.host.fs.normalize(target, sh.cwd)
    try:
        p = hpath(sh.proc.child([], cwd=sh.cwd), target)
    except OSError as e:
        await _err(sh, io, f"cd: {target}: {strerror(e)}")
        return 1
    if not p.exists():
        await _err(sh, io, f"cd: {target}: No such file or directory")
        return 1
    if not p.is_dir():
        await _err(sh, io, f"cd: {target}: Not a directory")
        return 1
    sh.vars["OLDPWD"] = sh.cwd
    sh.cwd = norm
    sh.vars["PWD"] = norm
    return 0


async def b_pwd(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    await io.stdout((sh.cwd + "\n").encode())
    return 0


def _export_line(name: str, value: str | None) -> str:
    if value is None:
        return f"declare -x {name}\n"
    v = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    return f'declare -x {name}="{v}"\n'


async def b_export(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    args = argv[1:]
    unexport = False
    while args and args[0].startswith("-") and args[0] != "-":
        if args[0] == "-n":
            unexport = True
        elif args[0] != "-p":
            await _err(sh, io, f"export: {args[0]}: invalid option")
            return 2
        args = args[1:]
    if not args:
        for name in sorted(sh.exported):
            await io.stdout(_export_line(name, sh.vars.get(name)).encode())
        return 0
    status = 0
    for a in args:
        name, eq, value = a.partition("=")
        if not valid_name(name):
            await _err(sh, io, f"export: `{a}': not a valid identifier")
            status = 1
            continue
        if eq:
            sh.vars[name] = value
        if unexport:
            sh.exported.discard(name)
        else:
            sh.exported.add(name)
    return status


async def b_local(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    for a in argv[1:]:
        if a.startswith("-"):
            continue
        name, eq, value = a.partition("=")
        if not valid_name(name):
            await _err(sh, io, f"{argv[0]}: `{a}': not a valid identifier")
            return 1
        if eq:
            sh.vars[name] = value
        else:
            sh.vars.setdefault(name, "")
        if argv[0] in ("declare", "typeset") and "-x" in argv:
            sh.exported.add(name)
    return 0


async def b_readonly(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    return await b_local(sh, argv, io, env)


async def b_unset(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    funcs = False
    for a in argv[1:]:
        if a == "-f":
            funcs = True
            continue
        if a == "-v":
            continue
        if funcs:
            sh.funcs.pop(a, None)
        else:
            sh.vars.pop(a, None)
            sh.exported.discard(a)
    return 0


async def b_source(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    if len(argv) < 2:
        await _err(sh, io, f"{argv[0]}: filename argument required\n{argv[0]}: usage: {argv[0]} filename [arguments]")
        return 2
    name = argv[1]
    child = sh.proc.child([], cwd=sh.cwd)
    candidates = [name]
    if "/" not in name:
        candidates = [d.rstrip("/") + "/" + name for d in sh.vars.get("PATH", "").split(":") if d] + [name]
    data = None
    for c in candidates:
        try:
            p = hpath(child, c)
        except OSError:
            continue
        if p.is_file():
            data = p.read_bytes()
            break
        if p.is_dir() and c == candidates[-1]:
            await _err(sh, io, f"{name}: is a directory")
            return 1
    if data is None:
        await _err(sh, io, f"{name}: No such file or directory")
        return 1
    saved = (sh.params, sh.errname, sh.lineno)
    if len(argv) > 2:
        sh.params = argv[2:]
    sh.errname = name
    try:
        status = await sh.run_source(data.decode(errors="surrogateescape"), io)
    except ReturnFromFunc as r:
        status = r.status
    finally:
        if len(argv) > 2:
            sh.params = saved[0]
        sh.errname, sh.lineno = saved[1], saved[2]
    return status


async def b_exit(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    if len(argv) > 2:
        await _err(sh, io, "exit: too many arguments")
        return 1
    if len(argv) == 2:
        try:
            status = int(argv[1])
        except ValueError:
            await _err(sh, io, f"exit: {argv[1]}: numeric argument required")
            status = 2
    else:
        status = sh.status
    raise ShellExit(status & 0xFF)


async def b_return(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    status = sh.status
    if len(argv) > 1:
        try:
            status = int(argv[1]) & 0xFF
        except ValueError:
            await _err(sh, io, f"return: {argv[1]}: numeric argument required")
            status = 2
    raise ReturnFromFunc(status)


async def _loop_ctl(sh: Shell, argv: list[str], io: IO, kind: str) -> int:
    n = 1
    if len(argv) > 1:
        try:
            n = int(argv[1])
        except ValueError:
            await _err(sh, io, f"{kind}: {argv[1]}: numeric argument required")
            return 1
        if n < 1:
            await _err(sh, io, f"{kind}: {argv[1]}: loop count out of range")
            return 1
    if sh.loop_depth == 0:
        return 0
    raise LoopControl(kind, min(n, sh.loop_depth))


async def b_break(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    return await _loop_ctl(sh, argv, io, "break")


async def b_continue(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    return await _loop_ctl(sh, argv, io, "continue")


_SET_LETTERS = {"e": "errexit", "u": "nounset", "x": "xtrace", "f": "noglob"}


def apply_set_flags(sh: Shell, args: list[str]) -> tuple[bool, list[str] | None, str | None]:
    """Apply `set`-style options; returns (ok, new positional params or None, bad option)."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return True, args[i + 1:], None
        if a in ("-o", "+o"):
            if i + 1 >= len(args):
                return True, None, None
            opt = args[i + 1]
            if opt not in sh.opts and opt not in ("nounset", "errexit", "pipefail", "xtrace", "noglob"):
                if opt in ("posix", "monitor", "noclobber", "history", "emacs", "vi", "braceexpand",
                           "hashall", "interactive-comments", "allexport", "notify"):
                    i += 2
                    continue
                return False, None, opt
            sh.opts[opt] = a == "-o"
            i += 2
            continue
        if a[:1] in ("-", "+") and len(a) > 1:
            for c in a[1:]:
                if c in _SET_LETTERS:
                    sh.opts[_SET_LETTERS[c]] = a[0] == "-"
                elif c in "hBHmCabkntPTEv":
                    pass
                else:
                    return False, None, a[0] + c
            i += 1
            continue
        return True, args[i:], None
    return True, None, None


async def b_set(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    if len(argv) == 1:
        for k in sorted(sh.vars):
            await io.stdout(f"{k}={sh.vars[k]}\n".encode())
        return 0
    ok, params, bad = apply_set_flags(sh, argv[1:])
    if not ok:
        if bad and bad.startswith(("-", "+")):
            await _err(sh, io, f"set: {bad}: invalid option\n"
                               "set: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]")
        else:
            await _err(sh, io, f"set: {bad}: invalid option name")
        return 2
    if params is not None:
        sh.params = params
    return 0


async def b_shift(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    n = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 1
    if n > len(sh.params):
        return 1
    sh.params = sh.params[n:]
    return 0


async def b_eval(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    src = " ".join(argv[1:])
    if not src.strip():
        return 0
    return await sh.run_source(src, io, where="eval: ")


async def b_exec(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    args = argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        return 0
    status = await sh.dispatch(args, env, io)
    raise ShellExit(status)


async def b_read(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    raw = False
    names = []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-r":
            raw = True
        elif a in ("-p", "-t", "-u", "-n", "-d"):
            i += 1
        elif a.startswith("-") and len(a) > 1:
            pass
        else:
            names.append(a)
        i += 1
    line = await io.stdin.readline()
    if not line:
        for n in names or ["REPLY"]:
            sh.vars[n] = ""
        return 1
    text = line.decode(errors="surrogateescape")
    ended = text.endswith("\n")
    text = text.rstrip("\n")
    if not raw:
        text = text.replace("\\\n", "").replace("\\", "")
    if not names:
        sh.vars["REPLY"] = text
        return 0 if ended else 1
    fields = text.strip(" \t").split(None, len(names) - 1) if text.strip(" \t") else []
    for i, n in enumerate(names):
        sh.vars[n] = fields[i] if i < len(fields) else ""
    if len(fields) == len(names) and fields:
        # the last variable gets the rest of the line, trailing whitespace trimmed
        sh.vars[names[-1]] = fields[-1].rstrip(" \t")
    return 0 if ended else 1


async def b_wait(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    await sh.wait_bg()
    return 0


def _lookup(sh: Shell, name: str) -> tuple[str, str] | None:
    if name in sh.funcs:
        return "function", name
    if name in SHELL_BUILTINS or name in ("echo", "printf", "test", "[", "true", "false", ":"):
        return "builtin", name
    if "/" in name:
        return None
    if name in PROGRAMS:
        return "file", "/usr/bin/" + name
    found = find_on_path(sh.proc.child([], env=sh.vars, cwd=sh.cwd), name)
    if found:
        return "file", found
    return None


async def b_command(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    args = argv[1:]
    if args and args[0] in ("-v", "-V"):
        mode = args[0]
        status = 0
        for name in args[1:]:
            hit = _lookup(sh, name)
            if hit is None:
                status = 1
                if mode == "-V":
                    await _err(sh, io, f"command: {name}: not found")
                continue
            kind, where = hit
            if mode == "-v":
                await io.stdout((where + "\n").encode())
            else:
                text = f"{name} is a shell {kind}" if kind in ("builtin", "function") else f"{name} is {where}"
                await io.stdout((text + "\n").encode())
        return status
    if args and args[0] == "-p":
        args = args[1:]
    if not args:
        return 0
    if args[0] in SHELL_BUILTINS:
        return await SHELL_BUILTINS[args[0]](sh, args, io, env)
    return await sh.run_external(args, env, io)


async def b_type(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    status = 0
    for name in [a for a in argv[1:] if not a.startswith("-")]:
        hit = _lookup(sh, name)
        if hit is None:
            await _err(sh, io, f"type: {name}: not found")
            status = 1
            continue
        kind, where = hit
        text = f"{name} is a shell {kind}" if kind in ("builtin", "function") else f"{name} is {where}"
        await io.stdout((text + "\n").encode())
    return status


async def b_noop(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    return 0


async def b_false(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
    return 1


def _inproc(name: str) -> Builtin:
    """Builtins that are also standalone programs (echo, printf, test): run in-process."""

    async def run(sh: Shell, argv: list[str], io: IO, env: dict[str, str]) -> int:
        child = sh.proc.child(argv, env=sh.child_env(env), stdout=io.stdout, stderr=io.stderr,
                              stdin=io.stdin, cwd=sh.cwd)
        return await PROGRAMS[name](child, sh.prefix())

    return run


SHELL_BUILTINS: dict[str, Builtin] = {
    "cd": b_cd, "pwd": b_pwd, "export": b_export, "unset": b_unset, ".": b_source,
    "source": b_source, "exit": b_exit, "return": b_return, "break": b_break,
    "continue": b_continue, "set": b_set, "shift": b_shift, "eval": b_eval, "exec": b_exec,
    "read": b_read, "wait": b_wait, "command": b_command, "type": b_type, "local": b_local,
    "declare": b_local, "typeset": b_local, "readonly": b_readonly,
    "true": b_noop, ":": b_noop, "false": b_false, "hash": b_noop, "ulimit": b_noop,
    "umask": b_noop, "trap": b_noop, "shopt": b_noop,
    "echo": _inproc("echo"), "printf": _inproc("printf"), "test": _inproc("test"),
    "[": _inproc("["),
}
