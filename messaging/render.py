"""SMS bodies from staff-written Jinja templates: sandboxed, strict, and signed the Chinese way.

A template is the file ``<templates_dir>/NAME.j2`` (UTF-8) and is called ``NAME``; a subfolder
gives ``folder/NAME``. Templates are data written by staff, so they run in Jinja's sandbox
(no ``__class__``, no mutation of the context) and every undefined variable is an error: a
half-rendered "您好 ," is never sent. Rendering is bounded (messaging.render_bounds): a template
that loops, computes or writes too much is a TemplateError, a text over ``max_chars`` a TemplateTooLong.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.runtime import new_context

from errors import TemplateError, TemplateTooLong
from messaging.template_shape import Shape, source_text, template_shape
from messaging.render_bounds import BoundExceeded, BoundedSandbox, TextTooLong, end_budget, start_budget

SUFFIX = ".j2"
DEFAULT_MAX_CHARS = 2_000


class TemplateRenderer:
    """Renders ``NAME.j2`` templates from one folder; each template is compiled once and reused."""

    def __init__(self, templates_dir: Path, max_chars: int = DEFAULT_MAX_CHARS):
        self.templates_dir = Path(templates_dir)
        self.max_chars = max_chars
        self._env = _sandbox(self.templates_dir, max_chars)
        # Filled lazily; a race only compiles a template twice. Edits made after the first render
        # need a new renderer (the daemon builds one per run).
        self._compiled: dict[str, jinja2.Template] = {}
        self._globals: dict[str, dict[str, Any]] = {}  # each template's globals, merged once
        self._reads: dict[tuple[str, str], frozenset[str] | None] = {}
        self._shapes: dict[str, Shape] = {}
        self._pieces: dict[str, list[jinja2.Template]] = {}  # each {{ expression }} of a template, compiled alone

    def names(self) -> list[str]:
        """Every template name in the folder, sorted ('birthday', 'salon/invite', ...)."""
        if not self.templates_dir.is_dir():
            return []
        files = self.templates_dir.rglob(f"*{SUFFIX}")
        return sorted(p.relative_to(self.templates_dir).as_posix()[: -len(SUFFIX)] for p in files)

    def exists(self, name: str) -> bool:
        """Whether ``NAME.j2`` is a file in the templates folder."""
        return (self.templates_dir / f"{name}{SUFFIX}").is_file()

    def render(self, name: str, context: dict[str, Any]) -> str:
        """The rendered text with surrounding whitespace trimmed; any failure is one TemplateError line
        (a TemplateTooLong when the text, or a text built on the way, is over ``max_chars``)."""
        template = self._template(name)
        return self._run(name, template.filename, [(template, self._globals[name])], context)[0].strip()

    def shape(self, name: str) -> Shape:
        """The template as fixed text and {{ expression }} places (messaging.template_shape)."""
        if name not in self._shapes:
            self._template(name)
            source, _, _ = self._env.loader.get_source(self._env, f"{name}{SUFFIX}")
            self._shapes[name] = template_shape(self._env, source)
        return self._shapes[name]

    def fixed_text(self, name: str) -> str:
        """The template's fixed text, expressions and statements left out (for the content lint)."""
        self._template(name)
        source, _, _ = self._env.loader.get_source(self._env, f"{name}{SUFFIX}")
        return source_text(self._env, source)

    def render_values(self, name: str, context: dict[str, Any]) -> list[str]:
        """Each {{ expression }}'s value, in order (the variables of an approved template), under the same
        sandbox and bounds as ``render``; the template must be fixed text and outputs only."""
        template = self._template(name)
        if name not in self._pieces:
            shape = self.shape(name)
            if shape.problem:
                raise TemplateError(f"template {name!r} ({template.filename}): {shape.problem}")
            self._pieces[name] = [self._env.from_string("{{ " + e + " }}", self._globals[name]) for e in shape.expressions]
        return self._run(name, template.filename, [(t, self._globals[name]) for t in self._pieces[name]], context)

    def _run(self, name: str, filename: str | None, templates: list, context: dict[str, Any]) -> list[str]:
        """Render each (template, globals) with ``context`` inside one rendering budget."""
        token = start_budget(self.max_chars)
        try:
            out = []
            for template, globals_ in templates:
                # Template.render, without merging the globals into every recipient's context again.
                found = new_context(self._env, template.name, template.blocks, {**globals_, **context}, True, globals_)
                out.append(self._collect(template.root_render_func(found)))
            return out
        # Staff templates can raise anything (a TypeError from `'a' + 1`, a ZeroDivisionError...);
        # the contract is one TemplateError naming the template, never a traceback.
        except Exception:  # noqa: BLE001
            try:
                self._env.handle_exception()  # re-raises with the template's own lines in the traceback
            except Exception as exc:  # noqa: BLE001
                error = TemplateTooLong if isinstance(exc, TextTooLong) else TemplateError
                raise error(_describe(name, filename, exc)) from None
        finally:
            end_budget(token)

    def _collect(self, chunks) -> str:
        """The output, refused as soon as it passes ``max_chars`` (the rest is never computed)."""
        parts, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > self.max_chars:
                raise TextTooLong(f"output longer than {self.max_chars} characters")
            parts.append(chunk)
        return "".join(parts)

    def variables(self, name: str) -> set[str]:
        """The top-level variables a template reads, for checking a campaign's context up front."""
        self._template(name)
        source, _, _ = self._env.loader.get_source(self._env, f"{name}{SUFFIX}")
        return meta.find_undeclared_variables(self._env.parse(source))

    def attributes_read(self, name: str, variable: str) -> frozenset[str] | None:
        """The attributes the template reads of ``variable`` (``customer.name`` -> "name").

        None when that cannot be told from the source: the variable used whole, subscripted or passed
        on, or another template included or imported.
        """
        key = (name, variable)
        if key not in self._reads:
            self._reads[key] = self._attributes_read(name, variable)
        return self._reads[key]

    def _attributes_read(self, name: str, variable: str) -> frozenset[str] | None:
        self._template(name)
        source, _, _ = self._env.loader.get_source(self._env, f"{name}{SUFFIX}")
        tree = self._env.parse(source)
        if any(True for _ in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))):
            return None
        uses = sum(1 for n in tree.find_all(nodes.Name) if n.name == variable)
        read = [n.attr for n in tree.find_all(nodes.Getattr) if isinstance(n.node, nodes.Name) and n.node.name == variable]
        return frozenset(read) if len(read) == uses else None

    def _template(self, name: str) -> jinja2.Template:
        template = self._compiled.get(name)
        if template is None:
            template = self._compile(name)
            self._globals[name] = dict(template.globals)
            self._compiled[name] = template
        return template

    def _compile(self, name: str) -> jinja2.Template:
        try:
            return self._env.get_template(f"{name}{SUFFIX}")
        except jinja2.TemplateNotFound:
            where = self.templates_dir / f"{name}{SUFFIX}"
            raise TemplateError(f"template {name!r}: not found (no file {where})") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template {name!r} ({exc.filename}:{exc.lineno}): syntax error: {_one_line(exc.message)}") from None


def month_day(value: Any) -> str:
    """The `md` filter: a date as staff write it in a text, 2025-12-07 -> 12月7日."""
    return f"{value.month}月{value.day}日" if hasattr(value, "month") else str(value)


def _sandbox(templates_dir: Path, max_chars: int) -> BoundedSandbox:
    # Immutable: a template must not change the lists and dicts the campaign passes in.
    # trim/lstrip_blocks: {% if %} lines leave no blank lines behind in a multi-line SMS.
    env = BoundedSandbox(
        loader=jinja2.FileSystemLoader(templates_dir, encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        max_chars=max_chars,
    )
    env.filters["md"] = month_day
    env.bound_filters()
    return env


def _describe(name: str, filename: str | None, exc: Exception) -> str:
    where = f"{filename}:{_template_line(filename, exc)}" if filename else "<unknown file>"
    return f"template {name!r} ({where}): {_problem(exc)}"


def _problem(exc: Exception) -> str:
    if isinstance(exc, BoundExceeded):
        return f"over a rendering bound: {_one_line(str(exc))}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"unsafe: {_one_line(str(exc))}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined: {_one_line(str(exc))}"
    return f"{type(exc).__name__}: {_one_line(str(exc))}"


def _template_line(filename: str | None, exc: Exception) -> int | str:
    """The template line that failed: Jinja rewrites tracebacks so template frames carry it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return frames[-1].lineno if frames else "?"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def compose_sms(body: str, *, marketing: bool, signature: str, unsubscribe_hint: str) -> str:
    """Prefix the 【signature】; marketing texts also end with the unsubscribe hint; never twice."""
    text = body.strip()
    signature = _bracketed(signature.strip())
    if signature and signature not in text:
        text = signature + text
    hint = unsubscribe_hint.strip()
    if marketing and hint and hint not in text:
        text = text + hint
    return text


def _bracketed(signature: str) -> str:
    """Carriers require the 【】 brackets; a signature configured without them gets them."""
    if not signature or (signature.startswith("【") and signature.endswith("】")):
        return signature
    return f"【{signature.strip('【】')}】"
