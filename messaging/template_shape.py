"""A Jinja template seen as an approved provider template: fixed text and ``{{ expression }}`` places only.

A template that goes to a domestic provider may fill only the approved placeholders: its source must be
fixed text plus ``{{ … }}`` outputs (no ``{% if %}`` or ``{% for %}`` around fixed text). Its fixed text,
each expression replaced in order by the approved placeholder, must equal the approved text character
by character; the expressions' values are the variables sent to the provider.
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from messaging.registry import Approved

CONTEXT_CHARS = 8  # characters shown on each side of the first difference


@dataclass(frozen=True)
class Piece:
    """Fixed text (``text``) or one ``{{ expression }}`` (``expression``, its source), and its line."""

    line: int
    text: str | None = None
    expression: str | None = None


@dataclass(frozen=True)
class Shape:
    pieces: tuple[Piece, ...]
    problem: str | None = None  # why the template cannot be an approved template ("line 3: {% if %} …")

    @property
    def expressions(self) -> list[str]:
        return [p.expression for p in self.pieces if p.expression is not None]

    def fixed_text(self) -> str:
        """The text with every expression left out (for the content lint)."""
        return "".join(p.text for p in self.pieces if p.text is not None)


def template_shape(env: jinja2.Environment, source: str) -> Shape:
    """The template's pieces in order, or a Shape naming the first statement that is not fixed text or output."""
    pieces, expression, line = [], None, 1
    for line, kind, value in env.lex(source):
        if kind == "block_begin" or kind == "linestatement_begin":
            return Shape(tuple(pieces), f"line {line}: a {{% … %}} statement: a template sent as an approved "
                                        "template may hold only fixed text and {{ … }} placeholders")
        if kind == "variable_begin":
            expression = []
        elif kind == "variable_end":
            pieces.append(Piece(line, expression="".join(expression).strip()))
            expression = None
        elif expression is not None:
            expression.append(value)
        elif kind == "data":
            pieces.append(Piece(line, text=value))
    if not all(isinstance(n, nodes.Output) for n in env.parse(source).body):  # belt and braces
        return Shape(tuple(pieces), "not only fixed text and {{ … }} placeholders")
    return Shape(_trimmed(pieces))


def _trimmed(pieces: list[Piece]) -> tuple[Piece, ...]:
    """Leading and trailing whitespace of the text dropped, as the renderer strips its output."""
    out = list(pieces)
    if out and out[0].text is not None:
        out[0] = Piece(out[0].line, text=out[0].text.lstrip())
    if out and out[-1].text is not None:
        out[-1] = Piece(out[-1].line, text=out[-1].text.rstrip())
    return tuple(p for p in out if p.expression is not None or p.text)


def mismatch(shape: Shape, approved: Approved, suffix: str = "") -> str | None:
    """Why the template's fixed text (plus ``suffix``, the unsubscribe hint jinli appends) is not the
    approved text: the first differing place and the texts around it; None when they are equal."""
    if shape.problem:
        return shape.problem
    wanted = len(approved.placeholders)
    if len(shape.expressions) != wanted:
        return (f"{len(shape.expressions)} {{{{ … }}}} places, but the approved text of {approved.provider} "
                f"{approved.code} has {wanted} placeholders")
    text, lines = _with_placeholders(shape, approved, suffix)
    if text == approved.text:
        return None
    at = next((i for i, (a, b) in enumerate(zip(text, approved.text)) if a != b), min(len(text), len(approved.text)))
    where = f"line {lines[at]}" if at < len(lines) and lines[at] else "the end"
    return (f"{where}, character {at + 1}: the template reads {_around(text, at)!r} where the approved text of "
            f"{approved.provider} {approved.code} reads {_around(approved.text, at)!r}")


def _with_placeholders(shape: Shape, approved: Approved, suffix: str) -> tuple[str, list[int]]:
    """The fixed text with placeholders in the expressions' places, and each character's source line (0:
    the appended suffix)."""
    parts, lines, keys = [], [], iter(approved.placeholders)
    for piece in shape.pieces:
        chunk = piece.text if piece.text is not None else approved.placeholder(next(keys))
        parts.append(chunk)
        lines += _lines(piece, chunk)
    text = "".join(parts)
    if suffix and suffix not in text:
        text += suffix
        lines += [0] * len(suffix)
    return text, lines


def _lines(piece: Piece, chunk: str) -> list[int]:
    if piece.text is None:
        return [piece.line] * len(chunk)
    out, line = [], piece.line
    for char in chunk:
        out.append(line)
        line += char == "\n"
    return out


def _around(text: str, at: int) -> str:
    start = max(0, at - CONTEXT_CHARS)
    return ("…" if start else "") + text[start:at + CONTEXT_CHARS] + ("…" if at + CONTEXT_CHARS < len(text) else "")


def source_text(env: jinja2.Environment, source: str) -> str:
    """Every piece of fixed text in the source (whatever statements surround it), for the content lint."""
    return "".join(value for _, kind, value in env.lex(source) if kind == "data")
