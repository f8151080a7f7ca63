"""Shell arithmetic, $(( )): tokens to a Python expression, evaluated on integers only."""

from __future__ import annotations

import ast
import re

from .control import ShellFatal
from .lexer import parse_word_parts
from .words import Part


def arith_parts(source: str) -> list[Part]:
    return parse_word_parts(source, quoted=True)


_ARITH_TOKEN = re.compile(r"\s*(0[xX][0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*"
                          r"|\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%()<>!~&|^?:])")


def arith_eval(text: str, variables: dict[str, str], depth: int = 0) -> int:
    """Integer arithmetic like bash's $(( )): + - * / % ** comparisons, && || !, ?:."""
    pos = 0
    toks: list[str] = []
    text = text.strip()
    while pos < len(text):
        m = _ARITH_TOKEN.match(text, pos)
        if not m:
            raise ShellFatal(f"{text}: syntax error: invalid arithmetic operator (error token is \"{text[pos:]}\")")
        toks.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    py = []
    for t in toks:
        if t[0].isalpha() or t[0] == "_":
            v = variables.get(t, "0") or "0"
            if depth < 8 and not re.fullmatch(r"-?\d+", v.strip()):
                v = str(arith_eval(v, variables, depth + 1))
            py.append(f"({int(v.strip())})")
        elif t[0].isdigit():
            py.append(str(int(t, 0)) if not (t.startswith("0") and len(t) > 1 and t.isdigit()) else str(int(t, 8)))
        elif t == "&&":
            py.append(" and ")
        elif t == "||":
            py.append(" or ")
        elif t == "!":
            py.append(" not ")
        elif t == "/":
            py.append("//")
        else:
            py.append(t)
    expr = "".join(py) or "0"
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        raise ShellFatal(f"{text}: syntax error in expression") from None
    return int(_ast_eval(tree.body))


def _ast_eval(node: ast.AST) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.UnaryOp):
        v = _ast_eval(node.operand)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return v
        if isinstance(node.op, ast.Not):
            return int(not v)
        if isinstance(node.op, ast.Invert):
            return ~v
    if isinstance(node, ast.BinOp):
        a, b = _ast_eval(node.left), _ast_eval(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if isinstance(op, (ast.FloorDiv, ast.Mod)):
            if b == 0:
                raise ShellFatal("division by 0 (error token is \"0\")")
            q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
            return q if isinstance(op, ast.FloorDiv) else a - q * b
        if isinstance(op, ast.Pow):
            if b > 4096:
                raise ShellFatal("exponent too large")
            return a ** b
        if isinstance(op, ast.LShift):
            return a << min(b, 63)
        if isinstance(op, ast.RShift):
            return a >> b
        if isinstance(op, ast.BitAnd):
            return a & b
        if isinstance(op, ast.BitOr):
            return a | b
        if isinstance(op, ast.BitXor):
            return a ^ b
    if isinstance(node, ast.BoolOp):
        vals = [_ast_eval(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return int(all(vals))
        return int(any(vals))
    if isinstance(node, ast.Compare):
        left = _ast_eval(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _ast_eval(right_node)
            ok = {ast.Lt: left < right, ast.Gt: left > right, ast.LtE: left <= right,
                  ast.GtE: left >= right, ast.Eq: left == right, ast.NotEq: left != right}.get(type(op))
            if ok is None or not ok:
                return 0
            left = right
        return 1
    if isinstance(node, ast.IfExp):
        return _ast_eval(node.body) if _ast_eval(node.test) else _ast_eval(node.orelse)
    raise ShellFatal("syntax error in expression")
