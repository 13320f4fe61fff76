"""Backup of every stored table to Parquet files with a manifest, and restore into an empty database.

The manifest is written last, so a folder with a manifest holds a complete backup. Restore reads
each file it lists once, by its exact path, into memory; checks those bytes against the manifest
(SHA-256, row count), the set of tables against the schema (every table, no other; sessions are
never backed up, see storage.BACKUP_SKIPS), and each
table's columns, types, NOT NULL columns and primary and unique keys against its table; and only
then loads those same in-memory tables in one transaction (see :meth:`Store.restore_tables`). So
what is loaded is exactly what was checked, and every refusal leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analytics.model import InputError
from analytics.storage import ADDED_COLUMNS, NO_SPACE_ERRNOS, DatabaseUnavailable, DiskFull, Store, TableRules

FORMAT = "perf-dashboard-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# What a reader of the folder should do after any refusal of its content.
_USE_ANOTHER = "请改用另一份完整的备份"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup(store: Store, out_dir: str | os.PathLike[str]) -> Path:
    """Write every table to ``out_dir`` (new or empty) as Parquet plus ``manifest.json``; returns the manifest."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"“{out}”是一个文件,不是文件夹;请为备份指定一个新的或空的文件夹")
    # A non-empty folder could mix this backup's files with an older one's.
    if out.is_dir() and any(out.iterdir()):
        raise InputError(f"文件夹“{out}”不是空的;请为备份指定一个新的或空的文件夹")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"无法创建备份文件夹“{out}”:{e.strerror}") from None
    try:
        return _write_backup(store, out)
    except (OSError, DiskFull) as e:
        if isinstance(e, OSError) and e.errno not in NO_SPACE_ERRNOS:
            raise
        # Half a backup is no backup: remove what was written, so the folder is not mistaken for one.
        _remove_partial(out, created)
        raise InputError(
            f"备份文件夹“{out}”所在的磁盘空间不足,备份没有完成,已删除写了一半的文件(数据库没有任何改动)。"
            "请清理这块磁盘的空间,或换一个空间足够的文件夹后重试。"
        ) from None


def _remove_partial(out: Path, created: bool) -> None:
    import shutil

    if created:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir():  # the folder was empty before this backup
        child.unlink(missing_ok=True)


def _write_backup(store: Store, out: Path) -> Path:
    tables = store.backup_tables(out)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now().isoformat(timespec="seconds"),
        # What the tables looked like, for a reader of the folder; restore checks the files themselves.
        "schema": {t["table"]: dict(t["columns"]) for t in tables},
        "tables": [
            {"table": t["table"], "file": t["file"], "rows": t["rows"], "sha256": _sha256(out / t["file"])}
            for t in tables
        ],
    }
    # Written under another name first, so an interrupted backup has no manifest and cannot be restored.
    tmp = out / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return tmp.replace(out / MANIFEST)


def _manifest(src: Path) -> dict:
    """The manifest of a backup folder, its structure checked (not yet the files it lists)."""
    if not src.is_dir():
        raise InputError(f"备份文件夹“{src}”不存在")
    path = src / MANIFEST
    if not path.is_file():
        raise InputError(f"备份文件夹“{src}”中没有 {MANIFEST},不是完整的备份")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"备份清单“{MANIFEST}”无法读取或已损坏") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(
        manifest.get("tables"), list
    ):
        raise InputError(f"“{MANIFEST}”不是本程序的备份清单")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputError(f"备份格式版本“{version}”不受支持(本程序支持到 {FORMAT_VERSION}),请升级程序后再恢复")
    seen: set[str] = set()
    for entry in manifest["tables"]:
        table = entry.get("table") if isinstance(entry, dict) else None
        # The file name is fixed by the table name, so an edited manifest cannot point outside the folder.
        if not isinstance(table, str) or entry.get("file") != f"{table}.parquet" or table in seen:
            raise InputError(f"“{MANIFEST}”中的表清单有误:{entry!r}")
        seen.add(table)
    return manifest


