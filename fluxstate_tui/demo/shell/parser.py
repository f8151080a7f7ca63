"""Parser for the pod shell: lists, and/or, pipelines, simple and compound commands."""

from __future__ import annotations

from dataclasses import dataclass, field

from .lexer import tokenize, valid_name
from .words import EOF, HereDoc, Lit, Newline, Op, Part, ShellSyntaxError, Token, Word

RESERVED = {"if", "then", "elif", "else", "fi", "for", "in", "do", "done", "while", "until",
            "case", "esac", "{", "}", "!", "function"}
REDIR_OPS = {"<", ">", ">>", ">&", "<&", ">|", "<>", "<<", "<<-", "<<<", "&>", "&>>"}


@dataclass
class Redir:
    op: str
    fd: int | None
    target: Word | None
    heredoc: HereDoc | None = None


@dataclass
class Assign:
    name: str
    value: list[Part]
    append: bool = False


@dataclass
class Simple:
    assigns: list[Assign]
    words: list[Word]
    redirs: list[Redir]
    line: int = 1


@dataclass
class Pipeline:
    cmds: list[Command]
    negate: bool = False
    line: int = 1


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)


@dataclass
class ListNode:
    items: list[tuple[AndOr, bool]] = field(default_factory=list)   # (and_or, background)


@dataclass
class If:
    branches: list[tuple[ListNode, ListNode]]
    else_: ListNode | None
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class For:
    var: str
    words: list[Word] | None
    body: ListNode
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class While:
    cond: ListNode
    body: ListNode
    until: bool = False
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class Case:
    word: Word
    arms: list[tuple[list[Word], ListNode]]
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class Group:
    body: ListNode
    subshell: bool = False
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class FuncDef:
    name: str
    body: Command


Command = Simple | If | For | While | Case | Group | FuncDef


