"""Entry point: page config, navigation and the shared sidebar. Pages hold UI only.

The sidebar's choices live in the URL query parameters, so a copied link opens the same view.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics.accounts import viewing_needs_sign_in
from analytics.auth import ADMIN, REPORTER, User
from analytics.dashboard import FILTER_PARAMS, Filters, narrow, project_matches
from analytics.scheduler import DailyJob, start_daily_backup
from analytics.settings import load_settings
from pages.common import (
    FILTERS_KEY,
    database,
    database_faults,
    deliver_cookie,
    favicon,
    filter_chip,
    get_store,
    options,
    page_not_found_noticed,
    run_page,
    show_missing_page_notice,
    sign_in_box,
    sign_in_page,
    signed_in_user,
)

# The favicon is an image the app serves itself: a :material/...: or emoji icon (the page_icon, or a
# page's icon) is fetched by the browser from fonts.gstatic.com, and the app makes no request to another
# host (issue 10). A set page_icon also keeps the pages' icons out of the favicon.
st.set_page_config(page_title="项目支出绩效目标", page_icon=favicon(), layout="wide")


@st.cache_resource(show_spinner=False)
def _daily_backup() -> DailyJob:
    # Cached per process, so however many sessions and reruns there are, one thread backs up daily;
    # it takes a cursor of its own at each run, because a script run's cursor belongs to that run's thread.
    return start_daily_backup(database().store)


# Who may open each page: None is anyone (unless the administrator made viewing need sign-in).
_REPORTING = (ADMIN, REPORTER)
_ADMIN_ONLY = (ADMIN,)
_FILTER_KEYS = ("f_year", "f_dept", "f_unit", "f_projects", "f_as_of")


def _pages() -> dict[str, list[tuple[st.Page, tuple[str, ...] | None]]]:
    return {
        "仪表盘": [
            (st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", url_path="overview",
                     default=True), None),
            (st.Page("pages/funding.py", title="资金", icon=":material/payments:", url_path="funding"), None),
            (st.Page("pages/indicators.py", title="指标", icon=":material/checklist:", url_path="indicators"), None),
            (st.Page("pages/timeline.py", title="时间线", icon=":material/calendar_month:", url_path="timeline"),
             None),
            (st.Page("pages/review.py", title="评审", icon=":material/co_present:", url_path="review"), None),
            (st.Page("pages/targets.py", title="目标表", icon=":material/table_view:"), None),
            (st.Page("pages/export.py", title="导出", icon=":material/download:"), None),
        ],
        "填报": [
            (st.Page("pages/report.py", title="填报", icon=":material/edit_note:"), _REPORTING),
            (st.Page("pages/history.py", title="填报记录", icon=":material/history:"), _REPORTING),
        ],
        "管理": [
            (st.Page("pages/admin.py", title="管理", icon=":material/admin_panel_settings:"), _ADMIN_ONLY),
            (st.Page("pages/audit.py", title="审计日志", icon=":material/policy:"), _ADMIN_ONLY),
        ],
    }


def _may_open(roles: tuple[str, ...] | None, user: User | None, viewing_gated: bool) -> bool:
    if roles is None:
        return user is not None or not viewing_gated
    return user is not None and user.role in roles


def main() -> None:
    store = get_store()
    user = signed_in_user(store)
    _daily_backup()

    # Every page is always registered, so a link to any of them (a reload, a shared link, a new
    # tab) opens that page and never Streamlit's "Page not found". The menu in the sidebar lists
    # what the role may use; every write is checked again in analytics.
    sections = _pages()
    gated = viewing_needs_sign_in(store)
    roles_of = {page.url_path: roles for pages in sections.values() for page, roles in pages}
    with page_not_found_noticed():
        nav = st.navigation({name: [page for page, _ in pages] for name, pages in sections.items()},
                            position="hidden")
    needed = roles_of.get(nav.url_path)
    needs_sign_in = user is None and (needed is not None or gated)

    st.html(_chinese_widgets_css(int(st.get_option("server.maxUploadSize"))))
    with st.sidebar:
        deliver_cookie()
        if not (user is None and gated):
            for name, pages in sections.items():
                shown = [page for page, roles in pages if _may_open(roles, user, gated)]
                if shown:
                    st.caption(name)
                    for page in shown:
                        st.page_link(page, label=page.title, icon=page.icon)
            st.divider()
    show_missing_page_notice()

    if needs_sign_in:
        # The form in place of the page: signing in reruns this same URL, so the page and the view
        # the link named (its query parameters) open. No project name reaches a visitor before that.
        sign_in_page(nav.title, needed, gated)
        st.stop()

    opts = options()
    ALL = "全部"

    # The URL is the source of truth when it differs from what this session last wrote there: a
    # first visit, a copied link, a "查看" link from another page, or the browser's back button.
    # Moving between pages in the sidebar drops the parameters; the choices then carry over.
    url = {k: st.query_params.get_all(k) for k in FILTER_PARAMS if k in st.query_params}
    # A run that showed the sign-in form in place of its page drew no filter widgets, and Streamlit
    # forgets the state of widgets a run did not draw: the URL (left untouched) fills them again.
    forgotten = any(key not in st.session_state for key in _FILTER_KEYS)
    if "_url" not in st.session_state or forgotten or (url and url != st.session_state["_url"]):
        start = Filters.from_params(url, date.today(), opts)
        st.session_state["f_year"] = start.year if start.year is not None else ALL
        st.session_state["f_dept"] = start.department or ALL
        st.session_state["f_unit"] = start.unit or ALL
        st.session_state["f_projects"] = list(start.project_ids)
        st.session_state["f_as_of"] = start.as_of

    with st.sidebar:
        st.header("筛选")
        years = sorted(opts["year"].unique().tolist(), reverse=True)
        year = st.selectbox("年度", [ALL, *years], key="f_year", placeholder="请选择")
        base = Filters(as_of=date.today(), year=None if year == ALL else int(year))
        depts = sorted(narrow(opts, base)["department"].unique().tolist())
        if st.session_state["f_dept"] not in (ALL, *depts):
            st.session_state["f_dept"] = ALL
        dept = st.selectbox("主管部门", [ALL, *depts], key="f_dept", placeholder="请选择")
        base = Filters(as_of=base.as_of, year=base.year, department=None if dept == ALL else dept)
        units = sorted(narrow(opts, base)["unit"].dropna().unique().tolist())
        if st.session_state["f_unit"] not in (ALL, *units):
            st.session_state["f_unit"] = ALL
        unit = st.selectbox("实施单位", [ALL, *units], key="f_unit", placeholder="请选择")
        base = Filters(as_of=base.as_of, year=base.year, department=base.department, unit=None if unit == ALL else unit)
        candidates = narrow(opts, base)
        names = dict(zip(candidates["project_id"], candidates["name"], strict=True))
        st.session_state["f_projects"] = [p for p in st.session_state["f_projects"] if p in names]
        # Thousands of options would be sent to the browser on every page: past a few, search instead.
        screens = load_settings().screens
        shown = list(names)
        if len(names) > screens.project_options:
            query = st.text_input("查找项目", key="f_project_query", max_chars=screens.search_chars,
                                  placeholder="项目名称、实施单位或主管部门的一部分")
            matches = project_matches(candidates, query, screens.project_options)
            shown = list(dict.fromkeys([*st.session_state["f_projects"], *matches]))
            st.caption(f"共 {len(names)} 个项目;下面列出匹配的前 {len(matches)} 个,输入名称可查找其他项目。")
        chosen = st.multiselect("项目", shown, format_func=lambda p: names[p], key="f_projects",
                                placeholder="全部项目")
        as_of = st.date_input("截至日期", key="f_as_of", format="YYYY-MM-DD")
        filters = Filters(as_of=as_of, year=base.year, department=base.department, unit=base.unit,
                          project_ids=tuple(sorted(chosen)))
        st.session_state[FILTERS_KEY] = filters
        st.divider()
        sign_in_box(user)

    # Keep the URL in step with the choices; page-specific parameters (such as 评审's project) stay.
    wanted = {k: v if isinstance(v, list) else [v] for k, v in filters.to_params().items()}
    for key in FILTER_PARAMS - set(wanted):
        if key in st.query_params:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get_all(key) != value:
            st.query_params[key] = value
    st.session_state["_url"] = wanted

    filter_chip(filters)
    run_page(nav, user)


def _chinese_widgets_css(max_upload_mb: int) -> str:
    """Streamlit writes some of its own words in English and has no language setting: the upload
    box's "Upload", "25MB per file • XLSX, CSV" and (while a file is dragged over it) "Drag and drop a
    file here", the empty list's "No results", a typed-in field's "Press Enter to apply" (its first
    hint; a character count follows it), the keyboard users' "Skip to main content". The English is
    hidden (visibility, so that it is not read out or copied either) and the Chinese drawn in its
    place; every uploader's label names its file types. Under the sign-in form's fields the hint is
    left out altogether (Enter signs in). A hidden link cannot take the focus, so the English skip
    link is given up (Tab still reaches the page)."""
    return f"""<style>
