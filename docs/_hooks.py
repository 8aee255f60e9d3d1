"""mkdocs hooks: pages link to files of the repository outside ``docs/`` (``../examples/x.py``,
``../README.md``), which GitHub renders as links. On the site the README is the home page and
other files are not published, so such a link becomes the home page or plain text (a strict build
would otherwise fail on it)."""

from __future__ import annotations

import posixpath
import re
from typing import Any

LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    here = posixpath.dirname(page.file.src_uri)

    def outside(match: re.Match[str]) -> str:
        target = match["target"]
        if "://" in target or target.startswith(("#", "mailto:")):
            return match[0]
        path = posixpath.normpath(posixpath.join(here, target.split("#", 1)[0]))
        if not path.startswith("../"):
            return match[0]
        if path == "../README.md":
            return f"[{match['text']}]({posixpath.relpath('index.md', here or '.')})"
        return match["text"]

    return LINK.sub(outside, markdown)
