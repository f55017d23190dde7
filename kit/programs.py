"""Pupils' programs: saved versions (never overwritten) and challenge submissions.

A refused program changes nothing already saved: validation happens before
anything is written, and every accepted program is a new version, so a group
can always go back to an earlier one.

Several tablets of one group edit the same program: each save names the version its
edits started from (``base``), and a save based on an older version than the latest is
refused with :class:`ProgramConflict` instead of silently replacing the other tablet's
work; the tablet then asks its pupils which program to keep.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from ground.i18n import _
from kit import events
from kit.models import Group, ProgramVersion, Session
from lessons.challenges import ChallengeResult, run_challenge
from printers.objects import blocks_used
from robots.program import Program, count_blocks, validate_program

MAX_PROGRAM_BYTES = 256 * 1024
_VERSION_TRIES = 5
NO_BASE: Any = object()  # the caller does not say what its edits started from: no check


class ProgramConflict(Exception):
    """Another tablet of the group saved since this one's edits started: nothing saved
    (the caller rolls back). Carries the other tablet's version, read before that."""

    def __init__(self, latest: ProgramVersion) -> None:
        super().__init__(_("L'autre tablette de ton groupe a changé le programme."))
        self.version: int = latest.version
        self.program: dict[str, Any] = latest.program

    @property
    def message(self) -> str:
        return str(self.args[0])


def _next_number(group_id: int, kind: str):  # noqa: ANN202 - a scalar subquery
    return (select(func.coalesce(func.max(ProgramVersion.version), 0) + 1)
            .where(ProgramVersion.group_id == group_id, ProgramVersion.kind == kind)
            .scalar_subquery())


def add_version(db: DbSession, group: Group, sess: Session | None, kind: str,
                program: dict[str, Any]) -> ProgramVersion:
    """Insert the group's next version of ``kind`` (robot programs and objects alike).

    why: two tablets of a group may save at the same instant. The number is computed
    inside the INSERT itself, so on SQLite (one writer at a time, across processes too)
    no other save can slip between reading the highest number and writing the next one.
    A database that runs statements side by side (PostgreSQL) first locks the group's row
    until the transaction ends, so saves of one group take turns; should a number still
    be taken, the unique constraint refuses it and the insert is tried again inside a
    SAVEPOINT, so the rest of the request's transaction is kept.
    """
    def row() -> ProgramVersion:
        return ProgramVersion(group_id=group.id, session_id=sess.id if sess else None,
                              kind=kind, version=_next_number(group.id, kind),
                              program=program)

    if db.get_bind().dialect.name == "sqlite":
        # why no SAVEPOINT here: pysqlite opens no transaction before one, so releasing
        # it would commit on its own; a single statement is atomic on SQLite anyway
        version = row()
        db.add(version)
        db.flush()
        return version
    db.execute(select(Group.id).where(Group.id == group.id).with_for_update())
    for attempt in range(_VERSION_TRIES):
        try:
            with db.begin_nested():
                version = row()
                db.add(version)
            return version
        except IntegrityError:
            if attempt == _VERSION_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def latest_version(db: DbSession, group: Group, kind: str = "robot") -> ProgramVersion | None:
    return db.scalar(select(ProgramVersion).where(ProgramVersion.group_id == group.id,
                                                  ProgramVersion.kind == kind)
                     .order_by(ProgramVersion.version.desc()).limit(1))


def list_versions(db: DbSession, group: Group, kind: str = "robot") -> list[ProgramVersion]:
    return list(db.scalars(select(ProgramVersion).where(ProgramVersion.group_id == group.id,
                                                        ProgramVersion.kind == kind)
                           .order_by(ProgramVersion.version.desc())))


def get_version(db: DbSession, group: Group, version: int,
                kind: str = "robot") -> ProgramVersion | None:
    return db.scalar(select(ProgramVersion).where(ProgramVersion.group_id == group.id,
                                                  ProgramVersion.kind == kind,
                                                  ProgramVersion.version == version))


