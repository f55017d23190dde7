"""Each group's progress across the cycle, derived only from the event log.

Nothing here is stored: the teacher's overview, the group page, the CSV export
and the printable report all read the append-only :class:`~kit.models.Event`
log (plus the curriculum, for titles and the challenges a session offers), so
they can never disagree with what happened. A challenge counts as passed only
when the station checked it (a ``challenge.checked`` event with ``passed``
true), never because pupils said so.

Figures keep their meaning: a passed print challenge counts only once the
facilitator accepted the print (:mod:`kit.verdicts`), and a group created after
a session ended is "not created yet" for that session, neither absent nor
judged on its challenges.

The five-skills grid: a challenge works the one to three skills its lesson file
names (the session's objectives only for a challenge that names none). For
each skill, the grid compares the challenges a group passed that work it with
those that work it in the sessions held while the group existed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from ground.i18n import _, ngettext
from kit import events as ev
from kit.models import Classroom, Event, Group, Session
from kit.sessions import class_cycle, curriculum_for
from kit.verdicts import as_utc, job_decisions, passes
from lessons.cycle import Cycle as Curriculum
from lessons.schema import SKILLS

# Cell statuses of the class overview, from "nothing" to "everything".
NOT_HELD = "not_held"
NOT_CREATED = "not_created"
ABSENT = "absent"
PRESENT = "present"
CHALLENGE_PASSED = "challenge_passed"
ALL_PASSED = "all_passed"
STATUSES = (NOT_HELD, NOT_CREATED, ABSENT, PRESENT, CHALLENGE_PASSED, ALL_PASSED)

# Skill levels of the grid.
LEVELS = ("not_worked", "not_yet", "started", "progressing", "all")


def status_label(status: str) -> str:
    """The words that say a cell's status (the overview never relies on colour alone)."""
    return {
        NOT_HELD: _("Séance pas encore faite"),
        NOT_CREATED: _("Groupe pas encore créé"),
        ABSENT: _("Absent"),
        PRESENT: _("Présent"),
        CHALLENGE_PASSED: _("Défi réussi"),
        ALL_PASSED: _("Tous les défis réussis"),
    }[status]


def status_icon(status: str) -> str:
    return {NOT_HELD: "·", NOT_CREATED: "–", ABSENT: "✗", PRESENT: "●", CHALLENGE_PASSED: "★",
            ALL_PASSED: "★★"}[status]


def skill_label(skill: str) -> str:
    """The guide's words (docs/guide-animateur.md), so the grid and the guide agree."""
    return {
        "decode": _("Décoder"),
        "encode": _("Encoder"),
        "debug": _("Déboguer"),
        "sequence": _("Séquencer"),
        "optimise": _("Optimiser"),
    }.get(skill, skill)


def skill_help(skill: str) -> str:
    return {
        "decode": _("lire un programme et prévoir ce qu'il fait"),
        "encode": _("traduire une intention en blocs"),
        "debug": _("trouver et corriger une erreur"),
        "sequence": _("mettre des instructions dans le bon ordre"),
        "optimise": _("faire la même chose avec moins de blocs"),
    }.get(skill, "")


def level_label(level: str) -> str:
    return {
        "not_worked": _("Pas encore travaillée"),
        "not_yet": _("Pas encore réussie"),
        "started": _("En route"),
        "progressing": _("Bien avancée"),
        "all": _("Tout réussi"),
    }[level]


@dataclass(frozen=True)
class SkillLevel:
    """One row of the five-skills grid."""

    skill: str
    passed: int
    available: int

    @property
    def level(self) -> str:
        if self.available == 0:
            return "not_worked"
        if self.passed == 0:
            return "not_yet"
        if self.passed >= self.available:
            return "all"
        return "progressing" if self.passed * 2 >= self.available else "started"

    @property
    def rank(self) -> int:
        """0–4 filled squares of the little bar drawn beside the words."""
        if self.available == 0 or self.passed == 0:
            return 0
        return max(1, min(4, round(4 * self.passed / self.available)))

    @property
    def label(self) -> str:
        return skill_label(self.skill)

    @property
    def level_label(self) -> str:
        return level_label(self.level)

    def as_dict(self) -> dict[str, Any]:
        return {"skill": self.skill, "passed": self.passed, "available": self.available,
                "level": self.level}


