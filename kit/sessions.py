"""Running the cycle: open session N for a class, follow its groups, close it.

The rules a facilitator relies on: one open session per class at a time;
opening a session that is already open just returns it; a closed session is
not reopened by accident; closing twice is harmless. Each change is an event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from ground.i18n import _
from kit import events
from kit.models import Classroom, Cycle, Event, Group, Session, utcnow
from kit.verdicts import as_utc, passes
from lessons.cycle import DEFAULT_CYCLE_DIR, load_cycle
from lessons.cycle import Cycle as Curriculum


class SessionError(ValueError):
    """A session action that cannot be done; the message tells the facilitator why."""


@lru_cache(maxsize=8)
def _curriculum(directory: str) -> Curriculum:
    return load_cycle(Path(directory))


def curriculum_for(cycle: Cycle) -> Curriculum:
    """The lesson files behind a class's cycle (``default`` is the shipped one)."""
    directory = DEFAULT_CYCLE_DIR if cycle.curriculum == "default" else Path(cycle.curriculum)
    return _curriculum(str(directory))


def class_cycle(db: DbSession, cls: Classroom) -> Cycle:
    cycle = db.scalar(select(Cycle).where(Cycle.class_id == cls.id).order_by(Cycle.id))
    if cycle is None:
        cycle = Cycle(class_id=cls.id, curriculum="default")
        db.add(cycle)
        db.flush()
    return cycle


def open_session_of(db: DbSession, cls: Classroom) -> Session | None:
    cycle = class_cycle(db, cls)
    return db.scalar(select(Session).where(Session.cycle_id == cycle.id,
                                           Session.state == "open"))


def open_lesson(db: DbSession, cls: Classroom):  # noqa: ANN201 - (Session, lesson) or Nones
    """The class's open session and its lesson from the cycle, or ``(None, None)``."""
    sess = open_session_of(db, cls)
    if sess is None:
        return None, None
    return sess, curriculum_for(sess.cycle).session(sess.number)


def proposed_number(db: DbSession, cls: Classroom) -> int | None:
    """The next session of the cycle the class has not had (None when the cycle is done)."""
    cycle = class_cycle(db, cls)
    held = [s.number for s in cycle.sessions if s.state in ("open", "closed")]
    nxt = curriculum_for(cycle).next_session(held)
    return nxt.number if nxt else None


def open_session(db: DbSession, cls: Classroom, number: int,
                 facilitator_id: int | None = None) -> tuple[Session, bool]:
    """Open session ``number``; returns (session, opened_now)."""
    cycle = class_cycle(db, cls)
    curriculum = curriculum_for(cycle)
    try:
        lesson = curriculum.session(number)
    except KeyError:
        raise SessionError(_("Le cycle n'a pas de séance %(n)s.", n=number)) from None
    current = open_session_of(db, cls)
    if current is not None:
        if current.number == number:
            return current, False
        raise SessionError(_("La séance %(n)s est encore ouverte : fermez-la avant d'ouvrir "
                             "la séance %(m)s.", n=current.number, m=number))
    sess = db.scalar(select(Session).where(Session.cycle_id == cycle.id,
                                           Session.number == number))
    if sess is not None and sess.state == "closed":
        raise SessionError(_("La séance %(n)s a déjà eu lieu et a été fermée.", n=number))
    if sess is None:
        sess = Session(cycle_id=cycle.id, number=number, kind=lesson.kind)
        db.add(sess)
    sess.state = "open"
    sess.day = date.today()
    sess.opened_at = utcnow()
    sess.facilitator_id = facilitator_id
    db.flush()
    events.record(db, events.SESSION_OPENED, session_id=sess.id, class_id=cls.id,
                  number=number, kind=lesson.kind)
    return sess, True


def close_session(db: DbSession, sess: Session) -> tuple[dict[str, Any], bool]:
    """Close a session; returns (summary, closed_now). Closing twice changes nothing."""
    cls_id = sess.cycle.class_id
    summary = session_summary(db, sess)
    if sess.state == "closed":
        return summary, False
    if sess.state != "open":
        raise SessionError(_("La séance %(n)s n'a pas été ouverte.", n=sess.number))
    sess.state = "closed"
    sess.closed_at = utcnow()
    events.record(db, events.SESSION_CLOSED, session_id=sess.id, class_id=cls_id,
                  number=sess.number, summary=summary)
    return summary, True


def assign_robot(db: DbSession, group: Group, robot_id: str | None, kit) -> None:
    if robot_id and kit.robot(robot_id) is None:
        raise SessionError(_("Le robot « %(id)s » n'est pas dans la mallette.", id=robot_id))
    group.robot_id = robot_id or None


