"""UI plumbing shared by the pages: the one store per process, the sidebar's filters, cached views."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from PIL import Image, ImageDraw
from streamlit.delta_generator import DeltaGenerator
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.app_session import AppSession

from analytics import auth, sessions
from analytics.accounts import current_user, ensure_first_admin, may_clear_caches, sign_in
from analytics.auth import SignInFailed, User
from analytics.chart_images import figure_png, figure_svg
from analytics.connection import Database
from analytics.dashboard import Filters, View, bounded_query, build_view, filter_options, narrowed_filters
from analytics.engine import Result, compute
from analytics.safetext import escape_markdown
from analytics.services import load_seed_if_empty
from analytics.settings import load_settings
from analytics.storage import DatabaseBusy, DatabaseUnavailable, Store
from analytics.wording import column_formats

FILTERS_KEY = "filters"
USER_KEY = "signed_in_as"
SEEN_KEY = "signed_in_seen_at"
# True while app.py runs a page; see ensure_entry.
ENTRY_KEY = "_entry_running"
# The user app.py signed in for this run, so pages do not look it up again.
ACTOR_KEY = "_run_user"
# The server-side session of this browser tab (analytics.sessions), the handoff code still to be
# traded for the cookie (with when it runs out), and a session ended here whose cookie the tab
# still sent at its start (so it is not taken up again).
SESSION_KEY = "_server_session"
HANDOFF_KEY = "_session_handoff"
ENDED_KEY = "_session_ended"
CLEAR_COOKIE_KEY = "_session_clear_cookie"
NOTICE_KEY = "_signin_notice"


def _prepare(store: Store) -> None:
    # A first start on an empty file loads data/ and creates the administrator named in
    # PERF_ADMIN_USER / PERF_ADMIN_PASSWORD when there is none.
    load_seed_if_empty(store)
    ensure_first_admin(store)


@st.cache_resource(show_spinner=False)
def database() -> Database:
    # One per process; it opens the file at first use and again after DuckDB stopped it (a full
    # disk), so the cached object itself never needs replacing.
    return Database(prepare=_prepare)


def _state_value(session: AppSession, key: str) -> object:
    # A session's state outside its script run: a SafeSessionState, which has no .get().
    try:
        return session._session_state[key]
    except KeyError:
        return None


def _guarded_clear_cache(session: AppSession) -> None:
    """Streamlit's "Clear cache" request, allowed to a signed-in administrator only.

    Any browser can send the ``clear_cache`` message (the menu item is hidden, the websocket is
    not), and Streamlit's own handler empties every cache of the process for all visitors, the
    open database among them, and the sender's session. An administrator's request empties the
    computed views only, so the shared connection and everyone's sign-in stay; anyone else's is
    ignored and the app goes on as before.
    """
    name, seen = _state_value(session, USER_KEY), _state_value(session, SEEN_KEY)
    session_id = _state_value(session, SESSION_KEY)
    now = datetime.now()
    limits = load_settings().accounts
    store = database().store()
    fresh = name is not None and seen is not None and not auth.session_expired(seen, now, limits)
    if fresh and session_id is not None:
        # A tab signed in through a server session: it must still be live (not signed out elsewhere).
        fresh = sessions.resume(store, str(session_id), now, limits).username == name
    if fresh and may_clear_caches(store, name):
        st.cache_data.clear()
        return
    logging.getLogger(__name__).warning("clear_cache request ignored: not from a signed-in administrator")


_guarded_clear_cache.guarded = True  # type: ignore[attr-defined]


def guard_cache_clearing() -> None:
    """Route Streamlit's clear_cache requests through the role check (idempotent)."""
    if not getattr(AppSession._handle_clear_cache_request, "guarded", False):
        AppSession._handle_clear_cache_request = _guarded_clear_cache  # type: ignore[method-assign]


guard_cache_clearing()


