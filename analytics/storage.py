"""The DuckDB store. All SQL of the product lives in this module.

History is append-only: a project's header and an indicator's target are versioned rows, the
current state is the latest version, and reports are never updated or deleted.
"""

from __future__ import annotations

import errno
import functools
import json
import math
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.model import GRADES, NOT_APPLICABLE, InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "performance.duckdb"


class DatabaseUnavailable(RuntimeError):
    """The database file could not be opened; the message (in Chinese) says why and what to do.

    Raised only before anything was written to the file: see :meth:`Store.open`.
    """

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(message)
        self.path = path


class DatabaseBusy(DatabaseUnavailable):
    """Another process holds the database file."""


class DatabaseDamaged(DatabaseUnavailable):
    """The file is not a readable DuckDB database (or a block of it fails its checksum)."""


class DiskFull(DatabaseUnavailable, InputError):
    """A write found no space on the disk (or passed the size a file may have): nothing of it was saved.

    Also an InputError, the product's "refused, nothing changed, here is what to do": so every page
    and command that shows a refused import or report shows this one in place the same way.
    """


class DatabaseStopped(DatabaseUnavailable):
    """DuckDB gave up this process's open database after a fatal error, usually a checkpoint that
    found the disk full. The file is intact and opens again (:class:`Database` does so at its next
    use). ``saved``: the commit that hit the error is durable all the same.
    """

    def __init__(self, message: str, path: Path | None = None, saved: bool = False):
        super().__init__(message, path)
        self.saved = saved


@dataclass(frozen=True)
class TableRules:
    """What a table's rows must satisfy: its columns' Arrow types, NOT NULL columns and keys."""

    schema: pa.Schema
    not_null: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]  # the primary key and each UNIQUE constraint


@dataclass(frozen=True)
class Audit:
    """One line of the audit log, written in the same transaction as what it records."""

    username: str | None
    action: str
    detail: str = ""
    file_name: str | None = None
    at: datetime | None = None


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins over ``PERF_DB``, which wins over ``data/performance.duckdb``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("PERF_DB")
    return Path(env) if env else DEFAULT_DB


# Exact column types. Amounts in 万元 to the 0.0001 分 a 元 figure can need (157000元 = 15.7 万元
# exactly); quantities (targets, actual values) in any unit, with room for both 亿 and 0.001 mg/L.
MONEY = "DECIMAL(18,6)"
QUANTITY = "DECIMAL(38,10)"
# The previously binary-float columns, upgraded by Store._migrate.
_EXACT_COLUMNS = (
    ("project_versions", "funding_total", MONEY),
    ("project_versions", "funding_fiscal", MONEY),
    ("project_versions", "funding_other", MONEY),
    ("target_versions", "target_num", QUANTITY),
    ("actual_reports", "value_num", QUANTITY),
    ("spending_reports", "amount", MONEY),
)

# Nullable columns added after databases were in use, in their schema order: Store._migrate adds
# those a file lacks, and a backup made before them restores with them empty (analytics.backup).
ADDED_COLUMNS = (
    ("actual_reports", "deviation_category", "VARCHAR"),
    ("actual_reports", "forecast_text", "VARCHAR"),
    ("spending_reports", "forecast", MONEY),
    ("spending_reports", "goal_actual", "VARCHAR"),
)

_CURRENT_INDICATORS = """
SELECT i.indicator_id, i.project_id, i.seq, i.level1, i.level2, i.name, t.target_text, t.operator,
       t.target_num, t.target_date, t.unit, t.unit_normalized, t.kind, t.direction, t.version
FROM indicators i
JOIN (
    SELECT * FROM target_versions
    QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY version DESC) = 1
) t USING (indicator_id)
WHERE t.active
ORDER BY indicator_id
"""

# Tables a backup leaves out. Sessions: a restored database starts with everyone signed out, so a
# cookie from before the restore (or from the machine a backup came from) cannot sign anyone in.
BACKUP_SKIPS = frozenset({"sessions"})

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS seq_import START 1;
CREATE SEQUENCE IF NOT EXISTS seq_project START 1;
CREATE SEQUENCE IF NOT EXISTS seq_indicator START 1;
CREATE SEQUENCE IF NOT EXISTS seq_actual START 1;
CREATE SEQUENCE IF NOT EXISTS seq_spending START 1;

CREATE TABLE IF NOT EXISTS imports (
    import_id BIGINT PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    imported_by VARCHAR,
    tables INTEGER NOT NULL,
    projects_new INTEGER NOT NULL,
    indicators INTEGER NOT NULL,
    versions_new INTEGER NOT NULL,
    warnings VARCHAR NOT NULL            -- JSON list of strings
);

-- Identity of a project; everything that can change lives in project_versions.
CREATE TABLE IF NOT EXISTS projects (
    project_id BIGINT PRIMARY KEY,
    year INTEGER NOT NULL,
    department VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    import_id BIGINT NOT NULL,
    UNIQUE (year, department, name)
);

CREATE TABLE IF NOT EXISTS project_versions (
    project_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    import_id BIGINT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    unit VARCHAR,
    attribute VARCHAR,
    start_date DATE,
    end_date DATE,
    funding_total {money},              -- 万元, exact
    funding_fiscal {money},
    funding_other {money},
    goal_text VARCHAR,
    warnings VARCHAR NOT NULL,           -- JSON list of strings
    PRIMARY KEY (project_id, version)
);

-- Identity of an indicator; the target lives in target_versions.
CREATE TABLE IF NOT EXISTS indicators (
    indicator_id BIGINT PRIMARY KEY,
    project_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    level1 VARCHAR NOT NULL,
    level2 VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    occurrence INTEGER NOT NULL,
    UNIQUE (project_id, level1, level2, name, occurrence)
);

CREATE TABLE IF NOT EXISTS target_versions (
    indicator_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    import_id BIGINT,                    -- NULL for a revision made on screen
    recorded_at TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL,             -- FALSE: the indicator left the table
    target_text VARCHAR,
    operator VARCHAR,
    target_num {quantity},              -- in unit_normalized, exact
    target_date DATE,
    unit VARCHAR,
    unit_normalized VARCHAR,
    kind VARCHAR,
    direction VARCHAR,
    changed_by VARCHAR,
    reason VARCHAR,
    PRIMARY KEY (indicator_id, version)
);

CREATE TABLE IF NOT EXISTS actual_reports (
    report_id BIGINT PRIMARY KEY,
    indicator_id BIGINT NOT NULL,
    as_of DATE NOT NULL,
    value_text VARCHAR NOT NULL,         -- as written by the reporter
    value_num {quantity},               -- in the indicator's normalised unit, exact
    value_date DATE,
    grade VARCHAR,
    grade_rate DOUBLE,
    likelihood VARCHAR,
    note VARCHAR,
    reporter VARCHAR,
    entered_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    -- What the engine needs of value_text/grade, as a number it can aggregate cheaply:
    -- -1 不适用, 1..3 the grade's position in model.GRADES, 0 anything else.
    value_code TINYINT NOT NULL DEFAULT 0,
    -- What only the reporter knows, for the 监控表 (domain.md section 8). Last, so that a file
    -- upgraded by ALTER TABLE ADD COLUMN (see _ADDED_COLUMNS) has the same layout as a new one.
    deviation_category VARCHAR,          -- 偏差原因类别, one of model.DEVIATION_CATEGORIES
    forecast_text VARCHAR                -- 全年预计完成情况, as written
);

CREATE TABLE IF NOT EXISTS spending_reports (
    report_id BIGINT PRIMARY KEY,
    project_id BIGINT NOT NULL,
    as_of DATE NOT NULL,
    amount {money} NOT NULL,            -- 万元, cumulative as of as_of, exact
    note VARCHAR,
    reporter VARCHAR,
    entered_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    forecast {money},                   -- 全年预计执行数, 万元, exact
    goal_actual VARCHAR                  -- 实际完成情况 of the year's overall goal, as written
);

-- Withdrawing a report appends here; the report itself stays stored and visible.
CREATE TABLE IF NOT EXISTS withdrawals (
    report_id BIGINT NOT NULL,
    report_type VARCHAR NOT NULL,        -- 'actual' or 'spending'
    withdrawn_by VARCHAR,
    withdrawn_at TIMESTAMP NOT NULL,
    reason VARCHAR
);

-- People who sign in. Passwords only as argon2 hashes; units is a JSON list of 实施单位.
CREATE TABLE IF NOT EXISTS users (
    username VARCHAR PRIMARY KEY,
    display_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    units VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    active BOOLEAN NOT NULL,
    failed_count INTEGER NOT NULL,
    last_failed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- Sign-ins that last across reloads and tabs (analytics.sessions). A session id alone signs no one
-- in: the cookie must carry its HMAC under a secret kept outside the database; the one-time
-- handoff code is stored as its SHA-256 digest. A row is state, not history (the audit log keeps
-- sign-ins); backups leave it out (BACKUP_SKIPS).
CREATE TABLE IF NOT EXISTS sessions (
    session_id VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,       -- the absolute end; the idle end follows from last_seen_at
    revoked_at TIMESTAMP,
    handoff_key VARCHAR,                 -- cleared when used: a code works once
    handoff_expires_at TIMESTAMP
);

-- Who did what, when, from which file: sign-ins, imports, reports, withdrawals, revisions, users.
CREATE SEQUENCE IF NOT EXISTS seq_audit START 1;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    username VARCHAR,
    action VARCHAR NOT NULL,
    detail VARCHAR,
    file_name VARCHAR
);

