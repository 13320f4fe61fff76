"""The text of a table file, whatever its physical layout, as printed table rows (domain.md section 7).

Text reaches the importer in six layouts: one row per line with tabs or " | " between cells; one
cell per line ("text |"); one cell per blank-line separated block (HTML copied as text); a whole
table flattened onto one or two lines; and cells run together with no separator at all. Each
layout has its own small reader. The first two give rows directly; the others give a stream of
cells that :func:`regroup` cuts into rows by what the cells are (labels from
:mod:`analytics.vocab`, values by the grammar of :mod:`analytics.values`), so that the row parser
(:mod:`analytics.tables`) sees what a tab-separated extraction of the same table would give.

Pure functions: text in, rows out. Nothing here judges a table; what cannot be split is left as
it is for the row parser to report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from analytics import vocab
from analytics.model import LIKELIHOODS, Row
from analytics.values import looks_like_date, parse_date, parse_target

# -- layout detection -----------------------------------------------------------------------

LAYOUTS = ("lines", "cells", "blocks", "flat", "run")

# A line at least this long, holding most of the text, is a table flattened onto one line.
_FLAT_LINE = 200
_FLAT_SHARE = 0.6
# A tab-separated line of this many cells is a whole table, not a row (the widest form has 16).
_FLAT_TABS = 40
# Shares of the non-blank lines that decide a layout; see detect_layout.
_TAB_SHARE = 0.2
_CELL_LINE_SHARE = 0.6
_PIPE_ROW_SHARE = 0.2
_BLOCK_SEPARATOR_SHARE = 0.5
_RUN_LINES = 2
# A region of a file with fewer text lines than this is read in the layout of the whole file.
_REGION_LINES = 4


@dataclass(frozen=True)
class Piece:
    """One cell of a stream, with the 1-based line it starts on."""

    text: str
    line: int


def detect_layout(lines: Sequence[str]) -> str:
    """The physical layout of a text, one of :data:`LAYOUTS`, from simple counts over its lines.

    - "lines": tabs on at least a fifth of the non-blank lines (the seed), or " | " rows;
    - "cells": most non-blank lines end with a single "|" ("text |", a bare "|");
    - "blocks": about as many empty separator lines as text lines, with blank-only blocks;
    - "flat": most of the text stands on lines of 200 characters or more (or of 40 tabs or more);
    - "run": several lines start with a label and go on with its value ("项目名称乡镇…").
    Anything else is read as "lines", one cell per line, as before.
    """
    text_lines = tabbed = cell_lines = pipe_rows = empty = blank_only = wide_tabbed = 0
    chars = long_chars = 0
    for line in lines:
        if line == "":
            empty += 1
            continue
        stripped = line.strip()
        if not stripped:
            blank_only += 1
            continue
        text_lines += 1
        chars += len(stripped)
        if "\t" in line:
            tabbed += 1
            if line.count("\t") >= _FLAT_TABS:
                wide_tabbed += len(stripped)
            continue
        if len(stripped) >= _FLAT_LINE:
            long_chars += len(stripped)
        bars = stripped.count("|")
        if bars == 1 and stripped.endswith("|"):
            cell_lines += 1
        elif bars >= 2 or (bars == 1 and not stripped.endswith("|")):
            pipe_rows += 1
    if not text_lines:
        return "lines"
    if tabbed >= max(1, _TAB_SHARE * text_lines):
        return "flat" if wide_tabbed >= _FLAT_SHARE * chars else "lines"
    if cell_lines >= _CELL_LINE_SHARE * text_lines:
        return "cells"
    if pipe_rows >= _PIPE_ROW_SHARE * text_lines:
        return "lines"
    if long_chars >= _FLAT_SHARE * chars:
        return "flat"
    if text_lines >= 4 and empty >= _BLOCK_SEPARATOR_SHARE * text_lines and (blank_only or empty >= text_lines - 1):
        return "blocks"
    run_lines = 0
    for line in lines:
        key = vocab.label_key(line) if line.strip() else ""
        label = _prefix_label(key)
        if label and len(key) > len(label) + 1:
            run_lines += 1
            if run_lines >= _RUN_LINES:
                return "run"
    return "lines"


def text_rows(text: str) -> list[Row]:
    """One :class:`Row` per printed table row of ``text``, cells left to right.

    ``text`` is already decoded, in simplified characters; its lines must not be stripped (a line
    of spaces or no-break spaces is an empty cell in the block layout). ``where[i]`` names the line
    (and, for the row-per-line layouts, the column) of each cell; ``row_where`` the row's first
    line. Layouts 1 and 2 give exactly one row per line, as before. In the regrouped layouts a
    header-block label starts a row with its values; titles, years, print headers and notes are
    one-cell rows; an indicator record is its 一级/二级 labels, its 三级 name and then one cell per
    header column after 三级 ("" where layouts 5 and 6 lost the cell, check marks whose column
    cannot be known after the last column). What cannot be split is kept as one cell.
    """
    lines = text.splitlines()
    layout = detect_layout(lines)
    if layout == "lines" and "\t" in text:
        return line_rows(lines)  # the seed's layout: one pass, nothing regrouped
    rows: list[Row] = []
    for start, end in regions(lines):
        part = lines[start:end]
        judged = detect_layout(part) if sum(1 for line in part if line.strip()) >= _REGION_LINES else layout
        rows.extend(layout_rows(judged, part, start + 1))
    return rows


def layout_rows(layout: str, lines: Sequence[str], first: int = 1) -> list[Row]:
    """The rows of lines in one layout; ``first`` is the number of the first line in the file."""
    if layout == "lines":
        return line_rows(lines, first)
    if layout == "cells":
        return exact_rows(cell_line_pieces(lines, first))
    if layout == "blocks":
        return exact_rows(block_pieces(lines, first))
    if layout == "flat":
        return regroup(split_pieces(drop_metadata(flat_pieces(lines, first))), exact=False)
    return regroup(split_pieces(run_pieces(lines, first)), exact=False)


def regions(lines: Sequence[str]) -> list[tuple[int, int]]:
    """Line ranges [start, end) of the tables of a file, each from its title line, so that each
    table's layout is judged on its own (what stands before the first title is a region too)."""
    starts = [0] + [k for k, line in enumerate(lines) if k and _is_title_line(line)]
    return [(a, b) for a, b in zip(starts, [*starts[1:], len(lines)], strict=True) if a < b]


def _is_title_line(line: str) -> bool:
    s = line.strip().strip("|").strip()
    return bool(s) and len(s) <= 60 and vocab.kind_of_title(s) is not None


# -- layouts 1 and 2: one row per line -------------------------------------------------------


def split_line(line: str) -> list[str]:
    """The cells of one row line: tab separated, or " | " separated with optional outer bars."""
    if "\t" in line:
        return line.split("\t")
    if "|" in line:
        cells = [c.strip() for c in line.split("|")]
        # A bar in the first column is a border; " | 产出指标" after a space is an empty first cell.
        if line.startswith("|"):
            cells = cells[1:]
        if line.strip().endswith("|"):
            cells = cells[:-1]
        return cells
    return [line]


_RULE_START = frozenset("-:")


def _is_rule(cells: list[str]) -> bool:
    return all(set(c.strip()) <= set("-: ") for c in cells) and any(c.strip() for c in cells)


def line_rows(lines: Sequence[str], first: int = 1) -> list[Row]:
    """Rows of a text with one printed row per line; markdown separator rows are dropped."""
    rows = []
    for n, line in enumerate(lines, start=first):
        cells = split_line(line)
        # A markdown separator row such as |---|---| (only a line starting like one is looked at).
        if line.lstrip(" \t|")[:1] in _RULE_START and _is_rule(cells):
            continue
        rows.append(Row(cells, [f"第{n}行第{c}列" for c in range(1, len(cells) + 1)], f"第{n}行"))
    return rows


# -- layouts 3 and 4: one cell per line or per block ------------------------------------------


def _join_parts(parts: list[str]) -> str:
    """The lines of one cell: paragraphs joined by a newline, a label split over lines rejoined."""
    if len(parts) > 1 and _is_known("".join(parts)):
        return "".join(parts)
    return "\n".join(parts)


def _stands_alone(text: str) -> bool:
    """A line that is a cell of its own even without a bar: a title, a year, a print header."""
    return bool(vocab.kind_of_title(text) or _YEAR_LINE.match(text) or vocab.PREAMBLE_RE.match(_squash(text)))