def _read_checked(src: Path, entry: dict) -> pa.Table:
    """One listed file, read once by its exact path and checked against its manifest entry.

    The table comes from the very bytes whose checksum was compared, so a file replaced after
    the check, or a path a reader would take as a pattern (``bk[1]``), cannot change what loads.
    """
    name = entry["file"]
    try:
        data = (src / name).read_bytes()
    except FileNotFoundError:
        raise InputError(f"备份文件“{name}”缺失") from None
    except OSError as e:
        raise InputError(f"备份文件“{name}”无法读取:{e.strerror}") from None
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise InputError(f"备份文件“{name}”的校验值与 {MANIFEST} 不符,文件可能已损坏或被修改")
    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception:  # pyarrow raises several kinds for a file that is not Parquet
        raise InputError(f"备份文件“{name}”不是有效的 Parquet 文件") from None
    if table.num_rows != entry.get("rows"):
        raise InputError(
            f"备份文件“{name}”有 {table.num_rows} 行,而 {MANIFEST} 记录的是 {entry.get('rows')} 行"
        )
    return table


def read_backup(in_dir: str | os.PathLike[str]) -> tuple[dict, dict[str, pa.Table]]:
    """The manifest and every table it lists, each file checked against it; InputError names what is wrong."""
    src = Path(in_dir)
    manifest = _manifest(src)
    return manifest, {entry["table"]: _read_checked(src, entry) for entry in manifest["tables"]}


def read_manifest(in_dir: str | os.PathLike[str]) -> dict:
    """The manifest of a backup folder, after checking every file it lists; InputError names what is wrong."""
    return read_backup(in_dir)[0]


_STRINGS = (pa.string(), pa.large_string(), pa.string_view())


def _same_type(actual: pa.DataType, expected: pa.DataType) -> bool:
    # Parquet keeps text as text; how a writer chose to lay it out in Arrow is no difference.
    return actual == expected or (actual in _STRINGS and expected in _STRINGS)


def _first_duplicate(table: pa.Table, columns: tuple[str, ...]) -> dict | None:
    """One key value that occurs more than once, ignoring rows with a NULL in the key (as UNIQUE does)."""
    keys = table.select(list(columns)).drop_null()
    counts = keys.group_by(list(columns)).aggregate([([], "count_all")])
    repeated = counts.filter(pc.greater(counts["count_all"], 1))
    return repeated.select(list(columns)).slice(0, 1).to_pylist()[0] if repeated.num_rows else None


def check_table(name: str, table: pa.Table, rules: TableRules) -> pa.Table:
    """``table`` as its database table would take it, or InputError saying what does not fit.

    Checked here rather than left to the INSERT, so a bad file is refused with the file, column
    and value named, before any table is loaded.
    """
    file = f"{name}.parquet"
    # A backup made before a nullable column was added (storage.ADDED_COLUMNS) restores with it
    # empty, as Store._migrate upgrades the database file itself; any other difference is refused.
    for column in [c for t, c, _ in ADDED_COLUMNS if t == name and c not in table.column_names]:
        if column in rules.schema.names:
            table = table.append_column(column, pa.nulls(table.num_rows, rules.schema.field(column).type))
    if set(table.column_names) != set(rules.schema.names):
        raise InputError(f"备份文件“{file}”的列与数据库表 {name} 的列不一致;备份可能来自不同版本的程序")
    for field in rules.schema:
        actual = table.schema.field(field.name).type
        if not _same_type(actual, field.type):
            raise InputError(
                f"备份文件“{file}”的列 {field.name} 类型为 {actual},而数据库表要求 {field.type};"
                f"备份可能已被修改或来自不同版本的程序,{_USE_ANOTHER}"
            )
    for column in rules.not_null:
        nulls = table.column(column).null_count
        if nulls:
            raise InputError(
                f"备份文件“{file}”的列 {column} 有 {nulls} 个空值,而该列不允许为空;"
                f"备份可能已被修改,{_USE_ANOTHER}"
            )
    for key in rules.keys:
        duplicate = _first_duplicate(table, key)
        if duplicate is not None:
            shown = "、".join(f"{k}={v!r}" for k, v in duplicate.items())
            raise InputError(
                f"备份文件“{file}”中 {shown} 出现不止一次,而表 {name} 的 {'、'.join(key)} 不允许重复;"
                f"备份可能已被修改,{_USE_ANOTHER}"
            )
    return table.select(rules.schema.names).cast(rules.schema)