@st.cache_resource(show_spinner=False)
def favicon() -> Image.Image:
    """The tab's icon, drawn here so that the browser fetches it from the app, not from an outside host."""
    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, 31, 31), radius=6, fill="#34495e")
    for x, h, colour in ((6, 10, "#2e9d57"), (14, 16, "#e8b100"), (22, 22, "#d9363e")):
        draw.rectangle((x, 27 - h, x + 4, 27), fill=colour)
    return img


def _open_failure(error: DatabaseUnavailable) -> str:
    if isinstance(error, DatabaseBusy):
        # The message of the error itself is written for the command line, which the dashboard blocks.
        return (
            f"数据库文件“{error.path}”正被另一个程序(通常是正在运行的命令行命令,如导入、恢复或备份)占用,"
            "仪表盘暂时无法打开。请等该命令结束或关闭它,然后刷新本页。"
        )
    return str(error)


def get_store() -> Store:
    """A cursor of the shared connection for this script run's thread.

    When the file cannot be opened the page says why in Chinese and stops; the failure is not
    kept, so refreshing the page tries again.
    """
    db = database()
    try:
        if db.is_open:
            return db.store()
        with st.spinner("正在打开数据库…"):
            return db.store()
    except DatabaseUnavailable as e:
        st.error(_open_failure(e))
        st.stop()


@contextmanager
def database_faults() -> Iterator[None]:
    """Explain, in Chinese, a full disk or a stopped or damaged database met anywhere in a run.

    Wraps the whole run in app.py, so no page needs its own handler. A database DuckDB stopped
    is opened again by the next run (see analytics.connection), which the message asks for.
    """
    try:
        yield
    except (DatabaseUnavailable, duckdb.Error) as e:
        fault = database().fault(e)
        if fault is None:
            raise
        st.error(_open_failure(fault))
        st.stop()


def data_version() -> tuple[int, ...]:
    """Part of every cache key: it changes with every import, report, withdrawal or revision."""
    return get_store().data_version()


@st.cache_data(max_entries=32, show_spinner=False)
def _options(version: tuple[int, ...]) -> pd.DataFrame:
    return filter_options(get_store())


def options() -> pd.DataFrame:
    """Every project's id, year, name, department and unit, for the sidebar."""
    return _options(data_version())


@st.cache_data(max_entries=8, show_spinner="正在计算…")
def _result(version: tuple[int, ...], settings_key: str, as_of: date) -> Result:
    # The engine computes every project at a date whatever the filters: one result per date serves every
    # filter, so a change of department or unit only narrows it (issue 11 item 12).
    return compute(get_store(), as_of, load_settings())


@st.cache_data(max_entries=64, show_spinner="正在计算…")
def _view(version: tuple[int, ...], settings_key: str, as_of: date, year: int | None, department: str | None,
          unit: str | None, project_ids: tuple[int, ...]) -> View:
    filters = Filters(as_of=as_of, year=year, department=department, unit=unit, project_ids=project_ids)
    return build_view(get_store(), filters, load_settings(), _result(version, settings_key, as_of))


def run_page(page: StreamlitPage, user: User | None) -> None:
    """Run the chosen page with what app.py decided for this run (see ensure_entry)."""
    st.session_state[ACTOR_KEY] = user
    st.session_state[ENTRY_KEY] = True
    try:
        page.run()
    finally:
        st.session_state[ENTRY_KEY] = False


def ensure_entry() -> None:
    """Rerun through app.py when Streamlit ran a page file on its own.

    With a folder named ``pages/`` beside app.py, Streamlit 1.67 starts a process in its old
    pages-directory mode, which runs a deep-linked page (``/review?review=3``) without app.py:
    no sidebar, no filters from the URL. ``st.navigation`` ends that mode for the process, so
    the page ends it the same way and reruns; the rerun goes through app.py to this page.
    """
    if st.session_state.get(ENTRY_KEY):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def current_filters() -> Filters:
    """The sidebar's choices of this run (set by app.py before the page runs)."""
    ensure_entry()
    return st.session_state.get(FILTERS_KEY) or Filters(as_of=date.today())


def current_view() -> View:
    """The engine's results for the sidebar's choices, cached by choices and data version."""
    f = current_filters()
    return _view(data_version(), repr(load_settings()), f.as_of, f.year, f.department, f.unit, f.project_ids)


