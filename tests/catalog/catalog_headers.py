"""Read error-code names and numbers out of the C headers Debian installs.

The tests compare the catalog with the real libraries: this module turns a
header (``/usr/include/openssl/sslerr.h``, ``/usr/include/wolfssl/error-ssl.h``
...) into ``{name: value}``.  It understands what those headers use:
``#define NAME 123`` (decimal, hex, negative, parenthesised, with comments or
line continuations), ``#define NAME OTHER_NAME`` aliases, small constant
expressions (``(256 | ERR_R_FATAL)``, ``1 << 5``), and ``enum`` members with
explicit or implicit values.

Run it to print a header's codes as catalog TOML lines (for maintainers
refreshing a data file)::

    python tests/catalog/catalog_headers.py /usr/include/wolfssl/error-ssl.h ''
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+(.+?)[ \t]*$", re.M)
_ENUM = re.compile(r"\benum\b[^{;]*\{(.*?)\}", re.S)
_NUMBER = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b")


def _literal(digits: str) -> int:
    """A C integer literal: 0x hex, leading-zero octal, or decimal."""
    if digits[:2] in ("0x", "0X"):
        return int(digits, 16)
    if len(digits) > 1 and digits.startswith("0"):
        return int(digits, 8) if set(digits) <= set("01234567") else int(digits)
    return int(digits)


def _evaluate(expr: str, known: dict[str, int]) -> int | None:
    """Value of a constant C expression over known names, or None."""
    expr = _NUMBER.sub(lambda m: str(_literal(m.group(1))), expr)
    expr = re.sub(r"\(\s*(?:unsigned\s+)?(?:int|long|uint32_t|int32_t)\s*\)", "", expr)
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in known:
                return known[node.id]
            raise KeyError(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return ev(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            ops = {
                ast.BitOr: lambda: left | right,
                ast.LShift: lambda: left << right,
                ast.Add: lambda: left + right,
                ast.Sub: lambda: left - right,
                ast.BitAnd: lambda: left & right,
            }
            for op_type, fn in ops.items():
                if isinstance(node.op, op_type):
                    return fn()
        raise ValueError(ast.dump(node))

    try:
        return ev(tree)
    except (KeyError, ValueError):
        return None


def parse_header(path: str | Path) -> dict[str, int]:
    """Every integer constant the header defines, by name."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    text = text.replace("\\\n", " ")
    text = _COMMENT.sub(" ", text)
    known: dict[str, int] = {}
    pending: list[tuple[str, str]] = []
    for m in _DEFINE.finditer(text):
        pending.append((m.group(1), m.group(2)))
    for body in _ENUM.findall(text):
        nxt = 0
        for member in body.split(","):
            member = member.strip()
            if not member:
                continue
            name, _, expr = member.partition("=")
            name = name.strip()
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                continue
            if expr.strip():
                value = _evaluate(expr, known)
                if value is None:
                    pending.append((name, expr))
                    continue
            else:
                value = nxt
            known[name] = value
            nxt = value + 1
    for _ in range(4):  # aliases that point at later definitions
        rest = []
        for name, expr in pending:
            value = _evaluate(expr, known)
            if value is None:
                rest.append((name, expr))
            else:
                known[name] = value
        pending = rest
    return known


def codes(path: str | Path, prefix: str, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Constants whose name starts with ``prefix`` (minus any in ``skip``)."""
    return {
        k: v
        for k, v in parse_header(path).items()
        if k.startswith(prefix) and not any(k.startswith(s) for s in skip)
    }


def main(argv: list[str]) -> int:
    path, prefix = argv[0], argv[1]
    for name, value in sorted(codes(path, prefix).items(), key=lambda kv: (kv[1], kv[0])):
        print(f"{name} = {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