@dataclass(frozen=True)
class PassedChallenge:
    challenge: str
    session_number: int | None
    title: str
    time: datetime


@dataclass
class Cell:
    """One group in one session of the cycle."""

    number: int
    status: str
    attended: bool
    passed: list[str]
    total: int

    @property
    def label(self) -> str:
        return status_label(self.status)

    @property
    def icon(self) -> str:
        return status_icon(self.status)


@dataclass
class GroupProgress:
    group: Group
    sessions_attended: list[int] = field(default_factory=list)
    challenges_passed: list[PassedChallenge] = field(default_factory=list)
    programs_sent: int = 0
    objects_printed: int = 0
    skills: list[SkillLevel] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group_id": self.group.id, "name": self.group.name,
            "sessions_attended": self.sessions_attended,
            "challenges_passed": [c.challenge for c in self.challenges_passed],
            "programs_sent": self.programs_sent, "objects_printed": self.objects_printed,
            "skills": [s.as_dict() for s in self.skills],
            "sessions": [{"number": c.number, "status": c.status, "passed": c.passed,
                          "total": c.total} for c in self.cells],
        }


@dataclass
class HeldSession:
    """A session of the cycle the class has had (a ``session.opened`` event exists)."""

    id: int
    number: int
    kind: str
    opened: datetime
    closed: datetime | None = None  # None while it is open