def save_object(db: DbSession, group: Group, sess: Session | None,
                doc: dict[str, Any]) -> ProgramVersion:
    """Save a group's 3D object (already parsed by the caller) as its next version and
    record ``program.saved``; the same object as the latest version makes no new one."""
    latest = latest_version(db, group, "object")
    if latest is not None and latest.program == doc:
        return latest
    version = add_version(db, group, sess, "object", doc)
    events.record(db, events.PROGRAM_SAVED, group_id=group.id, class_id=group.class_id,
                  session_id=sess.id if sess else None, version=version.version, kind="object",
                  blocks=len(blocks_used(doc)))
    return version


def save_robot_program(db: DbSession, group: Group, sess: Session | None, data: Any,
                       allowed: list[str] | None,
                       base: int | None = NO_BASE) -> tuple[ProgramVersion, bool]:
    """Validate then save as a new version; returns (version, created_now).

    Raises :class:`robots.errors.ProgramError` (nothing saved) when the program is
    refused. Saving the same program as the latest version creates nothing. ``base`` is
    the version the edits started from (None: from no version at all); when a newer,
    different version exists, :class:`ProgramConflict` is raised and nothing is saved.
    """
    program = validate_program(data, set(allowed) if allowed is not None else None)
    return _save_valid(db, group, sess, program, base)


def _save_valid(db: DbSession, group: Group, sess: Session | None, program: Program,
                base: int | None) -> tuple[ProgramVersion, bool]:
    """:func:`save_robot_program` once the program is validated."""
    clean = program.to_json()  # why not model_dump: the contract says "else", not "else_"
    latest = latest_version(db, group)
    if latest is not None and latest.program == clean:
        return latest, False
    if base is not NO_BASE and latest is not None and latest.version != base:
        raise ProgramConflict(latest)
    version = add_version(db, group, sess, "robot", clean)
    expected = (latest.version if latest is not None else 0) + 1
    if base is not NO_BASE and version.version != expected:
        # why: another tablet's save slipped in between the check above and this insert
        # (they were simultaneous); its version is the one this save must not hide
        other = get_version(db, group, expected)
        raise ProgramConflict(other if other is not None else version)
    events.record(db, events.PROGRAM_SAVED, group_id=group.id, class_id=group.class_id,
                  session_id=sess.id if sess else None, version=version.version, kind="robot",
                  blocks=count_blocks(program))
    return version, True


def submit_challenge(db: DbSession, group: Group, sess: Session, lesson, challenge_id: str,
                     data: Any, base: int | None = NO_BASE
                     ) -> tuple[ChallengeResult, ProgramVersion]:
    """Save the program, check the challenge in the reference simulator, log the verdict."""
    challenge = lesson.challenge(challenge_id)
    if challenge is None:
        raise LookupError(_("Le défi « %(id)s » n'existe pas dans cette séance.",
                            id=challenge_id))
    program = validate_program(data, set(lesson.toolbox()))
    version, _created = _save_valid(db, group, sess, program, base)
    mat = lesson.mat_for(challenge)
    if mat is None:
        raise ValueError(_("Ce défi n'a pas de tapis."))
    result = run_challenge(challenge, program, mat)
    events.record(db, events.CHALLENGE_CHECKED, group_id=group.id, class_id=group.class_id,
                  session_id=sess.id, challenge=challenge.id, session_number=lesson.number,
                  passed=result.passed, failed=result.failed_criteria, version=version.version,
                  skills=lesson.skills())
    return result, version


def program_to_send(db: DbSession, group: Group, version: int | None,
                    allowed: list[str] | None) -> tuple[ProgramVersion, Program] | None:
    """The saved version to send (the latest when ``version`` is None) as a typed program,
    or None when there is none.

    why the toolbox here: the version was validated when saved, perhaps in an earlier
    session that offered other blocks; the open session decides what a robot may run
    (:class:`robots.errors.ProgramError`, the same messages as when saving).
    """
    found = (get_version(db, group, version) if version is not None
             else latest_version(db, group))
    if found is None:
        return None
    return found, validate_program(found.program, set(allowed) if allowed is not None else None)
