"""Fuzz run: hostile and odd files made by mutating valid ones, fed to the real import and report paths.

    .venv/bin/python benchmarks/fuzz_inputs.py [--cases 2000] [--seed 0] [--no-pdf]

Every case is one mutated file. Target files (the seed text table, tab text, xlsx, docx and PDF
tables of tests/make_layouts.py) go through ``services.import_bytes``; report files (the sample
report, the report templates as xlsx and csv) through ``services.preview_report`` and
``services.load_report``. Each call must succeed or raise ``InputError`` with a Chinese message,
and a refusal must leave every table's row count unchanged. Anything else is a failure, printed
with the case's seed so it can be replayed with ``run_case``. tests/test_fuzz.py runs a slice.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script from anywhere: the project root holds the analytics and tests packages.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import services  # noqa: E402
from analytics.auth import ADMIN, User  # noqa: E402
from analytics.model import InputError  # noqa: E402
from analytics.storage import Store  # noqa: E402

SEED_TABLE = ROOT / "data" / "000_8af13639028b6537.txt"
SAMPLE_REPORT = ROOT / "data" / "samples" / "actuals_2026.xlsx"
FUZZER = User("fuzz", "模糊测试", ADMIN)
CJK = re.compile(r"[\u4e00-\u9fff]")

# Values that have broken number and date parsers before (issue 10 item 10) or might.
ODD_VALUES = ("inf", "-inf", "nan", "NaN", "1e999", "-1e999", "²", "³⁴", "①", "١٢", "0x1F", "1_000",
              "9" * 400, "1e-999", "+", "-", ".", "%", "∞", "1,2,3", "１２３", "=1+1", "=HYPERLINK(\"x\")",
              "@SUM(A1)", "\x00", "\u200b", "\ufeff", "9999-99-99", "2026-02-30", "0000-00-00", "")
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\u2028\u2029\u200e\u202e"


@dataclass(frozen=True)
class Base:
    """One valid file to mutate: its bytes, its name, and which path it goes through."""

    name: str
    data: bytes
    kind: str  # "target" or "report"


@dataclass
class Outcome:
    """What a run found: counts, and every failure with the case that caused it."""

    cases: int = 0
    successes: int = 0
    refusals: int = 0
    failures: list[str] = field(default_factory=list)


# -- bases -----------------------------------------------------------------------------------------
def _target_bases(work: Path, pdf: bool) -> list[Base]:
    from tests import make_layouts as ml

    grids = [ml.grid_of(s) for s in ml.SAME_NAME_SPECS[:2]] + [ml.grid_of(ml.TARGET_SPELLINGS)]
    bases = [Base("seed.txt", SEED_TABLE.read_bytes(), "target"),
             Base("tab.txt", ml.tab_text(grids).encode("utf-8"), "target")]
    xlsx, docx = work / "t.xlsx", work / "t.docx"
    ml.write_xlsx(xlsx, grids)
    ml.write_docx(docx, grids)
    bases += [Base("t.xlsx", xlsx.read_bytes(), "target"), Base("t.docx", docx.read_bytes(), "target")]
    if pdf and ml.CHROMIUM.exists():
        out = work / "t.pdf"
        ml.write_pdfs([(out, grids[:1])])
        bases.append(Base("t.pdf", out.read_bytes(), "target"))
    return bases


def _report_bases(store: Store) -> list[Base]:
    return [Base("actuals_2026.xlsx", SAMPLE_REPORT.read_bytes(), "report"),
            Base("template.xlsx", services.template_bytes(store, None, "xlsx"), "report"),
            Base("template.csv", services.template_bytes(store, None, "csv"), "report")]


def make_bases(work: Path, store: Store, pdf: bool = True) -> list[Base]:
    """Every valid file the cases start from; ``store`` must already hold the seed table."""
    return _target_bases(work, pdf) + _report_bases(store)


# -- mutations -------------------------------------------------------------------------------------
def _flip_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        i = rng.randrange(len(b))
        b[i] = rng.randrange(256)
    return bytes(b)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _splice(rng: random.Random, data: bytes) -> bytes:
    """A random stretch repeated or removed: what a broken copy or upload leaves."""
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 4096))
    return data[:i] + data[i:j] * rng.randint(0, 3) + data[j:]


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _text_lines(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    if not lines:
        return text
    i = rng.randrange(len(lines))
    op = rng.randrange(3)
    if op == 0:
        lines[i:i] = [lines[i]] * rng.randint(1, 50)
    elif op == 1:
        del lines[i: i + rng.randint(1, 5)]
    else:
        rng.shuffle(lines)
    return "\n".join(lines)


def _text_cells(rng: random.Random, text: str) -> str:
    """A cell (tab or comma separated) replaced, duplicated or deleted, or given an odd value."""
    lines = text.splitlines()
    if not lines:
        return text
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines))
        sep = "\t" if "\t" in lines[i] else ","
        cells = lines[i].split(sep)
        j = rng.randrange(len(cells))
        op = rng.randrange(4)
        if op == 0:
            cells[j] = rng.choice(ODD_VALUES)
        elif op == 1:
            cells.insert(j, cells[j])
        elif op == 2:
            del cells[j]
        else:
            cells[j] = rng.choice("=+-@") + cells[j]
        lines[i] = sep.join(cells)
    return "\n".join(lines)


def _text_numbers(rng: random.Random, text: str) -> str:
    """Numbers swapped for huge or odd ones: inf, nan, 1e999, superscripts."""
    return re.sub(r"\d+(\.\d+)?", lambda m: rng.choice(ODD_VALUES) if rng.random() < 0.3 else m.group(0), text)


def _text_controls(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 30)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(CONTROL))
    return "".join(chars)


def _text_long_cell(rng: random.Random, text: str) -> str:
    lines = text.splitlines() or [""]
    i = rng.randrange(len(lines))
    lines[i] += rng.choice(("\t", ",")) + rng.choice("数字a=\"") * rng.randint(1000, 200_000)
    return "\n".join(lines)


def _text_endings(rng: random.Random, text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", rng.choice(("\r", "\r\r\n", "\n\r", "\x85", "\u2028")))


def _text_quotes(rng: random.Random, text: str) -> str:
    """Unbalanced quotes: the case that sends a CSV reader looking for the end of a field."""
    chars = list(text)
    for _ in range(rng.randint(1, 5)):
        chars.insert(rng.randrange(len(chars) + 1), '"')
    return "".join(chars)


TEXT_MUTATIONS: tuple[Callable[[random.Random, str], str], ...] = (
    _text_lines, _text_cells, _text_numbers, _text_controls, _text_long_cell, _text_endings, _text_quotes,
)
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gbk", "gb18030", "big5", "latin-1")


def _encode(rng: random.Random, text: str) -> bytes:
    enc = rng.choice(ENCODINGS)
    return text.encode(enc, errors=rng.choice(("replace", "ignore")))


def _mutate_text(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    text = _decode(data)
    names = []
    for _ in range(rng.randint(1, 3)):
        m = rng.choice(TEXT_MUTATIONS)
        names.append(m.__name__)
        text = m(rng, text)
    out = _encode(rng, text) if rng.random() < 0.4 else text.encode("utf-8")
    return out, "+".join(names)


def _mutate_zip(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """One member of an xlsx/docx rewritten: its XML mutated as text, dropped, emptied or cut."""
    src = zipfile.ZipFile(io.BytesIO(data))
    infos = src.infolist()
    target = rng.choice(infos)
    op = rng.randrange(5)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            body = src.read(info)
            if info is target:
                if op == 0:
                    continue
                if op == 1:
                    body = b""
                elif op == 2:
                    body = body[: rng.randrange(len(body) + 1)]
                elif op == 3:
                    body = _flip_bytes(rng, body) if body else body
                else:
                    text = body.decode("utf-8", errors="replace")
                    m = rng.choice((_text_numbers, _text_controls, _text_quotes, _text_long_cell))
                    body = m(rng, text).encode("utf-8")
            out.writestr(info, body)
    return buf.getvalue(), f"zip:{target.filename}:{('drop', 'empty', 'cut', 'flip', 'xml')[op]}"


def _mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    m = rng.choice((_flip_bytes, _truncate, _splice))
    return m(rng, data), m.__name__


def mutate(rng: random.Random, base: Base) -> tuple[bytes, str]:
    """One hostile variant of ``base`` and the name of what was done to it."""
    if base.data[:2] == b"PK" and rng.random() < 0.6:
        return _mutate_zip(rng, base.data)
    if base.name.endswith((".txt", ".csv")) and rng.random() < 0.8:
        return _mutate_text(rng, base.data)
    return _mutate_bytes(rng, base.data)


# -- running ---------------------------------------------------------------------------------------
def _file_name(rng: random.Random, base: Base) -> str:
    """Mostly the base's own name; sometimes another extension, so readers meet the wrong format."""
    if rng.random() < 0.9:
        return base.name
    return "fuzz" + rng.choice((".txt", ".csv", ".xlsx", ".docx", ".pdf", ".xls", "", ".TXT"))


