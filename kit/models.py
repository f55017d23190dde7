"""The station's database: who is in the room and what they did.

Progress, reports and the teacher's views are all derived from the
append-only :class:`Event` log; the other tables hold the people and things
that events refer to. No surname, birth date or photo is ever stored: a group
has a name and the pupils' first names or pseudonyms.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# why: SQLite hands a deleted row's id to the next row without AUTOINCREMENT, and a
# number kept anywhere (a cookie, a link, a report) would then point at someone else
NEVER_REUSED: dict[str, Any] = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Setting(Base):
    """Station-wide values (the secret key, the facilitator's password hash)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Facilitator(Base):
    __tablename__ = "facilitators"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class School(Base):
    __tablename__ = "schools"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    town: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[str] = mapped_column(String(20), default="school")  # school | after_school
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    classes: Mapped[list[Classroom]] = relationship(back_populates="school")


class Classroom(Base):
    __tablename__ = "classes"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(20), default="")  # CE1, CE2, CM1, CM2…
    teacher_name: Mapped[str] = mapped_column(String(80), default="")
    access_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    school: Mapped[School] = relationship(back_populates="classes")
    # the groups in use; a deleted group keeps its row (its events still count in the
    # figures) and shows only in all_groups, for summaries of sessions it took part in
    groups: Mapped[list[Group]] = relationship(
        back_populates="classroom", order_by="Group.id",
        primaryjoin="and_(Classroom.id == Group.class_id, Group.deleted_at.is_(None))")
    all_groups: Mapped[list[Group]] = relationship(order_by="Group.id", viewonly=True)
    cycles: Mapped[list[Cycle]] = relationship(back_populates="classroom")


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    members: Mapped[list[str]] = mapped_column(JSON, default=list)  # first names / pseudonyms
    girls: Mapped[int | None] = mapped_column(Integer, nullable=True)
    boys: Mapped[int | None] = mapped_column(Integer, nullable=True)
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    robot_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    classroom: Mapped[Classroom] = relationship(back_populates="groups")


class Cycle(Base):
    """A class's cycle of sessions (10 by default), following one curriculum."""

    __tablename__ = "cycles"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    curriculum: Mapped[str] = mapped_column(String(64), default="default")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    classroom: Mapped[Classroom] = relationship(back_populates="cycles")
    sessions: Mapped[list[Session]] = relationship(back_populates="cycle",
                                                   order_by="Session.number")


class Session(Base):
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("cycle_id", "number"), NEVER_REUSED)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="programming")
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id"),
                                                        nullable=True)
    state: Mapped[str] = mapped_column(String(12), default="planned")  # planned|open|closed
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cycle: Mapped[Cycle] = relationship(back_populates="sessions")


class Event(Base):
    """Append-only log of everything that matters; progress is derived from it."""

    __tablename__ = "events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    type: Mapped[str] = mapped_column(String(40), index=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True,
                                                   index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), nullable=True,
                                                 index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"), nullable=True,
                                                 index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProgramVersion(Base):
    """Every saved version of a group's program (robot program or 3D object)."""

    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("group_id", "kind", "version"), NEVER_REUSED)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(12), default="robot")  # robot | object
    version: Mapped[int] = mapped_column(Integer)
    program: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PrintJob(Base):
    __tablename__ = "print_jobs"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), nullable=True,
                                                 index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(80), default="")
    source: Mapped[str] = mapped_column(String(12), default="blocks")  # blocks|stl|3mf|obj|gcode
    object_model: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    file_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    printer_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    plate_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    remote_file: Mapped[str | None] = mapped_column(String(255), nullable=True)
    progress: Mapped[float] = mapped_column(default=0.0)
    estimated_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filament_g: Mapped[float | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class PrintPlate(Base):
    """One G-code on one printer, printing one or several groups' objects."""

    __tablename__ = "print_plates"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    printer_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    queue: Mapped[dict[str, Any]] = mapped_column(JSON)  # printers.queue.PrintOrder.to_dict()
    gcode_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    png_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    estimated_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filament_g: Mapped[float | None] = mapped_column(nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class Login(Base):
    """One login on one device: the cookie holds a random token, this row says whose it is.

    why: a signed cookie alone cannot be revoked; with this row, logging out, deleting a
    class or a group, or the end of the login's lifetime ends it on the next request.
    Only a hash of the token is stored, so reading the database opens no session.
    """

    __tablename__ = "logins"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(12))
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="CASCADE"), nullable=True, index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"),
                                                 nullable=True, index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                                 nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class FailedLogin(Base):
    """A wrong code or password: what the station-wide throttle counts (survives a restart)."""

    __tablename__ = "failed_logins"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # group | teacher | facilitator
    address: Mapped[str] = mapped_column(String(64), index=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
