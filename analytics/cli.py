"""Command line: ``python -m analytics COMMAND``. Thin: parse arguments, call services, print."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from analytics.model import InputError
from analytics.storage import DatabaseBusy, Store

EXIT_OK, EXIT_FAILED, EXIT_BUSY = 0, 1, 2


def _print(text: str = "") -> None:
    print(text, flush=True)


def _cmd_import(args: argparse.Namespace, store: Store) -> int:
    from analytics.services import import_file

    failed = 0
    for path in args.files:
        try:
            r = import_file(store, path, imported_by=args.user)
        except InputError as e:
            failed += 1
            _print(f"✗ 导入失败:{e}")
            _print("  该文件的内容均未写入数据库。")
            continue
        _print(
            f"✓ {r.file_name}:{r.tables} 张目标表,{len(r.projects)} 个项目(新增 {r.projects_new}),"
            f"{r.indicators} 个指标,{len(r.warnings)} 条审核提示,新版本 {r.versions_new} 条"
        )
        for name in r.projects:
            _print(f"    项目:{name}")
        for w in r.warnings:
            _print(f"    ⚠ {w}")
    return EXIT_FAILED if failed else EXIT_OK


def _fmt_num(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def _cmd_projects(args: argparse.Namespace, store: Store) -> int:
    from analytics.services import projects_data

    data = projects_data(store)
    if args.format == "json":
        _print(json.dumps({"projects": data}, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not data:
        _print("数据库中还没有项目。用 `python -m analytics import 文件` 导入目标表。")
    for p in data:
        _print(f"[{p['project_id']}] {p['year']}年度 {p['name']}")
        _print(f"    主管部门:{p['department']}  实施单位:{p['unit']}  项目属性:{p['attribute']}")
        _print(
            f"    项目期:{p['start_date']} 至 {p['end_date']}  年度资金总额:{_fmt_num(p['funding_total'])}万元"
            f"(财政拨款 {_fmt_num(p['funding_fiscal'])},其他资金 {_fmt_num(p['funding_other'])})"
        )
        for w in p["warnings"]:
            _print(f"    ⚠ {w}")
        for i in p["indicators"]:
            _print(f"    - [{i['indicator_id']}] {i['level1']} / {i['level2']} / {i['name']}:{i['target_text']}")
        _print()
    return EXIT_OK


def _cmd_synth(args: argparse.Namespace) -> int:
    from analytics.synth import write_synth

    n = write_synth(args.out, args.tables, seed=args.seed)
    _print(f"已写入 {n} 张合成目标表:{args.out}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="项目支出绩效目标 数据工具")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="数据库文件(默认取环境变量 PERF_DB,否则 data/performance.duckdb)")
        return p

    p = with_db(sub.add_parser("import", help="导入目标表文件(文本、Excel、Word、整理格式CSV/XLSX)"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--user", default=None, help="记录在导入日志中的操作人")
    p.set_defaults(handler=_cmd_import)

    p = with_db(sub.add_parser("projects", help="列出已导入的项目及其指标"))
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=_cmd_projects)

    p = sub.add_parser("synth", help="生成合成目标表(用于基准测试)")
    p.add_argument("--tables", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=None, plain=_cmd_synth)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace, Store], int] | None = args.handler
    if handler is None:
        return args.plain(args)
    try:
        store = Store.open(args.db)
    except DatabaseBusy as e:
        print(str(e), file=sys.stderr, flush=True)
        return EXIT_BUSY
    try:
        return handler(args, store)
    finally:
        store.close()
