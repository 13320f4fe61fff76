"""The seed imports exactly as domain.md describes: every project field and all 59 targets pinned."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from analytics.readers import read_file
from analytics.services import import_file, projects_data
from analytics.storage import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_8af13639028b6537.txt"

# (project index, level1, level2, name, target text, operator, value, unit, normalised unit, kind, direction)
# Written out by hand from the published tables: the seed's shifted rows are marked.
EXPECTED = [
    # project 1
    (0, '成本指标', '经济成本指标', '移动源污染防治相关平台升级及打包运维服务项目费用', '≤60万', '<=', 60.0, '万', '万元', 'quantitative', 'lower'),
    (0, '成本指标', '经济成本指标', '标气标牌采购费用', '≤18万', '<=', 18.0, '万', '万元', 'quantitative', 'lower'),
    (0, '产出指标', '数量指标', '移动源污染防治相关平台升级及打包运维服务项目', '=1次', '=', 1.0, '次', '次', 'quantitative', 'exact'),
    (0, '产出指标', '数量指标', '标气、标牌采购', '=1项', '=', 1.0, '项', '项', 'quantitative', 'exact'),
    (0, '产出指标', '质量指标', '移动源污染防治相关平台数据上传率', '≥97%', '>=', 97.0, '%', '%', 'quantitative', 'higher'),
    (0, '产出指标', '质量指标', '标气、标牌采购合规性', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (0, '产出指标', '时效指标', '标气标牌采购完成时间', '2026年12月30日', 'deadline', '2026-12-30', '', '', 'deadline', 'deadline'),
    (0, '产出指标', '时效指标', '移动源污染防治相关平台升级及打包运维服务项目、移动源污染防治相关平台升级及打包运维服务项目完成时间', '2026年11月30日', 'deadline', '2026-11-30', '', '', 'deadline', 'deadline'),
    (0, '效益指标', '生态效益', '环境空气质量PM2.5', '≤35微克/立方米', '<=', 35.0, '微克/立方米', '微克/立方米', 'quantitative', 'lower'),
    (0, '满意度指标', '服务对象满意度', '群众满意度', '≥95%', '>=', 95.0, '%', '%', 'quantitative', 'higher'),
    # project 2
    (1, '成本指标', '经济成本指标', '弱电系统基础维护费', '≤9.86万', '<=', 9.86, '万', '万元', 'quantitative', 'lower'),
    (1, '成本指标', '经济成本指标', '网站、新媒体日常监测', '≤7万', '<=', 7.0, '万', '万元', 'quantitative', 'lower'),
    (1, '成本指标', '经济成本指标', '终端及硬件系统维护费', '≤48.48万', '<=', 48.48, '万', '万元', 'quantitative', 'lower'),
    (1, '产出指标', '数量指标', '开展南昌市生态环境局大数据平台等系统漏洞扫描', '≥5个', '>=', 5.0, '个', '个', 'quantitative', 'higher'),
    (1, '产出指标', '数量指标', '形成南昌市生态环境局官网监测报告数', '=12份', '=', 12.0, '份', '份', 'quantitative', 'exact'),
    (1, '产出指标', '数量指标', '智能化系统巡检服务', '=4次', '=', 4.0, '次', '次', 'quantitative', 'exact'),
    (1, '产出指标', '质量指标', '南昌市生态环境大数据平台等信息系统漏洞扫描高危漏洞整改率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (1, '产出指标', '质量指标', '网站及政务新媒体监测项目验收合格率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (1, '产出指标', '质量指标', '智能化系统故障排除率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (1, '产出指标', '时效指标', '南昌市环境监控中心运行维护和网络安全保障完成时间', '2026年12月31日', 'deadline', '2026-12-31', '', '', 'deadline', 'deadline'),
    (1, '产出指标', '时效指标', '网络运维工作及时性', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (1, '效益指标', '社会效益', '南昌市生态环境局官网网站站点连通率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (1, '满意度指标', '服务对象满意度', '网络使用人员满意度', '≥95%', '>=', 95.0, '%', '%', 'quantitative', 'higher'),
    # project 3
    (2, '成本指标', '经济成本指标', '清洁生产评估及验收成本、生态环境专业技术服务成本', '≤6万', '<=', 6.0, '万', '万元', 'quantitative', 'lower'),
    (2, '成本指标', '经济成本指标', '土壤污染状态调查评估项目成本', '≤14.5万', '<=', 14.5, '万', '万元', 'quantitative', 'lower'),
    (2, '成本指标', '经济成本指标', '市工业固体废物企业管理能力提升项目', '≤15.7万', '<=', 15.7, '万', '万元', 'quantitative', 'lower'),
    (2, '产出指标', '数量指标', '清洁生产评估及验收企业数', '≥10家', '>=', 10.0, '家', '家', 'quantitative', 'higher'),
    (2, '产出指标', '数量指标', '生态环境专业技术服务', '≥10项', '>=', 10.0, '项', '项', 'quantitative', 'higher'),
    (2, '产出指标', '数量指标', '组织土壤污染状况评估次数', '≥45次', '>=', 45.0, '次', '次', 'quantitative', 'higher'),
    (2, '产出指标', '数量指标', '开展危险废物经营许可证核发市级审核企业数', '≥4次', '>=', 4.0, '次', '次', 'quantitative', 'higher'),
    (2, '产出指标', '数量指标', '提升工业固体废物管理能力企业数', '≥90家', '>=', 90.0, '家', '家', 'quantitative', 'higher'),
    (2, '产出指标', '质量指标', '市级清洁生产审核重点企业通过审核率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (2, '产出指标', '质量指标', '生态环境专业技术服务专家评审率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (2, '产出指标', '质量指标', '土壤污染状况调查评估审核通过率', '≥95%', '>=', 95.0, '%', '%', 'quantitative', 'higher'),
    (2, '产出指标', '质量指标', '危险废物经营许可证核发通过率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (2, '产出指标', '质量指标', '危险废物规范化环境管理评估企业达标率', '≥90%', '>=', 90.0, '%', '%', 'quantitative', 'higher'),
    (2, '产出指标', '时效指标', '全年工作完成的及时性', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (2, '效益指标', '社会效益', '危险废物重点监管企业信息公开率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (2, '效益指标', '生态效益', '通过开展清洁生产审核,提升节能减排效果', '提升', 'qualitative', None, '', '', 'qualitative', 'qualitative'),
    (2, '满意度指标', '服务对象满意度', '服务的企业满意度', '≥95%', '>=', 95.0, '%', '%', 'quantitative', 'higher'),
    # project 4
    (3, '成本指标', '经济成本指标', '项目成本', '≤558万', '<=', 558.0, '万', '万元', 'quantitative', 'lower'),
    (3, '产出指标', '数量指标', '新建界标', '≥66块', '>=', 66.0, '块', '块', 'quantitative', 'higher'),
    (3, '产出指标', '数量指标', '新建道路警示牌', '≥48块', '>=', 48.0, '块', '块', 'quantitative', 'higher'),
    (3, '产出指标', '数量指标', '新建宣传牌', '≥87块', '>=', 87.0, '块', '块', 'quantitative', 'higher'),
    (3, '产出指标', '数量指标', '新建航道警示牌', '≥18块', '>=', 18.0, '块', '块', 'quantitative', 'higher'),
    (3, '产出指标', '数量指标', '新建高空摄像头', '≥7个', '>=', 7.0, '个', '个', 'quantitative', 'higher'),
    (3, '产出指标', '数量指标', '新建低空摄像头', '≥39个', '>=', 39.0, '个', '个', 'quantitative', 'higher'),
    (3, '产出指标', '数量指标', '新建保护区隔离防护工程', '≥7588米', '>=', 7588.0, '米', '米', 'quantitative', 'higher'),
    (3, '产出指标', '质量指标', '新建界标的规范性', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (3, '产出指标', '质量指标', '新建道路警示牌规范性', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (3, '产出指标', '质量指标', '新建宣传牌规范性', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (3, '产出指标', '质量指标', '新建航道警示规范性', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (3, '产出指标', '质量指标', '新建高空摄像头达标率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (3, '产出指标', '质量指标', '新建低空摄像头达标率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (3, '产出指标', '质量指标', '新建保护区隔离防护工程达标率', '=100%', '=', 100.0, '%', '%', 'quantitative', 'exact'),
    (3, '产出指标', '时效指标', '项目完成时间', '2026年4月30日', 'deadline', '2026-04-30', '', '', 'deadline', 'deadline'),
    (3, '效益指标', '社会效益', '饮用水水源地保护区的规范化建设', '提高', 'qualitative', None, '', '', 'qualitative', 'qualitative'),
    (3, '效益指标', '生态效益', '饮用水水源地水质得到改善', '提高', 'qualitative', None, '', '', 'qualitative', 'qualitative'),
    (3, '满意度指标', '服务对象满意度', '居民满意度', '≥95%', '>=', 95.0, '%', '%', 'quantitative', 'higher'),
]

PROJECTS = [
    ("生态环保行业管理_机动车污染防治项目", 78.00, "当年项目", date(2026, 1, 1), date(2026, 12, 31), 10),
    ("生态环境应急管理_2026年南昌市环境监控中心运行维护和网络安全保障项目", 65.34, "当年项目",
     date(2026, 1, 1), date(2026, 12, 31), 13),
    ("生态环保行业管理_2026年度生态环境综合技术评估服务项目", 36.20, "当年项目",
     date(2026, 1, 1), date(2026, 12, 31), 17),
    ("南昌市县级及以上集中式饮用水水源地规范化建设项目", 436.41, "上年结转项目",
     date(2025, 4, 1), date(2026, 4, 30), 19),
]


@pytest.fixture(scope="module")
def tables():
    return read_file(SEED)


def test_four_projects_with_their_header_fields(tables):
    assert len(tables) == 4
    for t, (name, total, attribute, start, end, n) in zip(tables, PROJECTS, strict=True):
        assert t.year == 2026
        assert t.name == name
        assert t.department == "402-南昌市生态环境局(部门)"
        assert t.unit == "南昌市生态环境污染防治中心"
        assert t.attribute == attribute
        assert (t.start_date, t.end_date) == (start, end)
        # Amounts are exact decimals (domain.md section 9): the printed figure, not a near float.
        assert t.funding_total == Decimal(str(total))
        assert t.funding_fiscal == Decimal(str(total))
        assert t.funding_other == 0
        assert len(t.indicators) == n
    assert sum(len(t.indicators) for t in tables) == 59


def test_goal_texts_carry_no_html(tables):
    for t in tables:
        assert t.goal_text
        assert "<" not in t.goal_text and ">" not in t.goal_text
    assert tables[3].goal_text.splitlines()[0].startswith("目标1:通过对南昌市县级及以上饮用水水源地")
    assert tables[3].goal_text.splitlines()[1].startswith("目标2:增强当地干部和群众")
    assert tables[0].goal_text.startswith("加大机动车尾气污染防治力度")


def test_every_target_value_parsed_as_domain_md_says(tables):
    got = [
        (k, i.level1, i.level2, i.name, i.target.text, i.target.operator, i.target.value, i.target.unit,
         i.target.unit_normalized, i.target.kind, i.target.direction)
        for k, t in enumerate(tables)
        for i in t.indicators
    ]
    assert len(EXPECTED) == 59
    # Quantitative targets are exact decimals: the number as written, not a near float.
    exact = [tuple(Decimal(str(x)) if isinstance(x, float) else x for x in row) for row in EXPECTED]
    assert got == exact


def test_shifted_rows_inherit_their_levels(tables):
    by_name = {i.name: i for t in tables for i in t.indicators}
    # "网络运维工作及时性\t\t=100%": the 三级 name sits in the first column.
    assert (by_name["网络运维工作及时性"].level1, by_name["网络运维工作及时性"].level2) == ("产出指标", "时效指标")
    # "时效指标\t全年工作完成的及时性\t=100%": the 二级 name sits in the first column.
    assert by_name["全年工作完成的及时性"].level1 == "产出指标"
    assert by_name["新建保护区隔离防护工程达标率"].level2 == "质量指标"
    assert by_name["群众满意度"].level1 == "满意度指标"  # written "满意度"


def test_review_warnings_of_the_seed(tables):
    assert any("审核企业数" in w and "次" in w for w in tables[2].warnings)
    cap = [w for w in tables[3].warnings if "558.00" in w]
    assert cap and "436.41" in cap[0] and "上年结转" in cap[0]
    assert tables[0].warnings == [] and tables[1].warnings == []


def test_seed_in_the_store_and_json_contract(tmp_path):
    store = Store.open(tmp_path / "t.duckdb")
    import_file(store, SEED)
    data = json.loads(json.dumps({"projects": projects_data(store)}, ensure_ascii=False))
    projects = data["projects"]
    assert [len(p["indicators"]) for p in projects] == [10, 13, 17, 19]
    assert [p["funding_total"] for p in projects] == [78.0, 65.34, 36.2, 436.41]
    p4 = projects[3]
    assert (p4["start_date"], p4["end_date"], p4["attribute"]) == ("2025-04-01", "2026-04-30", "上年结转项目")
    assert p4["funding_other"] == 0
    assert set(projects[0]) == {
        "project_id", "year", "name", "department", "unit", "attribute", "start_date", "end_date",
        "funding_total", "funding_fiscal", "funding_other", "goal_text", "warnings", "indicators",
    }
    ind = projects[0]["indicators"][6]
    assert ind == {
        "indicator_id": ind["indicator_id"], "level1": "产出指标", "level2": "时效指标",
        "name": "标气标牌采购完成时间", "target_text": "2026年12月30日", "operator": "deadline",
        "target_value": "2026-12-30", "unit": "", "unit_normalized": "", "kind": "deadline",
        "direction": "deadline",
    }
    qual = projects[2]["indicators"][15]
    assert (qual["operator"], qual["target_value"], qual["kind"]) == ("qualitative", None, "qualitative")
    store.close()


def test_a_third_level_name_equal_to_a_second_level_name_is_still_a_name():
    from analytics.readers import read_tables

    text = SEED.read_text(encoding="utf-8").replace(
        "满意度\t服务对象满意度\t群众满意度\t≥95%", "满意度\t服务对象满意度\t群众满意度\t≥95%\n\t\t服务对象满意度\t≥90%", 1
    )
    last = read_tables(text.encode(), "x.txt")[0].indicators[-1]
    assert (last.level1, last.level2, last.name, last.target.text) == ("满意度指标", "服务对象满意度", "服务对象满意度", "≥90%")
