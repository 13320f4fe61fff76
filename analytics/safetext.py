"""User data as text: escaping for the widgets that render markdown or HTML, and length caps.

Names, units, goals and notes come from imported files and from visitors. A widget that renders
markdown (st.markdown, st.caption, st.title, st.metric, expander labels, st.success ...) would turn
``![](https://outside/x.png)`` into a request to an outside host and ``[登录](https://phish)`` into a
link; Plotly renders ``<a href>`` in labels. Everything shown there passes through these helpers.
"""

from __future__ import annotations

import re

# Characters with a meaning anywhere in a line: emphasis, code, links and images, HTML, entities,
# strikethrough, LaTeX and Streamlit's ``:red[...]`` directives (which need the bracket); ``\`` first of all.
# "_" inside a word ("管理_2026年") cannot emphasise, and "(" without "[" makes no link: both stay.
_MARKDOWN_INLINE = re.compile(r"([\\`*\[\]<>!~$&|@]|(?<!\w)_|_(?!\w))")
# Bare URLs become links (GFM autolinks). Streamlit's markdown finds them in the text after the
# escapes are gone, so a backslash does not help: a zero-width space breaks "http://" and "www.".
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=\bwww)(?=\.)")
_ZERO_WIDTH_SPACE = "\u200b"
# At the start of the text only (line breaks are flattened): headings, quotes, list items, rules.
_BLOCK_START = re.compile(r"^(\s*)(>|[#+\-](?=[\s#+\-]|$)|\d{1,9}(?=[.)](?:\s|$)))")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# One pass, so that the "&" and "#" of one reference are never escaped again.
_HTML_TABLE = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_[]()!#|~$:"}


def escape_markdown(text: object) -> str:
    """``text`` as literal markdown: what could make a link, an image, HTML, emphasis or a block is
    backslash-escaped, line breaks become spaces; plain text ("98.1%", "≥95%") stays as it is.

    Line breaks are flattened because a blank line or a line starting with ``#``, ``>`` or four
    spaces would start a new block whatever the escaping of the characters inside it.
    """
    s = _LINE_BREAKS.sub(" ", "" if text is None else str(text))
    s = _MARKDOWN_INLINE.sub(r"\\\1", s)
    s = _AUTOLINK.sub(_ZERO_WIDTH_SPACE, s)
    return _BLOCK_START.sub(_escape_block_start, s)


def _escape_block_start(m: re.Match[str]) -> str:
    lead, mark = m.group(1), m.group(2)
    # "1." / "1)" starts an ordered list: the escape goes on the punctuation after the digits.
    return lead + (mark + "\\" if mark[0].isdigit() else "\\" + mark)


def escape_html(text: object) -> str:
    """``text`` for an HTML fragment (Plotly labels, the review table): no tag, no line break.

    Markdown characters become character references too, so that the fragment stays literal when
    Streamlit's markdown parses the HTML around it.
    """
    s = _LINE_BREAKS.sub(" ", "" if text is None else str(text))
    return s.translate(_HTML_TABLE)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis marking the cut; for logs and names, not for values."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def clip_file_name(name: str, limit: int) -> str:
    """A file name of at most ``limit`` characters that keeps its extension (readers go by it)."""
    if len(name) <= limit:
        return name
    dot = name.rfind(".")
    suffix = name[dot:] if dot >= 0 and len(name) - dot <= 10 else ""
    return clip(name[: len(name) - len(suffix)], max(limit - len(suffix), 1)) + suffix
