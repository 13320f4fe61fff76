"""Synthetic target tables for tests and benchmarks.

The tables look like the published ones (domain.md sections 1 and 2): a dozen departments with
code prefixes, every kind of 指标值 the parser reads, carried-over date ranges, thousands in
amounts, multi-paragraph goals. ``write_synth`` renders them in the seed's text layout and adds
the extraction artefacts the seed has (shifted cells, the end date on the same line, the short
"满意度" label), always so that reading the file gives back the same tables.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from analytics.layout import cn_date, to_text
from analytics.model import Indicator, ProjectTable
from analytics.review import review_table
from analytics.values import parse_amount, parse_target

_T = TypeVar("_T")

ATTRIBUTES = ("当年项目", "上年结转项目", "持续性项目", "新增性项目")
INDICATOR_HEADER = "一级指标\t二级指标\t三级指标\t指标值"
QUALITATIVE = ("提升", "有效提升", "明显改善", "符合相关规定", "提高")


@dataclass(frozen=True)
class _Dept:
    name: str
    units: tuple[str, ...]
    categories: tuple[str, ...]  # the "行业_" prefix budget systems put before a project name
    topics: tuple[str, ...]
    objects: tuple[tuple[str, str], ...]  # things counted, with their unit
    activities: tuple[str, ...]
    group: str  # who the project serves, for satisfaction and awareness indicators
    goals: tuple[str, ...]


_DEPTS = (
    _Dept(
        "402-南昌市生态环境局(部门)",
        ("南昌市生态环境污染防治中心", "南昌市生态环境局机关", "南昌市环境监测站", "南昌市生态环境执法支队"),
        ("生态环保行业管理", "生态环境应急管理", "污染防治"),
        ("机动车污染防治", "饮用水水源地规范化建设", "环境监控中心运行维护", "土壤污染状况调查评估",
         "清洁生产审核", "危险废物规范化管理", "大气污染防治攻坚", "入河排污口排查整治"),
        (("监测设备", "台"), ("界标", "块"), ("宣传牌", "块"), ("高空摄像头", "个"), ("监测点位", "个"),
         ("隔离防护工程", "米")),
        ("执法检查", "环境应急演练", "技术评估", "专家评审", "污染源排查"),
        "群众",
        ("加大污染防治力度,持续改善区域环境质量,助力打赢蓝天、碧水、净土保卫战。",
         "及时准确掌握全市主要排污单位的污染状况,提高生态环境保护依法监督管理的能力和水平。",
         "完善环境监测网络,保障监测数据真实准确,为环境管理决策提供技术支撑。"),
    ),
    _Dept(
        "301-南昌市教育局(部门)",
        ("南昌市教育局机关", "南昌市教育考试院", "南昌市第二中学", "南昌市教育装备中心"),
        ("教育事业发展", "基础教育", "职业教育"),
        ("中小学校舍维修改造", "教师能力提升培训", "智慧校园建设", "学生资助", "校园安全防控",
         "义务教育均衡发展"),
        (("多媒体教室", "间"), ("计算机", "台"), ("图书", "册"), ("实验室", "个"), ("安防监控设备", "套")),
        ("教师培训", "教学督导", "安全检查", "家长会宣讲"),
        "学生家长",
        ("改善办学条件,促进义务教育优质均衡发展,提升教育教学质量。",
         "加强教师队伍建设,提升教师专业素养和信息化教学能力。",
         "落实学生资助政策,确保家庭经济困难学生应助尽助。"),
    ),
    _Dept(
        "305-南昌市财政局(部门)",
        ("南昌市财政局机关", "南昌市财政投资评审中心", "南昌市国库集中支付中心"),
        ("财政事务", "预算管理"),
        ("预算绩效管理", "财政信息化运维", "政府采购监督", "投资评审", "国有资产清查"),
        (("评审项目", "个"), ("服务器", "台"), ("绩效评价报告", "份"), ("业务系统", "个")),
        ("绩效评价", "业务培训", "专项检查", "系统巡检"),
        "预算单位",
        ("全面实施预算绩效管理,提高财政资金使用效益。",
         "保障财政业务系统安全稳定运行,提升财政管理信息化水平。"),
    ),
    _Dept(
        "310-南昌市交通运输局(部门)",
        ("南昌市交通运输局机关", "南昌市公路事业发展中心", "南昌市交通运输综合行政执法支队"),
        ("交通运输管理", "公路建设"),
        ("农村公路养护", "公交场站建设", "道路运输安全监管", "桥梁检测", "交通标志标线完善"),
        (("公路里程", "公里"), ("交通标志", "块"), ("公交站台", "个"), ("桥梁", "座"), ("护栏", "米")),
        ("安全检查", "路况巡查", "执法检查", "应急演练"),
        "出行群众",
        ("提升公路养护水平,保障路网安全畅通。",
         "完善城乡公共交通基础设施,方便群众出行。"),
    ),
    _Dept(
        "315-南昌市农业农村局(部门)",
        ("南昌市农业农村局机关", "南昌市农业技术推广中心", "南昌市动物疫病预防控制中心"),
        ("农业农村", "乡村振兴"),
        ("高标准农田建设", "动物疫病防控", "农产品质量安全监测", "农村人居环境整治", "农技推广"),
        (("高标准农田", "亩"), ("抽检样品", "批次"), ("示范基地", "个"), ("疫苗", "万头份")),
        ("技术培训", "质量抽检", "疫情监测", "现场指导"),
        "农户",
        ("建设高标准农田,提高粮食综合生产能力,保障粮食安全。",
         "做好重大动物疫病防控,确保不发生区域性重大动物疫情。"),
    ),
    _Dept(
        "320-南昌市卫生健康委员会(部门)",
        ("南昌市卫生健康委员会机关", "南昌市疾病预防控制中心", "南昌市急救中心", "南昌市第一医院"),
        ("卫生健康", "公共卫生"),
        ("基本公共卫生服务", "重大传染病防控", "院前急救体系建设", "家庭医生签约服务", "健康教育"),
        (("急救车辆", "辆"), ("健康讲座", "场"), ("检测试剂", "人份"), ("宣传资料", "份")),
        ("健康讲座", "业务培训", "督导检查", "应急演练"),
        "患者",
        ("提升基本公共卫生服务均等化水平,增进居民健康福祉。",
         "加强传染病监测预警,提高突发公共卫生事件应急处置能力。"),
    ),
    _Dept(
        "325-南昌市水利局(部门)",
        ("南昌市水利局机关", "南昌市水文水资源监测中心", "南昌市堤防管理中心"),
        ("水利工程管理", "防汛抗旱"),
        ("堤防除险加固", "水土保持治理", "河湖长制工作", "防汛物资储备", "农村饮水安全"),
        (("堤防", "米"), ("水位监测站", "个"), ("防汛物资", "批"), ("治理面积", "平方公里")),
        ("汛前检查", "河湖巡查", "防汛演练", "水质监测"),
        "沿岸群众",
        ("加强堤防工程管理,确保安全度汛。",
         "全面落实河湖长制,持续改善河湖水生态环境。"),
    ),
    _Dept(
        "330-南昌市住房和城乡建设局(部门)",
        ("南昌市住房和城乡建设局机关", "南昌市建设工程质量安全监督站", "南昌市房屋安全鉴定中心"),
        ("城乡建设", "住房保障"),
        ("老旧小区改造", "建筑工地扬尘治理", "房屋安全鉴定", "城市排水防涝", "保障性住房管理"),
        (("改造小区", "个"), ("排水管网", "米"), ("鉴定房屋", "栋"), ("保障房", "套")),
        ("质量安全检查", "扬尘巡查", "排水设施巡检", "业务培训"),
        "小区居民",
        ("推进老旧小区改造,改善居民居住条件。",
         "加强建设工程质量安全监管,坚决遏制较大及以上安全事故。"),
    ),
    _Dept(
        "335-南昌市文化广电新闻出版旅游局(部门)",
        ("南昌市文化广电新闻出版旅游局机关", "南昌市图书馆", "南昌市博物馆", "南昌市群众艺术馆"),
        ("文化旅游", "公共文化服务"),
        ("公共文化场馆免费开放", "文物保护修缮", "文化惠民演出", "旅游宣传推介", "非遗保护传承"),
        (("惠民演出", "场"), ("展览", "个"), ("文物", "件"), ("宣传片", "部")),
        ("惠民演出", "文化讲座", "安全巡查", "推介活动"),
        "游客",
        ("丰富群众精神文化生活,推动公共文化服务提质增效。",
         "加强文物保护利用,传承弘扬优秀传统文化。"),
    ),
    _Dept(
        "340-南昌市民政局(部门)",
        ("南昌市民政局机关", "南昌市社会福利院", "南昌市救助管理站"),
        ("社会保障和就业", "民政事务"),
        ("城乡低保", "养老服务体系建设", "流浪乞讨人员救助", "社区治理创新", "殡葬改革"),
        (("养老床位", "张"), ("社区服务站", "个"), ("救助对象", "人"), ("宣传活动", "场")),
        ("走访慰问", "业务培训", "服务质量检查", "政策宣传"),
        "救助对象",
        ("兜牢民生底线,确保困难群众基本生活得到保障。",
         "完善养老服务体系,提升居家社区养老服务水平。"),
    ),
    _Dept(
        "345-南昌市人力资源和社会保障局(部门)",
        ("南昌市人力资源和社会保障局机关", "南昌市就业创业服务中心", "南昌市社会保险服务中心"),
        ("就业创业", "社会保险"),
        ("职业技能提升培训", "创业担保贷款贴息", "公共就业服务", "社保经办能力建设", "劳动保障监察"),
        (("招聘会", "场"), ("培训班", "期"), ("就业岗位", "个"), ("宣传资料", "份")),
        ("技能培训", "专场招聘", "劳动保障监察", "政策宣讲"),
        "参保群众",
        ("稳定和扩大就业,促进城乡劳动者实现更加充分更高质量就业。",
         "提升社会保险经办服务能力,方便群众办事。"),
    ),
    _Dept(
        "350-南昌市自然资源和规划局(部门)",
        ("南昌市自然资源和规划局机关", "南昌市不动产登记中心", "南昌市测绘地理信息中心"),
        ("自然资源事务", "国土空间规划"),
        ("国土空间规划编制", "不动产登记信息化", "地质灾害防治", "耕地保护监督", "基础测绘"),
        (("地灾隐患点", "处"), ("测绘成果", "份"), ("规划图件", "幅"), ("登记系统", "个")),
        ("地灾巡查", "卫片执法检查", "业务培训", "成果审查"),
        "办事群众",
        ("科学编制国土空间规划,优化国土空间开发保护格局。",
         "严守耕地保护红线,加强地质灾害防治,保障人民群众生命财产安全。"),
    ),
    _Dept(
        "355-南昌市林业局(部门)",
        ("南昌市林业局机关", "南昌市林业科学研究所", "南昌市森林病虫害防治检疫站"),
        ("林业和草原", "生态保护修复"),
        ("松材线虫病防治", "森林防火", "国土绿化", "湿地保护", "古树名木保护"),
        (("造林面积", "亩"), ("防火宣传牌", "块"), ("监测点", "个"), ("古树名木", "株")),
        ("防火巡查", "疫情普查", "技术培训", "执法检查"),
        "林农",
        ("加强森林资源保护,提高森林覆盖率和森林质量。",
         "有效防控林业有害生物,保护森林生态安全。"),
    ),
)

_AREAS = ("", "全市", "南昌县", "新建区", "进贤县", "安义县", "东湖区", "西湖区", "青云谱区", "青山湖区",
          "红谷滩区", "经开区", "高新区")
_PHASES = ("(一期)", "(二期)", "(三期)", "(续建)", "(第一批)", "(第二批)", "(第三批)")
_BULK_UNITS = {"米", "亩", "公里", "平方公里", "册", "人份", "万头份"}
_GOAL_TAILS = ("确保项目按期保质完成。", "为全市经济社会高质量发展提供有力保障。",
               "切实提高财政资金使用效益。", "群众获得感和满意度进一步提升。")


def _num(x: float) -> str:
    """A number as people write it in targets: no trailing zeros."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _ge(rng: random.Random) -> str:
    # Mostly "≥", sometimes the strict forms (full-width and ASCII) the parser must also read.
    return rng.choices(("≥", "＞", ">"), (8, 1, 1))[0]