-- Switches the administrator sets on screen (e.g. whether viewing needs sign-in).
CREATE TABLE IF NOT EXISTS app_config (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- What a table printed beyond its targets (append-only like the rest): its kind
-- (model.TABLE_KINDS), the cut-off month of a 监控表, and a 自评表's budget-row points, printed
-- 总分 and goal outcome. A row, with its budget_lines and indicator_imports, is appended for an
-- import only when the table's record differs from the project's latest (fingerprint), as
-- project_versions are appended only for changes.
CREATE TABLE IF NOT EXISTS project_imports (
    project_id BIGINT NOT NULL,
    import_id BIGINT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    fingerprint VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    month INTEGER,
    budget_points {money},
    budget_adjusted {money},            -- 全年预算数 / 调整后预算数 of the whole budget
    printed_total {money},
    goal_actual VARCHAR,
    PRIMARY KEY (project_id, import_id)
);

-- The budget block of a 自评表 or 监控表 as printed, amounts in 万元, one row per printed row.
CREATE TABLE IF NOT EXISTS budget_lines (
    project_id BIGINT NOT NULL,
    import_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    label VARCHAR NOT NULL,
    initial {money},
    adjusted {money},                   -- 全年预算数 / 调整后预算数
    executed {money},                   -- 全年执行数 / 1-X月执行数
    forecast {money},                   -- 全年预计执行数
    points {money},
    rate {money},                       -- percent, as printed
    score {money},
    PRIMARY KEY (project_id, import_id, seq)
);

-- What an indicator row printed beyond its target: weight (分值), printed score (得分), the
-- actual value as written, notes, and the extra columns of the layout families.
CREATE TABLE IF NOT EXISTS indicator_imports (
    indicator_id BIGINT NOT NULL,
    import_id BIGINT NOT NULL,
    weight {money},
    printed_score {money},
    actual_text VARCHAR,
    note VARCHAR,
    likelihood VARCHAR,
    deviation_category VARCHAR,
    forecast_text VARCHAR,
    remark VARCHAR,
    standard VARCHAR,
    nature VARCHAR,
    prior_value VARCHAR,
    PRIMARY KEY (indicator_id, import_id)
);

CREATE OR REPLACE VIEW current_projects AS
SELECT p.project_id, p.year, p.name, p.department, v.unit, v.attribute, v.start_date, v.end_date,
       v.funding_total, v.funding_fiscal, v.funding_other, v.goal_text, v.warnings, v.version
FROM projects p
JOIN project_versions v USING (project_id)
QUALIFY row_number() OVER (PARTITION BY v.project_id ORDER BY v.version DESC) = 1;

-- The current target of every active indicator, derived from target_versions. It is a table
-- rebuilt in the transaction of every target write (see Store._refresh_current_indicators),
-- because the engine reads it on every computation and the window over all versions costs more
-- than the rest of the engine's query.
CREATE TABLE IF NOT EXISTS current_indicators AS {current} LIMIT 0;
""".replace("{current}", _CURRENT_INDICATORS).replace("{money}", MONEY).replace("{quantity}", QUANTITY)

_MONEY_PA = pa.decimal128(18, 6)
_QUANTITY_PA = pa.decimal128(38, 10)
_STAGE_PROJECTS = pa.schema([
    ("ord", pa.int32()), ("year", pa.int32()), ("department", pa.string()), ("name", pa.string()),
    ("unit", pa.string()), ("attribute", pa.string()), ("start_date", pa.date32()),
    ("end_date", pa.date32()), ("funding_total", _MONEY_PA), ("funding_fiscal", _MONEY_PA),
    ("funding_other", _MONEY_PA), ("goal_text", pa.string()), ("warnings", pa.string()),
    ("kind", pa.string()), ("month", pa.int32()), ("budget_points", _MONEY_PA),
    ("budget_adjusted", _MONEY_PA), ("printed_total", _MONEY_PA), ("goal_actual", pa.string()),
    ("fingerprint", pa.string()),
])
# What an indicator row printed beyond its target (model.Indicator); empty text is stored as NULL.
INDICATOR_EXTRAS = ("weight", "printed_score", "actual_text", "note", "likelihood", "deviation_category",
                    "forecast_text", "remark", "standard", "nature", "prior_value")
_STAGE_INDICATORS = pa.schema([
    ("ord", pa.int32()), ("seq", pa.int32()), ("level1", pa.string()), ("level2", pa.string()),
    ("name", pa.string()), ("occurrence", pa.int32()), ("target_text", pa.string()),
    ("operator", pa.string()), ("target_num", _QUANTITY_PA), ("target_date", pa.date32()),
    ("unit", pa.string()), ("unit_normalized", pa.string()), ("kind", pa.string()),
    ("direction", pa.string()),
    *[(c, _MONEY_PA if c in ("weight", "printed_score") else pa.string()) for c in INDICATOR_EXTRAS],
])
_STAGE_BUDGET = pa.schema([
    ("ord", pa.int32()), ("seq", pa.int32()), ("label", pa.string()),
    *[(c, _MONEY_PA) for c in ("initial", "adjusted", "executed", "forecast", "points", "rate", "score")],
])
# Reports a 自评表 or 监控表 brings, by table (ord) and indicator row (seq) of the file.
_STAGE_ACTUALS = pa.schema([
    ("ord", pa.int32()), ("seq", pa.int32()), ("as_of", pa.date32()), ("value_text", pa.string()),
    ("value_num", _QUANTITY_PA), ("value_date", pa.date32()), ("grade", pa.string()),
    ("grade_rate", pa.float64()), ("likelihood", pa.string()), ("note", pa.string()),
    ("deviation_category", pa.string()), ("forecast_text", pa.string()),
])
_STAGE_SPENDING = pa.schema([
    ("ord", pa.int32()), ("as_of", pa.date32()), ("amount", _MONEY_PA), ("note", pa.string()),
    ("forecast", _MONEY_PA), ("goal_actual", pa.string()),
])


def exact(value: Decimal | float | int | str | None, places: int = 6) -> Decimal | None:
    """A number as the Decimal an exact column stores, rounded half-even to ``places`` decimals.

    A float is taken by its shortest repr (15.700000000000001 from 157000 × 0.0001 becomes 15.7
    at six places), so binary noise from a float-producing parser cannot reach the store.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if not d.is_finite():
        return None
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _staged(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Rows as an Arrow table of ``schema``; decimal fields rounded to their scale first."""
    scales = {f.name: f.type.scale for f in schema if pa.types.is_decimal(f.type)}
    if rows and scales:
        rows = [{**r, **{k: exact(r.get(k), sc) for k, sc in scales.items()}} for r in rows]
    return pa.Table.from_pylist(rows, schema=schema)

_PROJECT_FIELDS = ("unit", "attribute", "start_date", "end_date", "funding_total", "funding_fiscal",
                   "funding_other", "goal_text", "warnings")
_TARGET_FIELDS = ("target_text", "operator", "target_num", "target_date", "unit", "unit_normalized",
                  "kind", "direction")


# Each project's latest 自评表 import: its weights and printed figures are the ones that count.
_LATEST_SELFEVAL = """selfeval AS (
    SELECT project_id, max(import_id) AS import_id FROM project_imports WHERE kind = 'selfeval' GROUP BY project_id
)"""
# Orders reports by as-of date, then by entry (report ids grow with entry order).
_LATEST_KEY = "((date_diff('day', DATE '1970-01-01', as_of)::BIGINT << 40) + report_id)"
_ID_MASK = (1 << 40) - 1
_VALUE_CODE = "CASE WHEN value_text = $na THEN -1 ELSE coalesce(list_position($grades, grade), 0) END"
_CODE_PARAMS = {"na": NOT_APPLICABLE, "grades": list(GRADES)}
# Each id sequence of the schema and the column whose ids it hands out (a restore restarts them).
SEQUENCES = {
    "seq_import": ("imports", "import_id"),
    "seq_project": ("projects", "project_id"),
    "seq_indicator": ("indicators", "indicator_id"),
    "seq_actual": ("actual_reports", "report_id"),
    "seq_spending": ("spending_reports", "report_id"),
    "seq_audit": ("audit_log", "audit_id"),
}
# What latest_reports / latest_spending return of each latest report.
_LATEST_ACTUAL = ("value_text", "as_of", "report_id", "value_num", "value_date", "grade", "grade_rate",
                  "likelihood", "note", "deviation_category", "forecast_text", "reporter", "source")
_LATEST_SPENDING = ("amount", "as_of", "report_id", "note", "forecast", "goal_actual", "reporter", "source")
# Where a report keeps its value: a number, a completion date, or a grade (with its rate).
_VALUE_COLUMNS = ("value_num", "value_date", "grade_rate", "value_code")


def _with_texts(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with each of ``columns`` present (empty when a caller's frame predates it), None for blanks."""
    out = frame.copy()
    for c in columns:
        if c not in out.columns:
            out[c] = pd.Series(None, index=out.index, dtype=object)
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def _one(result: duckdb.DuckDBPyConnection) -> tuple | None:
    """The row of a result that has at most one, read to its end (None when there is none).

    ``fetchone()`` leaves the result open, and an open result keeps its transaction open until the
    cursor's next statement: on a long-lived cursor that holds an old snapshot and blocks every
    checkpoint, so the write-ahead log grows without end.
    """
    rows = result.fetchall()
    return rows[0] if rows else None


def _differs(fields: tuple[str, ...], a: str, b: str) -> str:
    return " OR ".join(f"{a}.{f} IS DISTINCT FROM {b}.{f}" for f in fields)


def _busy_message(path: Path) -> str:
    return (
        f"数据库文件“{path}”正被另一个程序(通常是正在运行的仪表盘)占用,无法打开;"
        "请先关闭仪表盘再运行命令,或用 --db 指定另一个数据库文件。"
    )


def damaged_message(path: Path, untouched: bool = True) -> str:
    """What to do about a damaged file; ``untouched`` says the program wrote nothing to it."""
    return (
        f"数据库文件“{path}”已损坏,无法读取" + ("(程序没有改动这个文件)" if untouched else "") + "。"
        "请从最近一次的备份恢复到一个新的数据库文件:"
        "python -m analytics restore 备份文件夹 --db 新文件.duckdb,"
        "再用 --db 或环境变量 PERF_DB 指向新文件;损坏的文件请保留,以便查明原因。"
    )


# How DuckDB words a file it cannot read as a database: a bad header, a short file, a block whose
# checksum fails. Matched on the message because DuckDB raises these as several exception classes.
_DAMAGE_SIGNS = ("corrupt", "not a valid duckdb database", "could not read enough bytes", "checksum",
                 "invalid block", "failed to deserialize", "serialization")


def damage_of(path: Path | None, error: BaseException, untouched: bool = False) -> DatabaseDamaged | None:
    """The Chinese explanation of ``error`` when it means the database file is damaged, else None.

    For errors met after the file opened: a damaged block is found only when a query reads it.
    ``untouched``: the connection was read-only, so the message may say nothing was written.
    """
    if not isinstance(error, duckdb.Error):
        return None
    text = str(error).lower()
    if any(sign in text for sign in _DAMAGE_SIGNS):
        return DatabaseDamaged(damaged_message(path or Path("?"), untouched), path)
    return None


# How the operating system's "no space" and "file too large" reach us: as an OSError from our own
# file writes, or in DuckDB's message (its IOException carries the errno in JSON).
NO_SPACE_ERRNOS = frozenset(n for n in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", None)) if n)
_NO_SPACE_SIGNS = ("no space left on device", "file too large", "disk quota exceeded",
                   '"errno":"28"', '"errno":"27"', '"errno":"122"')
# DuckDB's words for a commit that is in the write-ahead log although the checkpoint after it failed.
_DURABLE_SIGN = "commit succeeded and is durable"


def disk_full_message(path: Path) -> str:
    """A write refused for lack of space: what happened to the data and what to do."""
    return (
        f"磁盘空间不足,数据库文件“{path.name}”所在的磁盘写不下了:刚才的操作没有保存,数据库仍是操作前的样子。"
        "请清理这块磁盘的空间(或请管理员扩容)后再重试这个操作。"
    )


def stopped_message(path: Path, no_space: bool, saved: bool) -> str:
    """DuckDB stopped the open database: why, whether the last operation was kept, and what to do."""
    why = "磁盘空间不足,数据库整理文件(检查点)时写入失败" if no_space else "数据库遇到严重错误"
    kept = "刚才的操作已经保存;" if saved else "刚才的操作可能没有保存,重新打开后请核对;"
    todo = "请清理数据库文件所在磁盘的空间,然后" if no_space else "请"
    return (
        f"{why},数据库“{path.name}”已暂停使用。{kept}此前保存的数据都在文件中,不会丢失。"
        f"{todo}刷新本页(命令行则重新运行命令),程序会重新打开数据库;"
        "如果重新打开后仍然出错,请从最近一次的备份恢复。"
    )


def fault_of(path: Path | None, error: BaseException, untouched: bool = False) -> DatabaseUnavailable | None:
    """The Chinese explanation of a storage ``error``: a full disk, a stopped or damaged database.

    None for anything else (a bug, or an error that is not about the file), which callers re-raise;
    so is an OSError, which comes from writing some other file (an export, a backup folder).
    ``untouched``: the connection was read-only (see :func:`damage_of`).
    """
    p = path or Path("?")
    if isinstance(error, DatabaseUnavailable):
        return error
    if not isinstance(error, duckdb.Error):
        return None
    text = str(error).lower()
    no_space = any(sign in text for sign in _NO_SPACE_SIGNS)
    if isinstance(error, duckdb.FatalException) or "database has been invalidated" in text:
        saved = _DURABLE_SIGN in text
        return DatabaseStopped(stopped_message(p, no_space, saved), path, saved)
    if no_space:
        return DiskFull(disk_full_message(p), path)
    return damage_of(path, error, untouched)


def _open_error(path: Path, error: duckdb.Error) -> DatabaseUnavailable:
    """What a failed connect means for the person who ran it."""
    text = str(error).lower()
    # Not just "lock": a damaged file's checksum error names the "block" it failed in.
    if "could not set lock" in text or "conflicting lock" in text:
        return DatabaseBusy(_busy_message(path), path)
    if "permission denied" in text:
        return DatabaseUnavailable(
            f"没有权限读写数据库文件“{path}”;请检查文件及其所在文件夹的权限,或用 --db 指定另一个数据库文件。", path
        )
    if any(sign in text for sign in _NO_SPACE_SIGNS):
        return DiskFull(
            f"磁盘空间不足,无法打开数据库文件“{path.name}”(打开时需要写入);"
            "请清理这块磁盘的空间后再试。", path
        )
    if "version" in text and "storage" in text:
        return DatabaseUnavailable(
            f"数据库文件“{path}”由更新版本的程序创建,本程序无法读取;请升级程序后再打开。", path
        )
    return DatabaseDamaged(damaged_message(path), path)


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.ConnectionException:
        # This process already has the file open with the other read_only setting: not a file fault.
        raise
    except duckdb.Error as e:
        raise _open_error(path, e) from None


def _catalog(con: duckdb.DuckDBPyConnection) -> tuple:
    """Tables, columns, types, views and sequences of the main schema: what SCHEMA makes."""
    columns = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' ORDER BY ALL"
    ).fetchall()
    views = con.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT internal ORDER BY ALL"
    ).fetchall()
    sequences = con.execute(
        "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY ALL"
    ).fetchall()
    return tuple(columns), tuple(views), tuple(sequences)


@functools.cache
def _current_catalog() -> tuple:
    """The catalog SCHEMA gives an empty database, made once per process in memory."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(SCHEMA)
        return _catalog(con)
    finally:
        con.close()


@dataclass
class _Health:
    """Whether DuckDB has stopped a connection's database (see :meth:`Store.fault`)."""

    stopped: DatabaseStopped | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Store:
    """One DuckDB connection (or a thread's cursor of it) and every query the product runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None = None,
                 lock: threading.RLock | None = None, health: _Health | None = None):
        self.con = con
        self.path = path
        # Shared by every cursor of one connection: writes from different threads take turns, so
        # two imports rebuilding current_indicators cannot conflict (DuckDB would abort one).
        self._lock = lock or threading.RLock()
        # Shared too: once DuckDB has stopped the database, it is stopped for every cursor.
        self._health = health or _Health()

    @property
    def stopped(self) -> DatabaseStopped | None:
        """Why DuckDB gave up this connection's database, or None while it is usable."""
        return self._health.stopped

    def fault(self, error: BaseException, untouched: bool = False) -> DatabaseUnavailable | None:
        """The Chinese explanation of ``error`` (see :func:`fault_of`), remembering a stopped database.

        A stopped database is explained as it was first met, so a later read that fails on it
        still says whether the commit that stopped it was saved.
        """
        fault = fault_of(self.path, error, untouched)
        if isinstance(fault, DatabaseStopped):
            with self._health.lock:
                if self._health.stopped is None:
                    self._health.stopped = fault
                return self._health.stopped
        return fault

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, read_only: bool = False) -> Store:
        """Open the database file, creating it (with the schema) when it does not exist.

        An existing file is first opened read-only and its catalog compared with SCHEMA, so a file
        that cannot be read fails here with nothing written to it (DatabaseDamaged, DatabaseBusy or
        DatabaseUnavailable, in Chinese). A current schema is then opened as asked and not written
        to at all; only a file from an earlier version, read without error, is migrated before use,
        even when ``read_only`` was asked for.
        """
        p = db_path(path)
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
        else:
            try:
                probe = _connect(p, read_only=True)
            except duckdb.ConnectionException:
                if read_only:
                    raise
                # Open for writing elsewhere in this process, so already read and migrated without error.
                return cls(_connect(p, read_only=False), p)
            try:
                current = _catalog(probe) == _current_catalog()
            except duckdb.Error as e:
                probe.close()
                raise damage_of(p, e, untouched=True) or e from None
            if current:
                if read_only:
                    return cls(probe, p)
                probe.close()
                return cls(_connect(p, read_only=False), p)
            probe.close()
        store = cls(_connect(p, read_only=False), p)
        try:
            store._migrate()
            store.con.execute(SCHEMA)
        except duckdb.Error as e:
            store.close()
            raise damage_of(p, e) or e from None
        if read_only:
            store.close()
            return cls(_connect(p, read_only=True), p)
        return store

    def _migrate(self) -> None:
        """Bring a database made by an earlier version up to the current schema."""
        has_reports = _one(self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'actual_reports'"
        ))[0]
        has_code = _one(self.con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'actual_reports' AND column_name = 'value_code'"
        ))[0]
        was_view = _one(self.con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = 'current_indicators'"
        ))[0]
        if was_view:
            with self.transaction() as con:
                con.execute("DROP VIEW current_indicators")
                con.execute(f"CREATE TABLE current_indicators AS {_CURRENT_INDICATORS}")
        if has_reports and not has_code:
            with self.transaction() as con:
                con.execute("ALTER TABLE actual_reports ADD COLUMN value_code TINYINT NOT NULL DEFAULT 0")
                con.execute(f"UPDATE actual_reports SET value_code = {_VALUE_CODE}", _CODE_PARAMS)
        self._migrate_exact()
        self._migrate_added_columns()

    def _migrate_added_columns(self) -> None:
        """The nullable columns of ADDED_COLUMNS a file lacks, appended empty: every row is kept as it was."""
        present = set(self.con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main'"
        ).fetchall())
        tables = {t for t, _ in present}
        missing = [(t, c, kind) for t, c, kind in ADDED_COLUMNS if t in tables and (t, c) not in present]
        if not missing:
            return
        with self.transaction() as con:
            for table, column, kind in missing:
                con.execute(f'ALTER TABLE "{table}" ADD COLUMN {column} {kind}')

    def _migrate_exact(self) -> None:
        """Amounts and quantities stored as binary floats become exact decimals.

        A double is rounded to the column's scale, which undoes the noise of the float arithmetic
        that made it (15.700000000000001 becomes 15.700000). current_indicators is derived from
        target_versions, so it is rebuilt with the new type rather than altered.
        """
        types = dict(((t, c), d) for t, c, d in self.con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main'"
        ).fetchall())
        floats = [(t, c, new) for t, c, new in _EXACT_COLUMNS if types.get((t, c)) in ("DOUBLE", "FLOAT")]
        if not floats:
            return
        with self.transaction() as con:
            for table, column, new in floats:
                con.execute(f'ALTER TABLE "{table}" ALTER COLUMN {column} TYPE {new}')
            if ("current_indicators", "target_num") in types:
                con.execute("DROP TABLE current_indicators")
                con.execute(f"CREATE TABLE current_indicators AS {_CURRENT_INDICATORS}")

    def _register(self, name: str, data: object) -> None:
        # DuckDB refuses to register while an earlier result is only partly fetched (fetchone).
        self.con.complete()
        self.con.register(name, data)

    def _unregister(self, name: str) -> None:
        # Run in a finally: on a stopped database it would fail and hide the error that stopped it.
        try:
            self.con.unregister(name)
        except duckdb.Error as e:
            if not isinstance(self.fault(e), DatabaseStopped):
                raise

    def cursor(self) -> Store:
        """A store on a new cursor of the same connection, for use in another thread."""
        return Store(self.con.cursor(), self.path, self._lock, self._health)

    def close(self) -> None:
        self.con.close()

    def usable(self) -> bool:
        """False once DuckDB has stopped the database (found here by the cheapest statement)."""
        if self.stopped is not None:
            return False
        try:
            _one(self.con.execute("SELECT 1"))
        except duckdb.Error as e:
            if isinstance(self.fault(e), DatabaseStopped):
                return False
            raise
        return True

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            yield from self._transaction()

    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction; a full disk or a stopped database comes out as DiskFull or DatabaseStopped.

        A COMMIT that fails for lack of space leaves nothing behind and the connection usable, so
        the same operation succeeds once there is space again. A COMMIT whose checkpoint fails is
        durable, but DuckDB stops the database: DatabaseStopped says it was saved.
        """
        try:
            self.con.execute("BEGIN TRANSACTION")
        except duckdb.Error as e:
            raise self.fault(e) or e from None
        try:
            yield self.con
        except BaseException as e:
            self._rollback()
            fault = self.fault(e) if isinstance(e, duckdb.Error) else None
            if fault is None:
                raise
            raise fault from None
        try:
            self.con.execute("COMMIT")
        except duckdb.Error as e:
            fault = self.fault(e)
            if fault is None:
                raise
            if isinstance(fault, DiskFull):
                self._rollback()
            raise fault from None

    def _rollback(self) -> None:
        if self.stopped is not None:
            return  # DuckDB refuses every statement on a stopped database, ROLLBACK included
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error as e:
            if self.fault(e) is not None:
                return
            # A failed statement can leave its result pending, which blocks the ROLLBACK.
            self.con.abort()
            try:
                self.con.execute("ROLLBACK")
            except duckdb.TransactionException:
                return  # no transaction left: a COMMIT that failed for lack of space ended it

    @staticmethod
    def _audit(con: duckdb.DuckDBPyConnection, audit: Audit | None) -> None:
        if audit is not None:
            con.execute(
                "INSERT INTO audit_log VALUES (nextval('seq_audit'), ?, ?, ?, ?, ?)",
                [audit.at or datetime.now(), audit.username, audit.action, audit.detail, audit.file_name],
            )

    @staticmethod
    def _refresh_current_indicators(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("DELETE FROM current_indicators")
        con.execute(f"INSERT INTO current_indicators {_CURRENT_INDICATORS}")

    # -- target tables ------------------------------------------------------------------
    def save_tables(
        self,
        file_name: str,
        content_hash: str,
        projects: list[dict],
        indicators: list[dict],
        file_warnings: list[str],
        imported_by: str | None = None,
        audit: Audit | None = None,
        budget: list[dict] | None = None,
        actuals: list[dict] | None = None,
        spending: list[dict] | None = None,
    ) -> dict[str, int]:
        """Write one file's tables in one transaction; returns what was new.

        Beyond targets, ``projects`` and ``indicators`` may carry what a 自评表 or 监控表 printed
        (kind, month, budget_points, printed_total, goal_actual; INDICATOR_EXTRAS), ``budget``
        its budget rows by table (ord), and ``actuals`` / ``spending`` the reports it brings, by
        table and indicator row (ord, seq), recorded with the file as source and ``imported_by``
        (else 命令行) as reporter. A report equal to the latest one of its indicator (project) on the
        same date is not appended again, so re-importing a file adds no reports.
        """
        stages = {
            "stage_p": _staged(projects, _STAGE_PROJECTS),
            "stage_i": _staged(indicators, _STAGE_INDICATORS),
            "stage_b": _staged(budget or [], _STAGE_BUDGET),
            "stage_a": _staged(actuals or [], _STAGE_ACTUALS),
            "stage_s": _staged(spending or [], _STAGE_SPENDING),
        }
        now = datetime.now()
        # Registered outside the transaction: unregistering inside an aborted one would mask the error.
        for name, table in stages.items():
            self._register(name, table)
        try:
            with self.transaction() as con:
                import_id = _one(con.execute("SELECT nextval('seq_import')"))[0]
                new_projects = _one(con.execute(
                    """
                    INSERT INTO projects
                    SELECT nextval('seq_project'), s.year, s.department, s.name, ?
                    FROM stage_p s
                    WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.year = s.year
                                      AND p.department = s.department AND p.name = s.name)
                    ORDER BY s.ord
                    """,
                    [import_id],
                ))[0]
                con.execute(
                    """
                    CREATE OR REPLACE TEMP TABLE stage_map AS
                    SELECT s.ord, p.project_id FROM stage_p s
                    JOIN projects p ON p.year = s.year AND p.department = s.department AND p.name = s.name
                    """
                )
                new_versions = _one(con.execute(
                    f"""
                    INSERT INTO project_versions
                    SELECT m.project_id, coalesce(c.version, 0) + 1, ?, ?, s.unit, s.attribute,
                           s.start_date, s.end_date, s.funding_total, s.funding_fiscal,
                           s.funding_other, s.goal_text, s.warnings
                    FROM stage_p s JOIN stage_map m USING (ord)
                    LEFT JOIN current_projects c ON c.project_id = m.project_id
                    WHERE c.project_id IS NULL OR {_differs(_PROJECT_FIELDS, 's', 'c')}
                    """,
                    [import_id, now],
                ))[0]
                con.execute(
                    """
                    INSERT INTO indicators
                    SELECT nextval('seq_indicator'), m.project_id, s.seq, s.level1, s.level2, s.name,
                           s.occurrence
                    FROM stage_i s JOIN stage_map m USING (ord)
                    WHERE NOT EXISTS (
                        SELECT 1 FROM indicators i WHERE i.project_id = m.project_id
                        AND i.level1 = s.level1 AND i.level2 = s.level2 AND i.name = s.name
                        AND i.occurrence = s.occurrence)
                    ORDER BY m.project_id, s.seq
                    """
                )
                con.execute(
                    """
                    CREATE OR REPLACE TEMP TABLE stage_ind AS
                    SELECT s.*, i.indicator_id FROM stage_i s JOIN stage_map m USING (ord)
                    JOIN indicators i ON i.project_id = m.project_id AND i.level1 = s.level1
                        AND i.level2 = s.level2 AND i.name = s.name AND i.occurrence = s.occurrence
                    """
                )
                con.execute(
                    """
                    CREATE OR REPLACE TEMP TABLE latest_target AS
                    SELECT * FROM target_versions WHERE indicator_id IN
                        (SELECT i.indicator_id FROM indicators i JOIN stage_map m USING (project_id))
                    QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY version DESC) = 1
                    """
                )
                new_targets = _one(con.execute(
                    f"""
                    INSERT INTO target_versions
                    SELECT s.indicator_id, coalesce(c.version, 0) + 1, ?, ?, TRUE, s.target_text,
                           s.operator, s.target_num, s.target_date, s.unit, s.unit_normalized,
                           s.kind, s.direction, ?, NULL
                    FROM stage_ind s LEFT JOIN latest_target c USING (indicator_id)
                    WHERE c.indicator_id IS NULL OR NOT c.active
                          OR {_differs(_TARGET_FIELDS, 's', 'c')}
                    """,
                    [import_id, now, imported_by],
                ))[0]
                # Indicators dropped from a re-imported table stay stored but leave the current view.
                removed = _one(con.execute(
                    """
                    INSERT INTO target_versions
                    SELECT c.indicator_id, c.version + 1, ?, ?, FALSE, c.target_text, c.operator,
                           c.target_num, c.target_date, c.unit, c.unit_normalized, c.kind,
                           c.direction, ?, '重新导入的目标表中已没有该指标'
                    FROM latest_target c
                    WHERE c.active AND c.indicator_id NOT IN (SELECT indicator_id FROM stage_ind)
                    """,
                    [import_id, now, imported_by],
                ))[0]
                if new_targets or removed:
                    self._refresh_current_indicators(con)
                self._save_printed(con, import_id, now)
                n_actuals, n_spending = self._save_table_reports(
                    con, now, imported_by or "命令行", file_name)
                self._audit(con, audit)
                con.execute(
                    "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [import_id, file_name, content_hash, now, imported_by, len(projects), new_projects,
                     len(indicators), new_versions + new_targets + removed,
                     json.dumps(file_warnings, ensure_ascii=False)],
                )

        finally:
            for name in stages:
                self._unregister(name)
        return {
            "import_id": import_id,
            "projects_new": new_projects,
            "project_versions_new": new_versions,
            "target_versions_new": new_targets,
            "indicators_removed": removed,
            "actuals_new": n_actuals,
            "spending_new": n_spending,
        }

    @staticmethod
    def _save_printed(con: duckdb.DuckDBPyConnection, import_id: int, now: datetime) -> None:
        """The kind, budget block and printed figures of each table of this import (stage_* tables)."""
        con.execute(
            """
            INSERT INTO project_imports
            WITH latest AS (
                SELECT project_id, arg_max(fingerprint, import_id) AS fingerprint FROM project_imports
                WHERE project_id IN (SELECT project_id FROM stage_map) GROUP BY project_id
            )
            SELECT m.project_id, $import_id, $now, coalesce(s.fingerprint, ''), coalesce(s.kind, 'target'),
                   s.month, s.budget_points, s.budget_adjusted, s.printed_total, nullif(s.goal_actual, '')
            FROM stage_p s JOIN stage_map m USING (ord) LEFT JOIN latest l USING (project_id)
            WHERE l.fingerprint IS DISTINCT FROM coalesce(s.fingerprint, '')
            """,
            {"import_id": import_id, "now": now},
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE stage_recorded AS
            SELECT m.ord, m.project_id FROM stage_map m
            JOIN project_imports pi ON pi.project_id = m.project_id AND pi.import_id = ?
            """,
            [import_id],
        )
        con.execute(
            """
            INSERT INTO budget_lines
            SELECT r.project_id, ?, b.seq, b.label, b.initial, b.adjusted, b.executed,
                   b.forecast, b.points, b.rate, b.score
            FROM stage_b b JOIN stage_recorded r USING (ord)
            """,
            [import_id],
        )
        texts = [c for c in INDICATOR_EXTRAS if c not in ("weight", "printed_score")]
        con.execute(
            f"""
            INSERT INTO indicator_imports
            SELECT indicator_id, ?, weight, printed_score, {", ".join(f"nullif({c}, '')" for c in texts)}
            FROM stage_ind SEMI JOIN stage_recorded USING (ord)
            WHERE weight IS NOT NULL OR printed_score IS NOT NULL
               OR {" OR ".join(f"coalesce({c}, '') <> ''" for c in texts)}
            """,
            [import_id],
        )

    def _save_table_reports(self, con: duckdb.DuckDBPyConnection, now: datetime, reporter: str,
                            source: str) -> tuple[int, int]:
        """Append the reports staged in stage_a / stage_s, skipping those already stored."""
        n_a = _one(con.execute(
            f"""
            INSERT INTO actual_reports
            WITH new AS (
                SELECT si.indicator_id, a.* EXCLUDE (ord, seq)
                FROM stage_a a JOIN stage_ind si USING (ord, seq)
            ), prior AS (
                SELECT * FROM actual_reports
                ANTI JOIN (SELECT report_id FROM withdrawals WHERE report_type = 'actual') USING (report_id)
                WHERE indicator_id IN (SELECT indicator_id FROM new)
                QUALIFY row_number() OVER (PARTITION BY indicator_id, as_of ORDER BY report_id DESC) = 1
            )
            SELECT nextval('seq_actual'), indicator_id, as_of, value_text, value_num, value_date, grade,
                   grade_rate, likelihood, note, $reporter, $now, $source, {_VALUE_CODE},
                   deviation_category, forecast_text
            FROM new n
            WHERE NOT EXISTS (
                SELECT 1 FROM prior p WHERE p.indicator_id = n.indicator_id AND p.as_of = n.as_of
                AND p.value_text = n.value_text AND p.value_num IS NOT DISTINCT FROM n.value_num
                AND p.value_date IS NOT DISTINCT FROM n.value_date AND p.grade IS NOT DISTINCT FROM n.grade
                AND p.grade_rate IS NOT DISTINCT FROM n.grade_rate
                AND p.likelihood IS NOT DISTINCT FROM n.likelihood AND p.note IS NOT DISTINCT FROM n.note
                AND p.deviation_category IS NOT DISTINCT FROM n.deviation_category
                AND p.forecast_text IS NOT DISTINCT FROM n.forecast_text)
            ORDER BY indicator_id
            """,
            {"reporter": reporter, "now": now, "source": source, **_CODE_PARAMS},
        ))[0]
        n_s = _one(con.execute(
            """
            INSERT INTO spending_reports
            WITH new AS (
                SELECT m.project_id, s.* EXCLUDE (ord) FROM stage_s s JOIN stage_map m USING (ord)
            ), prior AS (
                SELECT * FROM spending_reports
                ANTI JOIN (SELECT report_id FROM withdrawals WHERE report_type = 'spending') USING (report_id)
                WHERE project_id IN (SELECT project_id FROM new)
                QUALIFY row_number() OVER (PARTITION BY project_id, as_of ORDER BY report_id DESC) = 1
            )
            SELECT nextval('seq_spending'), project_id, as_of, amount, note, $reporter, $now, $source,
                   forecast, goal_actual
            FROM new n
            WHERE NOT EXISTS (
                SELECT 1 FROM prior p WHERE p.project_id = n.project_id AND p.as_of = n.as_of
                AND p.amount = n.amount AND p.note IS NOT DISTINCT FROM n.note
                AND p.forecast IS NOT DISTINCT FROM n.forecast AND p.goal_actual IS NOT DISTINCT FROM n.goal_actual)
            ORDER BY project_id
            """,
            {"reporter": reporter, "now": now, "source": source},
        ))[0]
        return n_a, n_s

    # -- reading ------------------------------------------------------------------------
    def projects_frame(self, project_ids: list[int] | None = None) -> pd.DataFrame:
        sql = "SELECT * FROM current_projects"
        params: list = []
        if project_ids is not None:
            sql += " WHERE list_contains(?, project_id)"
            params.append(project_ids)
        return self.con.execute(sql + " ORDER BY year, project_id", params).df()

    def indicators_frame(self, project_ids: list[int] | None = None) -> pd.DataFrame:
        sql = "SELECT * FROM current_indicators"
        params: list = []
        if project_ids is not None:
            sql += " WHERE list_contains(?, project_id)"
            params.append(project_ids)
        return self.con.execute(sql + " ORDER BY project_id, seq, indicator_id", params).df()

    def target_history(self, indicator_id: int) -> pd.DataFrame:
        return self.con.execute(
            """
            SELECT t.version, t.recorded_at, t.active, t.target_text, t.changed_by, t.reason,
                   im.file_name
            FROM target_versions t LEFT JOIN imports im USING (import_id)
            WHERE t.indicator_id = ? ORDER BY t.version
            """,
            [indicator_id],
        ).df()

    def data_version(self) -> tuple[int, ...]:
        """Changes whenever anything is imported, reported, withdrawn or revised: a cache key."""
        self.con.complete()
        return tuple(_one(self.con.execute(
            """
            SELECT (SELECT count(*) FROM imports), (SELECT count(*) FROM target_versions),
                   (SELECT coalesce(max(report_id), 0) FROM actual_reports),
                   (SELECT coalesce(max(report_id), 0) FROM spending_reports),
                   (SELECT count(*) FROM withdrawals), (SELECT count(*) FROM project_imports),
                   (SELECT count(*) FROM indicator_imports), (SELECT count(*) FROM budget_lines)
            """
        )))

    def report_history(self, indicator_ids: list[int] | None = None, reporter: str | None = None) -> pd.DataFrame:
        """Actual reports of some indicators (all when None) and/or one reporter, withdrawn ones marked."""
        return self.con.execute(
            """
            SELECT a.report_id, a.indicator_id, a.as_of, a.value_text, a.value_num, a.value_date,
                   a.grade, a.grade_rate, a.likelihood, a.note, a.reporter, a.entered_at, a.source,
                   a.deviation_category, a.forecast_text, w.withdrawn_at IS NOT NULL AS withdrawn,
                   w.withdrawn_by, w.withdrawn_at, w.reason AS withdraw_reason
            FROM actual_reports a
            LEFT JOIN withdrawals w ON w.report_id = a.report_id AND w.report_type = 'actual'
            WHERE ($ids IS NULL OR list_contains($ids, a.indicator_id))
              AND ($reporter IS NULL OR a.reporter = $reporter)
            ORDER BY a.indicator_id, a.as_of, a.report_id
            """,
            {"ids": indicator_ids, "reporter": reporter},
        ).df()

    def spending_history(self, project_ids: list[int] | None = None, reporter: str | None = None) -> pd.DataFrame:
        """Spending reports of some projects (all when None) and/or one reporter, withdrawn ones marked."""
        return self.con.execute(
            """
            SELECT s.report_id, s.project_id, s.as_of, s.amount, s.note, s.reporter, s.entered_at,
                   s.source, s.forecast, s.goal_actual, w.withdrawn_at IS NOT NULL AS withdrawn,
                   w.withdrawn_by, w.withdrawn_at, w.reason AS withdraw_reason
            FROM spending_reports s
            LEFT JOIN withdrawals w ON w.report_id = s.report_id AND w.report_type = 'spending'
            WHERE ($ids IS NULL OR list_contains($ids, s.project_id))
              AND ($reporter IS NULL OR s.reporter = $reporter)
            ORDER BY s.project_id, s.as_of, s.report_id
            """,
            {"ids": project_ids, "reporter": reporter},
        ).df()

    def table_counts(self) -> dict[str, int]:
        """Row counts of every stored table: what tests compare before and after a failure."""
        names = [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()]
        return {n: _one(self.con.execute(f'SELECT count(*) FROM "{n}"'))[0] for n in names}

    def is_empty(self) -> bool:
        return _one(self.con.execute("SELECT count(*) FROM projects"))[0] == 0

    # -- reports ------------------------------------------------------------------------
    def append_reports(self, actuals: pd.DataFrame, spending: pd.DataFrame,
                       audit: Audit | None = None) -> tuple[int, int]:
        """Append one file's accepted rows in one transaction; nothing is updated."""
        now = datetime.now()
        actuals = _with_texts(actuals, ("deviation_category", "forecast_text"))
        spending = _with_texts(spending, ("goal_actual",))
        if "forecast" in spending.columns:
            # As text, cast in SQL: a column of Decimals of mixed scales is never read as a double.
            spending = spending.assign(forecast=spending["forecast"].map(
                lambda v: None if v is None or pd.isna(v) else str(exact(v))).astype(object))
        else:
            spending = spending.assign(forecast=pd.Series(None, index=spending.index, dtype=object))
        with self.transaction() as con:
            self._audit(con, audit)
            n_a = n_s = 0
            if len(actuals):
                self._register("new_actuals", actuals)
                n_a = _one(con.execute(
                    f"""
                    INSERT INTO actual_reports
                    SELECT nextval('seq_actual'), indicator_id, as_of, value_text, value_num, value_date,
                           grade, grade_rate, likelihood, note, reporter, $now, source, {_VALUE_CODE},
                           CAST(deviation_category AS VARCHAR), CAST(forecast_text AS VARCHAR)
                    FROM new_actuals
                    """,
                    {"now": now, **_CODE_PARAMS},
                ))[0]
                con.unregister("new_actuals")
            if len(spending):
                self._register("new_spending", spending)
                n_s = _one(con.execute(
                    f"""
                    INSERT INTO spending_reports
                    SELECT nextval('seq_spending'), project_id, as_of, amount, note, reporter, ?, source,
                           CAST(CAST(forecast AS VARCHAR) AS {MONEY}), CAST(goal_actual AS VARCHAR)
                    FROM new_spending
                    """,
                    [now],
                ))[0]
                con.unregister("new_spending")
        return n_a, n_s

    def bulk_load_actuals(self, frame: pd.DataFrame) -> int:
        """Synthetic history for benchmarks: rows carry their own entered_at."""
        with self.transaction() as con:
            self._register("bulk_actuals", frame)
            n = _one(con.execute(
                f"""
                INSERT INTO actual_reports
                SELECT nextval('seq_actual'), indicator_id, as_of, value_text, value_num, value_date, grade,
                       grade_rate, likelihood, note, reporter, entered_at, source, {_VALUE_CODE}, NULL, NULL
                FROM bulk_actuals
                """,
                _CODE_PARAMS,
            ))[0]
            con.unregister("bulk_actuals")
        return n

    def latest_reports(self, indicator_ids: list[int], as_of: date | None = None) -> pd.DataFrame:
        """Each indicator's latest non-withdrawn report (any as-of date, or the latest on or before
        ``as_of``): what an upload is compared with, and what a 监控表 of month X prints.

        Every text is the latest report's own (its likelihood, note, category, forecast): what the
        reporter said with that value, never carried over from an earlier report.
        """
        picked = ", ".join(f"arg_max({c}, {_LATEST_KEY}) AS {c}" for c in _LATEST_ACTUAL)
        return self.con.execute(
            f"""
            SELECT indicator_id, {picked}
            FROM actual_reports
            WHERE list_contains($ids, indicator_id) AND ($as_of IS NULL OR as_of <= $as_of)
              AND report_id NOT IN (SELECT report_id FROM withdrawals WHERE report_type = 'actual')
            GROUP BY indicator_id
            """,
            {"ids": indicator_ids, "as_of": as_of},
        ).df()

    def latest_spending(self, project_ids: list[int], as_of: date | None = None) -> pd.DataFrame:
        """Each project's latest non-withdrawn spending report (on or before ``as_of`` when given),
        with its own note, 全年预计执行数 (forecast) and 实际完成情况 (goal_actual)."""
        picked = ", ".join(f"arg_max({c}, {_LATEST_KEY}) AS {c}" for c in _LATEST_SPENDING)
        return self.con.execute(
            f"""
            SELECT project_id, {picked}
            FROM spending_reports
            WHERE list_contains($ids, project_id) AND ($as_of IS NULL OR as_of <= $as_of)
              AND report_id NOT IN (SELECT report_id FROM withdrawals WHERE report_type = 'spending')
            GROUP BY project_id
            """,
            {"ids": project_ids, "as_of": as_of},
        ).df()

    # -- withdrawals and revisions -------------------------------------------------------
    def report_owner(self, report_id: int, report_type: str) -> dict | None:
        """Who entered a report, for which unit, and whether it is already withdrawn."""
        actual = report_type == "actual"
        table, key = ("actual_reports", "indicator_id") if actual else ("spending_reports", "project_id")
        join = (
            "JOIN indicators i USING (indicator_id) JOIN current_projects p ON p.project_id = i.project_id"
            if actual else "JOIN current_projects p USING (project_id)"
        )
        row = _one(self.con.execute(
            f"""
            SELECT r.report_id, r.{key}, r.reporter, r.source, p.unit, p.project_id,
                   EXISTS (SELECT 1 FROM withdrawals w WHERE w.report_id = r.report_id
                           AND w.report_type = ?) AS withdrawn
            FROM {table} r {join} WHERE r.report_id = ?
            """,
            [report_type, report_id],
        ))
        if row is None:
            return None
        return dict(zip(("report_id", key, "reporter", "source", "unit", "project_id", "withdrawn"), row, strict=True))

    def withdraw(self, report_id: int, report_type: str, by: str, reason: str, audit: Audit | None = None) -> None:
        """Mark a report withdrawn; the report itself stays stored and visible."""
        with self.transaction() as con:
            already = _one(con.execute(
                "SELECT count(*) FROM withdrawals WHERE report_id = ? AND report_type = ?", [report_id, report_type]
            ))[0]
            if already:
                raise ValueError("该填报已撤回")
            con.execute("INSERT INTO withdrawals VALUES (?, ?, ?, ?, ?)",
                        [report_id, report_type, by, datetime.now(), reason])
            self._audit(con, audit)

    def revise_target(self, indicator_id: int, target: dict, by: str, reason: str, audit: Audit | None = None) -> int:
        """Append a new target version made on screen; the old ones stay. Returns the new version."""
        with self.transaction() as con:
            current = _one(con.execute(
                "SELECT max(version) FROM target_versions WHERE indicator_id = ?", [indicator_id]
            ))[0]
            if current is None:
                raise ValueError("指标不存在")
            con.execute(
                """
                INSERT INTO target_versions VALUES (?, ?, NULL, ?, TRUE, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [indicator_id, current + 1, datetime.now(), target["target_text"], target["operator"],
                 target["target_num"], target["target_date"], target["unit"], target["unit_normalized"],
                 target["kind"], target["direction"], by, reason],
            )
            self._refresh_current_indicators(con)
            self._audit(con, audit)
        return current + 1

    # -- users, sign-in and the audit log ---------------------------------------------------
    def user_count(self) -> int:
        return _one(self.con.execute("SELECT count(*) FROM users"))[0]

    def get_user(self, username: str) -> dict | None:
        cur = self.con.execute("SELECT * FROM users WHERE username = ?", [username])
        row = _one(cur)
        if row is None:
            return None
        out = dict(zip([d[0] for d in cur.description], row, strict=True))
        out["units"] = json.loads(out["units"])
        return out

    def users_frame(self) -> pd.DataFrame:
        return self.con.execute(
            "SELECT username, display_name, role, units, active, failed_count, last_failed_at, created_at "
            "FROM users ORDER BY created_at, username"
        ).df()

    def add_user(self, username: str, display_name: str, role: str, units: list[str], password_hash: str,
                 audit: Audit | None = None, same_name: Callable[[str], str] | None = None) -> None:
        """Insert a user; ``same_name`` maps a name to the form in which two names count as one
        (checked against every stored name in the same transaction)."""
        key = same_name or (lambda name: name)
        with self.transaction() as con:
            for (existing,) in con.execute("SELECT username FROM users").fetchall():
                if key(existing) == key(username):
                    taken = "已存在" if existing == username else f"与已有用户名“{existing}”视为同一个名字"
                    raise ValueError(f"用户名“{username}”{taken},请换一个")
            con.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?, TRUE, 0, NULL, ?)",
                [username, display_name, role, json.dumps(units, ensure_ascii=False), password_hash, datetime.now()],
            )
            self._audit(con, audit)

    def update_user(self, username: str, changes: dict, audit: Audit | None = None) -> None:
        """Change role, units, display name, active or password hash (user rows are state, not history:
        the audit log keeps what changed)."""
        allowed = {"display_name", "role", "units", "active", "password_hash", "failed_count", "last_failed_at"}
        if not changes or set(changes) - allowed:
            raise ValueError(f"cannot change {set(changes) - allowed}")
        values = {k: json.dumps(v, ensure_ascii=False) if k == "units" else v for k, v in changes.items()}
        with self.transaction() as con:
            sets = ", ".join(f"{k} = ?" for k in values)
            con.execute(f"UPDATE users SET {sets} WHERE username = ?", [*values.values(), username])
            self._audit(con, audit)

    def reserve_sign_in(self, username: str, at: datetime,
                        lock_end: Callable[[int, datetime], datetime | None]) -> tuple[dict | None, datetime | None]:
        """Read the account and count this attempt as a failure before its password is checked.

        Returns (row, None) with the attempt reserved, (row, until) for a locked account (nothing
        changed) or (None, None) for an unknown name. Reading the count and raising it happen in
        one transaction under the store's lock, so however many attempts arrive at once, at most
        as many passwords are checked as ``lock_end`` allows failures; a right password then
        resets the count (record_sign_in). ``lock_end(failed, last_failed_at)`` is the rule.
        """
        with self.transaction() as con:
            row = self.get_user(username)
            if row is None:
                return None, None
            until = lock_end(row["failed_count"], row["last_failed_at"]) if row["last_failed_at"] else None
            if until is not None and at < until:
                return row, until
            # After a lock has run out, the count starts again.
            con.execute(
                "UPDATE users SET failed_count = CASE WHEN ? THEN 1 ELSE failed_count + 1 END, "
                "last_failed_at = ? WHERE username = ?",
                [until is not None, at, username],
            )
            return row, None

    def failed_sign_ins_of_unknown(self, username: str, detail: str) -> tuple[int, datetime | None]:
        """How many sign-ins with a name that is no account's were refused with ``detail``, and when last."""
        count, last = _one(self.con.execute(
            "SELECT count(*), max(occurred_at) FROM audit_log "
            "WHERE action = '登录失败' AND username = ? AND detail = ?", [username, detail]
        ))
        return count, last

    def record_sign_in(self, username: str, ok: bool, at: datetime, audit: Audit, restart: bool = False) -> None:
        """Count consecutive failures (reset on success; ``restart`` counts afresh after a lock ran out)
        and log the attempt, in one transaction."""
        with self.transaction() as con:
            if ok:
                con.execute("UPDATE users SET failed_count = 0, last_failed_at = NULL WHERE username = ?", [username])
            else:
                con.execute(
                    "UPDATE users SET failed_count = CASE WHEN ? THEN 1 ELSE failed_count + 1 END, "
                    "last_failed_at = ? WHERE username = ?",
                    [restart, at, username],
                )
            self._audit(con, audit)

    def log(self, audit: Audit) -> None:
        with self.transaction() as con:
            self._audit(con, audit)

    def audit_frame(self, since: datetime | None = None, until: datetime | None = None,
                    username: str | None = None, actions: list[str] | None = None, limit: int = 5000) -> pd.DataFrame:
        where, params = ["TRUE"], []
        if since is not None:
            where.append("occurred_at >= ?")
            params.append(since)
        if until is not None:
            where.append("occurred_at < ?")
            params.append(until)
        if username:
            where.append("username = ?")
            params.append(username)
        if actions:
            where.append("list_contains(?, action)")
            params.append(actions)
        return self.con.execute(
            f"SELECT audit_id, occurred_at, username, action, detail, file_name FROM audit_log "
            f"WHERE {' AND '.join(where)} ORDER BY audit_id DESC LIMIT {int(limit)}",
            params,
        ).df()

    def get_config(self, key: str, default: str | None = None) -> str | None:
        row = _one(self.con.execute("SELECT value FROM app_config WHERE key = ?", [key]))
        return row[0] if row else default

    def set_config(self, key: str, value: str, audit: Audit | None = None) -> None:
        with self.transaction() as con:
            con.execute("INSERT OR REPLACE INTO app_config VALUES (?, ?)", [key, value])
            self._audit(con, audit)

    def indicator_lookup(self) -> pd.DataFrame:
        """What a report row is matched and checked against."""
        return self.con.execute(
            """
            SELECT ci.indicator_id, ci.project_id, p.name AS project_name, p.year, p.department,
                   p.unit AS implementing_unit, ci.level1, ci.level2, ci.name, ci.target_text, ci.operator,
                   ci.target_num, ci.target_date, ci.unit, ci.unit_normalized, ci.kind, ci.direction
            FROM current_indicators ci JOIN current_projects p USING (project_id)
            ORDER BY ci.project_id, ci.seq
            """
        ).df()

    def engine_indicators(self, as_of: date, codes: dict[str, list[str]]) -> tuple[pa.Table, pa.Table]:
        """Every current indicator's target, and the latest non-withdrawn reports as of a date.

        Two tables, all numeric, for the engine to align by indicator_id: a join here costs more
        than the engine's own arithmetic. Text columns named in ``codes`` come back as their
        1-based position in the given list (0 when absent); dates come back as days since
        1970-01-01. The targets come ordered by indicator_id; the reports in no order.

        "Latest" is the greatest as-of date, then the last entered (report ids grow with entry
        order); both are packed into one integer key because arg_max on a scalar is several
        times faster than on a tuple.
        """
        self.con.complete()  # a relation query refuses to start behind a half-fetched result
        coded = ", ".join(f"coalesce(list_position(${c}, {c}), 0)::TINYINT AS {c}_code" for c in codes)
        targets = self.con.sql(
            f"""
            SELECT indicator_id, project_id, {coded}, target_num::DOUBLE AS target_num,
                   date_diff('day', DATE '1970-01-01', target_date) AS target_day
            FROM current_indicators ORDER BY indicator_id
            """,
            params=codes,
        ).to_arrow_table()
        latest = self.con.sql(
            f"""
            -- Only narrow columns: arg_max over wide or text columns costs several times more.
            SELECT indicator_id, max(k) & {_ID_MASK} AS report_id, (max(k) >> 40)::INTEGER AS actual_day,
                   -- Exact in the store, binary in the engine: equal decimals stay equal as doubles.
                   arg_max(value_num, k)::DOUBLE AS value_num,
                   date_diff('day', DATE '1970-01-01', arg_max(value_date, k)) AS value_day,
                   arg_max(grade_rate, k) AS grade_rate, arg_max(value_code, k) AS value_code
            FROM (
                SELECT indicator_id, value_num, value_date, grade_rate, value_code, {_LATEST_KEY} AS k
                FROM actual_reports
                ANTI JOIN (SELECT report_id FROM withdrawals WHERE report_type = 'actual') USING (report_id)
                WHERE as_of <= $as_of
            )
            GROUP BY indicator_id
            """,
            params={"as_of": as_of},
        ).to_arrow_table()
        return targets, latest

    def engine_weights(self) -> pa.Table:
        """Imported weights (分值) and printed scores (得分), as doubles, of the indicators of each
        project's latest 自评表 import; the engine aligns them by indicator_id."""
        self.con.complete()
        return self.con.sql(
            f"""
            WITH {_LATEST_SELFEVAL}
            SELECT ii.indicator_id, ii.weight::DOUBLE AS weight, ii.printed_score::DOUBLE AS printed_score
            FROM indicator_imports ii
            JOIN indicators i USING (indicator_id)
            JOIN selfeval e ON e.project_id = i.project_id AND e.import_id = ii.import_id
            """
        ).to_arrow_table()

    def engine_projects(self, as_of: date) -> pa.Table:
        """Every current project with its latest non-withdrawn spending report as of a date.

        Numeric like :meth:`engine_indicators` (dates as days since 1970-01-01), ordered by
        project_id, plus the department's name. From the project's latest 自评表 import, if any:
        budget_points (the budget row's 分值), printed_total (总分) and weighted (the import gave
        indicator weights); from its latest import with a budget block whose total row has an
        adjusted budget (全年预算数 / 调整后预算数) above zero: adjusted_budget.
        """
        self.con.complete()
        return self.con.sql(
            f"""
            WITH {_LATEST_SELFEVAL},
            weighted AS (
                SELECT DISTINCT i.project_id, ii.import_id
                FROM indicator_imports ii JOIN indicators i USING (indicator_id)
                WHERE ii.weight IS NOT NULL
            ),
            scheme AS (
                SELECT e.project_id, pi.budget_points::DOUBLE AS budget_points,
                       pi.printed_total::DOUBLE AS printed_total, w.project_id IS NOT NULL AS weighted
                FROM selfeval e
                JOIN project_imports pi USING (project_id, import_id)
                LEFT JOIN weighted w USING (project_id, import_id)
            ),
            basis AS (
                SELECT project_id, arg_max(budget_adjusted, import_id)::DOUBLE AS adjusted_budget
                FROM project_imports WHERE budget_adjusted > 0 GROUP BY project_id
            ),
            latest AS (
                SELECT project_id, max(k) AS k, arg_max(amount, k)::DOUBLE AS spent
                FROM (
                    SELECT project_id, amount, {_LATEST_KEY} AS k
                    FROM spending_reports
                    ANTI JOIN (SELECT report_id FROM withdrawals WHERE report_type = 'spending') USING (report_id)
                    WHERE as_of <= $as_of
                )
                GROUP BY project_id
            )
            SELECT p.project_id, p.year, p.department,
                   date_diff('day', DATE '1970-01-01', p.start_date) AS start_day,
                   date_diff('day', DATE '1970-01-01', p.end_date) AS end_day,
                   p.funding_total::DOUBLE AS funding_total, l.spent, (l.k >> 40)::INTEGER AS spent_day,
                   b.adjusted_budget, sc.budget_points, sc.printed_total,
                   coalesce(sc.weighted, FALSE) AS weighted
            FROM current_projects p LEFT JOIN latest l USING (project_id)
            LEFT JOIN basis b USING (project_id) LEFT JOIN scheme sc USING (project_id)
            ORDER BY p.project_id
            """,
            params={"as_of": as_of},
        ).to_arrow_table()

    def floor_latest_values(self, as_of: date, columns: tuple[str, ...] = _VALUE_COLUMNS) -> pa.Table:
        """The benchmark floor: one bare aggregation reading the actual rows once, same ordering.

        By default it fetches each indicator's latest value as a report stores it (number, date,
        grade rate and grade/不适用 code: which one holds the value depends on the indicator's
        kind), with nothing else: no targets, no withdrawals, no rules.
        """
        self.con.complete()
        picked = ", ".join(f"arg_max({c}, k) AS {c}" for c in columns)
        return self.con.sql(
            f"SELECT indicator_id, {picked} FROM (SELECT *, {_LATEST_KEY} AS k FROM actual_reports "
            "WHERE as_of <= $as_of) GROUP BY indicator_id",
            params={"as_of": as_of},
        ).to_arrow_table()

    def all_actuals(self) -> pd.DataFrame:
        """Every actual report with its target: the input of the row-by-row comparison."""
        return self.con.execute(
            """
            SELECT a.indicator_id, a.as_of, a.report_id, a.value_num, a.value_date, a.grade, a.grade_rate,
                   ci.kind, ci.direction, ci.target_num, ci.target_date
            FROM actual_reports a JOIN current_indicators ci USING (indicator_id)
            """
        ).df()

    # -- sessions (analytics.sessions holds the rules) --------------------------------------
    def add_session(self, session_id: str, username: str, at: datetime, expires_at: datetime,
                    handoff_key: str, handoff_expires_at: datetime) -> None:
        with self.transaction() as con:
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
                        [session_id, username, at, at, expires_at, handoff_key, handoff_expires_at])

    def get_session(self, session_id: str) -> dict | None:
        cur = self.con.execute(
            "SELECT session_id, username, created_at, last_seen_at, expires_at, revoked_at "
            "FROM sessions WHERE session_id = ?", [session_id])
        row = _one(cur)
        return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))

    def touch_session(self, session_id: str, at: datetime) -> None:
        with self.transaction() as con:
            con.execute("UPDATE sessions SET last_seen_at = greatest(last_seen_at, ?) WHERE session_id = ?",
                        [at, session_id])

    def take_handoff(self, handoff_key: str, at: datetime) -> str | None:
        """The session key a live handoff code names, the code spent in the same statement (so it works
        once however many requests race); None for an unknown, used or expired code."""
        with self.transaction() as con:
            row = _one(con.execute(
                "UPDATE sessions SET handoff_key = NULL, handoff_expires_at = NULL "
                "WHERE handoff_key = ? AND handoff_expires_at >= ? AND revoked_at IS NULL "
                "RETURNING session_id", [handoff_key, at]))
        return None if row is None else row[0]

    def revoke_session(self, session_id: str, at: datetime) -> None:
        with self.transaction() as con:
            con.execute("UPDATE sessions SET revoked_at = ?, handoff_key = NULL "
                        "WHERE session_id = ? AND revoked_at IS NULL", [at, session_id])

    def revoke_user_sessions(self, username: str, at: datetime) -> int:
        """End every open session of a user; returns how many were open."""
        with self.transaction() as con:
            row = _one(con.execute(
                "SELECT count(*) FROM sessions WHERE username = ? AND revoked_at IS NULL", [username]))
            con.execute("UPDATE sessions SET revoked_at = ?, handoff_key = NULL "
                        "WHERE username = ? AND revoked_at IS NULL", [at, username])
        return int(row[0])

    def delete_sessions_before(self, before: datetime) -> int:
        """Forget sessions that ended (expired or revoked) before ``before``; returns how many."""
        with self.transaction() as con:
            row = _one(con.execute(
                "SELECT count(*) FROM sessions WHERE coalesce(revoked_at, expires_at) < ?", [before]))
            con.execute("DELETE FROM sessions WHERE coalesce(revoked_at, expires_at) < ?", [before])
        return int(row[0])

    # -- backup and restore -------------------------------------------------------------
    def _stored_tables(self, backed_up: bool = False) -> list[str]:
        """The product's base tables: views and a connection's temp staging tables are not data.
        ``backed_up``: only those a backup carries (not BACKUP_SKIPS)."""
        names = [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()]
        return [n for n in names if n not in BACKUP_SKIPS] if backed_up else names

    def _table_columns(self, name: str) -> list[list[str]]:
        return [list(r) for r in self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() "
            "AND table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [name],
        ).fetchall()]

    def backup_tables(self, out_dir: Path) -> list[dict]:
        """Write every base table to ``<table>.parquet`` in ``out_dir``; one row per table.

        current_indicators is written too, so a backup holds every table as stored, but
        :meth:`restore_tables` rebuilds it instead of loading it. Each row has table, file, rows
        and columns ([name, type] pairs). Rows are sorted by all columns so that the same data
        always gives the same rows in the same order.
        """
        out = []
        # One transaction: all tables come from one snapshot even while another cursor writes.
        with self.transaction() as con:
            for name in self._stored_tables(backed_up=True):
                file = f"{name}.parquet"
                # COPY takes its target as a literal, not a parameter.
                target = str(Path(out_dir) / file).replace("'", "''")
                rows = _one(con.execute(
                    f"COPY (SELECT * FROM \"{name}\" ORDER BY ALL) TO '{target}' (FORMAT parquet)"
                ))[0]
                out.append({"table": name, "file": file, "rows": int(rows), "columns": self._table_columns(name)})
        return out

    def table_rules(self) -> dict[str, TableRules]:
        """What a restored file must hold to fit each base table: see :func:`analytics.backup.check_table`."""
        self.con.complete()
        not_null: dict[str, list[str]] = {}
        for table, column in self.con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT is_nullable ORDER BY table_name, column_index"
        ).fetchall():
            not_null.setdefault(table, []).append(column)
        keys: dict[str, list[tuple[str, ...]]] = {}
        for table, columns in self.con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE database_name = current_database() AND schema_name = 'main' "
            "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY table_name, constraint_index"
        ).fetchall():
            keys.setdefault(table, []).append(tuple(columns))
        rules = {}
        for name in self._stored_tables(backed_up=True):
            # The Arrow types DuckDB reads and writes for the table's columns, from the table itself.
            schema = self.con.sql(f'SELECT * FROM "{name}" LIMIT 0').to_arrow_table().schema.remove_metadata()
            rules[name] = TableRules(schema, tuple(not_null.get(name, ())), tuple(keys.get(name, ())))
        return rules

    def restore_tables(self, tables: dict[str, pa.Table]) -> dict[str, int]:
        """Load tables read from a backup (checked by :mod:`analytics.backup`) into this empty database.

        All in one transaction, so a refusal or failure leaves the database as empty as it was.
        current_indicators is not loaded but rebuilt from the restored target_versions: it is derived
        data, and a rebuild cannot disagree with the history it comes from. Every id sequence is then
        recreated to start after the largest restored id (this DuckDB has no ALTER SEQUENCE RESTART),
        so new imports, reports and audit lines continue the numbering. Returns the rows per table.
        Raises ValueError (in Chinese) if any table already has rows or is not in this database.
        """
        derived = "current_indicators"
        loaded: dict[str, int] = {}
        names = [n for n in tables if n != derived]
        # Registered outside the transaction: unregistering inside an aborted one would mask the error.
        for name in names:
            self._register(f"restore_{name}", tables[name])
        try:
            with self.transaction() as con:
                stored = self._stored_tables()
                unknown = sorted(set(tables) - set(stored))
                if unknown:
                    raise ValueError(
                        f"备份中的表“{'、'.join(unknown)}”在当前数据库中不存在;备份可能来自不同版本的程序"
                    )
                filled = [n for n in stored if _one(con.execute(f'SELECT count(*) FROM "{n}"'))[0]]
                if filled:
                    raise ValueError(
                        f"数据库不是空的(表 {'、'.join(filled)} 已有数据),只能恢复到空数据库中;"
                        "请用 --db 指定一个新的数据库文件"
                    )
                for name in names:
                    loaded[name] = _one(con.execute(
                        f'INSERT INTO "{name}" BY NAME SELECT * FROM "restore_{name}"'
                    ))[0]
                self._refresh_current_indicators(con)
                loaded[derived] = _one(con.execute(f"SELECT count(*) FROM {derived}"))[0]
                for seq, (table, column) in SEQUENCES.items():
                    start = _one(con.execute(f'SELECT coalesce(max({column}), 0) + 1 FROM "{table}"'))[0]
                    con.execute(f"CREATE OR REPLACE SEQUENCE {seq} START {int(start)}")
        finally:
            for name in names:
                self._unregister(f"restore_{name}")
        return loaded

    # -- official forms (branch forms): what a 自评表 / 监控表 prints beyond the engine's numbers --
    def form_sources(self, project_ids: list[int], report_ids: list[int]) -> dict[str, pd.DataFrame]:
        """The stored texts and printed figures the official forms need, for some projects.

        - ``budget``: the budget block (budget_lines) of each project's latest import that printed
          one, with that import's kind and month (a 监控表's lines hold 1-X月 figures);
        - ``goals``: per project, the 实际完成情况 (goal_actual) of its latest 自评表 import and of its
          latest 监控表 import, with that 监控表's month;
        - ``extras``: per indicator, the latest import's 全年预计完成情况, 备注 and 指标性质 (only
          indicators some 自评表 / 监控表 printed them for);
        - ``reports``: value_text, note, likelihood, 偏差原因类别 and 全年预计完成情况 of the given report
          ids (the engine's latest report of each indicator), which the engine does not carry.

        Ids come in as registered Arrow tables and are joined: a list_contains over tens of
        thousands of ids would compare every row with every id.
        """
        self.con.complete()
        projects = pa.table({"project_id": pa.array(project_ids, pa.int64())})
        reports = pa.table({"report_id": pa.array(report_ids, pa.int64())})
        self._register("form_project_ids", projects)
        self._register("form_report_ids", reports)
        try:
            budget = self.con.execute(
                """
                WITH printed AS (
                    SELECT pi.project_id, max(pi.import_id) AS import_id
                    FROM project_imports pi SEMI JOIN form_project_ids USING (project_id)
                    WHERE EXISTS (SELECT 1 FROM budget_lines b
                                  WHERE b.project_id = pi.project_id AND b.import_id = pi.import_id)
                    GROUP BY pi.project_id
                )
                SELECT b.project_id, pi.kind, pi.month, b.seq, b.label, b.initial, b.adjusted, b.executed,
                       b.forecast, b.points, b.rate, b.score
                FROM printed p
                JOIN budget_lines b USING (project_id, import_id)
                JOIN project_imports pi USING (project_id, import_id)
                ORDER BY b.project_id, b.seq
                """
            ).df()
            goals = self.con.execute(
                """
                SELECT project_id,
                       arg_max(goal_actual, import_id) FILTER (WHERE kind = 'selfeval') AS selfeval_goal_actual,
                       arg_max(goal_actual, import_id) FILTER (WHERE kind = 'monitor') AS monitor_goal_actual,
                       arg_max(month, import_id) FILTER (WHERE kind = 'monitor') AS monitor_month
                FROM project_imports SEMI JOIN form_project_ids USING (project_id)
                WHERE kind IN ('selfeval', 'monitor') AND goal_actual IS NOT NULL
                GROUP BY project_id
                """
            ).df()
            extras = self.con.execute(
                """
                -- arg_max_null: the latest import's value even when it printed none (arg_max skips NULLs).
                SELECT ii.indicator_id, arg_max_null(ii.forecast_text, ii.import_id) AS forecast_text,
                       arg_max_null(ii.remark, ii.import_id) AS remark,
                       arg_max_null(ii.nature, ii.import_id) AS nature
                FROM indicator_imports ii
                JOIN indicators i USING (indicator_id)
                SEMI JOIN form_project_ids f ON f.project_id = i.project_id
                GROUP BY ii.indicator_id
                """
            ).df()
            texts = self.con.execute(
                """
                SELECT a.report_id, a.value_text, a.note, a.likelihood, a.deviation_category, a.forecast_text
                FROM actual_reports a SEMI JOIN form_report_ids USING (report_id)
                """
            ).df()
        finally:
            self._unregister("form_project_ids")
            self._unregister("form_report_ids")
        return {"budget": budget, "goals": goals, "extras": extras, "reports": texts}
