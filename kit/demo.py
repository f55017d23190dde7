"""The demo: a seeded school, class and groups on the simulated kit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kit.app import station
from kit.models import Classroom, Facilitator, School
from kit.roster import create_class, create_group, create_school
from kit.security import hash_password, new_password

DEMO_SCHOOL = "École de démonstration"
DEMO_GROUPS = [
    ("Les Fusées", ["Léa", "Noé", "Sami"], 1, 2),
    ("Les Pingouins", ["Jade", "Louis", "Inès"], 2, 1),
    ("Les Tortues", ["Emma", "Adam"], 1, 1),
    ("Les Étoiles", ["Lina", "Hugo", "Zoé", "Milo"], 2, 2),
]


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
        school = db.scalar(select(School).where(School.name == DEMO_SCHOOL))
        if school is None:
            school = create_school(db, DEMO_SCHOOL, "Villeneuve", "school")
            cls = create_class(db, school, "CM1 de démonstration", "CM1", "Mme Martin")
            for i, (name, members, girls, boys) in enumerate(DEMO_GROUPS):
                group = create_group(db, cls, name, members, girls, boys)
                if kit.robots:
                    group.robot_id = kit.robots[i % len(kit.robots)].id
        db.commit()
        cls = db.scalar(select(Classroom).where(Classroom.school_id == school.id)
                        .order_by(Classroom.id))
        return {"password": password, "class_name": cls.name, "access_code": cls.access_code,
                "groups": [(g.name, g.join_code) for g in cls.groups]}
