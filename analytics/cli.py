"""Command line: ``python -m analytics COMMAND``. Thin: parse arguments, call services, print."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal

from analytics.model import InputError
from analytics.storage import DatabaseBusy, DatabaseUnavailable, Store

EXIT_OK, EXIT_FAILED, EXIT_BUSY = 0, 1, 2
# Commands that only read the database open it read-only, so they cannot change a file they
# fail on, and several can run at once.
READ_ONLY_COMMANDS = frozenset({"projects", "report", "backup", "template"})
LIGHT_NAMES = {"green": "绿", "yellow": "黄", "red": "红", "blue": "蓝", "grey": "灰"}


def _print(text: str = "") -> None:
    print(text, flush=True)


def _cmd_import(args: argparse.Namespace, store: Store) -> int:
    from analytics.services import import_file, import_summary

    failed = 0
    for n, path in enumerate(args.files):
        try:
            r = import_file(store, path, imported_by=args.user)
        except InputError as e:
            failed += 1
            _print(f"✗ 导入失败:{e}")
            _print("  该文件的内容均未写入数据库。")
            continue
        except DatabaseUnavailable as e:
            # A full disk or a stopped database: the files after this one would fail the same way.
            _print(f"✗ 导入“{path}”时出错:{e}")
            rest = args.files[n + 1:]
            if rest:
                _print(f"  其后的 {len(rest)} 个文件没有导入:{'、'.join(rest)};解决上述问题后请重新运行导入。")
            return EXIT_FAILED
        for line in import_summary(r):
            _print(line)
    return EXIT_FAILED if failed else EXIT_OK


def _fmt_num(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, (float, Decimal)):
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


def _cmd_actuals(args: argparse.Namespace, store: Store) -> int:
    from pathlib import Path

    from analytics.services import load_report

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError:
        _print(f"✗ 文件“{path}”不存在或无法读取")
        return EXIT_FAILED
    try:
        r = load_report(store, data, path.name, reporter=args.reporter)
    except InputError as e:
        _print(f"✗ {e}")
        return EXIT_FAILED
    _print(f"✓ {r.file_name}:已追加 {r.actuals} 条实际完成值,{r.spending} 条预算执行数")
    return EXIT_OK


def _write_out(out, data: bytes) -> bool:
    """Write a command's file; a failure is said in Chinese with what to do."""
    try:
        out.write_bytes(data)
    except OSError as e:
        _print(f"✗ 无法写入“{out}”:{e.strerror or e};请检查磁盘空间和文件夹权限,或换一个 --out 路径")
        return False
    return True


def _cmd_template(args: argparse.Namespace, store: Store) -> int:
    from pathlib import Path

    from analytics.services import template_bytes

    out = Path(args.out)
    fmt = "csv" if out.suffix.lower() == ".csv" else "xlsx"
    if out.suffix.lower() not in (".csv", ".xlsx"):
        _print("✗ --out 的文件名应以 .xlsx 或 .csv 结尾")
        return EXIT_FAILED
    if not _write_out(out, template_bytes(store, args.project or None, fmt)):
        return EXIT_FAILED
    _print(f"✓ 已写入填报模板:{out}")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace, store: Store) -> int:
    from datetime import date

    from analytics.engine import UNREPORTED
    from analytics.services import report_data

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    except ValueError:
        _print(f"✗ --as-of 应为 YYYY-MM-DD 格式的日期,而不是“{args.as_of}”")
        return EXIT_FAILED
    data = report_data(store, as_of)
    if args.format == "json":
        _print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    sm = data["summary"]
    mean = f"{sm['mean_score']:.2f}" if sm["mean_score"] is not None else "—"
    if sm["unreported"]:
        mean += f"({UNREPORTED} {sm['unreported']} 个项目,不计入平均)"
    lights = "  ".join(f"{LIGHT_NAMES[k]} {v}" for k, v in sm["lights"].items())
    _print(f"截至 {data['as_of']}:{sm['projects']} 个项目,{sm['indicators']} 个指标,平均得分 {mean}")
    _print(f"指标信号灯:{lights}")
    _print()
    for p in data["projects"]:
        rate = f"{p['execution_rate']:.1%}" if p["execution_rate"] is not None else "未填报"
        score = UNREPORTED if p["score"] is None else f"{p['score']:.2f}({p['grade']})"
        printed = f"  自评表总分 {p['printed_score']:.2f}" if p["printed_score"] is not None else ""
        _print(
            f"[{p['project_id']}] {p['name']}  得分 {score}{printed}"
            f" 信号灯 {LIGHT_NAMES[p['light']]}"
        )
        _print(
            f"    时间进度 {p['time_progress']:.1%}  预算执行率 {rate}  预算得分 {p['budget_score']:.2f}"
            f"  预算信号灯 {LIGHT_NAMES[p['budget_light']]}"
            + (f"  ⚠ {';'.join(p['flags'])}" if p["flags"] else "")
        )
        for i in p["indicators"]:
            comp = f"{i['completion']:.1%}" if i["completion"] is not None else "—"
            actual = "—" if i["actual"] is None else i["actual"]
            flags = f"  ⚠ {';'.join(i['flags'])}" if i["flags"] else ""
            printed_i = f"(自评表得分 {i['printed_score']:.2f})" if i["printed_score"] is not None else ""
            _print(
                f"    {LIGHT_NAMES[i['light']]} {i['name'][:30]}:目标 {i['target_text']} 实际 {actual}"
                f" 完成 {comp} 得分 {i['score']:.2f}/{i['weight']:.2f}{printed_i}{flags}"
            )
        _print()
    return EXIT_OK


