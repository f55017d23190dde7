"""Numbers and dates the way the reader's language writes them, one format per kind.

The summary and the teacher's pages wrote "2026-12-02" on one side and
"02/12/2026" on the other, and numbers Python's way; these helpers go through
Flask-Babel (the request's locale) so that every page says "2 décembre 2026",
"1 234" and "50 %" in French, "December 2, 2026" in English.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_decimal, format_percent, format_time

from ground.i18n import _
from kit.verdicts import as_utc


def _local_day(value: date | datetime) -> date:
    """A moment's day on the station's clock (events are stored in UTC)."""
    if isinstance(value, datetime):
        return as_utc(value).astimezone().date()
    return value


def day(value: date | datetime | None) -> str:
    """A day, the one way every page writes it: « 12 janvier 2026 »."""
    return format_date(_local_day(value), "long") if value is not None else ""


def short_day(value: date | datetime | None) -> str:
    """A day in a narrow column header: « 12 janv. »."""
    return format_date(_local_day(value), "d MMM") if value is not None else ""


def sheet_day(value: date | datetime | None) -> str:
    """A day a spreadsheet reads as a date (the CSV): « 12/01/2026 »."""
    return format_date(_local_day(value), "short") if value is not None else ""


def moment(value: datetime | None) -> str:
    """A moment on the station's clock: « 12 janvier 2026 à 10:12 »."""
    if value is None:
        return ""
    local = as_utc(value).astimezone().replace(tzinfo=None)
    return _("%(day)s à %(time)s", day=format_date(local.date(), "long"),
             time=format_time(local, "short", rebase=False))


def number(value: int | float) -> str:
    """« 1 234 », « 2,5 »."""
    return format_decimal(value)


def percent(part: int, whole: int) -> str:
    """« 67 % » (nothing when there is no whole to compare with)."""
    return format_percent(part / whole) if whole else ""


def helpers() -> dict[str, object]:
    """The helpers, for a template's context."""
    return {"day": day, "short_day": short_day, "moment": moment, "number": number,
            "percent": percent}