def _month_end(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _deadline(rng: random.Random, year: int, start: date, end: date) -> str:
    """A 时效 deadline within the year and the project period, in one of the four forms tables use."""
    last = min(end, date(year, 12, 31))
    first = max(start, date(year, 1, 31), last - timedelta(days=240))
    d = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
    form = rng.randrange(4)
    if form == 3 and _month_end(d) <= last:
        return f"{d.year}年{d.month}月底"  # read as the last day of the month
    if form == 1:
        return f"{d.year}-{d.month:02d}-{d.day:02d}"
    if form == 2:
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    return f"{d.year}年{d.month}月{d.day}日"


class _TableMaker:
    """Builds one table's indicators; ``used`` keeps 三级 names unique within the table."""

    def __init__(self, rng: random.Random, dept: _Dept, topic: str, t: ProjectTable):
        self.rng = rng
        self.dept = dept
        self.topic = topic
        self.year = t.year or 0
        self.start = t.start_date or date(self.year, 1, 1)
        self.end = t.end_date or date(self.year, 12, 31)
        self.total = float(t.funding_total or 0)  # drives random choices only
        self.carried_over = t.attribute == "上年结转项目"
        self.used: set[str] = set()
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, level1: str, level2: str, name: str, text: str) -> None:
        if name in self.used:
            return
        self.used.add(name)
        self.rows.append((level1, level2, name, text))

    def pick(self, options: Sequence[_T]) -> _T:
        return self.rng.choice(options)

    # -- 成本指标 -------------------------------------------------------------------------
    def costs(self, n: int, level1: str = "成本指标", level2: str = "经济成本指标") -> None:
        rng = self.rng
        # Caps usually add up to the annual total; carried-over projects sometimes cap the whole
        # project, which the target review flags (domain.md section 6).
        over = self.carried_over and rng.random() < 0.4
        budget = self.total * (1.3 if over else rng.choice((0.6, 0.8, 0.95, 1.0)))
        shares = [rng.uniform(0.5, 1.5) for _ in range(n)]
        names = [f"{self.pick(self.dept.objects)[0]}采购费用", f"{self.pick(self.dept.activities)}经费",
                 f"{self.topic}项目成本", "运行维护费", "第三方服务费", f"{self.pick(self.dept.activities)}服务费用"]
        rng.shuffle(names)
        for name, share in zip(names, shares, strict=False):
            # Rounded down, so that caps meant to fit the total do not overshoot it by a cent.
            amount = math.floor(budget * share / sum(shares) * 100) / 100
            written = f"{amount:,.2f}" if amount >= 1000 and rng.random() < 0.5 else _num(amount)
            unit = rng.choice(("万", "万", "万元"))
            op = "=" if rng.random() < 0.1 else "≤"
            self.add(level1, level2, name, f"{op}{written}{unit}")
        if rng.random() < 0.08:
            self.add(level1, "社会成本指标", "对周边群众生产生活的影响", "符合相关规定")
        if rng.random() < 0.06:
            self.add(level1, "生态环境成本指标", "项目实施对生态环境的影响", "符合相关规定")

    # -- 产出指标 -------------------------------------------------------------------------
    def quantity(self, n: int) -> None:
        rng, d = self.rng, self.dept
        for _ in range(n):
            form = rng.randrange(8)
            obj, unit = self.pick(d.objects)
            act = self.pick(d.activities)
            if form == 0:
                self.add("产出指标", "数量指标", f"{obj}数量", f"{_ge(rng)}{rng.randint(2, 120)}{unit}")
            elif form == 1:
                count = rng.randint(100, 9000) if unit in _BULK_UNITS else rng.randint(2, 80)
                self.add("产出指标", "数量指标", f"新增{obj}", f"≥{count}{unit}")
            elif form == 2:
                self.add("产出指标", "数量指标", f"开展{act}次数", f"≥{rng.randint(2, 60)}次")
            elif form == 3:
                self.add("产出指标", "数量指标", f"形成{self.topic}工作报告", f"={rng.choice((1, 2, 4, 12))}份")
            elif form == 4:
                self.add("产出指标", "数量指标", f"完成{self.topic}相关任务", f"={rng.randint(1, 10)}项")
            elif form == 5:
                self.add("产出指标", "数量指标", f"{act}覆盖人次", f"≥{rng.randint(100, 20000)}人次")
            elif form == 6:
                self.add("产出指标", "数量指标", f"{act}服务企业数", f"{_ge(rng)}{rng.randint(5, 200)}家")
            else:
                self.add("产出指标", "数量指标", f"{act}点位", f"＞{rng.randint(3, 30)}个")

    def quality(self, n: int) -> None:
        rng, d = self.rng, self.dept
        for _ in range(n):
            form = rng.randrange(7)
            obj = self.pick(d.objects)[0]
            act = self.pick(d.activities)
            if form == 0:
                self.add("产出指标", "质量指标", f"{obj}验收合格率", rng.choice(("=100%", "100%", "≥98%")))
            elif form == 1:
                self.add("产出指标", "质量指标", f"{act}覆盖率", f"≥{rng.choice((85, 90, 95, 97))}%")
            elif form == 2:
                self.add("产出指标", "质量指标", f"{self.topic}数据上传率", f"≥{rng.choice((95, 97, 99))}%")
            elif form == 3:
                self.add("产出指标", "质量指标", f"{obj}采购合规性", rng.choice(("=100%", "符合相关规定")))
            elif form == 4:
                self.add("产出指标", "质量指标", "系统故障停机次数", f"<{rng.randint(2, 5)}次")
            elif form == 5:
                self.add("产出指标", "质量指标", "安全责任事故发生次数", rng.choice(("<1次", "＜1次", "≤0次")))
            else:
                self.add("产出指标", "质量指标", f"{act}问题整改率", f"≥{rng.choice((90, 95))}%")

    def timeliness(self, n: int) -> None:
        rng = self.rng
        for _ in range(n):
            form = rng.randrange(3)
            if form < 2:
                what = self.topic if form == 0 else self.pick(self.dept.activities)
                self.add("产出指标", "时效指标", f"{what}完成时间", _deadline(rng, self.year, self.start, self.end))
            else:
                self.add("产出指标", "时效指标", "资金支付及时率", rng.choice(("=100%", "≥95%")))

    # -- 效益指标 -------------------------------------------------------------------------
    def benefits(self, n: int) -> None:
        rng, d = self.rng, self.dept
        options = [
            ("经济效益", "带动相关产业增收", f"≥{rng.randint(10, 3000)}万元"),
            ("经济效益", "节约运行成本", self.pick(QUALITATIVE[:2])),
            ("社会效益", f"{d.group}政策知晓率", f"≥{rng.choice((80, 85, 90))}%"),
            ("社会效益", f"{self.topic}工作水平", self.pick(QUALITATIVE)),
            ("社会效益", f"{d.group}获得感", self.pick(("提高", "有效提升", "明显改善"))),
            ("生态效益", "环境空气质量PM2.5", f"≤{rng.choice((32, 35, 38))}微克/立方米"),
            ("生态效益", "地表水优良水体比例", f"≥{rng.choice((85, 90, 95))}%"),
            ("生态效益", "区域生态环境质量", self.pick(("明显改善", "提升"))),
            ("可持续影响", "项目持续发挥作用年限", f"≥{rng.choice((3, 5, 10))}年"),
            ("可持续影响", "长效管理机制建设", self.pick(("符合相关规定", "有效提升"))),
        ]
        for level2, name, text in rng.sample(options, min(n, len(options))):
            # Provinces write the 二级 name with or without the suffix 指标 (domain.md section 1).
            written = level2 + "指标" if rng.random() < 0.2 else level2
            self.add("效益指标", written, name, text)

    def satisfaction(self, n: int) -> None:
        rng = self.rng
        # Not "服务对象满意度": as a 三级 name on a continuation row it reads as the 二级 label
        # (tables.py cannot tell them apart), so the file would not parse back.
        names = [f"{self.dept.group}满意度", "服务对象综合满意度", "群众满意度"]
        for name in rng.sample(names, n):
            self.add("满意度指标", "服务对象满意度", name, f"{_ge(rng)}{rng.choice((85, 90, 95))}%")

    def indicators(self) -> list[Indicator]:
        rng = self.rng
        cost_under_output = rng.random() < 0.05
        if not cost_under_output:
            self.costs(rng.randint(1, 3))
        self.quantity(rng.randint(2, 6))
        self.quality(rng.randint(1, 5))
        self.timeliness(rng.randint(1, 3))
        if cost_under_output:
            # Some provinces put cost under 产出指标 (domain.md section 1).
            self.costs(rng.randint(1, 2), "产出指标", "成本指标")
        self.benefits(rng.randint(1, 4))
        self.satisfaction(rng.randint(1, 2))
        while len(self.rows) < 8:
            self.quantity(1)
        # Drop from the middle of 产出 so that every 一级 keeps at least one indicator.
        while len(self.rows) > 22:
            del self.rows[len(self.rows) // 2]
        return [
            Indicator(l1, l2, name, parse_target(text, l1, name, self.year))
            for l1, l2, name, text in self.rows
        ]


def _cents(cents: int) -> str:
    """An amount in 分 of 万元 written as 万元 with two decimals, without passing through a float."""
    return f"{cents // 100}.{cents % 100:02d}"


def _amount_cents(rng: random.Random) -> int:
    if rng.random() < 0.1:
        return rng.randint(100_000, 2_000_000)  # 1,000 to 20,000 万元
    return int(rng.lognormvariate(4.3, 1.0) * 100) + 100


def _period(rng: random.Random, year: int, attribute: str) -> tuple[date, date]:
    if attribute == "上年结转项目":
        start = date(year - 1, rng.randint(3, 10), 1)
        end_month = rng.choice((4, 6, 9, 12))
        end = date(year, end_month + 1, 1) - timedelta(days=1) if end_month < 12 else date(year, 12, 31)
        return start, end
    if attribute == "持续性项目" and rng.random() < 0.5:
        return date(year - rng.randint(1, 2), 1, 1), date(year + rng.randint(0, 2), 12, 31)
    if attribute == "新增性项目":
        return date(year, rng.randint(2, 7), 1), date(year, 12, 31)
    return date(year, 1, 1), date(year, 12, 31)


def _goal(rng: random.Random, dept: _Dept, topic: str, area: str) -> str:
    lead = f"通过实施{area}{topic}项目,{rng.choice(dept.goals)}{rng.choice(_GOAL_TAILS)}"
    if rng.random() < 0.7:
        return lead
    extra = [g for g in dept.goals if g not in lead] or list(dept.goals)
    paragraphs = [lead, *rng.sample(extra, min(len(extra), rng.randint(1, 2)))]
    return "\n".join(f"目标{i}:{p}" for i, p in enumerate(paragraphs, start=1))


def synth_tables(n: int, seed: int = 0) -> list[ProjectTable]:
    """``n`` realistic target tables, the same for the same seed."""
    rng = random.Random(seed)
    tables: list[ProjectTable] = []
    names: set[tuple[int, str, str]] = set()
    for _ in range(n):
        dept = rng.choice(_DEPTS)
        year = 2025 if rng.random() < 0.15 else 2026
        topic = rng.choice(dept.topics)
        area = rng.choice(_AREAS)
        base = f"{rng.choice(dept.categories)}_{rng.choice(('', f'{year}年', f'{year}年度'))}{area}{topic}项目"
        name = base
        k = 0
        while (year, dept.name, name) in names:
            name = base + (_PHASES[k] if k < len(_PHASES) else f"(第{k + 1}批)")
            k += 1
        names.add((year, dept.name, name))

        attribute = rng.choices(ATTRIBUTES, (6, 2, 2, 1))[0]
        start, end = _period(rng, year, attribute)
        fiscal = _amount_cents(rng)
        other = 0 if rng.random() < 0.8 else rng.randint(100, max(101, fiscal // 2))
        t = ProjectTable(
            year=year,
            name=name,
            department=dept.name,
            unit=rng.choice(dept.units),
            attribute=attribute,
            start_date=start,
            end_date=end,
            # What the parser reads back from the written amount, so a read-back table compares equal.
            funding_total=parse_amount(_cents(fiscal + other)),
            funding_fiscal=parse_amount(_cents(fiscal)),
            funding_other=parse_amount(_cents(other)),
            goal_text=_goal(rng, dept, topic, area),
        )
        t.indicators = _TableMaker(rng, dept, topic, t).indicators()
        # What the parser attaches on reading, so a read-back table compares equal.
        t.warnings = review_table(t)
        tables.append(t)
    return tables


# -- writing ----------------------------------------------------------------------------


def _with_artefacts(t: ProjectTable, rng: random.Random) -> str:
    """One table in the seed's layout, with some of the extraction artefacts the seed shows."""
    lines = to_text([t]).split("\n")
    head = lines.index(INDICATOR_HEADER)
    if rng.random() < 0.3:
        # Shifted cells (domain.md section 1): the 二级 name moved into the first column, or the
        # 三级 name first with the value in the third column.
        rows = list(range(head + 1, head + 1 + len(t.indicators)))
        for i in rng.sample(rows, min(len(rows), rng.randint(1, 2))):
            cells = lines[i].split("\t")
            if cells[0]:
                continue  # the first row of a 一级 group keeps its cells
            if cells[1]:
                lines[i] = "\t".join((cells[1], cells[2], cells[3], ""))
            else:
                lines[i] = "\t".join((cells[2], "", cells[3], ""))
    for i in range(head + 1, head + 1 + len(t.indicators)):
        if lines[i].startswith("满意度指标\t") and rng.random() < 0.5:
            lines[i] = "满意度" + lines[i].removeprefix("满意度指标")
    drop = None
    for i in range(head):
        cells = lines[i].split("\t")
        if cells[0] == "项目属性" and rng.random() < 0.15:
            # Both dates on one line, as other provinces print them; the end-date line goes.
            lines[i] = "\t".join((*cells[:3], f"{cn_date(t.start_date)}—{cn_date(t.end_date)}"))
            drop = i + 1
        elif len(cells) == 4 and cells[1] in ("年度资金总额", "其中:财政拨款", "其他资金") and cells[2]:
            value = float(cells[2])
            if value >= 1000 and rng.random() < 0.7:
                cells[2] = f"{value:,.2f}"
                lines[i] = "\t".join(cells)
    if drop is not None:
        del lines[drop]
    return "\n".join(lines)


def write_synth(path: str | Path, n: int, seed: int = 0) -> int:
    """Write ``n`` synthetic tables to ``path`` (UTF-8, seed layout); returns how many."""
    tables = synth_tables(n, seed)
    # A separate stream, so the artefacts do not change the tables synth_tables returns.
    rng = random.Random(f"artefacts-{seed}")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for t in tables:
            f.write(_with_artefacts(t, rng))
    return len(tables)