[data-testid="stFileUploaderDropzone"] button p,
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > span,
[data-testid="stFileUploaderDropzoneInstructions"] span,
[role="listbox"][data-empty="true"] [role="option"] span,
[data-testid="InputInstructions"] > span:first-child,
[data-testid="stSkipToContent"] {{ visibility: hidden; font-size: 0 !important; }}
.st-key-login_user [data-testid="InputInstructions"],
.st-key-login_password [data-testid="InputInstructions"] {{ display: none; }}
[data-testid="InputInstructions"] > span:first-child::after {{ visibility: visible; font-size: 0.75rem; }}
[data-testid="InputInstructions"] > span:first-child::after {{ content: "按回车键确认"; }}
[data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after
{{ content: "按 Ctrl+回车键确认"; }}
[data-testid="stFileUploaderDropzone"] button p::after,
[data-testid="stFileUploaderDropzoneInstructions"] span::after,
[role="listbox"][data-empty="true"] [role="option"] span::after {{ visibility: visible; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzone"] button p::after
{{ content: "选择文件"; font-size: 1rem; }}
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > span::after
{{ content: "拖放文件到此处"; visibility: visible; font-size: 1rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "单个文件不超过 {max_upload_mb} MB"; }}
[role="listbox"][data-empty="true"] [role="option"] span::after {{ content: "没有匹配的选项"; }}
</style>"""


# A full disk or a stopped database met anywhere in the run is explained in Chinese, not as a trace.
with database_faults():
    main()