@dataclass
class ClassProgress:
    """The class overview: every group against every session of the cycle."""

    classroom: Classroom
    curriculum: Curriculum
    held: dict[int, HeldSession]  # by session number
    groups: list[GroupProgress]

    @property
    def numbers(self) -> list[int]:
        return [s.number for s in self.curriculum.sessions]

    def title(self, number: int, lang: str = "fr") -> str:
        return self.curriculum.session(number).title.get(lang)

    def kind(self, number: int) -> str:
        return self.curriculum.session(number).kind

    def group(self, group_id: int) -> GroupProgress | None:
        return next((g for g in self.groups if g.group.id == group_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {"class_id": self.classroom.id, "name": self.classroom.name,
                "sessions_held": sorted(self.held), "groups": [g.as_dict() for g in self.groups]}


def challenge_skills(curriculum: Curriculum, challenge_id: str) -> set[str]:
    """The skills a challenge works: its own (its session's objectives if it names none)."""
    found = curriculum.find_challenge(challenge_id)
    return set(found[0].challenge_skills(found[1])) if found else set()


def challenge_title(curriculum: Curriculum, challenge_id: str, lang: str = "fr") -> str:
    found = curriculum.find_challenge(challenge_id)
    return found[1].title.get(lang) if found else challenge_id


def _challenge_session(curriculum: Curriculum, challenge_id: str,
                       payload: dict[str, Any]) -> int | None:
    found = curriculum.find_challenge(challenge_id)
    if found:
        return found[0].number
    number = payload.get("session_number")
    return number if isinstance(number, int) else None


def class_events(db: DbSession, cls: Classroom) -> list[Event]:
    """Every event of the class, oldest first (group events carry the class id too)."""
    group_ids = [g.id for g in cls.groups]
    q = select(Event).where((Event.class_id == cls.id) | Event.group_id.in_(group_ids))
    return list(db.scalars(q.order_by(Event.time, Event.id)))


def held_sessions(db: DbSession, cls: Classroom, log: list[Event]) -> dict[int, HeldSession]:
    """Sessions with a ``session.opened`` event, by number."""
    ids = {e.session_id: e for e in log if e.type == ev.SESSION_OPENED and e.session_id}
    closed = {e.session_id: e for e in log if e.type == ev.SESSION_CLOSED and e.session_id}
    held: dict[int, HeldSession] = {}
    for sess in db.scalars(select(Session).where(Session.id.in_(list(ids)))):
        opened = ids[sess.id]
        end = closed.get(sess.id)
        held[sess.number] = HeldSession(sess.id, sess.number,
                                        opened.payload.get("kind", sess.kind),
                                        as_utc(opened.time),
                                        as_utc(end.time) if end is not None else None)
    return held


def class_progress(db: DbSession, cls: Classroom, lang: str = "fr") -> ClassProgress:
    """Progress of every group of a class, from its events."""
    curriculum = curriculum_for(class_cycle(db, cls))
    log = class_events(db, cls)
    held = held_sessions(db, cls, log)
    number_of = {h.id: h.number for h in held.values()}

    # Skills each challenge works: the lesson file's; a check's own list only for a
    # challenge the curriculum no longer has.
    skills_of: dict[str, set[str]] = defaultdict(set)
    for lesson in curriculum.sessions:
        for c in lesson.challenges:
            skills_of[c.id] = set(lesson.challenge_skills(c))
    for e in log:
        cid = e.payload.get("challenge") if e.type == ev.CHALLENGE_CHECKED else None
        if cid and cid not in skills_of:
            skills_of[cid] = {s for s in e.payload.get("skills") or [] if s in SKILLS}

    by_group: dict[int, list[Event]] = defaultdict(list)
    for e in log:
        if e.group_id is not None:
            by_group[e.group_id].append(e)

    groups = []
    for group in cls.groups:
        events = by_group[group.id]
        gp = GroupProgress(group)
        attended = {number_of[e.session_id] for e in events if e.session_id in number_of}
        # Sessions that ended before the group existed are not the group's to judge.
        born = as_utc(group.created_at)
        too_early = {n for n, h in held.items()
                     if n not in attended and h.closed is not None and h.closed < born}
        lived = [n for n in held if n not in too_early]
        passed: dict[str, PassedChallenge] = {}
        for found in passes(events):
            passed[found.challenge] = PassedChallenge(
                found.challenge, _challenge_session(curriculum, found.challenge, found.payload),
                challenge_title(curriculum, found.challenge, lang), found.time)
        for e in events:
            if e.type == ev.PROGRAM_SENT and e.payload.get("ok", True):
                gp.programs_sent += 1
            elif e.type == ev.PRINT_FINISHED and e.payload.get("state") == "done":
                gp.objects_printed += 1
        gp.sessions_attended = sorted(attended)
        gp.challenges_passed = list(passed.values())
        offered = [c.id for n in lived for c in _lesson_challenges(curriculum, n)]
        gp.skills = [
            SkillLevel(skill, sum(1 for cid in offered if cid in passed
                                  and skill in skills_of[cid]),
                       sum(1 for cid in offered if skill in skills_of[cid]))
            for skill in SKILLS
        ]
        for lesson in curriculum.sessions:
            ids = [c.id for c in lesson.challenges]
            done = [cid for cid in ids if cid in passed]
            present = lesson.number in attended
            if done and len(done) == len(ids):
                status = ALL_PASSED
            elif done:
                status = CHALLENGE_PASSED
            elif lesson.number not in held:
                status = NOT_HELD
            elif lesson.number in too_early:
                status = NOT_CREATED
            else:
                status = PRESENT if present else ABSENT
            gp.cells.append(Cell(lesson.number, status, present, done, len(ids)))
        groups.append(gp)
    return ClassProgress(cls, curriculum, held, groups)


def _lesson_challenges(curriculum: Curriculum, number: int) -> list:
    try:
        return list(curriculum.session(number).challenges)
    except KeyError:
        return []


def group_progress(db: DbSession, group: Group, lang: str = "fr") -> GroupProgress:
    progress = class_progress(db, group.classroom, lang).group(group.id)
    assert progress is not None
    return progress


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a group's timeline: when, and what happened in words."""

    time: datetime
    icon: str
    text: str
    session_number: int | None
    kind: str  # the event type, for styling


def _describe(e: Event, curriculum: Curriculum, number: int | None, lang: str,
              decided: dict[int, str], robot_names: dict[str, str]) -> tuple[str, str]:
    """An event in words; ``decided`` is each print job's decision (approved/refused)."""
    p = e.payload or {}
    robot = robot_names.get(p.get("robot_id") or "", p.get("robot_id") or "?")
    if e.type == ev.SESSION_OPENED:
        return "▶", _("Début de la séance %(n)s", n=p.get("number", number))
    if e.type == ev.SESSION_CLOSED:
        return "■", _("Fin de la séance %(n)s", n=p.get("number", number))
    if e.type == ev.GROUP_JOINED:
        if number is None:
            return "👋", _("Le groupe s'est connecté")
        return "👋", _("Le groupe a rejoint la séance %(n)s", n=number)
    if e.type == ev.PROGRAM_SAVED:
        blocks = p.get("blocks")
        n = blocks if isinstance(blocks, int) else 0
        if p.get("kind") == "object":
            return "💾", ngettext("Objet 3D enregistré (version %(v)s, %(num)s bloc)",
                                  "Objet 3D enregistré (version %(v)s, %(num)s blocs)", n,
                                  v=p.get("version", "?"))
        return "💾", ngettext("Programme enregistré (version %(v)s, %(num)s bloc)",
                              "Programme enregistré (version %(v)s, %(num)s blocs)", n,
                              v=p.get("version", "?"))
    if e.type == ev.PROGRAM_SENT:
        if p.get("ok", True):
            return "📡", _("Programme (version %(v)s) envoyé à %(r)s",
                           v=p.get("version", "?"), r=robot)
        return "⚠", _("Envoi du programme (version %(v)s) à %(r)s impossible : %(m)s",
                      v=p.get("version", "?"), r=robot,
                      m=p.get("message") or "?")
    if e.type == ev.CHALLENGE_CHECKED:
        title = challenge_title(curriculum, str(p.get("challenge", "?")), lang)
        job = p.get("job_id")
        if p.get("passed") is True and isinstance(job, int) and decided.get(job) != "approved":
            if decided.get(job) == "refused":
                return "↻", _("Défi « %(t)s » pas encore réussi : l'impression a été refusée",
                              t=title)
            return "⏳", _("Défi « %(t)s » vérifié, en attente de l'accord pour imprimer",
                           t=title)
        if p.get("passed") is True:
            return "★", _("Défi « %(t)s » réussi", t=title)
        return "↻", _("Défi « %(t)s » essayé, pas encore réussi", t=title)
    if e.type == ev.PRINT_REQUESTED:
        return "📨", _("Objet « %(t)s » proposé à l'impression", t=p.get("title") or "?")
    if e.type == ev.PRINT_APPROVED:
        return "👍", _("Impression de « %(t)s » acceptée", t=p.get("title") or "?")
    if e.type == ev.PRINT_REFUSED:
        return "✋", _("Impression de « %(t)s » refusée : %(r)s", t=p.get("title") or "?",
                       r=p.get("reason") or "?")
    if e.type == ev.PRINT_QUEUED:
        return "🖨", _("Objet « %(t)s » envoyé à l'impression", t=p.get("title") or "?")
    if e.type == ev.PRINT_FINISHED:
        state = p.get("state")
        if state == "done":
            return "✔", _("Objet « %(t)s » imprimé", t=p.get("title") or "?")
        if state == "cancelled":
            return "✗", _("Impression de « %(t)s » annulée", t=p.get("title") or "?")
        return "✗", _("Impression de « %(t)s » ratée", t=p.get("title") or "?")
    return "•", e.type


def group_timeline(db: DbSession, group: Group, lang: str = "fr",
                   robot_names: dict[str, str] | None = None) -> list[TimelineEntry]:
    """The group's events with the starts and ends of its class's sessions, oldest first.

    ``robot_names`` (the kit's robots) names robots as the facilitator does, not by id.
    """
    cls = group.classroom
    curriculum = curriculum_for(class_cycle(db, cls))
    log = [e for e in class_events(db, cls)
           if e.group_id == group.id
           or (e.group_id is None and e.type in (ev.SESSION_OPENED, ev.SESSION_CLOSED))]
    numbers = {s.id: s.number for s in db.scalars(
        select(Session).where(Session.id.in_({e.session_id for e in log if e.session_id})))}
    decided = {job: what for job, (what, _when) in job_decisions(log).items()}
    out = []
    for e in log:
        number = numbers.get(e.session_id) if e.session_id else None
        icon, text = _describe(e, curriculum, number, lang, decided, robot_names or {})
        out.append(TimelineEntry(as_utc(e.time), icon, text, number, e.type))
    return out