def _tok_text(tok: Token) -> str:
    if isinstance(tok, Word):
        return tok.raw
    if isinstance(tok, Op):
        return tok.value
    if isinstance(tok, Newline):
        return "newline"
    return "end of file"


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.i = 0

    # -- token helpers -------------------------------------------------------------------------
    def peek(self) -> Token:
        return self.toks[self.i]

    def next(self) -> Token:
        tok = self.toks[self.i]
        if not isinstance(tok, EOF):
            self.i += 1
        return tok

    def error(self, tok: Token | None = None) -> ShellSyntaxError:
        tok = tok or self.peek()
        if isinstance(tok, EOF):
            return ShellSyntaxError("syntax error: unexpected end of file", tok.line)
        return ShellSyntaxError(f"syntax error near unexpected token `{_tok_text(tok)}'", tok.line)

    def is_op(self, *values: str) -> bool:
        tok = self.peek()
        return isinstance(tok, Op) and tok.value in values and tok.fd is None

    def is_reserved(self, *values: str) -> bool:
        tok = self.peek()
        return isinstance(tok, Word) and tok.literal() in values

    def skip_newlines(self) -> None:
        while isinstance(self.peek(), Newline):
            self.next()

    def expect_reserved(self, value: str) -> None:
        self.skip_newlines()
        if not self.is_reserved(value):
            raise self.error()
        self.next()

    # -- grammar -------------------------------------------------------------------------------
    def program(self) -> ListNode:
        node = self.list_(stop=())
        if not isinstance(self.peek(), EOF):
            raise self.error()
        return node

    def list_(self, stop: tuple[str, ...], stop_paren: bool = False, stop_dsemi: bool = False) -> ListNode:
        node = ListNode()
        while True:
            self.skip_newlines()
            tok = self.peek()
            if isinstance(tok, EOF):
                break
            if isinstance(tok, Word) and tok.literal() in stop:
                break
            if stop_paren and self.is_op(")"):
                break
            if stop_dsemi and self.is_op(";;"):
                break
            ao = self.and_or()
            bg = False
            if self.is_op(";", "&"):
                bg = self.next().value == "&"
            elif isinstance(self.peek(), Newline):
                self.next()
            elif not (isinstance(self.peek(), EOF) or self.is_reserved(*stop)
                      or (stop_paren and self.is_op(")")) or (stop_dsemi and self.is_op(";;"))):
                raise self.error()
            node.items.append((ao, bg))
        return node

    def and_or(self) -> AndOr:
        node = AndOr(self.pipeline())
        while self.is_op("&&", "||"):
            op = self.next().value
            self.skip_newlines()
            node.rest.append((op, self.pipeline()))
        return node

    def pipeline(self) -> Pipeline:
        line = self.peek().line
        negate = False
        while self.is_reserved("!"):
            self.next()
            negate = not negate
        cmds = [self.command()]
        while self.is_op("|", "|&"):
            op = self.next().value
            if op == "|&":
                last = cmds[-1]
                redirs = last.redirs if not isinstance(last, FuncDef) else []
                redirs.append(Redir(">&", 2, Word([Lit("1")], "1")))
            self.skip_newlines()
            cmds.append(self.command())
        return Pipeline(cmds, negate, line)

    def command(self) -> Command:
        tok = self.peek()
        if isinstance(tok, Word):
            lit = tok.literal()
            if lit == "if":
                return self._redirs_after(self.if_())
            if lit in ("while", "until"):
                return self._redirs_after(self.while_())
            if lit == "for":
                return self._redirs_after(self.for_())
            if lit == "case":
                return self._redirs_after(self.case_())
            if lit == "{":
                self.next()
                body = self.list_(stop=("}",))
                self.expect_reserved("}")
                return self._redirs_after(Group(body))
            if lit == "function":
                self.next()
                name_tok = self.next()
                if not isinstance(name_tok, Word):
                    raise self.error(name_tok)
                if self.is_op("("):
                    self.next()
                    if not self.is_op(")"):
                        raise self.error()
                    self.next()
                self.skip_newlines()
                return FuncDef(name_tok.raw, self.command())
            if lit in RESERVED and lit != "!":
                raise self.error()
            # name() { ...; }
            if lit and valid_name(lit) and isinstance(self.toks[self.i + 1], Op) \
                    and self.toks[self.i + 1].value == "(" and isinstance(self.toks[self.i + 2], Op) \
                    and self.toks[self.i + 2].value == ")":
                self.i += 3
                self.skip_newlines()
                return FuncDef(lit, self.command())
        if self.is_op("("):
            self.next()
            body = self.list_(stop=(), stop_paren=True)
            if not self.is_op(")"):
                raise self.error()
            self.next()
            return self._redirs_after(Group(body, subshell=True))
        return self.simple()

    def _redirs_after(self, node):
        while True:
            r = self._maybe_redir()
            if r is None:
                return node
            node.redirs.append(r)

    def _maybe_redir(self) -> Redir | None:
        tok = self.peek()
        if not (isinstance(tok, Op) and tok.value in REDIR_OPS):
            return None
        self.next()
        target = self.next()
        if not isinstance(target, Word):
            raise self.error(target)
        return Redir(tok.value, tok.fd, target, tok.heredoc)

    def simple(self) -> Simple:
        line = self.peek().line
        assigns: list[Assign] = []
        words: list[Word] = []
        redirs: list[Redir] = []
        while True:
            r = self._maybe_redir()
            if r is not None:
                redirs.append(r)
                continue
            tok = self.peek()
            if not isinstance(tok, Word):
                break
            if not words:
                a = _as_assignment(tok)
                if a is not None:
                    assigns.append(a)
                    self.next()
                    continue
            words.append(tok)
            self.next()
        if not (assigns or words or redirs):
            raise self.error()
        return Simple(assigns, words, redirs, line)

    def if_(self) -> If:
        self.next()  # if
        branches = []
        cond = self.list_(stop=("then",))
        self.expect_reserved("then")
        body = self.list_(stop=("elif", "else", "fi"))
        branches.append((cond, body))
        else_ = None
        while True:
            self.skip_newlines()
            if self.is_reserved("elif"):
                self.next()
                cond = self.list_(stop=("then",))
                self.expect_reserved("then")
                body = self.list_(stop=("elif", "else", "fi"))
                branches.append((cond, body))
            elif self.is_reserved("else"):
                self.next()
                else_ = self.list_(stop=("fi",))
            else:
                break
        self.expect_reserved("fi")
        return If(branches, else_)

    def while_(self) -> While:
        until = self.next().raw == "until"
        cond = self.list_(stop=("do",))
        self.expect_reserved("do")
        body = self.list_(stop=("done",))
        self.expect_reserved("done")
        return While(cond, body, until)

    def for_(self) -> For:
        self.next()
        name = self.next()
        if not isinstance(name, Word) or not valid_name(name.raw):
            raise self.error(name)
        words: list[Word] | None = None
        self.skip_newlines()
        if self.is_reserved("in"):
            self.next()
            words = []
            while isinstance(self.peek(), Word):
                words.append(self.next())
            if self.is_op(";"):
                self.next()
        elif self.is_op(";"):
            self.next()
        self.expect_reserved("do")
        body = self.list_(stop=("done",))
        self.expect_reserved("done")
        return For(name.raw, words, body)

    def case_(self) -> Case:
        self.next()
        word = self.next()
        if not isinstance(word, Word):
            raise self.error(word)
        self.expect_reserved("in")
        arms = []
        while True:
            self.skip_newlines()
            if self.is_reserved("esac"):
                self.next()
                break
            if self.is_op("("):
                self.next()
            pats = []
            while True:
                p = self.next()
                if not isinstance(p, Word):
                    raise self.error(p)
                pats.append(p)
                if self.is_op("|"):
                    self.next()
                    continue
                break
            if not self.is_op(")"):
                raise self.error()
            self.next()
            body = self.list_(stop=("esac",), stop_dsemi=True)
            arms.append((pats, body))
            if self.is_op(";;"):
                self.next()
        return Case(word, arms)


def _as_assignment(tok: Word) -> Assign | None:
    if not tok.parts or not isinstance(tok.parts[0], Lit) or tok.parts[0].quoted:
        return None
    first = tok.parts[0].text
    eq = first.find("=")
    if eq <= 0:
        return None
    name = first[:eq]
    append = False
    if name.endswith("+"):
        name = name[:-1]
        append = True
    if not valid_name(name):
        return None
    rest = first[eq + 1:]
    value: list[Part] = ([Lit(rest, False)] if rest else []) + list(tok.parts[1:])
    return Assign(name, value, append)


def parse(src: str) -> ListNode:
    return Parser(tokenize(src)).program()