def _export_filters(args: argparse.Namespace, store: Store):
    """The dashboard's Filters from the command line, or a message naming what is unknown."""
    from datetime import date

    from analytics.dashboard import Filters, filter_options

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    except ValueError:
        return f"✗ --as-of 应为 YYYY-MM-DD 格式的日期,而不是“{args.as_of}”"
    opts = filter_options(store)
    for flag, column, value in (("--dept", "department", args.dept), ("--unit", "unit", args.unit)):
        known = sorted(set(opts[column].dropna()))
        if value is not None and value not in known:
            listed = "、".join(known[:10]) + (" 等" if len(known) > 10 else "")
            return f"✗ {flag} “{value}” 不是已导入的名称;可选:{listed or '(还没有项目)'}"
    unknown = sorted(set(args.project or ()) - set(opts["project_id"]))
    if unknown:
        return (f"✗ --project 没有编号为 {'、'.join(map(str, unknown))} 的项目;"
                "用 python -m analytics projects 查看项目编号")
    return Filters(as_of=as_of, year=args.year, department=args.dept, unit=args.unit,
                   project_ids=tuple(sorted(set(args.project or ()))))


def _cmd_export(args: argparse.Namespace, store: Store) -> int:
    from pathlib import Path

    from analytics.exporting import KINDS, ExportRefused, ExportRequest, file_name, run_export

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    name, fmts = KINDS[args.kind]
    if fmt not in fmts:
        _print(f"✗ {name}可导出为 {' 或 '.join('.' + f for f in fmts)};请把 --out 的文件名改为以它结尾")
        return EXIT_FAILED
    filters = _export_filters(args, store)
    if isinstance(filters, str):
        _print(filters)
        return EXIT_FAILED

    def progress(done: int, total: int) -> None:
        # On stderr, one line rewritten in place: stdout keeps only the result line.
        print(f"\r已完成 {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    req = ExportRequest(args.kind, fmt, filters, args.month)
    try:
        data = run_export(store, req, args.user or "命令行", args.user or "命令行", progress=progress)
    except ExportRefused as e:
        _print(f"✗ {e}")
        return EXIT_FAILED
    if not _write_out(out, data):
        return EXIT_FAILED
    _print(f"✓ 已写入{name}:{out}({len(data) / 1024:.0f} KB;下载时的文件名为 {file_name(req)})")
    return EXIT_OK


def _cmd_backup(args: argparse.Namespace, store: Store) -> int:
    from analytics.backup import backup

    try:
        manifest = json.loads(backup(store, args.out).read_text(encoding="utf-8"))
    except InputError as e:
        _print(f"✗ {e}")
        return EXIT_FAILED
    rows = sum(t["rows"] for t in manifest["tables"])
    _print(f"✓ 已备份 {len(manifest['tables'])} 张表,共 {rows} 行:{args.out}")
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace, store: Store) -> int:
    from analytics.backup import restore

    try:
        loaded = restore(store, args.dir)
    except InputError as e:
        _print(f"✗ 恢复失败:{e}")
        _print("  数据库未作任何改动。")
        return EXIT_FAILED
    _print(f"✓ 已从 {args.dir} 恢复 {len(loaded)} 张表,共 {sum(loaded.values())} 行")
    return EXIT_OK


def _cmd_user(args: argparse.Namespace, store: Store) -> int:
    from analytics.accounts import add_user

    if args.action == "list":
        for r in store.users_frame().to_dict("records"):
            units = "、".join(json.loads(r["units"])) or "全部单位"
            _print(f"{r['username']}\t{r['role']}\t{units}\t{'启用' if r['active'] else '停用'}")
        return EXIT_OK
    # The password never goes on the command line, where other users could read it in the process list.
    password = os.environ.get("PERF_USER_PASSWORD") or (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("密码:")
    )
    try:
        user = add_user(store, None, args.name, password, args.role, args.unit, args.display_name)
    except InputError as e:
        _print(f"✗ {e}")
        return EXIT_FAILED
    _print(f"✓ 已新建用户 {user.username}({user.role};{'、'.join(user.units) or '全部单位'})")
    return EXIT_OK


