"""Tokenizer for the pod shell: bash quoting, `$` expansions, operators, here-documents.

A word keeps its parts (literal text, parameter, command substitution, arithmetic), each marked
quoted or not, so that expansion can do field splitting and globbing only where bash would.
"""

from __future__ import annotations

from .words import EOF, Arith, CmdSub, HereDoc, Lit, Newline, Op, Param, Part, ShellSyntaxError, Token, Word

OPERATORS = sorted(
    ["&&", "||", ";;", ";", "&", "|", "(", ")", "<", ">", ">>", ">&", "<&", ">|", "<>",
     "<<", "<<-", "<<<", "&>", "&>>", "|&"],
    key=len, reverse=True,
)
META = set(" \t\n;&|()<>")
NAME_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
NAME_CHARS = NAME_START | set("0123456789")
SPECIAL_PARAMS = set("?#@*$!-0")


def _append_lit(parts: list[Part], text: str, quoted: bool) -> None:
    if parts and isinstance(parts[-1], Lit) and parts[-1].quoted == quoted:
        parts[-1].text += text
    else:
        parts.append(Lit(text, quoted))


class Lexer:
    def __init__(self, src: str, line: int = 1) -> None:
        self.src = src
        self.pos = 0
        self.line = line
        self.pending: list[HereDoc] = []
        self.open_heredoc = False   # a here-document ran to the end of src without its delimiter

    # -- helpers -------------------------------------------------------------------------------
    def _peek(self, off: int = 0) -> str:
        i = self.pos + off
        return self.src[i] if i < len(self.src) else ""

    def _skip_continuation(self) -> bool:
        """Step over a backslash-newline at pos (a line continuation); False when it is not one."""
        if self._peek(1) != "\n":
            return False
        self.pos += 2
        self.line += 1
        return True

    def _err(self, msg: str) -> ShellSyntaxError:
        return ShellSyntaxError(msg, self.line)

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        expect_heredoc: HereDoc | None = None
        while True:
            tok = self._next()
            if isinstance(tok, Word) and expect_heredoc is not None:
                hd = expect_heredoc
                hd.quoted = any(c in tok.raw for c in "'\"\\")
                hd.delimiter = _unquote_raw(tok.raw)
                self.pending.append(hd)
                expect_heredoc = None
            elif expect_heredoc is not None:
                raise self._err("syntax error near unexpected token `newline'")
            if isinstance(tok, Op) and tok.value in ("<<", "<<-"):
                tok.heredoc = HereDoc("", False, tok.value == "<<-")
                expect_heredoc = tok.heredoc
            out.append(tok)
            if isinstance(tok, Newline) and self.pending:
                self._read_heredocs()
            if isinstance(tok, EOF):
                if self.pending:
                    # bash warns and uses what it has; we do the same silently
                    self._read_heredocs()
                return out

    # -- tokens --------------------------------------------------------------------------------
    def _next(self) -> Token:
        src = self.src
        while self.pos < len(src):
            c = src[self.pos]
            if c in " \t":
                self.pos += 1
            elif c == "\\" and self._peek(1) == "\n":
                self.pos += 2
                self.line += 1
            elif c == "#":
                while self.pos < len(src) and src[self.pos] != "\n":
                    self.pos += 1
            else:
                break
        if self.pos >= len(src):
            return EOF(self.line)
        c = src[self.pos]
        if c == "\n":
            self.pos += 1
            tok = Newline(self.line)
            self.line += 1
            return tok
        for op in OPERATORS:
            if src.startswith(op, self.pos):
                self.pos += len(op)
                return Op(op, self.line)
        return self._word()

    def _word(self) -> Token:
        start = self.pos
        line = self.line
        parts: list[Part] = []
        src = self.src
        while self.pos < len(src):
            c = src[self.pos]
            if c in META:
                break
            if c == "\\":
                if self._skip_continuation():
                    continue
                nxt = self._peek(1)
                if nxt == "":
                    _append_lit(parts, "\\", False)
                    self.pos += 1
                    continue
                _append_lit(parts, nxt, True)
                self.pos += 2
            elif c == "'":
                end = src.find("'", self.pos + 1)
                if end < 0:
                    raise self._err("unexpected EOF while looking for matching `''")
                text = src[self.pos + 1:end]
                self.line += text.count("\n")
                _append_lit(parts, text, True)
                # keep '' as a (possibly empty) quoted literal so "" fields survive
                if text == "":
                    parts.append(Lit("", True))
                self.pos = end + 1
            elif c == '"':
                self.pos += 1
                inner = self._dquote()
                if not inner:
                    parts.append(Lit("", True))
                parts.extend(inner)
            elif c == "$":
                if self._peek(1) == "'":
                    self.pos += 2
                    _append_lit(parts, self._ansi_c(), True)
                    if parts and isinstance(parts[-1], Lit) and parts[-1].text == "":
                        pass
                else:
                    parts.append(self._dollar(False))
            elif c == "`":
                parts.append(self._backtick(False))
            else:
                _append_lit(parts, c, False)
                self.pos += 1
        raw = src[start:self.pos]
        if (raw.isdigit() and self.pos < len(src) and src[self.pos] in "<>"):
            for op in OPERATORS:
                if op[0] in "<>" and src.startswith(op, self.pos):
                    self.pos += len(op)
                    return Op(op, line, fd=int(raw))
        return Word(parts, raw, line)

    def _dquote(self, heredoc: bool = False) -> list[Part]:
        """Parts of a double-quoted string (pos just after the opening quote)."""
        parts: list[Part] = []
        src = self.src
        while True:
            if self.pos >= len(src):
                if heredoc:
                    return parts
                raise self._err("unexpected EOF while looking for matching `\"'")
            c = src[self.pos]
            if c == '"' and not heredoc:
                self.pos += 1
                return parts
            if c == "\\":
                if self._skip_continuation():
                    continue
                nxt = self._peek(1)
                if nxt in ("$", "`", "\\") or (nxt == '"' and not heredoc):
                    _append_lit(parts, nxt, True)
                    self.pos += 2
                    continue
                _append_lit(parts, "\\", True)
                self.pos += 1
            elif c == "$":
                parts.append(self._dollar(True))
            elif c == "`":
                parts.append(self._backtick(True))
            else:
                if c == "\n":
                    self.line += 1
                _append_lit(parts, c, True)
                self.pos += 1

    def _ansi_c(self) -> str:
        out = []
        src = self.src
        simple = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
                  "e": "\x1b", "E": "\x1b", "\\": "\\", "'": "'", '"': '"', "?": "?"}
        while True:
            if self.pos >= len(src):
                raise self._err("unexpected EOF while looking for matching `''")
            c = src[self.pos]
            if c == "'":
                self.pos += 1
                return "".join(out)
            if c == "\\" and self.pos + 1 < len(src):
                n = src[self.pos + 1]
                if n in simple:
                    out.append(simple[n])
                    self.pos += 2
                elif n == "x":
                    j = self.pos + 2
                    h = ""
                    while j < len(src) and len(h) < 2 and src[j] in "0123456789abcdefABCDEF":
                        h += src[j]
                        j += 1
                    out.append(chr(int(h, 16)) if h else "\\x")
                    self.pos = j
                elif n in "01234567":
                    j = self.pos + 1
                    o = ""
                    while j < len(src) and len(o) < 3 and src[j] in "01234567":
                        o += src[j]
                        j += 1
                    out.append(chr(int(o, 8)))
                    self.pos = j
                else:
                    out.append("\\" + n)
                    self.pos += 2
            else:
                if c == "\n":
                    self.line += 1
                out.append(c)
                self.pos += 1

    def _match_paren(self, start: int) -> int:
        """Index of the `)` closing the `(` just before `start`, skipping quotes and comments."""
        return self._match_close(start, ")")

    def _match_brace(self, start: int) -> int:
        """Index of the `}` closing the `${` just before `start`, skipping quotes."""
        return self._match_close(start, "}")

    def _match_close(self, start: int, close: str) -> int:
        src = self.src
        depth = 1
        i = start
        while i < len(src):
            c = src[i]
            if c == "\\":
                i += 2
                continue
            if c == "'":
                j = src.find("'", i + 1)
                if j < 0:
                    break
                i = j + 1
                continue
            if c == '"':
                i += 1
                while i < len(src) and src[i] != '"':
                    i += 2 if src[i] == "\\" else 1
                i += 1
                continue
            if close == ")":
                if c == "#" and (i == start or src[i - 1] in " \t\n;"):
                    while i < len(src) and src[i] != "\n":
                        i += 1
                    continue
                if c == "(":
                    depth += 1
            elif c == "$" and i + 1 < len(src) and src[i + 1] == "{":
                depth += 1
                i += 2
                continue
            if c == close:
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise self._err(f"unexpected EOF while looking for matching `{close}'")

    def _dollar(self, quoted: bool) -> Part:
        src = self.src
        assert src[self.pos] == "$"
        nxt = self._peek(1)
        if nxt == "(":
            if self._peek(2) == "(":
                # arithmetic $(( ... ))
                end = self._match_paren(self.pos + 3)
                if end + 1 < len(src) and src[end + 1] == ")":
                    body = src[self.pos + 3:end]
                    self.line += body.count("\n")
                    self.pos = end + 2
                    return Arith(body, quoted)
            end = self._match_paren(self.pos + 2)
            body = src[self.pos + 2:end]
            line = self.line
            self.line += body.count("\n")
            self.pos = end + 1
            return CmdSub(body, quoted, line)
        if nxt == "{":
            end = self._match_brace(self.pos + 2)
            body = src[self.pos + 2:end]
            self.line += body.count("\n")
            self.pos = end + 1
            return _param_from_braces(body, quoted, self.line)
        if nxt and (nxt in NAME_START):
            j = self.pos + 1
            while j < len(src) and src[j] in NAME_CHARS:
                j += 1
            name = src[self.pos + 1:j]
            self.pos = j
            return Param(name, quoted=quoted)
        if nxt and (nxt.isdigit() or nxt in SPECIAL_PARAMS):
            self.pos += 2
            return Param(nxt, quoted=quoted)
        self.pos += 1
        return Lit("$", quoted)

    def _backtick(self, quoted: bool) -> Part:
        src = self.src
        i = self.pos + 1
        body = []
        while i < len(src) and src[i] != "`":
            if src[i] == "\\" and i + 1 < len(src) and src[i + 1] in "`$\\":
                body.append(src[i + 1])
                i += 2
                continue
            body.append(src[i])
            i += 1
        if i >= len(src):
            raise self._err("unexpected EOF while looking for matching ``'")
        text = "".join(body)
        line = self.line
        self.line += text.count("\n")
        self.pos = i + 1
        return CmdSub(text, quoted, line)

    def _read_heredocs(self) -> None:
        src = self.src
        for hd in self.pending:
            lines: list[str] = []
            while self.pos < len(src):
                end = src.find("\n", self.pos)
                if end < 0:
                    end = len(src)
                line = src[self.pos:end]
                self.pos = min(end + 1, len(src))
                self.line += 1
                check = line.lstrip("\t") if hd.strip_tabs else line
                if check == hd.delimiter:
                    break
                lines.append(check + "\n")
            else:
                self.open_heredoc = True
            body = "".join(lines)
            if hd.quoted:
                hd.body = [Lit(body, True)]
            else:
                sub = Lexer(body)
                hd.body = sub._dquote(heredoc=True)
            hd.done = True
        self.pending = []


