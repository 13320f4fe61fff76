# ruff: noqa: E501 (the tables below are rows as printed)
"""The row parser on plain rows: each kind of table and the columns real tables carry (domain.md section 7).

Tables are invented in the layouts the section describes, tab separated, so that these tests pin the
row parser alone; tests/test_layouts.py covers the physical layouts and file formats.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from analytics.model import InputError, ProjectTable, Row
from analytics.tables import parse_rows


def rows(text: str) -> list[Row]:
    return [
        Row(line.split("\t"), [f"第{n}行第{c}列" for c in range(1, line.count("\t") + 2)], f"第{n}行")
        for n, line in enumerate(text.splitlines(), start=1)
    ]


def parse(text: str, source: str = "表.txt") -> list[ProjectTable]:
    return parse_rows(rows(text), source)

SELFEVAL = """\
附件2
项目支出绩效自评表
(2026年度)
项目名称	乡镇污水管网维护经费
主管部门	101-某某县住房和城乡建设局			实施单位	某某县城市管理服务中心
项目资金(万元)				年初预算数	全年预算数(A)	全年执行数(B)	分值	执行率(B/A)	得分
		年度资金总额		50.00	50.00	48.62	10	97.24%	9.72
		其中:当年财政拨款		50.00	50.00	48.62	—		—
		上年结转资金					—		—
		其他资金					—		—
年度总体目标	预期目标					实际完成情况
	完成乡镇污水管网维护12公里					完成维护12公里
绩效指标	一级指标	二级指标	三级指标	年度指标值(A)	实际完成值(B)	分值	得分	偏差原因分析及改进措施
	产出指标(50分)	数量指标	维护污水管网长度	≥12公里	12公里	20	20
			清淤检查井数量	≥300座	285座	15	14.25	部分检查井位于施工路段
		时效指标	维护完成时间	2026年11月30日	2026年11月20日	15	15
	效益指标(30分)	生态效益	污水收集率	≥90%	92%	30	30
	满意度指标(10分)	服务对象满意度	群众满意度	≥90%	95%	10	10
总分						100	98.97
评价结论	良好
项目负责人:张三	财务负责人:李四
"""

MONITOR = """\
项目支出绩效目标执行监控表
(2026年度)
项目名称	城区道路保洁经费
主管部门及代码	203-某某市城市管理局					实施单位		某某市环境卫生管理处
项目资金(万元)			年初预算数		1-6月执行数		1-6月执行率		全年预计执行数
			年度资金总额	120.00		55.20		46%		118.00
			其中:财政拨款	120.00		55.20		46%		118.00
			其他资金
年度总体目标	全年预期目标							1-6月实际完成情况
	城区主次干道保洁全覆盖							上半年保洁覆盖率达到98%
绩效指标	一级指标	二级指标	三级指标	年度指标值	1-6月执行情况	全年预计完成情况	偏差原因分析					完成目标可能性			备注
							经费保障	制度保障	人员保障	硬件条件保障	其他	确定能	有可能	完全不可能
	产出指标	数量指标	保洁道路面积	≥300万平方米	298万平方米	300万平方米						√
			新增果皮箱数量	≥200个	已完成4处,2处在建	200个			√				√		人员不足,已增聘
		质量指标	保洁覆盖率	≥95%	98%	98%						√
	满意度指标	服务对象满意度	市民满意度	≥90%	92%	92%						√
注:有可能或完全不可能的,须同时填写偏差原因和改进措施。
"""

SICHUAN = """\
部门预算项目支出绩效自评表
(2026年度)
项目名称	农村饮水安全维修养护
主管部门	某某县水利局		实施单位	某某县农村供水站
项目资金(万元)		年初预算数	调整后预算数	预算执行数	执行率	权重	得分
预算执行情况(10分)	年度资金总额	80.00	75.00	75.00	100%	10	10
	财政资金	80.00	75.00	75.00
