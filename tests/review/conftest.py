"""A class that has really been through part of the cycle, built with the station's own
functions: roster, session runner, event log and the challenge engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from kit import events as ev
from kit.models import Event, ProgramVersion
from kit.sessions import close_session, curriculum_for, open_session
from lessons.challenges import check_challenge
from robots.program import count_blocks
from tests.conftest import log_in

# The days the sessions were held (10:00 UTC, a school morning in France).
DAY_S1 = date(2026, 1, 12)
DAY_S2 = date(2026, 1, 19)
DAY_S8 = date(2026, 2, 2)
DAY_OTHER = date(2026, 3, 10)


def _at(event, day: date, minutes: int) -> None:
    """Date an event as if it had been recorded on that school day."""
    event.time = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC) + timedelta(
        minutes=minutes)


def _check(db, group, sess, challenge_id: str, program_key: str, day: date, minutes: int,
           version: int):
    """Run the real challenge engine on a lesson's program and record its verdict."""
    curriculum = curriculum_for(sess.cycle)
    lesson, challenge = curriculum.find_challenge(challenge_id)
    program = getattr(challenge, program_key)
    result = check_challenge(challenge, program, lesson.mat_for(challenge),
                             toolbox=lesson.toolbox())
    e = ev.record(db, ev.CHALLENGE_CHECKED, group_id=group.id, class_id=group.class_id,
                  session_id=sess.id, challenge=challenge_id, session_number=lesson.number,
                  passed=result.passed, failed=result.failed_criteria, version=version,
                  skills=lesson.skills())
    _at(e, day, minutes)
    return result


def _save(db, group, sess, program: dict, version: int, kind: str, day: date, minutes: int):
    saved = datetime(day.year, day.month, day.day, 10, minutes, tzinfo=UTC)
    db.add(ProgramVersion(group_id=group.id, session_id=sess.id, kind=kind, version=version,
                          program=program, created_at=saved))
    e = ev.record(db, ev.PROGRAM_SAVED, group_id=group.id, class_id=group.class_id,
                  session_id=sess.id, version=version, kind=kind,
                  blocks=count_blocks(program) if kind == "robot" else 4)
    _at(e, day, minutes)


def _join(db, group, sess, day: date, minutes: int) -> None:
    e = ev.record(db, ev.GROUP_JOINED, group_id=group.id, class_id=group.class_id,
                  session_id=sess.id)
    _at(e, day, minutes)


def _open(db, cls, number: int, day: date, facilitator_id: int):
    sess, _now = open_session(db, cls, number, facilitator_id)
    sess.day = day
    opened = db.scalars(select(Event).where(Event.session_id == sess.id,
                                            Event.type == ev.SESSION_OPENED)).one()
    _at(opened, day, 0)
    return sess


def _close(db, sess, day: date) -> None:
    close_session(db, sess)
    closed = db.scalars(select(Event).where(Event.session_id == sess.id,
                                            Event.type == ev.SESSION_CLOSED)).one()
    _at(closed, day, 80)


