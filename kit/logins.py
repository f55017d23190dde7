"""Logins that end: a random token per login, checked against the database on every request.

The signed cookie carries the role, the ids and a random token; the ``logins`` table holds
the token's hash. A login ends at logout, when its class or group is deleted (its open live streams
end with it), and after a lifetime suited to its role:

- a pupil group: at the end of the day it started (tablets stay in the classroom);
- a teacher: at the end of the day too, and after 2 hours without a request (the class
  code shows every pupil's first name and the reports, often on a shared school computer);
- the facilitator: after 3 hours without a request, and 12 hours at most.

Write load stays tiny: a request only reads the row; ``last_seen_at`` is written at most
once every :data:`SEEN_EVERY` per login (30 tablets opening a page at once write nothing).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import MutableMapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session as DbSession

from kit.live import broker
from kit.models import Login, utcnow

# time without a request after which a login ends (a pupil's ends with the day anyway)
IDLE = {"facilitator": timedelta(hours=3), "teacher": timedelta(hours=2),
        "group": timedelta(hours=12)}
MAX_LIFETIME = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=5)
# what a login puts in the cookie besides its token; the language choice survives logins
_IDS = ("facilitator_id", "class_id", "group_id")
_KEYS = ("role", "login", *_IDS)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes (stored as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def end_of_day(now: datetime) -> datetime:
    """Midnight after ``now``, in the station's local time (a school day ends there)."""
    local = now.astimezone()
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
    return midnight.astimezone(now.tzinfo)


def _expiry(role: str, now: datetime) -> datetime:
    if role in ("group", "teacher"):
        return min(end_of_day(now), now + MAX_LIFETIME)
    return now + MAX_LIFETIME


def forget(cookie: MutableMapping[str, Any]) -> None:
    """Remove the login from a cookie, keeping the language choice."""
    for key in _KEYS:
        cookie.pop(key, None)


def begin(db: DbSession, cookie: MutableMapping[str, Any], role: str, *,
          facilitator_id: int | None = None, class_id: int | None = None,
          group_id: int | None = None, now: datetime | None = None) -> Login:
    """Start a login: a new row and a new token in ``cookie`` (the caller commits).

    The web forms and the tests' ``login_as`` both go through here, so a test logs in
    exactly as a person does.
    """
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    login = Login(token_hash=_hash(token), role=role, facilitator_id=facilitator_id,
                  class_id=class_id, group_id=group_id, created_at=now, last_seen_at=now,
                  expires_at=_expiry(role, now))
    db.add(login)
    # a forgotten tablet leaves its row until the next login sweeps it (same transaction)
    db.execute(delete(Login).where(Login.expires_at <= now),
               execution_options={"synchronize_session": False})
    lang = cookie.get("lang")
    cookie.clear()  # why: nothing from before the login rides along (but the language)
    if lang:
        cookie["lang"] = lang
    ids = {"facilitator_id": facilitator_id, "class_id": class_id, "group_id": group_id}
    cookie.update({"role": role, "login": token},
                  **{k: v for k, v in ids.items() if v is not None})
    return login


def check(db: DbSession, cookie: MutableMapping[str, Any],
          now: datetime | None = None) -> Login | None:
    """The cookie's live login, or None (and the cookie forgets a dead one).

    The role and ids the views read from the cookie must be the row's: a cookie whose
    ids were changed, whose login was ended or has expired opens nothing.
    """
    token = cookie.get("login")
    if not isinstance(token, str) or "role" not in cookie:
        if "role" in cookie:
            forget(cookie)
        return None
    now = now or utcnow()
    login = db.get(Login, _hash(token))
    alive = (login is not None and login.role == cookie.get("role")
             and all(getattr(login, k) == cookie.get(k) for k in _IDS))
    if alive and (now >= _aware(login.expires_at)
                  or now - _aware(login.last_seen_at) >= IDLE[login.role]):
        db.delete(login)
        db.commit()
        alive = False
    if not alive:
        forget(cookie)
        return None
    if now - _aware(login.last_seen_at) >= SEEN_EVERY:
        login.last_seen_at = now
        db.commit()
    return login


def end(db: DbSession, cookie: MutableMapping[str, Any]) -> None:
    """Logout: the row goes, so a copy of the cookie opens nothing either."""
    token = cookie.get("login")
    if isinstance(token, str):
        db.execute(delete(Login).where(Login.token_hash == _hash(token)))
        broker.end_streams(lambda sub: sub.key == ("login", token))
    forget(cookie)


def end_for_class(db: DbSession, class_id: int, group_ids: list[int]) -> None:
    """Every login into a class or its groups (the class is being deleted)."""
    db.execute(delete(Login).where((Login.class_id == class_id)
                                   | Login.group_id.in_(group_ids)))
    broker.end_streams(lambda sub: sub.owner.get("class_id") == class_id
                       or sub.owner.get("group_id") in group_ids)


def end_for_group(db: DbSession, group_id: int) -> None:
    """Every login into a group (the group is being deleted)."""
    db.execute(delete(Login).where(Login.group_id == group_id))
    broker.end_streams(lambda sub: sub.owner.get("group_id") == group_id)


def end_for_facilitator(db: DbSession, facilitator_id: int) -> None:
    """Every login of a facilitator whose password has just changed."""
    db.execute(delete(Login).where(Login.facilitator_id == facilitator_id))
    broker.end_streams(lambda sub: sub.owner.get("facilitator_id") == facilitator_id)