绩效指标(90分)
一级指标	二级指标	三级指标	指标性质	指标值	度量单位	完成值	权重	得分	未完成原因分析
产出指标	数量指标	维修供水工程	≥	25	处	25	30	30
	质量指标	工程验收合格率	=	100	%	100	20	20
	经济成本指标	维修养护成本	≤	75	万元	75	10	10
效益指标	社会效益	受益人口	≥	1.2	万人	1.2	20	20
满意度指标	服务对象满意度	受益群众满意度	≥	90	%	93	10	10
总分	100	100
"""

HUBEI = """\
项目支出绩效自评表
(2026年度)
项目名称	城乡环境综合整治
主管部门	某某区生态环境分局	实施单位	某某区环境监测站
预算执行情况(20分)	年初预算数	全年预算数	全年执行数	执行率	得分
年度资金总额	40	40	36	90%	18
年度绩效目标1(40分)	完成监测点位建设
一级指标	二级指标	三级指标	年初目标值(A)	实际完成值(B)	得分
产出指标	数量指标	新建监测点位	=4个	4个	20
效益指标	生态效益	空气优良天数比例	≥85%	80%	18.82
年度绩效目标2(40分)	提升群众满意度
一级指标	二级指标	三级指标	年初目标值(A)	实际完成值(B)	得分
满意度指标	服务对象满意度	群众满意度	≥90%	92%	40
合计	96.82
"""

LONG = """\
入
满意度指标	服务对象满意度	群众满意度	≥90%
注:以上为上表续。
项目支出绩效目标表(长期/年度)
(2026年度)
项目名称	河道保洁项目
项目主管部门	301-某某县水务局	项目实施单位	某某县河道管理所
项目属性	■当年项目 □上年结转项目	项目起止时间	2026.01-2026.12
项目资金	资金总额	300.00
	当年资金总额	100.00
	当年财政拨款	100.00
年度总体目标	完成河道保洁
一级指标	二级指标(长期)	三级指标(长期)	指标值(长期)	二级指标(年度)	三级指标(年度)	指标值(年度)	备注
产出指标	数量指标	保洁河道总长度	≥300公里	数量指标	保洁河道长度	≥100公里	按月考核
	质量指标	河道水质达标率	≥90%	质量指标	水面漂浮物清理率	≥95%
效益指标	生态效益	河道生态改善	明显改善	生态效益	河道生态改善	逐步改善
满意度指标	服务对象满意度	沿岸居民满意度	≥90%	服务对象满意度	沿岸居民满意度	≥90%
项目支出绩效目标批复表
(2026年度)
项目名称	河道保洁项目
主管部门及编码	302-某某县农业农村局	实施单位	某某县农技站
项目期	2026年1月1日至12月31日
年度资金总额	20
一级指标	二级指标	三级指标	2025年实际实现值	预期2026年实现值	指标标准或依据
产出指标	数量指标	指标1:培训农户人数	500人	≥600人	反映培训覆盖情况
		……
	时效指标	培训完成时间		2026年10月31日
