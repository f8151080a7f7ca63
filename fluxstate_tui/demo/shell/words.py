"""What the pod shell's lexer produces: words made of parts (literal, parameter, command
substitution, arithmetic), operators, newlines, here-documents; and its syntax error."""

from __future__ import annotations

from dataclasses import dataclass, field


class ShellSyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Lit:
    text: str
    quoted: bool = False


@dataclass
class Param:
    name: str                      # NAME, digit(s), or one of ? # @ * $ ! - 0
    op: str | None = None       # ":-" "-" ":=" "=" ":+" "+" ":?" "?" "#" "##" "%" "%%" "len"
    arg: list[Part] = field(default_factory=list)
    quoted: bool = False


@dataclass
class CmdSub:
    source: str
    quoted: bool = False
    line: int = 1


@dataclass
class Arith:
    source: str
    quoted: bool = False


Part = Lit | Param | CmdSub | Arith


@dataclass
class Word:
    parts: list[Part]
    raw: str
    line: int = 1

    def literal(self) -> str | None:
        """The text if the word is one plain unquoted literal (reserved words, names)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Lit) and not self.parts[0].quoted:
            return self.parts[0].text
        if not self.parts:
            return None
        return None


@dataclass
class HereDoc:
    delimiter: str
    quoted: bool
    strip_tabs: bool
    body: list[Part] = field(default_factory=list)
    done: bool = False


@dataclass
class Op:
    value: str
    line: int = 1
    fd: int | None = None          # io-number before a redirection operator
    heredoc: HereDoc | None = None


@dataclass
class Newline:
    line: int = 1


@dataclass
class EOF:
    line: int = 1


Token = Word | Op | Newline | EOF