def run_case(store: Store, bases: list[Base], seed: int) -> tuple[str, str]:
    """Run the case of ``seed``: ("ok" | "refused", description). Raises on any failure."""
    rng = random.Random(seed)
    base = bases[seed % len(bases)]
    data, how = mutate(rng, base)
    name = _file_name(rng, base)
    what = f"seed={seed} base={base.name} name={name!r} mutation={how}"
    before = store.table_counts()
    try:
        if base.kind == "target":
            services.import_bytes(store, data, name, imported_by="fuzz")
        elif rng.random() < 0.5:
            services.preview_report(store, FUZZER, data, name)
        else:
            services.load_report(store, data, name, reporter="fuzz")
    except InputError as e:
        message = str(e)
        if not CJK.search(message):
            raise AssertionError(f"{what}: refusal without a Chinese message: {message[:300]!r}") from e
        after = store.table_counts()
        if after != before:
            raise AssertionError(f"{what}: refused but row counts changed {before} -> {after}") from e
        return "refused", what
    return "ok", what


def run_cases(store: Store, bases: list[Base], seeds: range) -> Outcome:
    """Every case of ``seeds``; failures are collected, never stop the run."""
    out = Outcome()
    for seed in seeds:
        out.cases += 1
        try:
            result, _ = run_case(store, bases, seed)
        except Exception:  # every kind of failure is what the run collects
            out.failures.append(f"seed={seed} base={bases[seed % len(bases)].name}\n{traceback.format_exc()}")
            continue
        if result == "ok":
            out.successes += 1
        else:
            out.refusals += 1
    return out


def open_store(path: Path) -> Store:
    """A real database holding the seed table, so report files have targets to match."""
    store = Store.open(path)
    services.import_file(store, SEED_TABLE)
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0, help="first case seed")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF base (needs /usr/bin/chromium)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = open_store(work / "fuzz.duckdb")
        try:
            bases = make_bases(work, store, pdf=not args.no_pdf)
            started = time.perf_counter()
            out = run_cases(store, bases, range(args.seed, args.seed + args.cases))
            elapsed = time.perf_counter() - started
        finally:
            store.close()
    for failure in out.failures:
        print(failure)
    print(f"bases: {', '.join(b.name for b in bases)}")
    print(f"cases: {out.cases}  tracebacks: {len(out.failures)}  refusals: {out.refusals}  "
          f"successes: {out.successes}  ({elapsed:.1f} s)")
    return 1 if out.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