def cell_line_pieces(lines: Sequence[str], first: int = 1) -> list[Piece]:
    """Layout 3: "text |" ends a cell, a bare "|" is an empty cell; lines without a bar before it
    are the first lines of that cell, unless they stand alone (titles) or a blank line follows."""
    pieces: list[Piece] = []
    pending: list[tuple[int, str]] = []

    def flush_pending() -> None:
        for n, s in pending:
            pieces.append(Piece(s, n))
        pending.clear()

    for n, line in enumerate(lines, start=first):
        s = line.strip()
        if not s:
            flush_pending()
            continue
        if s.endswith("|"):
            body = s[:-1].strip()
            parts = [p for _, p in pending] + ([body] if body else [])
            at = pending[0][0] if pending else n
            pending.clear()
            pieces.append(Piece(_join_parts(parts) if parts else "", at))
        elif _stands_alone(s):
            flush_pending()
            pieces.append(Piece(s, n))
        else:
            pending.append((n, s))
    flush_pending()
    return pieces


def block_pieces(lines: Sequence[str], first: int = 1) -> list[Piece]:
    """Layout 4: blocks between empty lines; a block of spaces or no-break spaces only is an empty
    cell, the lines of any other block are one cell."""
    pieces: list[Piece] = []
    block: list[tuple[int, str]] = []

    def close() -> None:
        if not block:
            return
        parts = [s.strip() for _, s in block if s.strip()]
        pieces.append(Piece(_join_parts(parts) if parts else "", block[0][0]))
        block.clear()

    for n, line in enumerate(lines, start=first):
        if line == "":
            close()
        else:
            block.append((n, line))
    close()
    return pieces


# -- layouts 5 and 6: flattened and run-together text ----------------------------------------

_METADATA_RE = re.compile(
    r"(?i)^(?:microsoft|office|word|wps|kingsoft|normal(?:\.dot[mx]?)?|\S+\.(?:dot[mx]?|wpt|docx?)|"
    r"\d{4}-\d{2}-\d{2}t[\d:.]+z?|\d{4}-\d{2}-\d{2}\s*\d{1,2}:\d{2}(?::\d{2})?|\d{1,2}:\d{2}(?::\d{2})?)$"
)


def flat_pieces(lines: Sequence[str], first: int = 1) -> list[Piece]:
    """Layout 5: cells separated by runs of white space (two or more when the text has them, so
    that a cell's own single spaces stay inside it)."""
    text = "\n".join(lines)
    wide = len(re.findall(r"[ \u00a0\u3000]{2,}", text))
    single = len(re.findall(r"(?<![ \u00a0\u3000])[ \u00a0\u3000](?![ \u00a0\u3000])", text))
    if "\t" in text:
        splitter = re.compile(r"\t+")
    elif wide >= single:
        splitter = re.compile(r"[ \u00a0\u3000]{2,}")
    else:
        splitter = re.compile(r"\s+")
    pieces: list[Piece] = []
    for n, line in enumerate(lines, start=first):
        pieces.extend(Piece(t.strip(), n) for t in splitter.split(line) if t.strip())
    return pieces


def drop_metadata(pieces: list[Piece]) -> list[Piece]:
    """What Word or WPS leaves before a table saved as text (author, application, template,
    timestamps): everything before the first title, or the first label when there is no title."""
    for test in (vocab.kind_of_title, _row_label):
        for i, p in enumerate(pieces):
            if test(p.text):
                return pieces[i:]
    return [p for p in pieces if not _METADATA_RE.match(p.text)]


def run_pieces(lines: Sequence[str], first: int = 1) -> list[Piece]:
    """Layout 6: every line, split at white space; labels are cut out of the pieces later."""
    pieces: list[Piece] = []
    for n, line in enumerate(lines, start=first):
        pieces.extend(Piece(t, n) for t in _SPACED_OUT.sub(lambda m: _squash(m.group(0)), line).split())
    return pieces


# Single characters between spaces, run into what follows or what precedes: "产 出 指 标数量指标…",
# "产 出 指 标数 量 指 标指标1:…" (two spaced-out labels in a row).
_SPACED_OUT = re.compile(r"(?:[\u4e00-\u9fff][ \u00a0\u3000]+){2,}[\u4e00-\u9fff]")


def split_pieces(pieces: list[Piece]) -> list[Piece]:
    """Spaced-out labels ("产 出 指 标") rejoined, then labels cut out of run-together text."""
    out: list[Piece] = []
    for p in _join_spaced(pieces):
        out.extend(Piece(t, p.line) for t in split_labels(p.text))
    return out


def _join_spaced(pieces: list[Piece]) -> list[Piece]:
    """Consecutive short pieces whose concatenation is a label become one piece."""
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        best = 0
        if len(pieces[i].text) <= 3:
            joined = pieces[i].text
            for j in range(i + 1, min(len(pieces), i + 12)):
                if len(pieces[j].text) > 3:
                    break
                joined += pieces[j].text
                if _is_known(joined):
                    best = j
        if best:
            out.append(Piece("".join(p.text for p in pieces[i : best + 1]), pieces[i].line))
            i = best + 1
        else:
            out.append(pieces[i])
            i += 1
    return out


# -- the label vocabulary, as the splitter needs it -----------------------------------------

_GOAL_SUBHEADERS = frozenset({"预期目标", "全年预期目标", "年度预期目标", *vocab.GOAL_ACTUAL_LABELS})
_INDICATOR_BLOCK_LABELS = frozenset({"绩效指标", "年度绩效指标", "项目绩效指标"})
_LIKELIHOOD_WORDS = frozenset({*LIKELIHOODS, "完全不可能"})
_FOOTER_KEYS = tuple(vocab.label_key(p) for p in vocab.FOOTER_PREFIXES)
_KNOWN = frozenset(
    set(vocab.HEADER_LABELS) | set(vocab.COLUMN_HEADERS) | set(vocab.BUDGET_COLUMNS) | set(vocab.BUDGET_ROWS)
    | set(vocab.LEVEL1_ALIASES) | set(vocab.LEVEL2_PARENTS) | set(vocab.TOTAL_LABELS)
    | set(vocab.BUDGET_BLOCK_LABELS) | _GOAL_SUBHEADERS | _INDICATOR_BLOCK_LABELS | _LIKELIHOOD_WORDS
)
# Too common inside names and texts to be cut out of run-together text; still labels as whole cells.
_WHOLE_CELL_ONLY = frozenset({"项目", "单位", "其他", "目标值", "实际值", "完成值", "指标值", "执行数", "预算数"})
_PREFIXES = frozenset(_KNOWN - _WHOLE_CELL_ONLY)
_PREFIX_LENGTHS = sorted({len(k) for k in _PREFIXES}, reverse=True)
# Labels looked for inside a run of text (a value followed by the next label): long, specific ones.
_GOAL_LABELS = frozenset(k for k, v in vocab.HEADER_LABELS.items() if v == "goal")
_INNER = tuple(sorted(
    (k for k in _PREFIXES if len(k) >= 4 and k not in _GOAL_LABELS and vocab.HEADER_LABELS.get(k) != "group"
     and (k in vocab.HEADER_LABELS or k in vocab.BUDGET_ROWS or k.endswith("指标"))),
    key=len, reverse=True,
))
_INNER_RE = re.compile("|".join(re.escape(k) for k in _INNER))
# The numbered goal blocks of the Hubei form: "年度绩效目标1(40分)" (label_key drops the points).
_GOAL_BLOCK = re.compile(r"^(?:年度)?绩效目标\d+$")
_GOAL_BLOCK_AT = re.compile(r"^(?:年度)?绩效目标\d+(?:[(（]\d+(?:\.\d+)?分[)）])?")
# The value columns of a 批复表 named by their year: "2025年实际实现值", "预期2026年实现值".
_YEAR_VALUE_HEADER_AT = re.compile(r"^(?:预期)?\d{4}年(?:度)?(?:实际|预期)?(?:实现|完成|目标|指标)值")
_MONTHS_AT = re.compile(r"^(?:1|一)[-—–~至到](?:\d{1,2}|[一二三四五六七八九十]+)月")
_YEAR_LINE = re.compile(r"^\(?\s*\d{4}\s*年度?\s*\)?$")


def _squash(text: str) -> str:
    return text.replace(" ", "").replace("\u00a0", "").replace("\u3000", "")


@lru_cache(maxsize=65536)  # pure, and asked several times for each cell of a stream
def _is_known(text: str) -> bool:
    return bool(text.strip()) and vocab.label_key(text) in _KNOWN


def _prefix_label(key: str) -> str | None:
    """The longest label a label_key-reduced text starts with."""
    for n in _PREFIX_LENGTHS:
        if n <= len(key) and key[:n] in _PREFIXES:
            return key[:n]
    return None