效 益 指 标	社会效益	农户增收	增收	提高
满意度指标(10分)	服务对象满意度	农户满意度	≥90%
"""


def test_a_self_evaluation_brings_budget_weights_values_and_scores() -> None:
    [t] = parse(SELFEVAL)
    assert (t.kind, t.kind_name, t.year, t.name) == ("selfeval", "绩效自评表", 2026, "乡镇污水管网维护经费")
    assert (t.department, t.unit) == ("101-某某县住房和城乡建设局", "某某县城市管理服务中心")
    assert (t.funding_total, t.funding_fiscal, t.funding_other) == (Decimal("50"), Decimal("50"), 0)
    total = t.budget[0]
    assert (total.label, total.initial, total.adjusted, total.executed) == (
        "年度资金总额", Decimal("50"), Decimal("50"), Decimal("48.62"))
    assert (total.points, total.rate, total.score) == (Decimal("10"), Decimal("97.24"), Decimal("9.72"))
    assert [b.label for b in t.budget] == ["年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"]
    assert (t.budget_points, t.printed_total) == (Decimal("10"), Decimal("98.97"))
    assert (t.goal_text, t.goal_actual) == ("完成乡镇污水管网维护12公里", "完成维护12公里")
    got = [(i.level1, i.level2, i.name, i.target.text, i.weight, i.actual_text, i.printed_score, i.note)
           for i in t.indicators]
    assert got == [
        ("产出指标", "数量指标", "维护污水管网长度", "≥12公里", 20, "12公里", 20, ""),
        ("产出指标", "数量指标", "清淤检查井数量", "≥300座", 15, "285座", Decimal("14.25"), "部分检查井位于施工路段"),
        ("产出指标", "时效指标", "维护完成时间", "2026年11月30日", 15, "2026年11月20日", 15, ""),
        ("效益指标", "生态效益", "污水收集率", "≥90%", 30, "92%", 30, ""),
        ("满意度指标", "服务对象满意度", "群众满意度", "≥90%", 10, "95%", 10, ""),
    ]


def test_a_monitoring_table_brings_months_likelihood_and_reasons() -> None:
    [t] = parse(MONITOR)
    assert (t.kind, t.month, t.name, t.department) == ("monitor", 6, "城区道路保洁经费", "203-某某市城市管理局")
    assert (t.budget[0].initial, t.budget[0].executed, t.budget[0].forecast) == (
        Decimal("120"), Decimal("55.2"), Decimal("118"))
    assert t.goal_actual == "上半年保洁覆盖率达到98%"
    got = [(i.name, i.actual_text, i.forecast_text, i.likelihood, i.deviation_category, i.remark)
           for i in t.indicators]
    assert got == [
        ("保洁道路面积", "298万平方米", "300万平方米", "确定能", "", ""),
        ("新增果皮箱数量", "已完成4处,2处在建", "200个", "有可能", "人员保障", "人员不足,已增聘"),
        ("保洁覆盖率", "98%", "98%", "确定能", "", ""),
        ("市民满意度", "92%", "92%", "确定能", "", ""),
    ]


def test_sichuan_form_joins_nature_value_and_unit_and_keeps_weights() -> None:
    [t] = parse(SICHUAN)
    assert (t.kind, t.budget_points, t.printed_total) == ("selfeval", Decimal("10"), Decimal("100"))
    assert (t.budget[0].initial, t.budget[0].adjusted, t.budget[0].executed) == (
        Decimal("80"), Decimal("75"), Decimal("75"))
    got = [(i.level1, i.level2, i.target.text, i.weight, i.nature) for i in t.indicators]
    assert got == [
        ("产出指标", "数量指标", "≥25处", 30, "≥"),
        ("产出指标", "质量指标", "=100%", 20, "="),
        ("产出指标", "经济成本指标", "≤75万元", 10, "≤"),
        ("效益指标", "社会效益", "≥1.2万人", 20, "≥"),
        ("满意度指标", "服务对象满意度", "≥90%", 10, "≥"),
    ]
    assert sum(i.weight for i in t.indicators) == 90


def test_hubei_form_spreads_each_goal_blocks_points_over_its_indicators() -> None:
    [t] = parse(HUBEI)
    assert (t.budget_points, t.printed_total) == (Decimal("20"), Decimal("96.82"))
    assert [(i.name, i.weight, i.printed_score) for i in t.indicators] == [
        ("新建监测点位", 20, 20), ("空气优良天数比例", 20, Decimal("18.82")), ("群众满意度", 40, 40)]
    assert t.goal_text == "完成监测点位建设\n提升群众满意度"


def test_long_term_columns_are_left_out_and_a_tail_is_skipped() -> None:
    first, second = parse(LONG)
    assert [i.name for i in first.indicators] == ["保洁河道长度", "水面漂浮物清理率", "河道生态改善", "沿岸居民满意度"]
    assert [i.target.text for i in first.indicators] == ["≥100公里", "≥95%", "逐步改善", "≥90%"]
    assert first.indicators[0].remark == "按月考核"
    assert any("4个长期指标" in w for w in first.warnings)
    assert any("文件开头" in w and "已略过" in w for w in first.warnings)
    assert first.attribute == "当年项目"  # the ticked box only
    assert first.funding_total == 100  # 当年资金总额, not the project-period 资金总额
    # Same name, another department: two projects, never merged.
    assert (first.name, first.department) == ("河道保洁项目", "301-某某县水务局")
    assert (second.name, second.department) == ("河道保洁项目", "302-某某县农业农村局")


def test_prior_year_values_standards_and_template_leftovers() -> None:
    _, t = parse(LONG)
    assert t.kind == "target"
    got = [(i.level1, i.name, i.target.text, i.prior_value, i.standard) for i in t.indicators]
    assert got == [
        ("产出指标", "培训农户人数", "≥600人", "500人", "反映培训覆盖情况"),
        ("产出指标", "培训完成时间", "2026年10月31日", "", ""),
        ("效益指标", "农户增收", "提高", "增收", ""),
        ("满意度指标", "农户满意度", "≥90%", "≥90%", ""),
    ]
    assert any("农户满意度" in w and "上年值" in w for w in t.warnings)


def test_unknown_header_columns_and_labels_are_warned_about() -> None:
    text = SELFEVAL.replace("偏差原因分析及改进措施", "审核意见").replace("主管部门\t", "主管单位\t")
    [t] = parse(text)
    assert any("“审核意见”列无法识别" in w for w in t.warnings)
    assert t.department == ""
    assert any("未读到主管部门" in w and "主管单位" in w for w in t.warnings)


def test_a_budget_row_that_cannot_be_read_is_a_warning_and_the_rest_imports() -> None:
    text = SELFEVAL.replace("50.00\t50.00\t48.62\t10\t97.24%\t9.72", "5048.6297.24%9.72", 1)
    [t] = parse(text)
    assert any("数字连在一起" in w and "制表符" in w for w in t.warnings)
    assert len(t.indicators) == 5


def test_a_refusal_names_the_kind_the_row_and_a_fix() -> None:
    text = SELFEVAL.replace("≥300座", "")
    with pytest.raises(InputError) as info:
        parse(text, "自评.txt")
    message = str(info.value)
    assert "自评.txt" in message and "绩效自评表" in message and "第15行" in message
    assert "清淤检查井数量" in message and "请在该行填写指标值" in message


def test_no_table_at_all_says_what_was_found() -> None:
    with pytest.raises(InputError, match=r"没有找到绩效目标表、绩效自评表或绩效监控表.*第一行内容是“会议纪要”"):
        parse("会议纪要\n今天讨论了预算\n")


CENTRED = """\
项目支出绩效目标表
(2026年度)
项目名称\t乡村道路养护
主管部门\t某某县交通运输局\t实施单位\t某某县公路事务中心
年度资金总额\t30
一级指标\t二级指标\t三级指标\t指标值
\t数量指标\t养护道路里程\t≥40公里
产 出 指 标\t\t路面修补面积\t≥2000平方米
\t质量指标\t养护路段优良率\t≥85%
\t社会效益\t群众出行便利度\t有效提升
效益指标\t\t道路安全事故\t逐年减少
\t\t……\t
满意度指标\t服务对象满意度\t沿线群众满意度\t≥90%
满意度指标\t服务对象满意度\t驾乘人员满意度\t≥90%
"""


def test_centred_spaced_and_repeated_level_labels() -> None:
    [t] = parse(CENTRED)
    assert [(i.level1, i.level2, i.name) for i in t.indicators] == [
        ("产出指标", "数量指标", "养护道路里程"),
        ("产出指标", "数量指标", "路面修补面积"),
        ("产出指标", "质量指标", "养护路段优良率"),
        ("效益指标", "社会效益", "群众出行便利度"),
        ("效益指标", "社会效益", "道路安全事故"),
        ("满意度指标", "服务对象满意度", "沿线群众满意度"),
        ("满意度指标", "服务对象满意度", "驾乘人员满意度"),
    ]
