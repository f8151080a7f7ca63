"""Word expansion of the pod shell: tilde, parameters, command substitution, arithmetic, fields, globs."""

from __future__ import annotations

import fnmatch
import os
import re

from .arith import arith_eval, arith_parts
from .control import IO, Collector, ShellFatal
from .words import Arith, CmdSub, Lit, Param, Part, Word

_BREAK = object()


class Expander:
    """Mixin of Shell: expansions over its vars, params, opts and the pod fs."""

    async def expand(self, word: Word, io: IO, glob: bool = True) -> list[str]:
        parts = word.parts
        if parts and isinstance(parts[0], Lit) and not parts[0].quoted and parts[0].text.startswith("~"):
            parts = self._tilde(parts)
        segs = await self._segments(parts, io)
        fields = _split_fields(segs, self.vars.get("IFS", " \t\n"))
        out: list[str] = []
        for f in fields:
            text = "".join(t for t, _ in f)
            if glob and not self.opts["noglob"] and any(not q and any(c in t for c in "*?[") for t, q in f):
                matches = self._glob("".join(t if not q else _glob_escape(t) for t, q in f))
                if matches:
                    out.extend(matches)
                    continue
            out.append(text)
        return out

    def _tilde(self, parts: list[Part]) -> list[Part]:
        first = parts[0]
        assert isinstance(first, Lit)
        text = first.text
        head, sep, tail = text.partition("/")
        if head == "~":
            home = self.vars.get("HOME", "/root")
        elif head == "~root":
            home = "/root"
        else:
            return parts
        if not sep and len(parts) > 1 and not (isinstance(parts[1], Lit)):
            pass
        return [Lit(home, True), Lit(sep + tail, False), *parts[1:]]

    async def expand_str(self, parts: list[Part], io: IO, tilde: bool = False) -> str:
        if tilde and parts and isinstance(parts[0], Lit) and not parts[0].quoted and parts[0].text.startswith("~"):
            parts = self._tilde(parts)
        segs = await self._segments(parts, io)
        return "".join(s[0] for s in segs if s is not _BREAK)

    async def expand_pattern(self, parts: list[Part], io: IO) -> str:
        segs = await self._segments(parts, io)
        return "".join((s[0] if not s[1] else _glob_escape(s[0])) for s in segs if s is not _BREAK)

    async def _segments(self, parts: list[Part], io: IO) -> list:
        """(text, quoted, splittable) segments, with _BREAK between "$@" fields."""
        segs: list = []
        for p in parts:
            if isinstance(p, Lit):
                segs.append((p.text, p.quoted, False))
            elif isinstance(p, Param):
                if p.name == "@" and p.quoted and p.op is None:
                    for i, v in enumerate(self.params):
                        if i:
                            segs.append(_BREAK)
                        segs.append((v, True, False))
                    if not self.params:
                        segs.append(("", False, False))
                    continue
                value = await self._param_value(p, io)
                segs.append((value, p.quoted, not p.quoted))
            elif isinstance(p, CmdSub):
                out = await self.command_substitution(p.source, io)
                segs.append((out, p.quoted, not p.quoted))
            elif isinstance(p, Arith):
                value = str(await self.arith(p.source, io))
                segs.append((value, p.quoted, not p.quoted))
        return segs

    async def _param_value(self, p: Param, io: IO) -> str:
        value = self.get_param(p.name)
        op = p.op
        if op == "len":
            if value is None and self.opts["nounset"]:
                raise ShellFatal(f"{p.name}: unbound variable")
            return str(len(value or ""))
        if op is None:
            if value is None:
                if self.opts["nounset"] and p.name not in ("@", "*"):
                    raise ShellFatal(f"{p.name}: unbound variable")
                return ""
            return value
        unset = value is None or (op.startswith(":") and value == "")
        if op in (":-", "-"):
            return await self.expand_str(p.arg, io, tilde=True) if unset else value
        if op in (":=", "="):
            if unset:
                value = await self.expand_str(p.arg, io, tilde=True)
                self.vars[p.name] = value
            return value
        if op in (":+", "+"):
            return "" if unset else await self.expand_str(p.arg, io)
        if op in (":?", "?"):
            if unset:
                msg = await self.expand_str(p.arg, io) or "parameter null or not set"
                raise ShellFatal(f"{p.name}: {msg}")
            return value
        value = value or ""
        pat = await self.expand_pattern(p.arg, io)
        if op in ("#", "##"):
            rng = range(0, len(value) + 1) if op == "#" else range(len(value), -1, -1)
            for i in rng:
                if fnmatch.fnmatchcase(value[:i], pat):
                    return value[i:]
            return value
        if op in ("%", "%%"):
            rng = range(len(value), -1, -1) if op == "%" else range(0, len(value) + 1)
            for i in rng:
                if fnmatch.fnmatchcase(value[i:], pat):
                    return value[:i]
            return value
        return value

    async def command_substitution(self, source: str, io: IO) -> str:
        col = Collector()
        sub = self.copy()
        sub_io = IO(io.stdin, col, io.stderr)
        st = await sub.finish_subshell(sub.run_source(source, sub_io), io)
        self.subst_status = st
        self.status = st
        return bytes(col.buf).decode(errors="surrogateescape").rstrip("\n")

    async def arith(self, source: str, io: IO) -> int:
        text = await self.expand_str(arith_parts(source), io)
        return arith_eval(text, self.vars)

    def _glob(self, pattern: str) -> list[str]:
        """Pathname expansion against the pod filesystem; [] when nothing matches."""
        absolute = pattern.startswith("/")
        comps = [c for c in pattern.split("/") if c != ""]
        base = "/" if absolute else ""
        results = [base]
        fs = self.host.fs
        for comp in comps:
            nxt = []
            magic = any(c in comp for c in "*?[")
            for prefix in results:
                cont = prefix if prefix else "."
                if not magic:
                    cand = (prefix + ("" if prefix.endswith("/") or not prefix else "/") + _glob_unescape(comp))
                    if fs.host_path(cand, self.cwd).exists() or fs.host_path(cand, self.cwd).is_symlink():
                        nxt.append(cand)
                    continue
                try:
                    names = sorted(os.listdir(fs.host_path(cont, self.cwd)))
                except OSError:
                    continue
                for n in names:
                    if n.startswith(".") and not comp.startswith("."):
                        continue
                    if fnmatch.fnmatchcase(n, _fnmatch_pattern(comp)):
                        nxt.append(prefix + ("" if prefix.endswith("/") or not prefix else "/") + n)
            results = nxt
            if not results:
                return []
        if pattern.endswith("/"):
            results = [r + "/" for r in results if fs.host_path(r, self.cwd).is_dir()]
        return results



