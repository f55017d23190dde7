"""Which challenge checks count as passed: one rule for the grid, the summaries and the figures.

The station checks a challenge (``challenge.checked`` with ``passed`` true). A
print challenge is checked when the pupils press "Imprimer", before anyone has
looked at the object: its check names the print job, and it counts only once
the facilitator accepts that job (``print.approved``, or the job went on to be
queued or printed). A refused job never makes a passed challenge. Checks
recorded before jobs were named (no ``job_id``) count as they always did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kit import events as ev
from kit.models import Event

# Events that say a job was accepted (queued and printed ones were accepted first).
_ACCEPTED = (ev.PRINT_APPROVED, ev.PRINT_QUEUED)


def as_utc(moment: datetime) -> datetime:
    """Event times come back naive from SQLite; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Pass:
    """A challenge passed by a group, and when it came to count."""

    group_id: int
    challenge: str
    session_id: int | None
    time: datetime
    payload: dict[str, Any]


def job_decisions(log: Iterable[Event]) -> dict[int, tuple[str, datetime]]:
    """Each print job's first decision in ``log``: ("approved" | "refused", when)."""
    decided: dict[int, tuple[str, datetime]] = {}
    for e in log:
        job_id = (e.payload or {}).get("job_id")
        if not isinstance(job_id, int):
            continue
        if e.type in _ACCEPTED or (e.type == ev.PRINT_FINISHED
                                   and e.payload.get("state") == "done"):
            decided.setdefault(job_id, ("approved", as_utc(e.time)))
        elif e.type == ev.PRINT_REFUSED:
            decided.setdefault(job_id, ("refused", as_utc(e.time)))
    return decided


def passes(log: Iterable[Event]) -> list[Pass]:
    """The passes in ``log`` (oldest first), each challenge once per group.

    ``log`` must hold the print events of the jobs its checks name: a check whose job
    has no acceptance in ``log`` does not count (yet).
    """
    events = list(log)
    decided = job_decisions(events)
    found: dict[tuple[int, str], Pass] = {}
    for e in events:
        p = e.payload or {}
        if (e.type != ev.CHALLENGE_CHECKED or p.get("passed") is not True
                or not p.get("challenge") or e.group_id is None):
            continue
        job_id = p.get("job_id")
        when = as_utc(e.time)
        if isinstance(job_id, int):
            decision = decided.get(job_id)
            if decision is None or decision[0] != "approved":
                continue
            when = max(when, decision[1])
        key = (e.group_id, str(p["challenge"]))
        if key not in found or when < found[key].time:
            found[key] = Pass(e.group_id, str(p["challenge"]), e.session_id, when, p)
    return sorted(found.values(), key=lambda x: x.time)
