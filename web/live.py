"""Server-Sent Events: each open screen hears what concerns it, nothing more."""

from __future__ import annotations

from collections.abc import Hashable

from flask import Blueprint, Response, request, session

from kit.live import SSEStream, broker, busy_answer
from kit.security import roles

bp = Blueprint("live", __name__, url_prefix="/live")


SHARED_LOGIN_STREAMS = 4  # a group has 2 to 4 pupils: at most one tablet each


def login_key() -> tuple[Hashable, int]:
    """Whose stream this is, and how many streams that login may hold at once.

    One per login with the per-login token when the station issues one; else the
    cookie's identity, which every tablet of a group shares: then a few, or the group's
    tablets would keep ending each other's streams."""
    login = session.get("login")
    if login:
        return ("login", login), 1
    return (session.get("role"), session.get("facilitator_id"), session.get("class_id"),
            session.get("group_id")), SHARED_LOGIN_STREAMS


def _filter_for_role():
    role = session.get("role")
    if role == "facilitator":
        return None
    class_id = session.get("class_id")
    if role == "teacher":
        return lambda m: m.get("class_id") == class_id
    group_id = session.get("group_id")
    return lambda m: m.get("group_id") == group_id or (
        m.get("group_id") is None and m.get("class_id") == class_id
        and m.get("type", "").startswith("session.")
    ) or m.get("type") == "robots.stop_all"


def _sse(body) -> Response:
    resp = Response(body, mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp


@bp.get("/stream")
@roles("facilitator", "teacher", "group")
def stream():
    # why no stream_with_context: the request (and its database session) ends here;
    # the stream needs neither, and must not hold a pooled connection for minutes
    last_id = request.headers.get("Last-Event-ID") or request.args.get("last")
    key, per_login = login_key()
    sub, missed, current = broker.subscribe(key, _filter_for_role(), last_id, per_login)
    if sub is None:
        return _sse(busy_answer(current))
    return _sse(SSEStream(sub, missed, current,
                          disconnected=request.environ.get("waitress.client_disconnected")))