def signed_in_user(store: Store) -> User | None:
    """The signed-in user as stored now, or None.

    A tab's sign-in is its server session (analytics.sessions): checked on every run, so a sign-out
    in another tab, an idle or absolute expiry, or a disabled account ends it here too. A new tab or
    a reload starts without one and takes it up from the session cookie its websocket sent.
    """
    limits = load_settings().accounts
    now = datetime.now()
    session_id = st.session_state.get(SESSION_KEY)
    if session_id is None and st.session_state.get(USER_KEY) is None:
        session_id = _session_from_cookie(store)
    if session_id is not None:
        resumed = sessions.resume(store, session_id, now, limits)
        if resumed.username is None:
            _forget_sign_in(session_id)
            st.session_state[NOTICE_KEY] = resumed.notice
            return None
        st.session_state[SESSION_KEY] = session_id
        st.session_state[USER_KEY] = resumed.username
    name = st.session_state.get(USER_KEY)
    if not name:
        return None
    # A tab signed in without a server session (set up directly, as tests do) keeps the idle rule.
    if session_id is None and auth.session_expired(st.session_state.get(SEEN_KEY, now), now, limits):
        _forget_sign_in(None)
        st.session_state[NOTICE_KEY] = f"登录已超过 {limits.session_idle_minutes} 分钟未操作,请重新登录"
        return None
    user = current_user(store, name)
    if user is None:
        if session_id is not None:
            sessions.end(store, session_id, now)
        _forget_sign_in(session_id)
        return None
    st.session_state[SEEN_KEY] = now
    return user


def _session_from_cookie(store: Store) -> str | None:
    try:
        cookie = st.context.cookies.get(sessions.COOKIE_NAME)
    except (AttributeError, RuntimeError):  # no browser behind this run (a bare script run)
        return None
    session_id = sessions.verify(sessions.secret_for(store), cookie)
    # The cookie of a session ended in this tab is still in the handshake's copy until a reload.
    if session_id is None or session_id == st.session_state.get(ENDED_KEY):
        return None
    return session_id


def _forget_sign_in(session_id: str | None) -> None:
    for key in (USER_KEY, SEEN_KEY, SESSION_KEY, HANDOFF_KEY):
        st.session_state.pop(key, None)
    if session_id is not None:
        st.session_state[ENDED_KEY] = session_id


def sign_out() -> None:
    """End this sign-in everywhere: the server session is revoked, and the browser drops its cookie."""
    session_id = st.session_state.get(SESSION_KEY)
    if session_id is not None:
        try:
            sessions.end(database().store(), session_id, datetime.now())
        except DatabaseUnavailable as e:
            st.session_state[NOTICE_KEY] = _open_failure(e)
            return
        st.session_state[CLEAR_COOKIE_KEY] = True
    _forget_sign_in(session_id)
    st.session_state[NOTICE_KEY] = None


def _sign_in() -> None:
    # A callback runs before the script, outside database_faults: it takes its own cursor, and
    # sign_in answers a database that cannot be written with a SignInFailed of its own.
    try:
        store = database().store()
        user = sign_in(store, st.session_state.get("login_user", ""), st.session_state.get("login_password", ""))
        now = datetime.now()
        limits = load_settings().accounts
        started = sessions.start(store, user.username, now, limits)
    except DatabaseUnavailable as e:
        st.session_state[NOTICE_KEY] = _open_failure(e)
        return
    except SignInFailed as e:
        st.session_state[NOTICE_KEY] = str(e)
        return
    st.session_state[USER_KEY] = user.username
    st.session_state[SEEN_KEY] = now
    st.session_state[SESSION_KEY] = started.session_id
    st.session_state[HANDOFF_KEY] = (started.handoff_code, now + timedelta(seconds=limits.handoff_seconds))
    st.session_state.pop(ENDED_KEY, None)
    st.session_state.pop(CLEAR_COOKIE_KEY, None)
    st.session_state[NOTICE_KEY] = None


