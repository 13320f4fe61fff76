"""Writes data/samples/actuals_2026.xlsx: reports for the seed projects that, at 2026-12-31,
make every light colour (green, yellow, red, blue, grey) and every grade (优 良 中 差) appear.

Run: .venv/bin/python scripts/make_sample_report.py
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "data" / "samples" / "actuals_2026.xlsx"
P1 = "生态环保行业管理_机动车污染防治项目"
P2 = "生态环境应急管理_2026年南昌市环境监控中心运行维护和网络安全保障项目"
P3 = "生态环保行业管理_2026年度生态环境综合技术评估服务项目"
P4 = "南昌市县级及以上集中式饮用水水源地规范化建设项目"
MID, LATE = date(2026, 6, 30), date(2026, 11, 20)
LONG = "移动源污染防治相关平台升级及打包运维服务项目、" "移动源污染防治相关平台升级及打包运维服务项目完成时间"

# (project, 三级指标, 实际完成值, 截至日期, 评定得分率, 完成目标可能性, 偏差原因分析及改进措施, 填报人)
ROWS = [
    # P1: everything met -> 优, all green.
    (P1, "移动源污染防治相关平台升级及打包运维服务项目费用", "30万元", MID, None, "确定能", None, "王芳"),
    (P1, "移动源污染防治相关平台升级及打包运维服务项目费用", "58.2万元", LATE, None, "确定能", None, "王芳"),
    (P1, "标气标牌采购费用", "175000元", LATE, None, None, None, "王芳"),
    (P1, "移动源污染防治相关平台升级及打包运维服务项目", "1次", LATE, None, None, None, "王芳"),
    (P1, "标气、标牌采购", "1项", LATE, None, None, None, "王芳"),
    (P1, "移动源污染防治相关平台数据上传率", "96.5%", MID, None, "确定能", None, "王芳"),
    (P1, "移动源污染防治相关平台数据上传率", "98.1%", LATE, None, None, None, "王芳"),
    (P1, "标气、标牌采购合规性", "100%", LATE, None, None, None, "王芳"),
    (P1, "标气标牌采购完成时间", date(2026, 11, 18), LATE, None, None, None, "王芳"),
    (P1, LONG, date(2026, 11, 25), LATE, None, None, None, "王芳"),
    (P1, "环境空气质量PM2.5", "31微克/立方米", LATE, None, None, None, "王芳"),
    (P1, "群众满意度", "96.2%", LATE, None, None, None, "王芳"),
    # P2: counts short of target, deadline still open on 31 December -> 良, yellow.
    (P2, "弱电系统基础维护费", "9.5万元", LATE, None, None, None, "李强"),
    (P2, "网站、新媒体日常监测", "6.8", LATE, None, None, None, "李强"),
    (P2, "终端及硬件系统维护费", "45", LATE, None, None, None, "李强"),
    (P2, "开展南昌市生态环境局大数据平台等系统漏洞扫描", "4个", LATE, None, "有可能", "扫描排期推迟,12月补做", "李强"),
    (P2, "形成南昌市生态环境局官网监测报告数", "9份", LATE, None, "有可能", "10月起按月补报,12月底可完成", "李强"),
    (P2, "智能化系统巡检服务", "3次", LATE, None, "有可能", "第四次巡检安排在12月中旬", "李强"),
    (P2, "南昌市生态环境大数据平台等信息系统漏洞扫描高危漏洞整改率", "100%", LATE, None, None, None, "李强"),
    (P2, "网站及政务新媒体监测项目验收合格率", "100%", LATE, None, None, None, "李强"),
    (P2, "智能化系统故障排除率", "100%", LATE, None, None, None, "李强"),
    (P2, "网络运维工作及时性", "100%", LATE, None, None, None, "李强"),
    (P2, "南昌市生态环境局官网网站站点连通率", "99.5%", LATE, None, None, None, "李强"),
    (P2, "网络使用人员满意度", "90%", LATE, None, None, None, "李强"),
    # P3: over cost cap, some counts far behind, one far ahead, three not reported -> 中.
    (P3, "清洁生产评估及验收成本、生态环境专业技术服务成本", "6.5万元", LATE, None, None, "专家评审费用上涨", "赵敏"),
    (P3, "土壤污染状态调查评估项目成本", "12", LATE, None, None, None, "赵敏"),
    (P3, "市工业固体废物企业管理能力提升项目", "15", LATE, None, None, None, "赵敏"),
    (P3, "清洁生产评估及验收企业数", "10家", LATE, None, None, None, "赵敏"),
    (P3, "生态环境专业技术服务", "7项", LATE, None, "不可能", "部分服务需求取消,明年调整目标", "赵敏"),
    (P3, "组织土壤污染状况评估次数", "60次", LATE, None, None, "新增两个工业园区的专项评估", "赵敏"),
    (P3, "开展危险废物经营许可证核发市级审核企业数", "2次", LATE, None, "不可能", "申请企业少于预期", "赵敏"),
    (P3, "提升工业固体废物管理能力企业数", "50家", LATE, None, "不可能", "企业参与意愿低,将加强宣传", "赵敏"),
    (P3, "土壤污染状况调查评估审核通过率", "80%", LATE, None, None, None, "赵敏"),
    (P3, "危险废物规范化环境管理评估企业达标率", "50%", LATE, None, None, None, "赵敏"),
    (P3, "全年工作完成的及时性", "100%", LATE, None, None, None, "赵敏"),
    (P3, "危险废物重点监管企业信息公开率", "100%", LATE, None, None, None, "赵敏"),
    (P3, "通过开展清洁生产审核,提升节能减排效果", "部分达成", LATE, None, None, "审核企业数不足,效果有限", "赵敏"),
    (P3, "服务的企业满意度", "85%", LATE, None, None, None, "赵敏"),
    # P4: ended in April, finished late, much unreported, benefits not reached -> 差.
    (P4, "项目成本", "200万元", LATE, None, None, None, "陈刚"),
    (P4, "新建界标", "40块", LATE, None, None, "部分界标选址未获批", "陈刚"),
    (P4, "新建道路警示牌", "48块", LATE, None, None, None, "陈刚"),
    (P4, "新建宣传牌", "87块", LATE, None, None, None, "陈刚"),
    (P4, "新建航道警示牌", "10块", LATE, None, None, "航道管理部门审批延后", "陈刚"),
    (P4, "新建高空摄像头", "7个", LATE, None, None, None, "陈刚"),
    (P4, "新建低空摄像头", "20个", LATE, None, None, "设备到货延迟", "陈刚"),
    (P4, "新建保护区隔离防护工程", "7588米", LATE, None, None, None, "陈刚"),
    (P4, "项目完成时间", date(2026, 6, 15), LATE, None, None, "雨季施工延误", "陈刚"),
    (P4, "饮用水水源地保护区的规范化建设", "未达成", LATE, None, None, "质量指标尚未验收", "陈刚"),
    (P4, "饮用水水源地水质得到改善", "部分达成", LATE, 65, None, "水质监测数据仅部分改善", "陈刚"),
    (P4, "居民满意度", "70%", LATE, None, None, None, "陈刚"),
]
# What the 监控表 asks of the reporter besides the value (domain.md section 8), by (project, 三级指标,
# 截至日期): 偏差原因类别 and 全年预计完成情况. 有可能/不可能 need the category with the note.
MONITOR = {
    (P1, "移动源污染防治相关平台数据上传率", MID): (None, "98%"),
    (P2, "开展南昌市生态环境局大数据平台等系统漏洞扫描", LATE): ("人员保障", "5个"),
    (P2, "形成南昌市生态环境局官网监测报告数", LATE): ("制度保障", "12份"),
    (P2, "智能化系统巡检服务", LATE): ("硬件条件保障", "4次"),
    (P3, "生态环境专业技术服务", LATE): ("其他", "7项"),
    (P3, "开展危险废物经营许可证核发市级审核企业数", LATE): ("其他", "2次"),
    (P3, "提升工业固体废物管理能力企业数", LATE): ("经费保障", "60家"),
}
# (project, 截至日期, 预算执行数, 说明, 填报人, 全年预计执行数, 实际完成情况)
SPENDING = [
    (P1, MID, 30.0, None, "王芳", None, None),
    (P1, LATE, 76.0, None, "王芳", 78.0, "平台升级和标气标牌采购均已完成,数据上传率保持在98%以上。"),
    (P2, LATE, 50.0, None, "李强", 62.0, "系统运维正常,漏洞扫描和巡检服务12月补齐。"),
    (P3, LATE, 20.0, None, "赵敏", 30.0, None),
    # Project 4's period has ended: a rate under 90% needs its reason (domain.md section 4).
    (P4, LATE, 200.0, "结转项目,部分工程款待竣工验收后支付", "陈刚", None, None),
]


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "指标填报"
    ws.append(["项目名称", "三级指标", "实际完成值", "截至日期", "评定得分率", "完成目标可能性",
               "偏差原因分析及改进措施", "填报人", "偏差原因类别", "全年预计完成情况"])
    for row in ROWS:
        ws.append([*row, *MONITOR.get((row[0], row[1], row[3]), (None, None))])
    for cell in ws["D"][1:]:
        cell.number_format = "yyyy-mm-dd"
    for cell in ws["C"][1:]:
        if isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"
    ws2 = wb.create_sheet("预算执行")
    ws2.append(["项目名称", "截至日期", "预算执行数(万元)", "说明", "填报人", "全年预计执行数(万元)", "实际完成情况"])
    for row in SPENDING:
        ws2.append(list(row))
    for cell in ws2["B"][1:]:
        cell.number_format = "yyyy-mm-dd"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    wb.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
