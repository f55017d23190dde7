"""The demo: a seeded school, class and groups on the simulated kit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kit.logins import end_for_facilitator
from kit.models import Classroom, Facilitator, School
from kit.roster import create_class, create_group, create_school
from kit.security import hash_password, new_password
from kit.station import station

DEMO_SCHOOL = "École de démonstration"
DEMO_GROUPS = [
    ("Les Fusées", ["Léa", "Noé", "Sami"], 1, 2),
    ("Les Pingouins", ["Jade", "Louis", "Inès"], 2, 1),
    ("Les Tortues", ["Emma", "Adam"], 1, 1),
    ("Les Étoiles", ["Lina", "Hugo", "Zoé", "Milo"], 2, 2),
]


def _play_history(db, cls: Classroom, fac: Facilitator) -> None:
    """Hold the first two sessions of the cycle for real: groups join, submit their
    programs (the lessons' reference solutions, or their classic mistake) and the
    station checks each challenge; so reports and progress have something true to show.
    """
    from kit import events
    from kit.programs import submit_challenge
    from kit.sessions import close_session, curriculum_for, open_session

    db.flush()
    for number in (1, 2):
        sess, _opened = open_session(db, cls, number, fac.id)
        lesson = curriculum_for(sess.cycle).session(number)
        for index, group in enumerate(cls.groups):
            if number == 2 and index == len(cls.groups) - 1:
                continue  # one group was away for session 2
            events.record(db, events.GROUP_JOINED, group_id=group.id, class_id=cls.id,
                          session_id=sess.id)
            for rank, challenge in enumerate(lesson.challenges):
                mistaken = (index + rank) % 3 == 2 and challenge.mistake is not None
                program = challenge.mistake if mistaken else challenge.solution
                if program is None:
                    continue
                submit_challenge(db, group, sess, lesson, challenge.id, program)
        close_session(db, sess)


def seed_demo(app) -> dict[str, Any]:
    """Create the demo data once, give the facilitator a fresh password each run."""
    kit = station().kit
    password = new_password()
    with station().sessions() as db:
        fac = db.scalar(select(Facilitator).order_by(Facilitator.id))
        if fac is None:
            fac = Facilitator(name="Animateur·rice démo", password_hash=hash_password(password))
            db.add(fac)
        else:
            fac.password_hash = hash_password(password)
            end_for_facilitator(db, fac.id)  # the old password's logins end with it
        school = db.scalar(select(School).where(School.name == DEMO_SCHOOL))
        if school is None:
            school = create_school(db, DEMO_SCHOOL, "Villeneuve", "school")
            cls = create_class(db, school, "CM1 de démonstration", "CM1", "Mme Martin")
            for i, (name, members, girls, boys) in enumerate(DEMO_GROUPS):
                group = create_group(db, cls, name, members, girls, boys)
                if kit.robots:
                    group.robot_id = kit.robots[i % len(kit.robots)].id
            db.flush()
            _play_history(db, cls, fac)
        cls = db.scalar(select(Classroom).where(Classroom.school_id == school.id)
                        .order_by(Classroom.id))
        session_number = _open_next_session(db, cls, fac)
        db.commit()
        return {"password": password, "class_name": cls.name, "access_code": cls.access_code,
                "groups": [(g.name, g.join_code) for g in cls.groups],
                "session_number": session_number}


def _open_next_session(db, cls: Classroom, fac: Facilitator) -> int | None:
    """Keep a session of the demo class open: group codes work only while one is.

    why: a newcomer types a printed code on a tablet right away; without an open
    session the code would be refused.
    """
    from kit.sessions import open_session, open_session_of, proposed_number

    current = open_session_of(db, cls)
    if current is not None:
        return current.number
    number = proposed_number(db, cls)
    if number is None:
        return None
    open_session(db, cls, number, fac.id)
    return number