def _cmd_bench(args: argparse.Namespace) -> int:
    from analytics.bench import run_engine_bench

    run_engine_bench(args.projects, seed=args.seed, rowwise=not args.skip_rowwise)
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

    p = with_db(sub.add_parser(
        "import", help="导入绩效目标表、自评表或监控表(文本、Excel、Word、PDF、整理格式CSV/XLSX)"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--user", default=None, help="记录在导入日志中的操作人")
    p.set_defaults(handler=_cmd_import)

    p = with_db(sub.add_parser("projects", help="列出已导入的项目及其指标"))
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=_cmd_projects)

    p = with_db(sub.add_parser("actuals", help="导入实际完成值/预算执行数填报文件(.xlsx/.csv)"))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--reporter", default=None, help="填报人(文件中没有“填报人”列时使用)")
    p.set_defaults(handler=_cmd_actuals)

    p = with_db(sub.add_parser("template", help="生成填报模板"))
    p.add_argument("--project", type=int, action="append", help="项目编号,可重复;默认全部项目")
    p.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.csv")
    p.set_defaults(handler=_cmd_template)

    p = with_db(sub.add_parser("report", help="计算完成情况、信号灯和自评得分"))
    p.add_argument("--as-of", default=None, help="截至日期 YYYY-MM-DD,默认今天")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=_cmd_report)

    p = with_db(sub.add_parser(
        "export", help="导出自评表、监控表、部门工作簿或评审材料(.xlsx / .pdf / .pptx)"))
    p.add_argument("kind", choices=("selfeval", "monitor", "workbook", "deck"),
                   help="selfeval 自评表,monitor 监控表,workbook 部门工作簿,deck 评审材料")
    p.add_argument("--project", type=int, action="append", help="项目编号,可重复;默认所选范围内全部项目")
    p.add_argument("--dept", default=None, help="主管部门")
    p.add_argument("--unit", default=None, help="实施单位")
    p.add_argument("--year", type=int, default=None, help="年度")
    p.add_argument("--as-of", default=None, help="截至日期 YYYY-MM-DD,默认今天")
    p.add_argument("--month", type=int, default=None, help="监控表的截止月份 X(1-X月),默认取 settings.toml")
    p.add_argument("--user", default=None, help="记录在审计日志和页脚中的导出人(默认“命令行”)")
    p.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.pdf|FILE.pptx")
    p.set_defaults(handler=_cmd_export)

    p = with_db(sub.add_parser("backup", help="把所有数据表备份为 Parquet 文件(含清单 manifest.json)"))
    p.add_argument("--out", required=True, metavar="DIR", help="新的或空的文件夹")
    p.set_defaults(handler=_cmd_backup)

    p = with_db(sub.add_parser("restore", help="把备份恢复到空数据库中"))
    p.add_argument("dir", metavar="DIR", help="backup 写出的文件夹")
    p.set_defaults(handler=_cmd_restore)

    p = with_db(sub.add_parser("user", help="用户管理:user add 名称 --role 管理员|填报员|查看 [--unit 实施单位]…"))
    p.add_argument("action", choices=["add", "list"])
    p.add_argument("name", nargs="?", default="")
    p.add_argument("--role", default="管理员", help="管理员、填报员或查看(默认管理员)")
    p.add_argument("--unit", action="append", default=[], help="填报员负责的实施单位,可重复")
    p.add_argument("--display-name", default=None)
    p.add_argument("--password-stdin", action="store_true",
                   help="从标准输入读取密码(否则交互输入或取 PERF_USER_PASSWORD)")
    p.set_defaults(handler=_cmd_user)
    p = sub.add_parser("bench", help="计算引擎基准测试(合成数据库)")
    p.add_argument("--projects", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-rowwise", action="store_true", help="不运行逐行计算的对照(很慢)")
    p.set_defaults(handler=None, plain=_cmd_bench)

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
    read_only = args.command in READ_ONLY_COMMANDS
    try:
        store = Store.open(args.db, read_only=read_only)
    except DatabaseUnavailable as e:
        print(str(e), file=sys.stderr, flush=True)
        return EXIT_BUSY if isinstance(e, DatabaseBusy) else EXIT_FAILED
    try:
        return handler(args, store)
    except Exception as e:
        # A damaged block is found only when a query reads it, a full disk only when a write
        # fails: explained as at open, in Chinese.
        fault = store.fault(e, untouched=read_only)
        if fault is None:
            raise
        print(str(fault), file=sys.stderr, flush=True)
        return EXIT_FAILED
    finally:
        try:
            store.close()
        except Exception as e:  # closing checkpoints, which a full disk can refuse; the log keeps the data
            fault = store.fault(e)
            if fault is None:
                raise
            print(str(fault), file=sys.stderr, flush=True)