def _cookie_frame(route: str, body: str) -> None:
    # A same-origin frame (st.iframe of an HTML string: a srcdoc frame) asks the app's route for the
    # cookie; the browser stores it from the answer, and no script can read it (HttpOnly).
    st.iframe(f"<script>fetch({json.dumps(route)}, {{method: 'POST', credentials: 'same-origin', "
              f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(body)}}});</script>",
              height="content", tab_index=-1, alt="保持登录")


def deliver_cookie() -> None:
    """Hand the browser the cookie of a sign-in made in this tab, or drop it after sign-out.

    Rendered on every run while the handoff code is valid, at one place in the sidebar, so the
    frame is not removed by a rerun before its request is answered; a spent code is refused, so a
    repeat does nothing.
    """
    import webcookie

    pending = st.session_state.get(HANDOFF_KEY)
    if pending is not None and datetime.now() < pending[1]:
        webcookie.install(database().store)
        _cookie_frame(webcookie.route_path(), pending[0])
    elif pending is not None:
        st.session_state.pop(HANDOFF_KEY, None)
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):
        webcookie.install(database().store)
        _cookie_frame(webcookie.route_path(webcookie.CLEAR_ROUTE), "")


def sign_in_form(key: str = "sign_in") -> None:
    """The sign-in form (user name, password), with the last notice under it (app.py's stylesheet
    hides Streamlit's English "Press Enter to submit form" under its fields; Enter still signs in)."""
    with st.form(key, border=False):
        st.text_input("用户名", key="login_user")
        st.text_input("密码", type="password", key="login_password")
        st.form_submit_button("登录", on_click=_sign_in)
    notice = st.session_state.get(NOTICE_KEY)
    if notice:
        st.error(escape_markdown(notice))


def sign_in_page(title: str, roles: tuple[str, ...] | None, viewing_gated: bool) -> None:
    """The sign-in form in place of a page that needs it; after sign-in the same page opens."""
    st.title("登录")
    if roles is None:
        st.info(f"管理员已设置查看仪表盘需要登录。请输入用户名和密码,登录后打开“{title}”。")
    else:
        st.info(f"“{title}”需要以{'或'.join(roles)}身份登录。请输入用户名和密码,登录后直接打开该页面。")
    sign_in_form("sign_in_page")


_MISSING_KEY = "_page_not_found"


@contextmanager
def page_not_found_noticed() -> Iterator[None]:
    """Around st.navigation: a link to a page that does not exist opens the default page with a
    Chinese notice (show_missing_page_notice) instead of Streamlit's English "Page not found" dialog."""
    from streamlit.commands import navigation

    original = navigation.send_page_not_found

    def remember(ctx: object) -> None:
        st.session_state[_MISSING_KEY] = True

    navigation.send_page_not_found = remember  # type: ignore[assignment]
    try:
        yield
    finally:
        navigation.send_page_not_found = original


def show_missing_page_notice() -> None:
    if st.session_state.pop(_MISSING_KEY, False):
        st.warning("链接指向的页面不存在,已打开总览。请从左侧菜单选择页面。")


def sign_in_box(user: User | None) -> None:
    """The sidebar's sign-in form, or who is signed in with a sign-out button."""
    if user is not None:
        units = "、".join(user.units) if user.units else "全部单位"
        st.caption(escape_markdown(f"已登录:{user.display_name}({user.role};{units})"))
        st.button("退出登录", on_click=sign_out, key="sign_out")
        return
    sign_in_form()


def page_user() -> User | None:
    """Who is signed in for this run (None for a visitor where viewing needs no sign-in)."""
    ensure_entry()
    return st.session_state.get(ACTOR_KEY)


def current_user_or_stop(roles: tuple[str, ...]) -> User:
    """The signed-in user if their role may use this page; otherwise a message and stop.

    Hiding a page is for convenience only: the analytics functions refuse the write anyway.
    """
    ensure_entry()
    user = st.session_state.get(ACTOR_KEY)
    if user is None or user.role not in roles:
        st.error("此页面需要以" + "或".join(roles) + "身份登录。")
        st.stop()
    return user