def _unquote_raw(raw: str) -> str:
    out = []
    i = 0
    q = None
    while i < len(raw):
        c = raw[i]
        if q is None and c in "'\"":
            q = c
        elif q is not None and c == q:
            q = None
        elif c == "\\" and q != "'" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _param_from_braces(body: str, quoted: bool, line: int) -> Param:
    if body.startswith("#") and len(body) > 1 and body != "#":
        name = body[1:]
        if not (_valid_name(name) or name.isdigit() or name in SPECIAL_PARAMS):
            raise ShellSyntaxError(f"${{{body}}}: bad substitution", line)
        return Param(name, "len", [], quoted)
    i = 0
    if body and body[0] in SPECIAL_PARAMS:
        i = 1
    elif body and body[0].isdigit():
        while i < len(body) and body[i].isdigit():
            i += 1
    else:
        while i < len(body) and body[i] in NAME_CHARS:
            i += 1
    name = body[:i]
    rest = body[i:]
    if not name:
        raise ShellSyntaxError(f"${{{body}}}: bad substitution", line)
    if not rest:
        return Param(name, None, [], quoted)
    for op in (":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%"):
        if rest.startswith(op):
            arg_src = rest[len(op):]
            return Param(name, op, parse_word_parts(arg_src, quoted), quoted)
    raise ShellSyntaxError(f"${{{body}}}: bad substitution", line)


def _valid_name(s: str) -> bool:
    return bool(s) and s[0] in NAME_START and all(c in NAME_CHARS for c in s)


def parse_word_parts(src: str, quoted: bool = False) -> list[Part]:
    """Parts of a word given as source text (used inside ${...} operators)."""
    lx = Lexer(src)
    parts: list[Part] = []
    while lx.pos < len(src):
        c = src[lx.pos]
        if c == "\\" and lx.pos + 1 < len(src):
            _append_lit(parts, src[lx.pos + 1], True)
            lx.pos += 2
        elif c == "'" and not quoted:
            end = src.find("'", lx.pos + 1)
            if end < 0:
                end = len(src)
            parts.append(Lit(src[lx.pos + 1:end], True))
            lx.pos = end + 1
        elif c == '"':
            lx.pos += 1
            inner = lx._dquote()
            parts.extend(inner or [Lit("", True)])
        elif c == "$":
            parts.append(lx._dollar(quoted))
        elif c == "`":
            parts.append(lx._backtick(quoted))
        else:
            _append_lit(parts, c, quoted)
            lx.pos += 1
    return parts


def tokenize(src: str) -> list[Token]:
    return Lexer(src).tokens()


def valid_name(s: str) -> bool:
    return _valid_name(s)
