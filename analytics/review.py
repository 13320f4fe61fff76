"""Target review (绩效目标审核) checks of domain.md section 6: warnings, never blocking."""

from __future__ import annotations

from decimal import Decimal

from analytics.model import ProjectTable

# Units that count things of a kind; an indicator named "...企业数" should not be counted in 次.
_COUNT_UNITS = {
    "企业": {"家", "个", "户", "户次", "家次"},
    "单位": {"家", "个", "户"},
    "人数": {"人", "人次", "万人", "名"},
    "次数": {"次", "场", "场次", "批次", "轮"},
}
_RATE_WORDS = ("率", "比例", "占比", "比重")


def _unit_fits(name: str, unit: str) -> str | None:
    """A reason when the unit does not fit the indicator name, else None."""
    if name.endswith("数"):
        for word, units in _COUNT_UNITS.items():
            if word in name and unit not in units:
                return f"指标“{name}”统计的是{word.removesuffix('数')}数量,单位却是“{unit}”"
    if any(name.endswith(w) for w in _RATE_WORDS) and unit != "%":
        return f"指标“{name}”是比率,单位却是“{unit}”而不是“%”"
    return None


# Amounts are 万元 with two decimals as printed: closer than half a 分 of 万元 is equal.
_HALF_CENT = Decimal("0.005")


def _dec(v: Decimal | float | int | None) -> Decimal:
    """Amounts may arrive as Decimal (exact parsers) or float; compare them as decimals."""
    if v is None:
        return Decimal(0)
    return v if isinstance(v, Decimal) else Decimal(repr(v)) if isinstance(v, float) else Decimal(v)


def review_table(t: ProjectTable) -> list[str]:
    """Warnings for one table; shown beside the project and stored with it."""
    out: list[str] = []
    level1s = {i.level1 for i in t.indicators}
    for needed in ("产出指标", "效益指标", "满意度指标"):
        if needed not in level1s:
            out.append(f"缺少{needed}")
    cost = [i for i in t.indicators if i.level1 == "成本指标" or "成本" in i.level2]
    if t.year and t.year >= 2021 and not cost:
        out.append("缺少成本指标(2021年起要求设置成本指标)")

    if t.funding_total is None:
        out.append("缺少年度资金总额")
    elif t.funding_fiscal is not None:
        parts = _dec(t.funding_fiscal) + _dec(t.funding_other)
        if abs(parts - _dec(t.funding_total)) > _HALF_CENT:
            out.append(
                f"年度资金总额{t.funding_total:.2f}万元不等于财政拨款{t.funding_fiscal:.2f}万元"
                f"与其他资金{t.funding_other or 0:.2f}万元之和{parts:.2f}万元"
            )

    caps = [
        _dec(i.target.value)
        for i in cost
        if i.target.unit_normalized == "万元" and i.target.direction in ("lower", "exact")
    ]
    if caps and t.funding_total is not None and sum(caps) > _dec(t.funding_total) + _HALF_CENT:
        msg = f"成本指标上限合计{sum(caps):.2f}万元,超过年度资金总额{t.funding_total:.2f}万元"
        if "结转" in t.attribute:
            msg += "(该项目为上年结转项目,成本上限可能覆盖项目全周期而非本年度,请核对)"
        out.append(msg)

    if t.start_date and t.end_date and t.end_date < t.start_date:
        out.append(f"项目结束日期{t.end_date}早于开始日期{t.start_date}")
    if t.start_date is None:
        out.append("缺少项目日期范围")

    for i in t.indicators:
        tv = i.target
        if tv.kind == "quantitative":
            if not tv.unit:
                out.append(f"指标“{i.name}”的指标值“{tv.text}”没有单位")
            else:
                reason = _unit_fits(i.name, tv.unit_normalized)
                if reason:
                    out.append(reason)
        out.extend(tv.warnings)
    return out