def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _glob_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _fnmatch_pattern(comp: str) -> str:
    """Our escaped glob (\\* literal) to an fnmatch pattern ([*] literal)."""
    out = []
    i = 0
    while i < len(comp):
        c = comp[i]
        if c == "\\" and i + 1 < len(comp):
            out.append("[" + comp[i + 1] + "]" if comp[i + 1] != "]" else "]")
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _split_fields(segs: list, ifs: str) -> list[list[tuple[str, bool]]]:
    fields: list[list[tuple[str, bool]]] = []
    cur: list[tuple[str, bool]] = []
    started = False

    def flush() -> None:
        nonlocal cur, started
        if started:
            fields.append(cur)
        cur = []
        started = False

    ws = "".join(c for c in ifs if c in " \t\n")
    other = "".join(c for c in ifs if c not in " \t\n")
    for s in segs:
        if s is _BREAK:
            started = True
            flush()
            continue
        text, quoted, splittable = s
        if not splittable or not ifs:
            cur.append((text, quoted))
            if quoted or text:
                started = True
            continue
        if text == "":
            continue
        pieces = re.split("[" + re.escape(ifs) + "]", text) if other else None
        if pieces is None:
            lead = text[0] in ws
            trail = text[-1] in ws
            words = text.split()
            if lead:
                flush()
            for i, w in enumerate(words):
                if i:
                    flush()
                cur.append((w, False))
                started = True
            if trail:
                flush()
        else:
            text2 = text.strip(ws) if ws else text
            for i, w in enumerate(re.split("[" + re.escape(other) + "]", text2)):
                if i:
                    started = True
                    flush()
                for j, ww in enumerate(w.split() if ws else [w]):
                    if j:
                        flush()
                    if ww:
                        cur.append((ww, False))
                        started = True
    flush()
    return fields
