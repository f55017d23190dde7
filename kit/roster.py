"""Schools, classes and groups: creating them with the rules that protect pupils.

A group holds first names or pseudonyms only (never surnames or birth dates),
2 to 4 of them; girls/boys are counted per group only when the facilitator
enters them. Codes are unique across the station.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from ground.i18n import _
from kit.models import Classroom, Cycle, Group, School, utcnow
from kit.security import new_access_code, new_join_code

MEMBER_RE = re.compile(r"^[\w'’ .-]{1,20}$", re.UNICODE)


class RosterError(ValueError):
    """A roster entry breaks a rule; the message says which, in the user's language."""


def parse_members(text: str | list[str]) -> list[str]:
    names = text if isinstance(text, list) else [p for p in re.split(r"[,;\n]", text)]
    names = [" ".join(n.split()) for n in names if n and n.strip()]
    if not 2 <= len(names) <= 4:
        raise RosterError(_("Un groupe compte de 2 à 4 élèves (ici : %(n)s).", n=len(names)))
    for name in names:
        if not MEMBER_RE.match(name) or len(name.split()) > 2 or any(c.isdigit() for c in name):
            raise RosterError(_("« %(name)s » : écrivez seulement un prénom ou un pseudonyme "
                                "(20 caractères au plus, sans nom de famille).", name=name))
    return names


def create_school(db: DbSession, name: str, town: str = "", kind: str = "school") -> School:
    school = School(name=name.strip(), town=town.strip(), kind=kind)
    db.add(school)
    db.flush()
    return school


def _unique(db: DbSession, column, make) -> str:
    for _attempt in range(50):
        code = make()
        if db.scalar(select(column).where(column == code)) is None:
            return code
    # ~117,000 join codes: only after tens of thousands of groups (purge old classes then)
    raise RosterError(_("Plus de code libre : supprimez d'anciennes classes."))


def create_class(db: DbSession, school: School, name: str, level: str = "",
                 teacher_name: str = "", curriculum: str = "default") -> Classroom:
    cls = Classroom(school=school, name=name.strip(), level=level, teacher_name=teacher_name,
                    access_code=_unique(db, Classroom.access_code, new_access_code))
    db.add(cls)
    db.flush()
    db.add(Cycle(class_id=cls.id, curriculum=curriculum))
    db.flush()
    return cls


def _group_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 40:
        raise RosterError(_("Le nom du groupe doit faire de 1 à 40 caractères."))
    return name


def create_group(db: DbSession, cls: Classroom, name: str, members: str | list[str],
                 girls: int | None = None, boys: int | None = None) -> Group:
    names = parse_members(members)
    name = _group_name(name)
    if (girls or 0) + (boys or 0) > len(names):
        raise RosterError(_("Filles + garçons (%(n)s) dépasse le nombre d'élèves du groupe "
                            "(%(m)s).", n=(girls or 0) + (boys or 0), m=len(names)))
    group = Group(class_id=cls.id, name=name, members=names, girls=girls, boys=boys,
                  join_code=_unique(db, Group.join_code, new_join_code))
    db.add(group)
    db.flush()
    return group


def rename_group(db: DbSession, group: Group, name: str) -> Group:
    """A new name only: the code, the programs and the figures stay with the group."""
    group.name = _group_name(name)
    db.flush()
    return group


def delete_group(db: DbSession, group: Group) -> None:
    """Take a group out of the class; what it did still counts.

    The row stays (marked deleted) so that its events, programs and prints keep
    counting in the figures and the summaries of past sessions; its code opens nothing
    any more and its tablets' logins end now.
    """
    from kit.logins import end_for_group

    group.deleted_at = utcnow()
    group.robot_id = None
    end_for_group(db, group.id)
    db.flush()


def _same_name(name: str) -> str:
    return " ".join(name.casefold().split())


def roster_warnings(cls: Classroom, robot_names: dict[str, str]) -> list[str]:
    """What the facilitator should know about the groups (accepted, but likely a mistake)."""
    warnings: list[str] = []
    by_name: dict[str, list[Group]] = {}
    by_robot: dict[str, list[Group]] = {}
    for group in cls.groups:
        by_name.setdefault(_same_name(group.name), []).append(group)
        if group.robot_id:
            by_robot.setdefault(group.robot_id, []).append(group)
    for same in by_name.values():
        if len(same) > 1:
            warnings.append(_("%(n)s groupes s'appellent « %(name)s » : renommez-en un pour "
                              "que les élèves reconnaissent le leur.",
                              n=len(same), name=same[0].name))
    for robot_id, sharing in by_robot.items():
        if len(sharing) > 1:
            warnings.append(_("%(robot)s est attribué à plusieurs groupes (%(groups)s) : leurs "
                              "programmes iront au même robot.",
                              robot=robot_names.get(robot_id, robot_id),
                              groups=", ".join(g.name for g in sharing)))
    return warnings


def anonymise_class(db: DbSession, cls: Classroom) -> None:
    """End of a cycle: forget the pupils' first names, keep the counts and the figures."""
    for group in cls.all_groups:
        group.members = [_("élève %(n)s", n=i + 1) for i in range(len(group.members))]
    cls.teacher_name = ""


def delete_class(db: DbSession, cls: Classroom) -> None:
    """Delete a class and everything recorded about it (its figures go with it).

    Its teacher's and groups' logins end with it: the next request of those tablets
    finds no login and goes back to the home page.
    """
    from sqlalchemy import delete

    from kit.logins import end_for_class
    from kit.models import Event, PrintJob, ProgramVersion, Session

    group_ids = [g.id for g in cls.all_groups]
    cycle_ids = [c.id for c in cls.cycles]
    end_for_class(db, cls.id, group_ids)
    session_ids = list(db.scalars(select(Session.id).where(Session.cycle_id.in_(cycle_ids))))
    db.execute(delete(Event).where((Event.class_id == cls.id) | Event.group_id.in_(group_ids)
                                   | Event.session_id.in_(session_ids)))
    db.execute(delete(ProgramVersion).where(ProgramVersion.group_id.in_(group_ids)))
    db.execute(delete(PrintJob).where(PrintJob.group_id.in_(group_ids)))
    db.execute(delete(Session).where(Session.id.in_(session_ids)))
    db.execute(delete(Cycle).where(Cycle.id.in_(cycle_ids)))
    db.execute(delete(Group).where(Group.id.in_(group_ids)))
    db.delete(cls)
    db.flush()