@dataclass
class GroupState:
    """What the facilitator sees of a group during a session (and in its summary)."""

    group_id: int
    name: str = ""
    joined: bool = False
    programs_saved: int = 0
    programs_sent: int = 0
    challenges_passed: list[str] = field(default_factory=list)
    challenges_tried: int = 0
    prints_requested: int = 0
    prints_queued: int = 0
    prints_done: int = 0
    robots: list[str] = field(default_factory=list)  # robot ids its programs went to
    last: str = ""

    @property
    def state(self) -> str:
        if self.prints_done:
            return "printed"
        if self.prints_queued:
            return "print_queued"
        if self.challenges_passed:
            return "challenge_passed"
        if self.programs_sent:
            return "program_sent"
        if self.programs_saved:
            return "editing"
        if self.joined:
            return "joined"
        return "absent"

    def as_dict(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "name": self.name, "state": self.state,
                "joined": self.joined, "programs_saved": self.programs_saved,
                "programs_sent": self.programs_sent,
                "challenges_passed": self.challenges_passed,
                "challenges_tried": self.challenges_tried,
                "prints_requested": self.prints_requested,
                "prints_queued": self.prints_queued, "prints_done": self.prints_done,
                "robots": self.robots}


def group_states(db: DbSession, sess: Session,
                 until: datetime | None = None) -> dict[int, GroupState]:
    """What each group did in a session; with ``until``, only what had happened by then.

    With ``until``, the groups are those that existed then (created before, or with
    events in the session), so a group added later is not counted as absent.
    """
    rows = [e for e in db.scalars(select(Event).where(Event.session_id == sess.id,
                                                      Event.group_id.is_not(None))
                                  .order_by(Event.time, Event.id))
            if until is None or as_utc(e.time) <= as_utc(until)]
    active = {e.group_id for e in rows}
    # why: every group row of the class, not cls.groups: a group taken out of the class
    # later still took part in this session
    groups = db.scalars(select(Group).where(Group.class_id == sess.cycle.class_id)
                        .order_by(Group.id))
    states = {g.id: GroupState(g.id, g.name) for g in groups
              if until is None or g.id in active or as_utc(g.created_at) <= as_utc(until)}
    for ev in rows:
        st = states.get(ev.group_id)
        if st is None:
            continue
        st.joined = True
        st.last = ev.type
        if ev.type == events.PROGRAM_SAVED:
            st.programs_saved += 1
        elif ev.type == events.PROGRAM_SENT and ev.payload.get("ok", True):
            st.programs_sent += 1
            robot = ev.payload.get("robot_id")
            if robot and robot not in st.robots:
                st.robots.append(robot)
        elif ev.type == events.CHALLENGE_CHECKED:
            st.challenges_tried += 1
        elif ev.type == events.PRINT_REQUESTED:
            st.prints_requested += 1
        elif ev.type == events.PRINT_QUEUED:
            st.prints_queued += 1
        elif ev.type == events.PRINT_FINISHED and ev.payload.get("state") == "done":
            st.prints_done += 1
    for found in passes(rows):
        st = states.get(found.group_id)
        if st is not None:
            st.challenges_passed.append(found.challenge)
    return states


# The keys of a summary stored at closing; one without all of them predates a change of
# format and is worked out again from the events up to the closing.
SUMMARY_KEYS = frozenset({
    "number", "groups", "groups_present", "programs_sent", "challenges_passed",
    "groups_with_a_challenge", "prints_requested", "prints_queued", "prints_done", "rows"})


def session_summary(db: DbSession, sess: Session) -> dict[str, Any]:
    """The session's figures; a closed session keeps, for good, those it had at closing."""
    if sess.state == "closed":
        stored = db.scalar(select(Event).where(Event.session_id == sess.id,
                                               Event.type == events.SESSION_CLOSED)
                           .order_by(Event.time, Event.id).limit(1))
        summary = (stored.payload or {}).get("summary") if stored is not None else None
        if isinstance(summary, dict) and SUMMARY_KEYS <= summary.keys():
            return summary
        return _summarise(db, sess, sess.closed_at or (stored.time if stored else None))
    return _summarise(db, sess, None)


def _summarise(db: DbSession, sess: Session, until: datetime | None) -> dict[str, Any]:
    states = group_states(db, sess, until)
    passed: dict[str, int] = defaultdict(int)
    for st in states.values():
        for cid in st.challenges_passed:
            passed[cid] += 1
    return {
        "number": sess.number,
        "groups": len(states),
        "groups_present": sum(1 for s in states.values() if s.joined),
        "programs_sent": sum(s.programs_sent for s in states.values()),
        "challenges_passed": dict(passed),
        "groups_with_a_challenge": sum(1 for s in states.values() if s.challenges_passed),
        "prints_requested": sum(s.prints_requested for s in states.values()),
        "prints_queued": sum(s.prints_queued for s in states.values()),
        "prints_done": sum(s.prints_done for s in states.values()),
        "rows": [s.as_dict() for s in states.values()],
    }
