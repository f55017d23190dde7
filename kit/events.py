"""Writing to the append-only event log, and telling live screens about it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from kit.models import Event

# Event types the station writes (progress and reports are derived from these).
# Each names the session/group/class it concerns; the payload carries the rest:
#   session.opened    session_id, class_id; {"number": n, "kind": "programming"|"printing"}
#   session.closed    session_id, class_id; {"number": n, "summary": {...}}
#   group.joined      group_id, class_id, session_id (None when no session is open)
#   program.saved     group_id, class_id, session_id; {"version": v, "kind": "robot"|"object",
#                     "blocks": n}
#   program.sent      group_id, class_id, session_id; {"version": v, "robot_id": id,
#                     "ok": bool, "message": str}
#   challenge.checked group_id, class_id, session_id; {"challenge": id, "session_number": n,
#                     "passed": bool, "failed": [criterion, ...], "version": v,
#                     "skills": [skill, ...], "job_id": id (a print challenge: it counts
#                     as passed once that job is accepted)}
#   print.requested   group_id, class_id, session_id; {"job_id": id, "title": str}
#   print.approved    group_id, class_id, session_id; {"job_id": id, "title": str}
#   print.refused     group_id, class_id, session_id; {"job_id": id, "title": str,
#                     "reason": str}
#   print.queued      group_id, class_id, session_id; {"job_id": id, "title": str}
#   print.finished    group_id, class_id, session_id; {"job_id": id, "title": str,
#                     "state": "done"|"failed"|"cancelled"}
SESSION_OPENED = "session.opened"
SESSION_CLOSED = "session.closed"
GROUP_JOINED = "group.joined"
PROGRAM_SAVED = "program.saved"
PROGRAM_SENT = "program.sent"
CHALLENGE_CHECKED = "challenge.checked"
PRINT_REQUESTED = "print.requested"
PRINT_APPROVED = "print.approved"
PRINT_REFUSED = "print.refused"
PRINT_QUEUED = "print.queued"
PRINT_FINISHED = "print.finished"


def record(db: DbSession, type_: str, *, session_id: int | None = None,
           group_id: int | None = None, class_id: int | None = None,
           **payload: Any) -> Event:
    """Append an event (the caller commits); live screens hear of it once committed."""
    ev = Event(type=type_, session_id=session_id, group_id=group_id, class_id=class_id,
               payload=payload)
    db.add(ev)
    db.flush()
    from kit.live import publish_after_commit

    publish_after_commit(db, {"type": type_, "session_id": session_id, "group_id": group_id,
                              "class_id": class_id, "payload": payload})
    return ev


def events_for(db: DbSession, *, class_id: int | None = None, group_id: int | None = None,
               session_id: int | None = None, types: tuple[str, ...] = ()) -> list[Event]:
    q = select(Event).order_by(Event.time, Event.id)
    if class_id is not None:
        q = q.where(Event.class_id == class_id)
    if group_id is not None:
        q = q.where(Event.group_id == group_id)
    if session_id is not None:
        q = q.where(Event.session_id == session_id)
    if types:
        q = q.where(Event.type.in_(types))
    return list(db.scalars(q))
