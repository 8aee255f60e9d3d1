"""Griffe extension for the docs build: the SDK's docstrings use Sphinx roles and ``::`` blocks.

``:class:`~amocrm_async.errors.X``` becomes a cross-reference to ``X`` (optional: a target that is
not on the site renders as code, with no warning), and a paragraph ending in ``::`` loses one
colon (the indented block after it is already a Markdown code block). Docstrings in the source
stay as they are, so ``help()`` and IDEs show them unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|meth|func|attr|exc|data|mod|obj):`(?P<tilde>~?)(?P<target>[^`]+)`")
DOUBLE_COLON = re.compile(r"(?<=\S)::[ \t]*$", re.M)
LONE_COLONS = re.compile(r"^[ \t]*::[ \t]*$", re.M)


def _scope(obj: griffe.Object) -> str:
    if obj.is_class or obj.is_module:
        return obj.path
    return obj.parent.path if obj.parent is not None else obj.path


def _rewrite(text: str, obj: griffe.Object) -> str:
    def role(match: re.Match[str]) -> str:
        target = match["target"].strip()
        explicit = re.fullmatch(r"(?P<title>.+?)\s*<(?P<target>[^<>]+)>", target)
        if explicit:
            target = explicit["target"]
        target = target.removesuffix("()")
        shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
        if explicit:
            shown = explicit["title"]
        if "." not in target:
            target = f"{_scope(obj)}.{target}"
        elif not target.startswith("amocrm_async"):
            target = f"amocrm_async.{target.lstrip('.')}"
        suffix = "()" if match["target"].endswith("()") and not explicit else ""
        return f'<autoref identifier="{target}" optional><code>{shown}{suffix}</code></autoref>'

    text = LONE_COLONS.sub("", DOUBLE_COLON.sub(":", ROLE.sub(role, text)))
    return _fence_doctests(text)


def _fence_doctests(text: str) -> str:
    """Doctest examples (``>>>`` up to the next blank line) become ``pycon`` code blocks."""
    out: list[str] = []
    in_doctest = False
    for line in text.splitlines():
        starts = line.lstrip().startswith(">>>")
        if starts and not in_doctest:
            out.append("```pycon")
            in_doctest = True
        elif in_doctest and not line.strip():
            out.append("```")
            in_doctest = False
        out.append(line)
    if in_doctest:
        out.append("```")
    return "\n".join(out)


class SphinxRoles(griffe.Extension):
    """Rewrite each docstring once, when its object is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _rewrite(obj.docstring.value, obj)