def _whole_cell_label(s: str) -> str | None:
    """A label too common to cut out of text ("其他"), accepted where another label follows it
    ("其他确定能有可能…" in a run-together header)."""
    for label in _WHOLE_CELL_ONLY:
        rest = s[len(label):]
        if s.startswith(label) and rest and _prefix_label(rest):
            return label
    return None


@lru_cache(maxsize=65536)  # pure, and asked several times for each cell of a stream
def _row_label(text: str) -> bool:
    key = vocab.label_key(text)
    return key in vocab.HEADER_LABELS or key in vocab.BUDGET_ROWS or key == "一级指标"


_NOTE_AFTER_LABEL = re.compile(r"^(?:\([^)]*\)|（[^）]*）|【[^】]*】)")


def _label_at(s: str) -> tuple[int, str] | None:
    """The label a squashed text starts with, as (length in ``s``, label), or None. A leading
    其中 and the month range of "1-6月执行数" belong to the label; so do the points of a Hubei
    goal block ("年度绩效目标1(40分)")."""
    body = s.removeprefix("其中:").removeprefix("其中")
    skip = len(s) - len(body)
    stars = len(body) - len(body.lstrip("*"))
    body, skip = body[stars:], skip + stars
    block = _GOAL_BLOCK_AT.match(body) or _YEAR_VALUE_HEADER_AT.match(body)
    if block:
        return skip + block.end(), body[: block.end()]
    months = _MONTHS_AT.match(body)
    if months:  # "1-6月" is written where the label has "1-X月"
        body, skip = "1-X月" + body[months.end():], skip + months.end() - len("1-X月")
    label = _prefix_label(body) or _whole_cell_label(body)
    return None if label is None else (skip + len(label), label)


def split_labels(text: str) -> list[str]:
    """A run of cells cut at the labels of the vocabulary: "项目名称乡镇污水管网维护经费" →
    ["项目名称", "乡镇污水管网维护经费"], "一级指标二级指标三级指标指标值" → four headers.

    A parenthesised note after a label stays with it ("产出指标(50分)"), a colon after it is
    dropped; after a goal label the rest is the goal text, never cut."""
    s = _squash(text)
    if _label_at(s) is None and not _INNER_RE.search(s, 1):
        return [text]  # no label: the cell as written, its own spaces kept
    out: list[str] = []
    while s:
        found = _label_at(s)
        if found:
            cut, label = found
            note = _NOTE_AFTER_LABEL.match(s[cut:])
            if note:
                cut += note.end()
            out.append(s[:cut])
            s = s[cut:].lstrip(":")
            if label in _GOAL_LABELS and s and _label_at(s) is None:
                out.append(s)
                break
            continue
        m = _INNER_RE.search(s, 1)
        if m is None:
            out.append(s)
            break
        cut = m.start()
        if s[:cut].endswith("其中:"):
            cut -= 3
        elif s[:cut].endswith("其中"):
            cut -= 2
        out.append(s[:cut])
        s = s[cut:]
    return [t for t in out if t]


# -- regrouping a stream of cells into rows ---------------------------------------------------


@lru_cache(maxsize=65536)  # pure, and asked several times for each cell of a stream
def _classify(text: str) -> str:
    """What a cell is, outside the indicator records: title, solo (a line of its own), footer,
    total, indicator header, budget column, goal, subgoal, group, label or value."""
    if not text.strip():
        return "empty"
    if vocab.kind_of_title(text):
        return "title"
    squashed = _squash(text)
    if _YEAR_LINE.match(squashed) or (vocab.PREAMBLE_RE.match(squashed) and not _is_number(squashed)):
        return "solo"  # a bare number is a value here, not a page number
    key = vocab.label_key(text)
    if key in vocab.TOTAL_LABELS:
        return "total"
    if squashed.startswith(vocab.FOOTER_PREFIXES) or key in _FOOTER_KEYS:
        return "footer"
    if key in ("一级指标", "二级指标", "三级指标") or key in _INDICATOR_BLOCK_LABELS:
        return "indicator_header"
    if key in _GOAL_SUBHEADERS:
        return "subgoal"
    if _GOAL_BLOCK.match(key):
        return "goal_block"
    field = vocab.HEADER_LABELS.get(key)
    if field == "group" or key in vocab.BUDGET_BLOCK_LABELS:
        return "group"
    if field == "goal":
        return "goal"
    if field or key in vocab.BUDGET_ROWS:
        return "label"
    if vocab.BUDGET_COLUMNS.get(key) in ("initial", "adjusted", "executed", "forecast"):
        return "budget_header"
    return "value"


def _join_split_labels(pieces: list[Piece]) -> list[Piece]:
    """A label split over two cells ("年初" / "预算数", "主管部门" / "及编码") is one cell."""
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        p = pieces[i]
        if i + 1 < len(pieces) and p.text.strip() and pieces[i + 1].text.strip():
            q = pieces[i + 1]
            joined = p.text.strip() + q.text.strip()
            key, kp, kq = vocab.label_key(joined), vocab.label_key(p.text), vocab.label_key(q.text)
            both_parts = kp and kq and key not in (kp, kq)  # "(2026年度)" + "项目名称" is no split label
            if both_parts and key in _KNOWN and not (kp in _KNOWN and kq in _KNOWN):
                out.append(Piece(joined, p.line))
                i += 2
                continue
        out.append(p)
        i += 1
    return out


