"""The documents a department hands in, as one service for the 导出 page, the buttons and the CLI.

An export names what (the 自评表, the 监控表, the department workbook or the review deck), in which
file type, and for which projects (the dashboard's ``Filters``: as-of date, year, department, unit,
projects). ``run_export`` computes the same ``View`` the screens show, hands it to the writer and
records the export in the audit log (who, when, what, which filter), so a form can always be traced
to the numbers and the person behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analytics.dashboard import Filters, View, build_view, narrowed_filters
from analytics.safetext import clip, clip_file_name
from analytics.settings import Settings, load_settings
from analytics.storage import Audit, Store
from analytics.wording import cn_date

# kind -> (Chinese name, file types in the order offered)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "selfeval": ("项目支出绩效自评表", ("xlsx", "pdf")),
    "monitor": ("项目支出绩效目标执行监控表", ("xlsx", "pdf")),
    "workbook": ("部门绩效工作簿", ("xlsx", "pdf")),
    "deck": ("绩效评审材料", ("pdf", "pptx")),
}
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
EXPORT_ACTION = "导出"

Progress = Callable[[int, int], None]


class ExportRefused(ValueError):
    """An export that cannot be made as asked; the message says why and what to do, in Chinese."""


@dataclass(frozen=True)
class ExportRequest:
    kind: str                   # a key of KINDS
    fmt: str                    # one of KINDS[kind][1]
    filters: Filters
    month: int | None = None    # the 监控表's cut-off month X (1-X月); None: [forms] monitor_month

    def check(self) -> None:
        if self.kind not in KINDS:
            raise ExportRefused(f"没有这种导出:{self.kind}。可选:{'、'.join(KINDS)}")
        name, fmts = KINDS[self.kind]
        if self.fmt not in fmts:
            raise ExportRefused(f"{name}可导出为 {' 或 '.join(f.upper() for f in fmts)},"
                                f"不能导出为 {self.fmt.upper()};请改用 {fmts[0].upper()}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ExportRefused(f"截止月份应为 1 到 12 之间的整数,收到 {self.month};请改正后再导出")


def scope_text(filters: Filters, names: dict[int, str] | None = None) -> str:
    """Which projects an export holds, as the audit log and the page say it: the as-of date, then what
    of the filters narrows it (the dashboard's own words), the first projects by name."""
    said = narrowed_filters(filters)
    if filters.project_ids and names:
        shown = "、".join(names.get(p, str(p)) for p in filters.project_ids[:5])
        more = f" 等 {len(filters.project_ids)} 个" if len(filters.project_ids) > 5 else ""
        said[-1] = f"项目:{shown}{more}"
    return ";".join([f"截至{cn_date(filters.as_of)}", *said])


def file_name(req: ExportRequest) -> str:
    """A download name that says what, for whom and as of when: 部门绩效工作簿_某局_20261201.xlsx."""
    name = KINDS[req.kind][0]
    who = req.filters.unit or req.filters.department or ""
    stem = "_".join(p for p in (name, who, req.filters.as_of.strftime("%Y%m%d")) if p)
    for bad in '\\/:*?"<>|':
        stem = stem.replace(bad, "_")
    return f"{stem[:120]}.{req.fmt}"


def export_view(store: Store, req: ExportRequest, settings: Settings | None = None) -> View:
    """The view an export prints: the screens' own, at the request's filters, bounded in size."""
    s = settings or load_settings()
    view = build_view(store, req.filters, s)
    n = len(view.projects)
    if n == 0:
        raise ExportRefused(f"所选范围({scope_text(req.filters)})内没有项目;"
                            "请放宽主管部门、实施单位或项目的选择后再导出")
    if n > s.exports.max_projects:
        raise ExportRefused(f"所选范围有 {n} 个项目,超过单次导出上限 {s.exports.max_projects} 个"
                            "(settings.toml [exports] max_projects);请按主管部门或实施单位分批导出")
    return view


def render(store: Store, req: ExportRequest, view: View, settings: Settings, generated_by: str,
           progress: Progress | None = None) -> bytes:
    """The file's bytes: the forms or the deck of ``view``, written by their own module."""
    from analytics import forms

    footer = forms.footer(req.filters.as_of, generated_by)
    if req.kind == "deck":
        from analytics import deck, deck_pptx

        write = deck.deck_pdf if req.fmt == "pdf" else deck_pptx.deck_pptx
        return write(store, view, settings, footer, progress)
    month = req.month or settings.forms.monitor_month
    projects = forms.form_projects(store, view, settings, month if req.kind == "monitor" else None)
    if req.kind == "monitor":
        sheets = [forms.monitor_form(fp, settings, month, footer) for fp in projects]
    else:
        sheets = [forms.selfeval_form(fp, settings, footer) for fp in projects]
    if req.kind == "workbook":
        summary = forms.summary_frame(view)
        if req.fmt == "xlsx":
            from analytics.forms_xlsx import workbook_xlsx

            return workbook_xlsx(summary, sheets, progress)
        from analytics.forms_pdf import workbook_pdf

        title = f"{req.filters.department or req.filters.unit or '全部项目'} {KINDS['workbook'][0]}"
        return workbook_pdf(summary, sheets, title, footer, progress)
    if req.fmt == "xlsx":
        from analytics.forms_xlsx import forms_xlsx

        return forms_xlsx(sheets, progress)
    from analytics.forms_pdf import forms_pdf

    return forms_pdf(sheets, progress)


def run_export(store: Store, req: ExportRequest, username: str | None, generated_by: str,
               settings: Settings | None = None, progress: Progress | None = None) -> bytes:
    """Check the request, write the file and audit it; ``ExportRefused`` writes nothing and logs nothing."""
    s = settings or load_settings()
    req.check()
    view = export_view(store, req, s)
    data = render(store, req, view, s, generated_by, progress)
    names = dict(zip(view.projects["project_id"], view.projects["name"], strict=True))
    detail = (f"{KINDS[req.kind][0]} {req.fmt.upper()},{len(view.projects)} 个项目;"
              f"{scope_text(req.filters, names)}" + (f";1-{req.month}月" if req.month else ""))
    lim = s.text_limits
    store.log(Audit(None if username is None else clip(username, lim.audit_user_chars), EXPORT_ACTION,
                    clip(detail, lim.audit_detail_chars), clip_file_name(file_name(req), lim.file_name_chars)))
    return data