def check_tables(tables: dict[str, pa.Table], rules: dict[str, TableRules]) -> dict[str, pa.Table]:
    """Every table of the schema, and no other, each fitting its table (see :func:`check_table`)."""
    missing = sorted(set(rules) - set(tables))
    if missing:
        raise InputError(
            f"备份不完整:清单中缺少表 {'、'.join(missing)};只能从包含全部 {len(rules)} 张表的备份恢复,"
            f"{_USE_ANOTHER}"
        )
    unknown = sorted(set(tables) - set(rules))
    if unknown:
        raise InputError(f"备份中的表“{'、'.join(unknown)}”在当前数据库中不存在;备份可能来自不同版本的程序")
    return {name: check_table(name, tables[name], rules[name]) for name in rules}


def restore(store: Store, in_dir: str | os.PathLike[str]) -> dict[str, int]:
    """Load a checked backup into an empty database in one transaction; returns the rows per table."""
    _, tables = read_backup(in_dir)
    checked = check_tables(tables, store.table_rules())
    try:
        return store.restore_tables(checked)
    except ValueError as e:
        raise InputError(str(e)) from None


# -- online backup (issue 10 item 8) ---------------------------------------------------------------
# While the dashboard runs it holds the DuckDB file, so the CLI cannot open it; the running process
# backs up through its own connection instead, into timestamped folders of one backup folder.
SCHEDULED_ACTOR = "定时备份"
_STAMP = "%Y%m%d-%H%M%S"


def _is_backup(folder: Path) -> bool:
    """A folder this product wrote: its manifest is readable and says so (its files are not re-hashed)."""
    try:
        _manifest(folder)
    except InputError:
        return False
    return True


def kept_backups(root: str | os.PathLike[str]) -> list[Path]:
    """The complete backups directly under ``root``, oldest first (folder names are timestamps)."""
    base = Path(root)
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and _is_backup(p))


def prune_backups(root: str | os.PathLike[str], keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups under ``root``; returns the deleted folders.

    Only folders with a valid manifest are counted or deleted, so a folder someone else put
    there, or an interrupted backup (no manifest), is never removed.
    """
    import shutil

    if keep < 1:
        raise InputError("备份保留份数至少为 1;请修改 settings.toml 的 [backup] keep")
    old = kept_backups(root)[:-keep]
    for folder in old:
        shutil.rmtree(folder)
    return old


def online_backup(store: Store, root: str | os.PathLike[str], keep: int, actor: str,
                  now: datetime | None = None) -> Path:
    """Back up through the running process's connection into ``root/<timestamp>/``; returns that folder.

    Same format as ``python -m analytics backup`` (one snapshot transaction, Parquet plus
    manifest), then keeps the newest ``keep`` backups and writes an audit line naming the actor,
    the folder, the tables and the rows. Any failure is an InputError in Chinese.
    """
    from analytics.storage import Audit

    if keep < 1:
        raise InputError("备份保留份数至少为 1;请修改 settings.toml 的 [backup] keep")
    stamp = (now or datetime.now()).strftime(_STAMP)
    base = Path(root)
    folder = base / stamp
    # Two backups within one second (a double click) must not share a folder.
    n = 1
    while folder.exists():
        n += 1
        folder = base / f"{stamp}-{n}"
    try:
        manifest = json.loads(backup(store, folder).read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"备份写入“{folder}”失败:{e.strerror or e};请检查磁盘空间和文件夹权限后重试") from None
    except (InputError, DatabaseUnavailable):
        raise
    except Exception as e:  # a DuckDB COPY error (permissions) is not an OSError
        raise InputError(f"备份写入“{folder}”失败:{e};请检查磁盘空间和文件夹权限后重试") from None
    prune_backups(base, keep)
    tables = manifest["tables"]
    rows = sum(t["rows"] for t in tables)
    store.log(Audit(actor, "备份", f"文件夹 {folder};{len(tables)} 张表,共 {rows} 行"))
    return folder


def backup_now(store: Store, actor: object, root: str | os.PathLike[str], keep: int) -> Path:
    """An administrator's online backup (管理 → 设置 → 备份); the role is checked here, not on the page."""
    from analytics import auth

    auth.require_admin(actor, "备份数据库")
    return online_backup(store, root, keep, actor.username)  # type: ignore[attr-defined]


def backup_list(root: str | os.PathLike[str]) -> list[dict]:
    """The kept backups, newest first: folder name, time written, tables and rows (from each manifest)."""
    out = []
    for folder in reversed(kept_backups(root)):
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        out.append({"folder": folder.name, "created_at": manifest.get("created_at", ""),
                    "tables": len(manifest["tables"]), "rows": sum(int(t.get("rows", 0)) for t in manifest["tables"])})
    return out
