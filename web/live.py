"""Server-Sent Events: each open screen hears what concerns it, nothing more."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import Blueprint, Response, request, session

from kit.live import SSEStream, broker, busy_answer
from kit.security import roles

bp = Blueprint("live", __name__, url_prefix="/live")


def login_key() -> Hashable:
    """Whose stream this is: the per-login token (kit.logins), one stream per login."""
    return ("login", session.get("login"))


def owner() -> dict[str, Any]:
    """The login's role and ids, so that ending a login (kit.logins) ends its stream."""
    return {k: session.get(k) for k in ("role", "facilitator_id", "class_id", "group_id")}


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
    sub, missed, current = broker.subscribe(login_key(), _filter_for_role(), last_id,
                                            owner=owner())
    if sub is None:
        return _sse(busy_answer(current))
    return _sse(SSEStream(sub, missed, current,
                          disconnected=request.environ.get("waitress.client_disconnected")))