@pytest.fixture
def cycle_data(app):
    """Two schools. Class « CE2 bleu » had sessions 1, 2 and 8; « CM1 vert » had session 1.

    - Les Fusées (Léa, Noé; 1 girl 1 boy): all three S1 challenges, sends programs, S2
      one challenge, S8 prints a name tag.
    - Les Robots (Jade, Sami, Inès; gender not entered): S1 tries s1-tout-droit with the
      wrong program (fails), then passes it; absent in S2.
    - Les Absents (Tom, Lou; 0 girl 2 boys): never there.
    - Other class: Les Comètes (Zoé, Mia; 2 girls) pass s1-tout-droit in March.
    """
    from kit.app import station
    from kit.models import Facilitator, PrintJob
    from kit.roster import create_class, create_group, create_school
    from kit.security import hash_password

    with app.app_context(), station().sessions() as db:
        fac = Facilitator(name="Camille", password_hash=hash_password("mot-de-passe-test"))
        db.add(fac)
        db.flush()
        school = create_school(db, "École des Tilleuls", "Brioude")
        cls = create_class(db, school, "CE2 bleu", "CE2", "Mme Roux")
        fusees = create_group(db, cls, "Les Fusées", "Léa, Noé", 1, 1)
        robots = create_group(db, cls, "Les Robots", "Jade, Sami, Inès")
        absents = create_group(db, cls, "Les Absents", "Tom, Lou", 0, 2)
        school2 = create_school(db, "École du Moulin", "Langeac")
        other = create_class(db, school2, "CM1 vert", "CM1")
        cometes = create_group(db, other, "Les Comètes", "Zoé, Mia", 2, 0)
        for group in (fusees, robots, absents, cometes):  # the roster was made in January
            group.created_at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        db.flush()

        # Session 1 (programming), class CE2 bleu.
        s1 = _open(db, cls, 1, DAY_S1, fac.id)
        _join(db, fusees, s1, DAY_S1, 5)
        _join(db, robots, s1, DAY_S1, 6)
        lesson1 = curriculum_for(s1.cycle).session(1)
        for i, challenge in enumerate(lesson1.challenges):
            _save(db, fusees, s1, challenge.solution, i + 1, "robot", DAY_S1, 10 + i * 10)
            sent = ev.record(db, ev.PROGRAM_SENT, group_id=fusees.id, class_id=cls.id,
                             session_id=s1.id, version=i + 1, robot_id="robot-rouge", ok=True,
                             message="")
            _at(sent, DAY_S1, 11 + i * 10)
            _check(db, fusees, s1, challenge.id, "solution", DAY_S1, 12 + i * 10, i + 1)
        _save(db, robots, s1, lesson1.challenges[0].mistake, 1, "robot", DAY_S1, 20)
        _check(db, robots, s1, "s1-tout-droit", "mistake", DAY_S1, 21, 1)
        _save(db, robots, s1, lesson1.challenges[0].solution, 2, "robot", DAY_S1, 30)
        failed = ev.record(db, ev.PROGRAM_SENT, group_id=robots.id, class_id=cls.id,
                           session_id=s1.id, version=2, robot_id="robot-bleu", ok=False,
                           message="Robot injoignable")
        _at(failed, DAY_S1, 31)
        _check(db, robots, s1, "s1-tout-droit", "solution", DAY_S1, 32, 2)
        _close(db, s1, DAY_S1)

        # Session 2: only Les Fusées, one challenge of three.
        s2 = _open(db, cls, 2, DAY_S2, fac.id)
        _join(db, fusees, s2, DAY_S2, 5)
        lesson2 = curriculum_for(s2.cycle).session(2)
        _save(db, fusees, s2, lesson2.challenges[0].solution, 4, "robot", DAY_S2, 10)
        _check(db, fusees, s2, lesson2.challenges[0].id, "solution", DAY_S2, 12, 4)
        _close(db, s2, DAY_S2)

        # Session 8 (printing): Les Fusées print a name tag.
        s8 = _open(db, cls, 8, DAY_S8, fac.id)
        _join(db, fusees, s8, DAY_S8, 5)
        tag = {"version": 1, "name": "Porte-nom des Fusées", "root": {
            "block": "union", "children": [
                {"block": "box", "size": [60, 18, 2.4]},
                {"block": "translate", "x": 4, "z": 2.4, "children": [
                    {"block": "text", "text": "FUSÉES", "size": 8, "height": 1.2}]}]}}
        _save(db, fusees, s8, tag, 1, "object", DAY_S8, 20)
        job = PrintJob(group_id=fusees.id, session_id=s8.id, title="Porte-nom des Fusées",
                       object_model=tag, state="done",
                       created_at=datetime(2026, 2, 2, 10, 30, tzinfo=UTC))
        db.add(job)
        db.flush()
        _at(ev.record(db, ev.PRINT_QUEUED, group_id=fusees.id, class_id=cls.id,
                      session_id=s8.id, job_id=job.id, title=job.title), DAY_S8, 30)
        _at(ev.record(db, ev.PRINT_FINISHED, group_id=fusees.id, class_id=cls.id,
                      session_id=s8.id, job_id=job.id, title=job.title, state="done"),
            DAY_S8, 70)
        _close(db, s8, DAY_S8)

        # The other class, in March.
        o1 = _open(db, other, 1, DAY_OTHER, fac.id)
        _join(db, cometes, o1, DAY_OTHER, 5)
        _check(db, cometes, o1, "s1-tout-droit", "solution", DAY_OTHER, 12, 1)
        _close(db, o1, DAY_OTHER)
        db.commit()
        return {
            "class_id": cls.id, "access_code": cls.access_code,
            "other_class_id": other.id, "other_access_code": other.access_code,
            "fusees": fusees.id, "robots": robots.id, "absents": absents.id,
            "cometes": cometes.id, "facilitator_id": fac.id,
            "s1_challenges": [c.id for c in lesson1.challenges],
            "s1_titles": [c.title.fr for c in lesson1.challenges],
            "s2_challenge": lesson2.challenges[0].id,
            "s2_challenge_title": lesson2.challenges[0].title.fr,
        }


def as_teacher(client, class_id: int) -> None:
    log_in(client, "teacher", class_id=class_id)


def as_facilitator(client, facilitator_id: int) -> None:
    log_in(client, "facilitator", facilitator_id=facilitator_id)
