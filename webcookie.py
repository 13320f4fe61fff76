"""The app's one HTTP route of its own: it trades a sign-in's handoff code for the session cookie.

A Streamlit script cannot set an HttpOnly cookie (it only talks to the page over the websocket), so
the browser fetches the cookie from this route (see pages/common.py, which calls it from a
components.html frame, same origin). Streamlit 1.67 serves the app with Starlette; its routes are
built once by ``create_streamlit_routes`` before any script runs, so under ``streamlit run app.py``
the route is added to the running application, which a script run reaches through its session's
websocket (``scope["app"]``). It is installed once per process, ahead of Streamlit's catch-all
static route.

It lives beside app.py, not in analytics/ (which never imports Streamlit) nor in pages/ (Streamlit
would list a file there as a page): it is web plumbing, and small.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from streamlit import config
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from analytics import sessions
from analytics.settings import load_settings
from analytics.storage import Store

# Under the app's base path; Streamlit reserves /_stcore/ and friends, not /_app/.
ROUTE = "/_app/session"
CLEAR_ROUTE = "/_app/session/clear"

_lock = threading.Lock()
_installed: set[int] = set()
_log = logging.getLogger(__name__)


def route_path(path: str = ROUTE) -> str:
    """The route under the configured server.baseUrlPath (what the browser fetches)."""
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{path}" if base else path


def _same_origin(request: Request) -> bool:
    # Browsers send Sec-Fetch-Site on every fetch; another site's page cannot make it "same-origin".
    # Without it (an old browser), the Origin, when sent, must be this host.
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == request.headers.get("host")


def _cookie_response(value: str | None, max_age: int, secure: bool) -> Response:
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if value is None:
        response.delete_cookie(sessions.COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=secure)
    else:
        response.set_cookie(sessions.COOKIE_NAME, value, max_age=max_age, path="/", httponly=True,
                            samesite="strict", secure=secure)
    return response


def handoff_endpoint(store_of: Callable[[], Store]) -> Callable[[Request], object]:
    """The route's handler: POST with the handoff code as the body; 204 with Set-Cookie, or 403."""

    async def handle(request: Request) -> Response:
        if not _same_origin(request):
            return Response(status_code=403)
        secure = request.url.scheme == "https"
        if request.url.path.endswith(CLEAR_ROUTE):
            return _cookie_response(None, 0, secure)
        code = (await request.body())[:256].decode("ascii", errors="replace").strip()

        def trade() -> str | None:
            store = store_of()
            session_id = sessions.redeem(store, code, datetime.now())
            return None if session_id is None else sessions.sign(sessions.secret_for(store), session_id)

        value = await run_in_threadpool(trade)
        if value is None:
            return Response(status_code=403, headers={"Cache-Control": "no-store"})
        limits = load_settings().accounts
        max_age = int(timedelta(hours=limits.session_absolute_hours).total_seconds())
        return _cookie_response(value, max_age, secure)

    return handle


def install(store_of: Callable[[], Store]) -> bool:
    """Add the route to the running server (once per process); False when there is none to add it to
    (AppTest, or a session without a websocket)."""
    app = _running_app()
    if app is None:
        return False
    with _lock:
        if id(app) in _installed:
            return True
        handler = handoff_endpoint(store_of)
        routes = [Route(route_path(CLEAR_ROUTE), handler, methods=["POST"]),
                  Route(route_path(ROUTE), handler, methods=["POST"])]
        # First, so Streamlit's catch-all static route never answers these paths.
        app.router.routes[0:0] = routes
        _installed.add(id(app))
    return True


def _running_app() -> object | None:
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not Runtime.exists():
        return None
    # AppTest runs scripts under a stand-in Runtime with no sessions or websockets: nothing to add to.
    manager = getattr(Runtime.instance(), "_session_mgr", None)
    try:
        info = manager.get_active_session_info(ctx.session_id) if manager is not None else None
    except AttributeError:
        return None
    websocket = getattr(getattr(info, "client", None), "_websocket", None)
    scope = getattr(websocket, "scope", None)
    app = scope.get("app") if isinstance(scope, dict) else None
    if app is None or not isinstance(getattr(app, "router", None), Router):
        if info is not None:
            _log.warning("session cookie route not installed: the server's application was not found")
        return None
    return app