class _Rows:
    """Rows under construction: a row is a list of pieces until it is closed."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.current: list[Piece] = []

    def start(self, piece: Piece | None = None) -> None:
        self.close()
        if piece is not None:
            self.current.append(piece)

    def add(self, piece: Piece) -> None:
        self.current.append(piece)

    def close(self) -> None:
        if self.current:
            cells = self.current
            self.rows.append(Row([p.text for p in cells], [f"第{p.line}行" for p in cells], f"第{cells[0].line}行"))
            self.current = []

    def only(self, kinds: set[str]) -> bool:
        """True when the open row holds only cells of these kinds (and empties)."""
        return bool(self.current) and all(_classify(p.text) in kinds | {"empty"} for p in self.current)


@dataclass
class _Header:
    """The indicator header as read: the roles of its columns, after any second header row."""

    roles: list[str]

    @property
    def name_index(self) -> int:
        return self.roles.index("name") if "name" in self.roles else min(2, len(self.roles) - 1)

    @property
    def after_name(self) -> list[str]:
        return self.roles[self.name_index + 1 :]


def _header_role(text: str) -> str | None:
    key = vocab.label_key(text)
    if key in _LIKELIHOOD_WORDS:
        return "likelihood_option"
    return vocab.column_role(text)


def regroup(pieces: list[Piece], exact: bool) -> list[Row]:
    """Rows from a stream of cells (layouts 3–6). ``exact`` says that empty cells are kept in the
    stream (layouts 3 and 4), so that indicator records can be counted out by the header's width;
    otherwise (layouts 5 and 6) cells are assigned by the value grammar."""
    pieces = _join_split_labels(pieces)
    rows = _Rows()
    header: _Header | None = None
    budget_roles: list[str] = []
    i, n = 0, len(pieces)
    while i < n:
        p = pieces[i]
        kind = _classify(p.text)
        if kind == "indicator_header":
            i, header = _read_indicator_header(pieces, i, rows)
            i = _read_records(pieces, i, rows, header, exact)
            continue
        if header is not None and _is_level(p.text):
            # records resume under the same header (after a Hubei 年度绩效目标2 block label)
            rows.close()
            i = _read_records(pieces, i, rows, header, exact)
            continue
        if kind == "solo" and rows.current and vocab.header_field(rows.current[-1].text) == "period":
            rows.add(p)  # "项目日期范围 2025年": a year as the period, not a year line of its own
        elif kind in ("title", "solo"):
            header, budget_roles = None, []
            rows.start(p)
            rows.close()
        elif kind == "budget_header":
            if not rows.only({"group"}):
                rows.start()
            budget_roles = []
            while i < n and vocab.BUDGET_COLUMNS.get(vocab.label_key(pieces[i].text)):
                budget_roles.append(vocab.BUDGET_COLUMNS[vocab.label_key(pieces[i].text)])
                rows.add(pieces[i])
                i += 1
            rows.close()
            continue
        elif kind == "label" and budget_roles and vocab.label_key(p.text) in vocab.BUDGET_ROWS:
            if not rows.only({"group"}):
                rows.start()
            rows.add(p)
            total = vocab.BUDGET_ROWS[vocab.label_key(p.text)] == "年度资金总额"
            i = _read_budget_values(pieces, i + 1, rows, budget_roles, exact, total)
            continue
        elif kind == "subgoal" and rows.only({"goal", "subgoal"}):
            rows.add(p)
            if i + 1 < n and _classify(pieces[i + 1].text) != "subgoal":
                subgoals = sum(1 for q in rows.current if _classify(q.text) == "subgoal")
                rows.close()  # the goal texts below their headers form the next row
                if not exact and subgoals == 2 and _classify(pieces[i + 1].text) == "value":
                    rows.start()
                    for text in _two_sentences(pieces[i + 1].text):
                        rows.add(Piece(text, pieces[i + 1].line))
                    i += 1
        elif kind == "label" and rows.only({"group"}):
            rows.add(p)
        elif kind == "total":
            rows.start(p)
            i = _read_total(pieces, i + 1, rows, exact)
            continue
        elif kind in ("label", "goal", "group", "footer", "subgoal", "goal_block"):
            rows.start(p)
        elif kind == "value" and _second_date(rows.current, p.text):
            rows.start(p)  # the period's end date on a row of its own, as the seed prints it
        else:
            rows.add(p)
        i += 1
    rows.close()
    return rows.rows


def exact_rows(pieces: list[Piece]) -> list[Row]:
    """Rows of a stream that kept its empty cells (layouts 3 and 4). When every printed row of
    the table holds as many cells as its indicator header (what a web page or a Word table
    copied cell by cell gives), the stream is cut by that width, so the row parser sees exactly
    the rows of a tab-separated copy; otherwise the cells are regrouped by what they are."""
    pieces = _join_split_labels(pieces)
    grid = _grid_extent(pieces)
    if grid is None:
        return regroup(pieces, exact=True)
    width, end = grid
    rows = []
    for k in range(0, end, width):
        cells = pieces[k : k + width]
        rows.append(Row([p.text for p in cells], [f"第{p.line}行" for p in cells], f"第{cells[0].line}行"))
    return rows + (regroup(pieces[end:], exact=True) if end < len(pieces) else [])


def _grid_extent(pieces: list[Piece]) -> tuple[int, int] | None:
    """(width, end) when the cells up to ``end`` form a grid of ``width`` cells a row: the title,
    the 项目名称 label and the indicator header each start a row at that width. The width is the
    widest header row ending on a column header; what follows the table's last cell and is only
    print furniture (the next table's 附件/报表编号 lines) is left after ``end``."""
    kinds = [_classify(p.text) for p in pieces]
    title = next((k for k, kind in enumerate(kinds) if kind == "title"), None)
    if title is None:
        return None
    header = next((k for k in range(title, len(pieces)) if kinds[k] == "indicator_header"), None)
    name = next((k for k in range(title, len(pieces)) if vocab.header_field(pieces[k].text) == "name"), None)
    if header is None or name is None:
        return None
    widths = []
    k = header
    # the first cell may be the block label ("绩效指标(90分)"), which heads no column of values
    while k < len(pieces) and (k == header or not pieces[k].text.strip() or _header_role(pieces[k].text)):
        if pieces[k].text.strip():
            widths.append(k - header + 1)
        k += 1
    last = len(pieces) - 1
    while last > header and kinds[last] in ("empty", "solo"):
        last -= 1
    for width in sorted(widths, reverse=True):
        if width < 3 or any(at % width for at in (title, header, name)):
            continue
        end = -(-(last + 1) // width) * width
        if end <= len(pieces) and all(not p.text.strip() for p in pieces[last + 1 : end]):
            return width, end
    return None


def _two_sentences(text: str) -> list[str]:
    """The goal and its outcome run together under 预期目标 and 实际完成情况: two sentences, one a
    cell; a text of any other number of sentences is kept whole (no cut would be certain)."""
    parts = [t + "。" for t in text.split("。")[:-1]]
    if text.endswith("。") and len(parts) == 2:
        return parts
    return [text]


def _read_total(pieces: list[Piece], i: int, rows: _Rows, exact: bool) -> int:
    """The figures of a 总分 row; run together ("10095.40") they are the points and the score,
    split where the score is no more than the points and the points no more than 100."""
    start = i
    while i < len(pieces) and _classify(pieces[i].text) in ("value", "empty"):
        i += 1
    cells = pieces[start:i]
    value = _dec(cells[0].text) if len(cells) == 1 else None
    if not exact and len(cells) == 1 and (value is None or value > 100):  # no total is above 100
        split = split_numbers(cells[0].text, ["weight", "score"])
        if split is not None:
            cells = [Piece(v, cells[0].line) for v in split]
    for c in cells:
        rows.add(c)
    rows.close()
    return i


def _second_date(row: list[Piece], text: str) -> bool:
    """True for a date after a period label that already has its start date in this row."""
    if not row or vocab.header_field(row[0].text) != "period" or not looks_like_date(text):
        return False
    return any(looks_like_date(p.text) for p in row[1:])


def _read_indicator_header(pieces: list[Piece], i: int, rows: _Rows) -> tuple[int, _Header]:
    """The header row from "一级指标" (or the block label before it) over every column header, and
    a second header row of sub-columns (偏差原因 categories, 完成目标可能性 options) if one follows."""
    rows.start()
    n = len(pieces)
    if vocab.label_key(pieces[i].text) in _INDICATOR_BLOCK_LABELS:
        rows.add(pieces[i])
        i += 1
    first: list[tuple[str, str]] = []
    if rows.current:
        first.append(("", "block"))  # "绩效指标" heads a column of its own, merged down the records
    while i < n:
        role = _header_role(pieces[i].text)
        if role is None or role in ("category", "likelihood_option"):
            break
        first.append((vocab.label_key(pieces[i].text), role))
        rows.add(pieces[i])
        i += 1
    rows.close()
    second: list[str] = []
    while i < n and _header_role(pieces[i].text) in ("category", "likelihood_option"):
        second.append(_header_role(pieces[i].text) or "")
        rows.add(pieces[i])
        i += 1
    rows.close()
    return i, _Header(_effective_roles(first, second))


def _effective_roles(first: list[tuple[str, str]], second: list[str]) -> list[str]:
    """Column roles once the group headers of a two-row header are replaced by their sub-columns."""
    if not second:
        return [role for _, role in first]
    categories = second.count("category")
    options = second.count("likelihood_option")
    roles: list[str] = []
    for key, role in first:
        if role == "note" and categories and ("偏差" in key or "原因" in key):
            roles.extend(["category"] * categories)
            categories = 0
        elif role == "likelihood" and options:
            roles.extend(["likelihood_option"] * options)
            options = 0
        else:
            roles.append(role)
    return roles


_BLOCK_END = frozenset({"title", "solo", "total", "footer", "indicator_header", "label", "goal", "group",
                        "budget_header", "goal_block"})


def _ends_block(text: str) -> bool:
    return _classify(text) in _BLOCK_END


@lru_cache(maxsize=65536)  # pure, and asked several times for each cell of a stream
def _is_level(text: str) -> bool:
    return vocab.is_level1(text) or vocab.is_level2(text)


def _read_records(pieces: list[Piece], i: int, rows: _Rows, header: _Header, exact: bool) -> int:
    """Indicator records until the block ends; returns the index of the first piece after them."""
    n = len(pieces)
    after = header.after_name
    while i < n and not _ends_block(pieces[i].text):
        lead = _lead_length(pieces, i)
        # empties beyond the columns before 三级 are the previous row's trailing cells
        excess = max(0, lead - header.name_index)
        while excess and not pieces[i].text.strip():
            rows.add(pieces[i])
            excess -= 1
            lead -= 1
            i += 1
        if excess and vocab.is_level1(pieces[i].text) and i + 1 < n and not pieces[i + 1].text.strip():
            # a 一级 label on a row of its own ("产出指标", "", "", ""), its empties with it
            rows.start(pieces[i])
            i += 1
            width = header.name_index + 1 + len(after)
            while i < n and not pieces[i].text.strip() and len(rows.current) < width:
                rows.add(pieces[i])
                i += 1
            continue
        rows.start()
        for _ in range(lead):
            rows.add(pieces[i])
            i += 1
        if i >= n or _ends_block(pieces[i].text):
            break
        name = pieces[i]
        i += 1
        if exact:
            taken = 0
            while i < n and taken < len(after) and not _ends_block(pieces[i].text):
                taken += 1
                i += 1
            rows.add(name)
            for p in pieces[i - taken : i]:
                rows.add(p)
            # a value shifted one cell right of its column ("网络运维工作及时性", "", "=100%"): a
            # 三级 name is never a target value, so the value still belongs to this record
            while i < n and not _ends_block(pieces[i].text) and _value_like(pieces[i].text):
                rows.add(pieces[i])
                i += 1
        else:
            i = _assign_record(pieces, i, rows, name, after)
            _move_to_annual_group(rows, lead, header.roles)
    rows.close()
    return i


def _move_to_annual_group(rows: _Rows, lead: int, roles: list[str]) -> None:
    """A record of one name and one value under 长期 and 年度 column groups: once empty cells
    are lost, its side cannot be told, and the 年度 group is the one a 长期 block runs short of
    (the 年度 group is the table's substance, the 长期 one its summary), so it goes there."""
    names = [k for k, r in enumerate(roles) if r == "name"]
    row = rows.current
    if len(names) != 2 or len(row) != lead + 2 or roles[names[1] + 1 : names[1] + 2] != ["target"]:
        return
    cells = [Piece("", row[0].line)] * (names[1] + 2)
    for p in row[:lead]:
        if not p.text.strip():
            continue
        if vocab.is_level1(p.text) and "level1" in roles and not vocab.is_level2(p.text):
            cells[roles.index("level1")] = p
        elif roles[names[1] - 1] == "level2":
            cells[names[1] - 1] = p
    cells[names[1]], cells[names[1] + 1] = row[lead], row[lead + 1]
    rows.current = cells


def _lead_length(pieces: list[Piece], i: int) -> int:
    """How many cells before a record's 三级 name: empties, then at most one 一级 and one 二级
    label (a 三级 name may read like a 二级 one: "服务对象满意度" under "服务对象满意度")."""
    k, level1, level2 = i, False, False
    while k < len(pieces):
        text = pieces[k].text
        if not text.strip():
            k += 1
        elif vocab.is_level1(text) and not level1 and not level2 and not (
            vocab.is_level2(text) and k + 1 < len(pieces) and not _is_level(pieces[k + 1].text)
        ):
            level1 = True
            k += 1
        elif vocab.is_level2(text) and not level2:
            level2 = True
            k += 1
        else:
            break
    return k - i


# -- assigning the cells of a record when empty cells are lost (layouts 5 and 6) --------------

_NUMERIC_ROLES = frozenset({"target", "actual", "prior", "forecast", "weight", "score"})
_TEXT_ROLES = frozenset({"note", "remark", "standard"})
_NUMBER_ROLES = frozenset({"weight", "score", "points"})
_MARKS = frozenset({"√", "✓", "✔", "V", "v"})
_NATURES = frozenset({"≥", "≤", "=", ">", "<", ">=", "<=", "定性", "定量", "正向", "反向"})
_GRADE_RE = re.compile(r"^(?:达成|部分达成|未达成|完成|已完成|未完成|基本完成)")
# Progress told in words in a 监控表's 1-X月 and 全年预计 columns ("未完工", "未开展", "按期完工").
_PROGRESS_RE = re.compile(r"^(?:已|未|尚未|正在|按期|如期|预计|基本)")


@lru_cache(maxsize=65536)  # pure, and asked several times for each cell of a stream
def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?\d+(?:\.\d+)?|[—\-/]", text.strip()))


@lru_cache(maxsize=65536)  # pure, and asked several times for each cell of a stream
def _value_like(text: str) -> bool:
    """A number, a quantity, a percent or a date (a target or an actual value, not a phrase)."""
    s = text.strip()
    if not s or _is_level(s) or _is_known(s):
        return False
    if _is_number(s):
        return True
    try:
        return parse_target(s).kind != "qualitative"
    except ValueError:
        return False


def _fits(role: str, text: str, following: str | None) -> bool:
    """Whether a cell can fill a column of this role, given the cell after it (None at the end)."""
    s = text.strip()
    if role in _NUMBER_ROLES:
        return _is_number(s)
    if role == "prior":  # a prior year's value only when the current target follows it
        return _value_like(s) and following is not None and _value_like(following)
    if role in ("actual", "forecast"):
        return _value_like(s) or bool(_GRADE_RE.match(s) or _PROGRESS_RE.match(s)) or (
            following is not None and _is_number(following))
    if role == "level1":
        return vocab.is_level1(s)
    if role == "level2":
        return vocab.is_level2(s)
    if role == "name":  # the 三级 name of a second column group (长期 / 年度)
        return bool(s) and not _value_like(s) and not _is_level(s) and s not in _MARKS
    if role == "nature":
        return s in _NATURES
    if role == "unit":
        # a grade ("达成年度指标") is the 完成值 of a qualitative indicator, which has no unit
        return len(s) <= 8 and not re.search(r"\d", s) and not _GRADE_RE.match(s) and (
            following is None or not _ends_block(following))
    if role == "likelihood":  # one 完成目标可能性 column holding the word itself
        return vocab.label_key(s) in _LIKELIHOOD_WORDS
    if role in ("category", "likelihood_option"):  # a column of a two-row header, marked "√"
        return False
    if s in _MARKS or _is_level(s):
        return False
    if role == "target" and _value_like(s):
        return True
    if role == "standard":  # the 绩效标准 phrase ("反映…情况") stands before the target value
        return not _value_like(s) and not _GLUED_VALUE.search(s)
    # a phrase (a qualitative target, a 三级 name of a second column group, a note): text that
    # does not begin the next record, which is a name followed by its value or run into it
    if _GLUED_VALUE.search(s):
        return False
    return not _is_number(s) and not (following is not None and _value_like(following))


# An operator before a number inside a text: a value run into a 三级 name ("管网完好率≥95%").
_GLUED_VALUE = re.compile(r"[^\s≥≤=<>][≥≤=<>]\d")


def _assign_record(pieces: list[Piece], i: int, rows: _Rows, name: Piece, after: list[str]) -> int:
    """The cells after a 三级 name, one per header column, "" where the grammar finds none."""
    n = len(pieces)

    def nxt(k: int, level_ok: bool = False) -> str | None:
        """The cell at k if it still belongs to this record (a level label only where one is due)."""
        if k >= n or _ends_block(pieces[k].text) or (_is_level(pieces[k].text) and not level_ok):
            return None
        return pieces[k].text

    def cell_text(k: int) -> str:
        return pieces[k].text if k < n else ""

    roles = list(after)
    values: list[Piece] = []
    tail_unplaced: list[Piece] = []
    # Layout 6: the values run on from the name ("新建污水管网长度12公里12公里1010").
    first = nxt(i)
    leading = _leading_numeric(roles)
    # an operator inside the name is the start of its target ("管网完好率≥95%"), whatever follows
    glued = bool(_GLUED_VALUE.search(name.text))
    groups = _split_two_groups(name.text) if roles == ["target", "level2", "name", "target"] else None
    if groups is not None and groups[-1] == "" and first is not None and _value_like(first):
        groups = (*groups[:-1], first)  # the 年度 value stands after the run, as a cell of its own
        i += 1
    if groups is not None and groups[-1]:
        rows.add(Piece(groups[0], name.line))
        for v in groups[1:]:
            rows.add(Piece(v, name.line))
        return i
    nature = _split_nature_run(name.text, roles) if roles[:3] == ["nature", "target", "unit"] else None
    if nature is not None and (first is None or not _fits("nature", first, nxt(i + 1))):
        name = Piece(nature[0], name.line)
        values = [Piece(v, name.line) for v in nature[1]]
        roles = roles[len(nature[1]):]
        if nature[2] and roles and roles[0] in _TEXT_ROLES:
            values.append(Piece(nature[2], name.line))
            roles = roles[1:]
    standard = _split_standard(name.text) if roles[:2] == ["standard", "target"] else None
    if standard is not None and (first is None or _PLACEHOLDER_RE.match(first)
                                 or not _fits("standard", first, nxt(i + 1))):
        name = Piece(standard[0], name.line)
        values = [Piece(standard[1], name.line), Piece(standard[2], name.line)]
        roles = roles[2:]
    elif leading and (glued or first is None or not _fits_first(roles[0], first)):
        cut = split_record_run(name.text, roles, partial=first is not None)
        if cut is None and roles[0] == "prior":  # no prior year's value: the run is the target's
            cut = split_record_run(name.text, roles[1:], partial=first is not None)
            if cut is not None:
                cut = (cut[0], ["", *cut[1]], cut[2])
        if cut is not None:
            name = Piece(cut[0], name.line)
            values = [Piece(v, name.line) for v in cut[1]]
            roles = roles[len(cut[1]):]
            tail = cut[2]
            marks = "".join(c for c in tail if c in _MARKS)
            note = "".join(c for c in tail if c not in _MARKS)
            texts = [k for k, r in enumerate(roles) if r in _TEXT_ROLES]
            if note and texts:
                values += [Piece("", name.line)] * texts[0] + [Piece(note, name.line)]
                roles = roles[texts[0] + 1:]
            tail_unplaced = [Piece(m, name.line) for m in marks]
            if note and not texts:
                tail_unplaced.append(Piece(note, name.line))
    elif leading and first is not None and not _value_like(first) and re.match(r"[\d≥≤=<>]", first):
        run = split_numbers(first, roles[: len(leading)])
        if run is not None:
            values = [Piece(v, pieces[i].line) for v in run]
            roles = roles[len(run):]
            i += 1
    if roles and roles[0] == "target" and not values and after[1:2] != ["actual"]:
        # a 三级 name wrapped onto a second cell: the value comes one cell later
        second = nxt(i + 1)
        if first is not None and not _value_like(first) and second is not None and _value_like(second):
            name = Piece(name.text + first, name.line)
            i += 1
    lead = [p.text for p in rows.current]
    rows.add(name)
    for v in values:
        rows.add(v)
    unplaced = tail_unplaced
    pending: Piece | None = None
    for k, role in enumerate(roles):
        # a check mark says nothing of its column once empty cells are lost: never guess one
        while nxt(i) is not None and pieces[i].text.strip() in _MARKS and role != "likelihood":
            unplaced.append(pieces[i])
            i += 1
        if pending is not None:
            rows.add(pending)
            pending = None
            continue
        cell = nxt(i, level_ok=role in ("level1", "level2") and _second_group_level(cell_text(i), lead))
        if role == "name" and cell is not None and roles[k + 1 : k + 2] == ["target"] and _GLUED_VALUE.search(cell):
            glued_pair = _name_and_value(cell)  # the 年度 name with its value run on
            if glued_pair is not None:
                rows.add(Piece(glued_pair[0], pieces[i].line))
                pending = Piece(glued_pair[1], pieces[i].line)
                i += 1
                continue
        # any phrase may be the target right after its name, if it stands on the name's line: a
        # line further down begins another record ("…效果提升" ran its phrase into the name)
        phrase_target = k == 0 and role == "target" and not values and cell is not None and (
            pieces[i].line == name.line or _value_like(cell))
        fits = _fits(role, cell, nxt(i + 1)) if cell is not None else False
        if role == "target" and fits and not _value_like(cell or "") and pieces[i].line != name.line:
            fits = False
        if cell is not None and (phrase_target or fits):
            rows.add(pieces[i])
            i += 1
        else:
            rows.add(Piece("", name.line))
    while nxt(i) is not None and pieces[i].text.strip() in _MARKS:
        unplaced.append(pieces[i])
        i += 1
    # a phrase after the marks that no value follows cannot be the next record's name (a name
    # comes with its target): it is a cell of this record whose column was lost with the empties
    last = nxt(i)
    if unplaced and last is not None and not _value_like(last) and nxt(i + 1) is None:
        unplaced.append(pieces[i])
        i += 1
    if unplaced:
        # kept beyond the header's last column, where the row parser maps them to no column
        for p in unplaced:
            rows.add(p)
    else:
        # drop the trailing empties this grammar added: they are not in the printed row
        while rows.current and rows.current[-1].text == "" and len(rows.current) > 1:
            rows.current.pop()
    return i


_STANDARD_AT = re.compile(r"反映")
_PLACEHOLDER_RE = re.compile(r"^[….·。]+$")  # the "……" rows a template leaves
_STANDARD_END = re.compile(r".*(?:情况|程度|水平|效果|比例|数量)")


def _split_standard(text: str) -> tuple[str, str, str] | None:
    """A 三级 name, its 绩效标准 and its target run together ("参保率反映参保覆盖情况≥95%"): the
    standard is the "反映…" description, up to the value or, before a qualitative target, up to
    its closing word ("…情况有效减轻")."""
    s = text.strip()
    m = _STANDARD_AT.search(s, 2)
    if m is None:
        return None
    name, rest = s[: m.start()], s[m.start():]
    cut = split_record_run(rest, ["target"])
    if cut is not None:
        return name, cut[0], cut[1][0]
    end = _STANDARD_END.match(rest)
    if end is None or end.end() == len(rest):
        return None
    return name, rest[: end.end()], rest[end.end():]


_OPERATOR_AT = re.compile(r"^(?:≥|≤|>=|<=|=|>|<)")
_AFTER_GRADE = re.compile(r"^(\D+?)(\d[\d.]*)(\D*)$")


def _grade_and_points(body: str) -> tuple[str, str, str, str] | None:
    """What follows a qualitative target in a run: the grade, 分值 and 得分, and a note."""
    m = _AFTER_GRADE.match(body)
    if m is None or not _GRADE_RE.match(m[1]):
        return None
    # points are whole numbers: of "54.00", 5 and 4.00 rather than 54.0 and 0
    splits = [sp for sp in _all_splits(m[2], ["weight", "score"], True)
              if "." not in sp[0] and _indicator_consistent({"weight": sp[0], "score": sp[1]})]
    return (m[1], *splits[0], m[3]) if len(splits) == 1 else None


def _split_nature_run(text: str, roles: list[str]) -> tuple[str, list[str], str] | None:
    """A Sichuan record run together ("…长度≥12公里122020.00", "…质量定性明显改善达成年度指标54.00"):
    the name, the cells 指标性质, 指标值, 度量单位, 完成值, 权重, 得分, and the note after them."""
    rest_roles = roles[3:]
    if rest_roles[:3] != ["actual", "weight", "score"]:
        return None
    k = text.find("定性", 2)
    if k > 0:  # a graded indicator: its phrase, the grade, then 分值 and 得分
        body = text[k + 2:]
        phrase = next((q for q in sorted(_QUALITATIVE, key=len, reverse=True) if body.startswith(q)), None)
        graded = _grade_and_points(body[len(phrase):]) if phrase else None
        if graded is None:
            return None
        return text[:k], ["定性", phrase, "", *graded[:3]], graded[3]
    cut = split_record_run(text, ["target", "actual", "weight", "score"])
    if cut is None:
        return None
    target, *others = cut[1]
    op = _OPERATOR_AT.match(target)
    core = target[op.end():] if op else target
    q = _quantity(core)
    number = core if q is None or any(rx.fullmatch(core) for rx in _DATE_RES) else core[: len(core) - len(q[2])]
    return cut[0], [op.group(0) if op else "", number, core[len(number):], *others], cut[2]


_LEVEL2_RE = re.compile("|".join(re.escape(k) for k in sorted(vocab.LEVEL2_PARENTS, key=len, reverse=True)))


def _name_and_value(text: str) -> tuple[str, str] | None:
    """A 三级 name with its target run on: a value, or a known qualitative phrase at the end."""
    cut = split_record_run(text, ["target"])
    if cut is not None and not cut[2] and len(cut[0]) >= 2:
        return cut[0], cut[1][0]
    phrase = next((q for q in sorted(_QUALITATIVE, key=len, reverse=True) if text.endswith(q)), None)
    if phrase and len(text) - len(phrase) >= 2:
        return text[: -len(phrase)], phrase
    return None


def _split_two_groups(text: str) -> tuple[str, str, str, str, str] | None:
    """A record of the 长期 and 年度 column groups run together ("森林覆盖率≥62%完成人工造林面积≥1200亩",
    "…功能持续增强生态效益林区生态环境有效改善"): name and value of the 长期 group, the 年度 二级 if
    printed, name and value of the 年度 group ("" when it stands after the run)."""
    s = text.strip()
    m = _LEVEL2_RE.search(s, 2)
    if m is not None:
        left, level2, right = s[: m.start()], m.group(0), s[m.end():]
    else:
        level2 = ""
        left = right = ""
        for p in range(2, len(s)):
            if not _value_start(s, p):
                continue
            end = next((e for e in _candidates(s, p, "target", True) if e < len(s) and not s[e].isdigit()
                        and s[e] not in ".%" and _name_and_value(s[:e])), None)
            if end is not None:
                left, right = s[:end], s[end:]
                break
    first = _name_and_value(left) if left else None
    if first is None or not right:
        return None
    second = _name_and_value(right)
    if second is None:
        return (first[0], first[1], level2, right, "") if not re.search(r"\d", right) else None
    return first[0], first[1], level2, second[0], second[1]


def _second_group_level(text: str, lead: list[str]) -> bool:
    """Whether a 二级 label after a record's values opens the record's 年度 column group rather
    than the next record: the group repeats the row's 二级, or the row opens a 一级 block (where
    both groups begin); any other 二级 label begins a record of its own."""
    if not vocab.is_level2(text):
        return True
    key = vocab.label_key(text)
    return any(vocab.is_level1(t) and not vocab.is_level2(t) for t in lead) or any(
        vocab.label_key(t) == key for t in lead)


def _fits_first(role: str, text: str) -> bool:
    """Whether the cell after a name can open its values: a value, or the phrase of a
    qualitative target (which tells that the name holds no run-on values)."""
    if role in _NUMERIC_ROLES:
        return _value_like(text) or (role == "target" and not _is_number(text) and text.strip() not in _MARKS)
    return True


def _leading_numeric(roles: list[str]) -> list[str]:
    out = []
    for r in roles:
        if r not in _NUMERIC_ROLES:
            break
        out.append(r)
    return out


def split_record_run(text: str, roles: list[str], partial: bool = False) -> tuple[str, list[str], str] | None:
    """A 三级 name with its values run on ("新建污水管网长度12公里12公里1010"): the name, the
    cells of the leading value columns of ``roles``, and what follows the last value (check marks
    and a note), or None when no split is consistent.

    The name ends at the earliest place where the rest splits consistently, so that "PM2.5"
    inside a name is not read as a value. Text after the last number is a tail when the last
    value column is unitless (分值, 得分) or when check marks begin it. With ``partial``, the run
    may hold only the first value columns (the others follow as cells of their own)."""
    leading = _leading_numeric(roles)
    if not leading:
        return None
    s = text.strip()
    attempts = [("", s)]
    digits = [k for k, c in enumerate(s) if c.isdigit()]
    if digits:
        last = digits[-1] + 1
        mark = next((k for k in range(last, len(s)) if s[k] in _MARKS), None)
        if mark is not None:
            attempts = [(s[mark:], s[:mark])]
        elif leading[-1] in ("weight", "score") and last < len(s) and s[last] != "%":
            attempts.insert(0, (s[last:], s[:last]))
    if any(r in _TEXT_ROLES for r in roles[len(leading):]):
        # a 备注 or note run on after the last value ("≤88万元含沟渠清淤"): it begins after a
        # date or a common unit, the last one that leaves no digit behind
        cut = next((m.end() for m in reversed(list(_VALUE_END_RE.finditer(s)))
                    if m.end() < len(s) and not re.search(r"\d", s[m.end():])), None)
        if cut is not None:
            attempts.insert(0, (s[cut:], s[:cut]))
    for tail, body in attempts:
        counts = range(len(leading), 0, -1) if partial and not tail else [len(leading)]
        # an operator inside the run begins the target ("管网维护成本≤57万元…"): no earlier cut
        op = next((k for k in range(1, len(body)) if body[k] in "≥≤=<>"), None) if leading[0] == "target" else None
        for p in range(op or 1, len(body)):
            if not _value_start(body, p):
                continue
            if leading[0] == "target" and body[p] in "≥≤=<>" and 1 in counts and _value_like(body[p:]):
                # one target spelled with a second bound ("≥95%,力争100%"): the operator begins it
                return body[:p], [body[p:]], tail
            for k in counts:
                split = split_numbers(body[p:], leading[:k])
                if split is not None:
                    return body[:p], split, tail
    return None


# Where a value ends for certain: a date's 日, a percent, a common unit after its number.
_VALUE_END_RE = re.compile(r"\d(?:%|万元|万亩|万人|平方米|公里|人次|公斤|[元亩吨个次人户处座米场家笔日所台套])")


def _value_start(s: str, p: int) -> bool:
    c, before = s[p], s[p - 1]
    if c.isdigit():
        # "9月30日" after "2025年" is the rest of a date, not a value of its own
        in_date = before in "年月" and p >= 2 and s[p - 2].isdigit()
        return not (before.isdigit() or before in ".,≥≤=<>" or in_date)
    return c in "≥≤=<>" and before not in "≥≤=<>"


# -- budget rows ------------------------------------------------------------------------------


def _read_budget_values(pieces: list[Piece], i: int, rows: _Rows, roles: list[str], exact: bool,
                        total: bool = False) -> int:
    """The amounts after a budget row label, split with the table's arithmetic when they run
    together; what cannot be split is kept as one cell."""
    start = i
    n = len(pieces)
    while i < n and _classify(pieces[i].text) in ("value", "empty") and not (exact and i - start == len(roles)):
        i += 1  # with empty cells kept, the header's width counts the row out
    cells = pieces[start:i]
    if not exact and len(cells) == 1 and not _is_number(cells[0].text) and len(roles) > 1:
        for candidate in _budget_role_sets(roles, total):
            split = split_numbers(cells[0].text, candidate)
            if split is not None:
                cells = [Piece(v, cells[0].line) for v in split]
                break
    for c in cells:
        rows.add(c)
    rows.close()
    return i


def _budget_role_sets(roles: list[str], total: bool = False) -> list[list[str]]:
    """The columns a budget row may fill: all of them, or without the points and score that a
    sub-row (其中:当年财政拨款 …) leaves out; the 年度资金总额 row of zeros (Anhui) may print its
    points without a rate or a score."""
    sets = [roles]
    pointed = [r for r in roles if r not in ("rate", "score")]
    if total and "points" in pointed and pointed != roles:
        sets.append(pointed)
    reduced = [r for r in roles if r not in ("points", "score")]
    if reduced != roles:
        sets.append(reduced)
    amounts = [r for r in reduced if r != "rate"]
    if amounts != reduced:
        sets.append(amounts)
    return sets


# -- splitting run-together numbers by the table's arithmetic --------------------------------

_AMOUNT_ROLES = frozenset({"initial", "adjusted", "executed", "forecast"})
_BUDGET_ROLES = _AMOUNT_ROLES | {"points", "rate", "score"}
_INDICATOR_ROLES = frozenset({"target", "actual", "prior", "forecast", "weight", "score"})
_NUM_RE = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")
_OPERATOR_PREFIXES = ("≥", "≤", ">=", "<=", "=", ">", "<", "≧", "≦", "不低于", "不少于", "不高于", "不超过")
_DATE_RES = (
    re.compile(r"\d{4}年\d{1,2}月\d{1,2}[日号]"),
    re.compile(r"\d{4}-\d{1,2}-\d{1,2}"),
    re.compile(r"\d{4}/\d{1,2}/\d{1,2}"),
    re.compile(r"\d{4}年\d{1,2}月(?:底|末)?"),
)
_QUALITATIVE = frozenset(vocab.QUALITATIVE_TARGETS)
_QUALITATIVE_RE = re.compile("|".join(re.escape(q) for q in sorted(_QUALITATIVE, key=len, reverse=True)))
_UNIT_STOP = set("0123456789≥≤=<>≧≦")
_MAX_UNIT = 8
_EMPTY_MARKS = ("——", "—", "--")
# The budget row is worth 10 or 20 points in the schemes of domain.md section 7; a 分值 outside
# this range is a wrong cut of the run (a zero budget row "0.000.000.00100.00%0.00" otherwise
# also reads with 100.0 points and a 0% rate).
_BUDGET_POINTS_RANGE = (Decimal(1), Decimal(50))
# When a budget block prints no 分值 column, its row is worth one of the schemes' points.
_DEFAULT_BUDGET_POINTS = (Decimal(10), Decimal(20))


def _numbers_at(s: str, pos: int) -> Iterator[int]:
    """Ends of every number that starts at ``pos`` (no leading zeros, optional decimals)."""
    end = pos
    while end < len(s) and (s[end].isdigit() or s[end] == "."):
        end += 1
    for e in range(pos + 1, end + 1):
        if _NUM_RE.fullmatch(s, pos, e):
            yield e


def _unit_end(s: str, pos: int) -> int:
    if s.startswith(".", pos):
        return pos  # "122020." is a number cut inside, never a number with a unit
    if s.startswith("%", pos):
        return pos + 1  # a percent is the whole unit: "≥62%完成人工造林面积…" goes on with a name
    end = pos
    while end < len(s) and s[end] not in _UNIT_STOP and end - pos < _MAX_UNIT:
        end += 1
    return end


def _candidates(s: str, pos: int, role: str, indicator: bool) -> Iterator[int]:
    """Ends of the cells of this role that may start at ``pos`` (in an indicator row when
    ``indicator``: there 全年预计完成情况 is a value with its unit, not an amount)."""
    for mark in _EMPTY_MARKS:
        if s.startswith(mark, pos) and role not in ("target",):
            yield pos + len(mark)
    if (role in _AMOUNT_ROLES and not indicator) or role in ("points", "weight", "score"):
        yield from _numbers_at(s, pos)
        return
    if role == "rate":
        for e in _numbers_at(s, pos):
            if s.startswith("%", e):
                yield e + 1
            yield e
        return
    # target, actual, prior, forecast: a quantity with its unit, or a date
    start = pos
    if role == "target":
        for op in _OPERATOR_PREFIXES:
            if s.startswith(op, pos):
                start = pos + len(op)
                break
    if role == "target" and s[pos:] in _QUALITATIVE:
        yield len(s)  # a qualitative target closing the run ("30稳步提高": 分值 30, "稳步提高")
        return
    dates = [m.end() for m in (rx.match(s, start) for rx in _DATE_RES) if m]
    if dates:  # a cell that begins as a date is the whole date, never "2025年9月" and "30日"
        yield max(dates)
        return
    for e in _numbers_at(s, start):
        yield e
        u = _unit_end(s, e)
        if u > e and not _QUALITATIVE_RE.search(s, e, u):  # "0稳步提高" has no unit
            yield u


def _all_splits(s: str, columns: Sequence[str], indicator: bool) -> Iterator[list[str]]:
    dead: set[tuple[int, int]] = set()  # (position, column) from which no cut reaches the end

    def walk(pos: int, k: int) -> Iterator[list[str]]:
        if k == len(columns):
            if pos == len(s):
                yield []
            return
        if (pos, k) in dead:
            return
        found = False
        for end in _candidates(s, pos, columns[k], indicator):
            for rest in walk(end, k + 1):
                found = True
                yield [s[pos:end], *rest]
        if not found:
            dead.add((pos, k))

    yield from walk(0, 0)


def _dec(text: str) -> Decimal | None:
    m = re.fullmatch(r"(?:0|[1-9]\d*)(?:\.\d+)?", text.strip().rstrip("%"))
    if not m:
        return None
    try:
        return Decimal(m.group(0))
    except InvalidOperation:
        return None


def _tolerance(text: str) -> Decimal:
    """Half a unit of the last printed digit: "9.72" stands for 9.715–9.725, "10" for 9.5–10.5."""
    s = text.strip().rstrip("%")
    decimals = len(s.split(".")[1]) if "." in s else 0
    return Decimal(5) / Decimal(10) ** (decimals + 1) + Decimal("1e-9")


def _close(printed: str, computed: Decimal) -> bool:
    value = _dec(printed)
    return value is not None and abs(value - computed) <= _tolerance(printed)


def _budget_consistent(cells: dict[str, str]) -> bool:
    """rate = executed / budget (adjusted, else initial); score = points × min(rate, 1) ≤ points."""
    values = {k: _dec(v) for k, v in cells.items() if v not in _EMPTY_MARKS}
    if any(v is None for v in values.values()):
        return False
    base = values.get("adjusted") if values.get("adjusted") else values.get("initial")
    executed = values.get("executed")
    rate: Decimal | None = None
    if executed is not None and base:
        rate = executed / base * 100
        if "rate" in values and not _close(cells["rate"], rate):
            return False
    elif "rate" in values and base == 0 and values["rate"] != 0:
        return False
    if rate is None and values.get("rate") is not None:
        rate = values["rate"]
    score = values.get("score")
    points = values.get("points")
    if points is not None and not _BUDGET_POINTS_RANGE[0] <= points <= _BUDGET_POINTS_RANGE[1]:
        return False
    if score is not None:
        if rate is None:
            return points is None or score <= points + _tolerance(cells["score"])
        share = min(rate / 100, Decimal(1))
        options = [points] if points is not None else list(_DEFAULT_BUDGET_POINTS)
        return any(_close(cells["score"], p * share) for p in options)
    return True


def _quantity(text: str) -> tuple[str, Decimal, str] | None:
    """Operator, number and unit of a quantity cell ("≥95%" → (">=", 95, "%"))."""
    s = text.strip()
    op = "="
    for prefix, name in (("≥", ">="), (">=", ">="), ("≧", ">="), ("不低于", ">="), ("不少于", ">="), (">", ">="),
                         ("≤", "<="), ("<=", "<="), ("≦", "<="), ("不高于", "<="), ("不超过", "<="), ("<", "<="),
                         ("=", "=")):
        if s.startswith(prefix):
            op, s = name, s[len(prefix):]
            break
    m = re.match(r"(?:0|[1-9]\d*)(?:\.\d+)?", s)
    if not m:
        return None
    return op, Decimal(m.group(0)), s[m.end():]


def _completion(target: str, actual: str) -> Decimal | None:
    """c of domain.md section 4 for a quantity or a deadline, None when it cannot be computed."""
    try:
        kind = parse_target(target).kind
    except ValueError:
        return None
    if kind == "deadline":
        try:
            return Decimal(1) if parse_date(actual) <= parse_date(target) else Decimal(0)
        except ValueError:
            return None
    a, b = _quantity(target), _quantity(actual)
    if a is None or b is None or b[0] != "=":
        return None
    op, av, unit_a = a
    _, bv, unit_b = b
    if unit_b and unit_a and unit_a.removesuffix("元") != unit_b.removesuffix("元"):
        return None
    if op == "<=":
        return Decimal(1) if bv <= av else av / bv
    if av == 0:
        return Decimal(1) if bv <= 0 else Decimal(0)
    return min(bv / av, Decimal(1))


def _indicator_consistent(cells: dict[str, str]) -> bool:
    """score = weight × c, c from the target (年度指标值) and the actual value (实际完成值)."""
    for role in ("target", "actual", "prior", "forecast"):
        if role in cells and cells[role] not in _EMPTY_MARKS:
            try:
                parse_target(cells[role])
            except ValueError:
                return False
            if role != "target" and _quantity(cells[role]) is not None and _quantity(cells[role])[0] != "=":
                return False
    if "target" in cells and _quantity(cells["target"]) is None and parse_target(cells["target"]).kind != "deadline" \
            and cells["target"] not in _QUALITATIVE:  # a known phrase is a target, a stray text is none
        return False
    weight = _dec(cells["weight"]) if cells.get("weight", "—") not in _EMPTY_MARKS else None
    score = _dec(cells["score"]) if cells.get("score", "—") not in _EMPTY_MARKS else None
    if weight is not None and (weight > 100 or ("target" in cells and not 0 < weight < 100)):
        return False  # the 总分 is 100; an indicator's 分值 is less, the budget row taking its points
    if score is None:
        return True
    c = _completion(cells["target"], cells["actual"]) if "target" in cells and "actual" in cells else None
    if c is None or weight is None:
        return weight is None or score <= weight + _tolerance(cells["score"])
    return _close(cells["score"], weight * c)


def split_numbers(run: str, columns: list[str]) -> list[str] | None:
    """Cells that ran together, split into one cell per column, or None.

    ``columns`` names the roles in order: those of a budget row (``vocab.BUDGET_COLUMNS`` values:
    initial, adjusted, executed, forecast, points, rate, score) or those of an indicator row
    (target, actual, prior, forecast, weight, score). Every way of cutting ``run`` into cells of
    these kinds is tried and kept only when the table's own arithmetic holds (rate = executed /
    budget, score = points × rate capped at the points; score = weight × min(B/A, 1)), printed
    figures being rounded to their last digit. The one consistent split is returned; None when
    none or several are consistent, so that nothing is guessed.
    """
    found = _split_numbers(_squash(run), tuple(columns))
    return None if found is None else list(found)


@lru_cache(maxsize=65536)  # pure; the same runs recur in every table of a form
def _split_numbers(s: str, columns: tuple[str, ...]) -> tuple[str, ...] | None:
    if not s or not columns:
        return None
    if all(c in _BUDGET_ROLES for c in columns):
        check = _budget_consistent
    elif all(c in _INDICATOR_ROLES for c in columns):
        check = _indicator_consistent
    else:
        return None
    found: list[list[str]] = []
    for split in _all_splits(s, columns, check is _indicator_consistent):
        if check(dict(zip(columns, split, strict=True))):
            found.append(split)
            if len(found) > 1 and "weight" not in columns:
                return None
    if len(found) > 1:
        # points are whole numbers in every scheme: of "60109.50", 10 and 9.50 rather than 9.5 and 0
        found = [f for f in found if "." not in f[columns.index("weight")]]
    return tuple(found[0]) if len(found) == 1 else None