# The sidebar's "everything" choice; app.py offers it first in each of its select boxes.
ALL = "全部"


def _clear_filters() -> None:
    # A callback: it runs before app.py draws the sidebar, so the select boxes show the cleared choice.
    st.session_state["f_year"] = ALL
    st.session_state["f_dept"] = ALL
    st.session_state["f_unit"] = ALL
    st.session_state["f_projects"] = []


def filter_chip(filters: Filters) -> None:
    """A visible note above the page while the sidebar narrows the view, with one click to show everything.

    A link (a shared URL, an old "查看") may have narrowed year, department, unit or projects without the
    user noticing; the chip says so on every page. Nothing is drawn while every project is shown.
    """
    said = narrowed_filters(filters)
    if not said:
        return
    text, button = st.columns([6, 1], vertical_alignment="center")
    text.markdown(escape_markdown("已按筛选条件显示:" + ";".join(said)), help="筛选条件在左侧栏,也保存在链接中")
    button.button("清除筛选", key="clear_filters", on_click=_clear_filters, icon=":material/filter_alt_off:",
                  help="显示全部年度、部门、单位和项目(截至日期不变)")


def search_box(key: str, placeholder: str) -> str:
    """A search text remembered in the URL as ``?q=``, so a reload or a shared link keeps it.

    The URL wins when it differs from what this page last wrote there (a first visit, a link, the
    back button); the text is cut to [limits] search_chars either way.
    """
    limit = load_settings().text_limits.search_chars
    url = bounded_query(st.query_params.get("q"), limit)
    marker = f"_{key}_url"
    if key not in st.session_state or url != st.session_state.get(marker):
        st.session_state[key] = url
    query = bounded_query(st.text_input("搜索", key=key, max_chars=limit, placeholder=placeholder), limit)
    if query:
        if st.query_params.get("q") != query:
            st.query_params["q"] = query
    elif "q" in st.query_params:
        del st.query_params["q"]
    st.session_state[marker] = query
    return query


def grid_columns(df: pd.DataFrame) -> dict[str, object]:
    """column_config for st.dataframe: amounts in 万元 with two decimals, rates with the one rounding,
    dates as 2026年12月1日 (analytics.wording decides; this only names Streamlit's column types)."""
    kinds = {"number": st.column_config.NumberColumn, "date": st.column_config.DateColumn,
             "datetime": st.column_config.DatetimeColumn}
    return {name: kinds[kind](format=fmt) for name, (kind, fmt) in column_formats(df).items()}


# The width a downloaded image gets when the figure is drawn to its column's width on screen.
IMAGE_WIDTH_PX = 1200


def chart(fig: go.Figure, key: str, name: str, where: DeltaGenerator | None = None, config: dict | None = None,
          compact: bool = False, buttons_in: DeltaGenerator | None = None) -> None:
    """A chart with Chinese 下载 PNG / 下载 SVG buttons under it (Plotly's own toolbar is English).

    The image is drawn only when a button is clicked (a callable ``data`` runs on the click, in its own
    thread), so a page run never waits for chromium. ``compact`` uses borderless buttons, for the
    评审 screens that must fit 1280×720; ``buttons_in`` puts the buttons there instead (评审 puts them in
    the sidebar, which the room does not see).
    """
    where = where if where is not None else st.container()
    where.plotly_chart(fig, key=key, config=config or {})
    width = None if fig.layout.width else IMAGE_WIDTH_PX
    if buttons_in is not None:
        png = svg = buttons_in
    else:
        png, svg, _ = where.columns([1, 1, 3 if compact else 4], gap="small")
    kind = "tertiary" if compact else "secondary"
    png.download_button("下载 PNG", lambda: figure_png(fig, width=width), file_name=f"{name}.png", mime="image/png",
                        key=f"{key}_png", on_click="ignore", type=kind, icon=":material/download:")
    svg.download_button("下载 SVG", lambda: figure_svg(fig, width=width), file_name=f"{name}.svg",
                        mime="image/svg+xml", key=f"{key}_svg", on_click="ignore", type=kind,
                        icon=":material/download:")
