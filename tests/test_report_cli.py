"""The command line for report files, templates and the year-end report (``analytics.cli.main``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from analytics.cli import main
from analytics.storage import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"
SAMPLE = ROOT / "data" / "samples" / "actuals_2026.xlsx"
P1 = "生态环保行业管理_机动车污染防治项目"

PROJECT_KEYS = {"project_id", "year", "name", "department", "unit", "attribute", "start_date", "end_date",
                "funding_total", "funding_fiscal", "funding_other", "goal_text", "warnings", "indicators"}
INDICATOR_KEYS = {"indicator_id", "level1", "level2", "name", "target_text", "operator", "target_value", "unit",
                  "unit_normalized", "kind", "direction"}
REPORT_PROJECT_KEYS = {"time_progress", "spent", "execution_rate", "budget_score", "budget_light", "score", "grade",
                       "light", "flags", "printed_score", "unreported"}
REPORT_INDICATOR_KEYS = {"actual", "actual_as_of", "completion", "weight", "score", "light", "flags", "printed_score"}


@pytest.fixture
def db(tmp_path: Path, capsys) -> str:
    path = str(tmp_path / "cli.duckdb")
    assert main(["import", str(SEED), "--db", path]) == 0
    capsys.readouterr()
    return path


def counts(db: str) -> dict[str, int]:
    store = Store.open(db)
    try:
        return store.table_counts()
    finally:
        store.close()


def report_json(db: str, capsys) -> dict:
    assert main(["report", "--db", db, "--as-of", "2026-12-31", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_actuals_loads_the_sample(db: str, capsys) -> None:
    assert main(["actuals", str(SAMPLE), "--db", db, "--reporter", "王芳"]) == 0
    out = capsys.readouterr().out
    assert "actuals_2026.xlsx:已追加 50 条实际完成值,5 条预算执行数" in out
    c = counts(db)
    assert (c["actual_reports"], c["spending_reports"]) == (50, 5)


def test_actuals_refuses_a_bad_file_and_lists_its_rows(db: str, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "填报.csv"
    bad.write_text(
        "项目名称,三级指标,实际完成值,截至日期\n"
        f"{P1},群众满意度,96%,2026-11-30\n"
        f"{P1},不存在的指标,5,2026-11-30\n"
        f"{P1},标气标牌采购完成时间,2026年13月1日,2026-11-30\n",
        encoding="gbk",
    )
    before = counts(db)
    assert main(["actuals", str(bad), "--db", db]) == 1
    out = capsys.readouterr().out
    assert "✗ 文件“填报.csv”有 2 处错误,整个文件未导入" in out
    assert "第3行“三级指标”列(值“不存在的指标”):在项目" in out
    assert "第4行“实际完成值”列(值“2026年13月1日”):日期“2026年13月1日”不存在" in out
    assert "第2行" not in out
    assert counts(db) == before

    assert main(["actuals", str(tmp_path / "没有.csv"), "--db", db]) == 1
    assert "不存在或无法读取" in capsys.readouterr().out


def test_template_writes_xlsx_and_csv(db: str, tmp_path: Path, capsys) -> None:
    xlsx, one, csv_path = tmp_path / "x.xlsx", tmp_path / "p1.xlsx", tmp_path / "x.csv"
    assert main(["template", "--db", db, "--out", str(xlsx)]) == 0
    assert "已写入填报模板" in capsys.readouterr().out
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["指标填报", "预算执行", "说明"] and wb["指标填报"].max_row == 60  # issue 11: 说明 sheet

    assert main(["template", "--db", db, "--project", "1", "--out", str(one)]) == 0
    rows = list(openpyxl.load_workbook(one)["指标填报"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == list(range(1, 11))

    assert main(["template", "--db", db, "--project", "1", "--project", "4", "--out", str(csv_path)]) == 0
    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(records) == 1 + 10 + 19 and records[0][:3] == ["指标编号", "项目名称", "一级指标"]

    capsys.readouterr()
    assert main(["template", "--db", db, "--out", str(tmp_path / "x.txt")]) == 1
    assert ".xlsx 或 .csv" in capsys.readouterr().out
    assert not (tmp_path / "x.txt").exists()


def test_report_json_after_loading_the_sample(db: str, capsys) -> None:
    assert main(["actuals", str(SAMPLE), "--db", db]) == 0
    capsys.readouterr()
    assert main(["projects", "--db", db, "--format", "json"]) == 0
    contract = json.loads(capsys.readouterr().out)["projects"]
    data = report_json(db, capsys)

    assert set(data) == {"as_of", "summary", "projects"}
    assert data["as_of"] == "2026-12-31"
    sm = data["summary"]
    assert (sm["projects"], sm["indicators"]) == (4, 59)
    assert set(sm["lights"]) == {"green", "yellow", "red", "blue", "grey"}
    assert all(n > 0 for n in sm["lights"].values())
    # Counted by hand from the sample (see make_sample_report.py): P1 10 green; P2 10 green, yellow for
    # 9/12 份, 3/4 次 and the open deadline due today; P3 7 green, 2 yellow, 4 red, 60/45 次 blue, 3 grey;
    # P4 5 green, 3 yellow, 4 red, 7 grey (the unreported 质量指标).
    assert sm["lights"] == {"green": 32, "yellow": 8, "red": 8, "blue": 1, "grey": 10}
    assert sum(sm["lights"].values()) == 59

    projects = data["projects"]
    assert sorted(p["grade"] for p in projects) == sorted(["优", "良", "中", "差"])
    for p, c in zip(projects, contract, strict=True):
        assert set(p) == PROJECT_KEYS | REPORT_PROJECT_KEYS
        assert set(c) == PROJECT_KEYS
        assert {k: p[k] for k in PROJECT_KEYS - {"indicators"}} == {k: c[k] for k in PROJECT_KEYS - {"indicators"}}
        for i, ci in zip(p["indicators"], c["indicators"], strict=True):
            assert set(i) == INDICATOR_KEYS | REPORT_INDICATOR_KEYS
            assert {k: i[k] for k in INDICATOR_KEYS} == ci

    # Scores per domain.md section 4 (all four projects have time progress 1 at 31 December).
    #
    # P1 by hand: 10 indicators. Pool 产出 (50 points) holds 2 成本 + 6 产出 = 8 → 6.25 each; 效益 1 → 30;
    # 满意度 1 → 10. Every indicator is met: 58.2 ≤ 60 万, 17.5 ≤ 18 万 (175000元), 1 ≥ 1 次, 1 ≥ 1 项,
    # 98.1 ≥ 97 % (the 20 November report, not 96.5 of 30 June), 100 ≥ 100 %, done 11-18 ≤ 12-30,
    # done 11-25 ≤ 11-30, 31 ≤ 35 微克/立方米, 96.2 ≥ 95 % → 90 points. Budget: 76 / 78 = 0.97436
    # → 9.7436 points. Total 99.7436 → 优 (≥ 90).
    #
    # P4 by hand: pool 产出 holds 1 成本 + 7 数量 + 7 质量 + 1 时效 = 16 → 3.125 each. Completions
    # 1 + 40/66 + 1 + 1 + 10/18 + 1 + 20/39 + 1 + 7 × 0 (unreported) + 0 (done 06-15 after 04-30)
    # = 6.67444 → 20.8576. 效益 2 × 15: 未达成 default 30 % → 4.5, 部分达成 at 65 % → 9.75. 满意度
    # 70/95 × 10 = 7.3684. Budget 200 / 436.41 × 10 = 4.5828. Total 47.0589 → 差.
    #
    # P2: 产出 pool 11 × 4.5455; completions 3 × 1 (costs) + 0.8 + 0.75 + 0.75 + 3 × 1 + 0 (deadline
    # not reported) + 1 = 9.3 → 42.2727; 效益 99.5/100 × 30 = 29.85; 满意度 90/95 × 10 = 9.4737;
    # budget 50/65.34 × 10 = 7.6523 → 89.2487 → 良.
    # P3: 产出 pool 14 × 3.5714; completions 6/6.5 + 1 + 1 + 1 + 0.7 + 1 + 0.5 + 50/90 + 0 + 0 + 80/95
    # + 0 + 50/90 + 1 = 9.07629 → 32.4153; 效益 15 + 15 × 0.7; 满意度 85/95 × 10 = 8.9474;
    # budget 20/36.2 × 10 = 5.5249 → 72.3876 → 中.
    by_id = {p["project_id"]: p for p in projects}
    expected = {1: (99.74, "优", "green"), 2: (89.25, "良", "yellow"), 3: (72.39, "中", "red"),
                4: (47.06, "差", "red")}
    for pid, (score, grade, light) in expected.items():
        p = by_id[pid]
        assert p["score"] == pytest.approx(score, abs=0.005), pid
        assert (p["grade"], p["light"]) == (grade, light)
        assert p["time_progress"] == 1.0
    assert by_id[1]["spent"] == 76.0 and by_id[1]["execution_rate"] == pytest.approx(76 / 78)
    assert by_id[1]["budget_score"] == pytest.approx(10 * 76 / 78)
    # Its period has ended with 市级清洁生产审核重点企业通过审核率 unreported: that counts 0, and says so.
    assert by_id[3]["flags"] == ["预算执行率低于90%, 需说明原因", "期末未填报按0分计"]
    assert not any(p["unreported"] for p in projects) and sm["unreported"] == 0
    assert by_id[4]["budget_light"] == "red"
    assert sm["mean_score"] == pytest.approx((99.7436 + 89.2487 + 72.3876 + 47.0589) / 4, abs=1e-3)

    p1 = {i["name"]: i for i in by_id[1]["indicators"]}
    upload = p1["移动源污染防治相关平台数据上传率"]
    assert (upload["actual"], upload["actual_as_of"], upload["completion"]) == (98.1, "2026-11-20", 1.0)
    assert (upload["weight"], upload["score"], upload["light"], upload["flags"]) == (6.25, 6.25, "green", [])
    assert p1["标气标牌采购费用"]["actual"] == pytest.approx(17.5)
    assert p1["标气标牌采购完成时间"]["actual"] == "2026-11-18"
    p3 = {i["name"]: i for i in by_id[3]["indicators"]}
    assert p3["组织土壤污染状况评估次数"]["flags"] == ["超额完成, 需说明原因"]
    assert p3["组织土壤污染状况评估次数"]["light"] == "blue"
    assert p3["市级清洁生产审核重点企业通过审核率"]["actual"] is None
    assert p3["市级清洁生产审核重点企业通过审核率"]["flags"] == ["未填报"]
    p4 = {i["name"]: i for i in by_id[4]["indicators"]}
    water = p4["饮用水水源地水质得到改善"]
    assert (water["actual"], water["completion"], water["light"]) == ("部分达成", 0.65, "yellow")


def test_report_json_counts_every_load(db: str, capsys) -> None:
    """Loading the sample twice appends twice but the report is the same."""
    assert main(["actuals", str(SAMPLE), "--db", db]) == 0
    capsys.readouterr()
    first = report_json(db, capsys)
    assert main(["actuals", str(SAMPLE), "--db", db]) == 0
    capsys.readouterr()
    assert counts(db)["actual_reports"] == 100
    assert report_json(db, capsys) == first


def test_report_table_prints_the_chinese_summary(db: str, capsys) -> None:
    assert main(["actuals", str(SAMPLE), "--db", db]) == 0
    capsys.readouterr()
    assert main(["report", "--db", db, "--as-of", "2026-12-31"]) == 0
    out = capsys.readouterr().out
    assert "截至 2026-12-31:4 个项目,59 个指标,平均得分 77.11" in out
    assert "指标信号灯:绿 32  黄 8  红 8  蓝 1  灰 10" in out
    assert f"[1] {P1}  得分 99.74(优) 信号灯 绿" in out
    assert "得分 47.06(差) 信号灯 红" in out


def test_report_before_any_actuals_and_bad_as_of(db: str, capsys) -> None:
    data = report_json(db, capsys)
    assert data["summary"]["lights"]["grey"] > 0
    assert all(p["spent"] is None and "未填报预算执行数" in p["flags"] for p in data["projects"])
    assert main(["report", "--db", db, "--as-of", "2026-13-01"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().out
