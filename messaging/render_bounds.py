"""Bounds on what a staff template may compute, enforced inside Jinja's sandbox (no signals, no subprocesses).

A template is data: it must not hang a planning run or exhaust memory. Each render gets a budget of
steps (loop iterations and calls) and of produced characters; ``range`` is short; ``**``, ``*``, ``+``
and ``%`` refuse results that are too big; every text, intermediate or final, is at most ``max_chars``.
"""

from __future__ import annotations

import copy
import functools
import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable

from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_RANGE = 10_000  # items in one range()
MAX_STEPS = 20_000  # loop iterations and calls in one render
MAX_EXPONENT = 100
MAX_INT_BITS = 4_096  # about 1,200 decimal digits
PRODUCED_PER_OUTPUT = 20  # a render may produce (buffers included) this many times max_chars
_FIELD = re.compile(r"\{[^{}]*\}")  # a str.format replacement field
_PERCENT = re.compile(r"%[^a-zA-Z%]*[a-zA-Z%]")  # a %-conversion: flags, width, precision
_DIGITS = re.compile(r"\d+")


class BoundExceeded(SecurityError):
    """A template computed beyond a bound (steps, range, number size, sequence length)."""


class TextTooLong(BoundExceeded):
    """A template produced, or built, a text longer than the render limit."""


@dataclass
class Budget:
    steps: int
    chars: int


_budget: ContextVar[Budget | None] = ContextVar("jinli_render_budget", default=None)


def start_budget(max_chars: int):
    """A fresh budget for one render; returns the token to reset it with."""
    return _budget.set(Budget(MAX_STEPS, max_chars * PRODUCED_PER_OUTPUT))


def end_budget(token) -> None:
    _budget.reset(token)


def _spend_step() -> None:
    budget = _budget.get()
    if budget is not None:
        budget.steps -= 1
        if budget.steps < 0:
            raise BoundExceeded(f"more than {MAX_STEPS} loop iterations and calls")


class BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator with every loop, concatenation and output routed through the environment."""

    def visit_For(self, node: nodes.For, frame) -> None:
        bounded = copy.copy(node)
        bounded.iter = _env_call("bounded_iter", node.iter, node.lineno)
        super().visit_For(bounded, frame)

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("environment.bounded_text(")
        super().visit_Concat(node, frame)
        self.write(")")

    def _output_const_repr(self, group) -> str:
        return f"environment.produced({super()._output_const_repr(group)})"

    def _output_child_pre(self, node, frame, finalize) -> None:
        self.write("environment.produced(")
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node, frame, finalize) -> None:
        super()._output_child_post(node, frame, finalize)
        self.write(")")


def _env_call(name: str, arg: nodes.Expr, lineno: int) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(name, lineno=lineno), [arg], [], None, None, lineno=lineno)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with bounds on loops, calls, numbers and texts (see the module docstring)."""

    code_generator_class = BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, max_chars: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_chars = max_chars
        self.globals["range"] = self.bounded_range
        self.globals.pop("lipsum", None)  # generates paragraphs on demand: nothing an SMS needs
        self.concat = self.bounded_join  # macro bodies, {% set %} blocks, filter blocks

    def bound_filters(self) -> None:
        """Wrap every registered filter so its arguments and result are bounded (call once filters are set)."""
        self.filters = {name: _bounded_filter(self, name, f) for name, f in self.filters.items()}

    # ---- called by compiled templates
    def bounded_iter(self, iterable: Any):
        for item in iterable:
            _spend_step()
            yield item

    def bounded_range(self, *args: int) -> range:
        found = range(*args)
        if len(found) > MAX_RANGE:
            raise BoundExceeded(f"range of {len(found)} items (at most {MAX_RANGE})")
        return found

    def bounded_text(self, text: Any) -> Any:
        return self.checked(text)

    def bounded_join(self, parts) -> str:
        parts = list(parts)
        if sum(len(p) for p in parts) > self.max_chars:
            raise TextTooLong(f"text longer than {self.max_chars} characters")
        return "".join(parts)

    def produced(self, chunk: Any) -> Any:
        budget = _budget.get()
        if budget is not None:  # chunks are str (Jinja converts each output with str() first)
            budget.chars -= len(chunk)
            if budget.chars < 0:
                raise TextTooLong(f"template produced more than {self.max_chars * PRODUCED_PER_OUTPUT} characters")
        return chunk

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        _spend_step()
        if isinstance(getattr(__obj, "__self__", None), str):  # "x".center(n), .ljust(n), .zfill(n)...
            __self.check_widths(args, kwargs.values())
        return __self.checked(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _BINOP_CHECKS[operator](self, left, right)
        return self.checked(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        self.check_format(value.__self__, _FIELD)

        def bounded(*args: Any, **kwargs: Any) -> str:
            self.check_widths(args, kwargs.values())
            return self.checked(wrapped(*args, **kwargs))
        return bounded

    # ---- checks
    def checked(self, value: Any) -> Any:
        """``value``, unless it is a text, sequence or integer over its bound."""
        if isinstance(value, str) and len(value) > self.max_chars:
            raise TextTooLong(f"text longer than {self.max_chars} characters")
        if isinstance(value, (list, tuple)) and len(value) > MAX_RANGE:
            raise BoundExceeded(f"sequence of {len(value)} items (at most {MAX_RANGE})")
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise BoundExceeded(f"integer of more than {MAX_INT_BITS} bits")
        return value

    def check_widths(self, *groups) -> None:
        """Refuse an integer argument (a width, a count) larger than the render limit."""
        for value in (v for group in groups for v in group):
            if isinstance(value, int) and not isinstance(value, bool) and value > self.max_chars:
                raise BoundExceeded(f"argument {value} is larger than {self.max_chars}")

    def check_format(self, text: Any, specs: re.Pattern) -> None:
        """Refuse a format string whose widths or precisions exceed the render limit (or come from arguments)."""
        if not isinstance(text, str):
            return
        for spec in specs.findall(text):
            numbers = [int(d) for d in _DIGITS.findall(spec)]
            if any(n > self.max_chars for n in numbers) or (specs is _PERCENT and "*" in spec):
                raise BoundExceeded(f"format {spec!r} is wider than {self.max_chars}")


def _check_power(env: BoundedSandbox, left: Any, right: Any) -> None:
    if _is_int(left) and _is_int(right) and right > 0:
        if right > MAX_EXPONENT or abs(left).bit_length() * right > MAX_INT_BITS:
            raise BoundExceeded(f"a power of {abs(left).bit_length()} bits to {right} is too large "
                                f"(exponent at most {MAX_EXPONENT}, result at most {MAX_INT_BITS} bits)")


def _check_times(env: BoundedSandbox, left: Any, right: Any) -> None:
    if _is_int(left) and _is_int(right):
        if abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS:
            raise BoundExceeded(f"integer product of more than {MAX_INT_BITS} bits")
        return
    sequence, count = (left, right) if _is_int(right) else (right, left)
    if _is_int(count) and hasattr(sequence, "__len__") and len(sequence) * count > env.max_chars:
        raise (TextTooLong if isinstance(sequence, str) else BoundExceeded)(
            f"repetition to {len(sequence) * count} items (at most {env.max_chars})")


def _check_plus(env: BoundedSandbox, left: Any, right: Any) -> None:
    if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        if len(left) + len(right) > env.max_chars:
            raise TextTooLong(f"text longer than {env.max_chars} characters")


def _check_modulo(env: BoundedSandbox, left: Any, right: Any) -> None:
    env.check_format(left, _PERCENT)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_BINOP_CHECKS = {"**": _check_power, "*": _check_times, "+": _check_plus, "%": _check_modulo}


def _bounded_filter(env: BoundedSandbox, name: str, func: Callable) -> Callable:
    """``func`` with its width-like arguments and its result bounded; Jinja's pass_* marks are kept."""
    skip = 2 if getattr(func, "jinja_pass_arg", None) is not None else 1  # the context/environment, the value

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if len(args) > skip or kwargs:  # most filters take only the value: nothing to check before
            env.check_widths(args[skip:], kwargs.values())
        if name == "format" and len(args) >= skip:
            env.check_format(args[skip - 1], _PERCENT)
        return env.checked(func(*args, **kwargs))
    return bounded
