"""Throttle on wrong codes and passwords, kept in the database so a restart resets nothing.

Each wrong group code, class code or facilitator password is a row. Within a window of
:data:`WINDOW`, a device (an address) gets at most :data:`PER_ADDRESS` wrong tries, and the
whole station at most :data:`STATION` wrong tries of one kind, however many devices share
the guessing. Right codes write nothing. When wrong tries pile up the facilitator is told
(dashboard and live screens): "N codes faux en 5 min depuis M appareils", as soon as
:data:`ALERT_AT` wrong tries pile up or one device reaches its limit.

why the figures: a class types its codes within minutes with a few typos (well under 20);
with 20 wrong group codes per 5 minutes across the station, finding one of 6 live codes
among ~100,000 takes days of guessing, and the facilitator sees it after 10 tries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession

from kit.models import FailedLogin, utcnow

WINDOW = timedelta(minutes=5)
PER_ADDRESS = 8
STATION = 20
ALERT_AT = 10
KEEP = timedelta(days=1)
KINDS = ("group", "teacher", "facilitator")
GUESSING = "security.guessing"


@dataclass(frozen=True)
class Refusal:
    """Why a try is refused before it is checked, and for how long."""

    whole_station: bool
    minutes: int


@dataclass(frozen=True)
class Alert:
    """What the facilitator is told: wrong tries in the window, from how many devices."""

    failures: int
    devices: int


def _wait(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return 1
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds() / 60))


def refusal(db: DbSession, kind: str, address: str,
            now: datetime | None = None) -> Refusal | None:
    """A refusal if this device, or the station for this kind, has had too many wrong tries."""
    now = now or utcnow()
    since = now - WINDOW
    mine = db.execute(select(func.count(), func.min(FailedLogin.time))
                      .where(FailedLogin.address == address, FailedLogin.time > since)).one()
    if mine[0] >= PER_ADDRESS:
        return Refusal(whole_station=False, minutes=_wait(mine[1], now))
    station = db.execute(select(func.count(), func.min(FailedLogin.time))
                         .where(FailedLogin.kind == kind, FailedLogin.time > since)).one()
    if station[0] >= STATION:
        return Refusal(whole_station=True, minutes=_wait(station[1], now))
    return None


def alert(db: DbSession, now: datetime | None = None) -> Alert | None:
    """The guessing alert for the facilitator, or None when wrong tries look like typos.

    Raised by :data:`ALERT_AT` wrong tries across the station, or by one device reaching
    its own limit.
    """
    now = now or utcnow()
    per_device = dict(db.execute(select(FailedLogin.address, func.count())
                                 .where(FailedLogin.time > now - WINDOW)
                                 .group_by(FailedLogin.address)).all())
    failures = sum(per_device.values())
    if failures >= ALERT_AT or max(per_device.values(), default=0) >= PER_ADDRESS:
        return Alert(failures, len(per_device))
    return None


def fail(db: DbSession, kind: str, address: str, now: datetime | None = None) -> Alert | None:
    """Record a wrong try (the caller commits); returns the alert it raises, if any.

    The alert also goes to the facilitator's open screens over the live broker.
    """
    from kit.live import broker

    now = now or utcnow()
    db.add(FailedLogin(kind=kind, address=address[:64], time=now))
    db.execute(delete(FailedLogin).where(FailedLogin.time < now - KEEP))
    db.flush()
    raised = alert(db, now)
    if raised is not None:
        # no class or group: only the facilitator's screens hear it
        broker.publish({"type": GUESSING, "group_id": None, "class_id": None,
                        "failures": raised.failures, "devices": raised.devices})
    return raised
