"""Backup of every stored table to Parquet files with a manifest, and restore into an empty database.

The manifest is written last, so a folder with a manifest holds a complete backup. Restore checks
every file against it (present, same SHA-256, same row count) before it touches the database, and
then loads everything in one transaction (see :meth:`Store.restore_tables`).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from analytics.model import InputError
from analytics.storage import Store

FORMAT = "perf-dashboard-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


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
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"无法创建备份文件夹“{out}”:{e.strerror}") from None
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


def read_manifest(in_dir: str | os.PathLike[str]) -> dict:
    """The manifest of a backup folder, after checking every file it lists; InputError names what is wrong."""
    src = Path(in_dir)
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
        file = src / entry["file"]
        if not file.is_file():
            raise InputError(f"备份文件“{entry['file']}”缺失")
        if _sha256(file) != entry.get("sha256"):
            raise InputError(f"备份文件“{entry['file']}”的校验值与 {MANIFEST} 不符,文件可能已损坏或被修改")
        try:
            rows = pq.read_metadata(file).num_rows
        except Exception:  # pyarrow raises several kinds for a file that is not Parquet
            raise InputError(f"备份文件“{entry['file']}”不是有效的 Parquet 文件") from None
        if rows != entry.get("rows"):
            raise InputError(
                f"备份文件“{entry['file']}”有 {rows} 行,而 {MANIFEST} 记录的是 {entry.get('rows')} 行"
            )
    return manifest


def restore(store: Store, in_dir: str | os.PathLike[str]) -> dict[str, int]:
    """Load a checked backup into an empty database in one transaction; returns the rows per table."""
    manifest = read_manifest(in_dir)
    try:
        return store.restore_tables(Path(in_dir), [t["table"] for t in manifest["tables"]])
    except ValueError as e:
        raise InputError(str(e)) from None
