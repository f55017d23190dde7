"""Server-Sent Events: each open screen hears what concerns it, nothing more."""

from __future__ import annotations

from flask import Blueprint, Response, session, stream_with_context

from kit.live import broker, sse_stream
from kit.security import roles

bp = Blueprint("live", __name__, url_prefix="/live")


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


@bp.get("/stream")
@roles("facilitator", "teacher", "group")
def stream():
    q = broker.subscribe(_filter_for_role())
    resp = Response(stream_with_context(sse_stream(q)), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp
