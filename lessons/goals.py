"""What a challenge asks, drawn on the mat: derived from its criteria, never written twice.

A lesson author writes criteria for the station (``visits``, ``ends_at``,
``reach_target``, ``follows_line``, ``ends_facing``); the pupils' mat shows the same
places (a flag on the cell to reach, numbered corners in the order to visit, the line
to follow), so what the station checks and what a child sees cannot disagree.
"""

from __future__ import annotations

from typing import Any

from lessons.schema import Challenge, Mat


def _cell(value: Any) -> list[int]:
    return [int(value[0]), int(value[1])]


def goal_marks(challenge: Challenge, mat: Mat | None) -> dict[str, Any] | None:
    """The marks the on-screen mat draws for ``challenge`` (None without a mat).

    ``target``: the cell to reach; ``arrive``: "end" (the robot must stop there,
    ``ends_at``) or "pass" (it must go over it, ``reach_target``); ``corners``: cells
    to visit in order (drawn numbered 1, 2, 3…); ``path``: the line to follow;
    ``facing``: the heading the robot must end with.
    """
    if mat is None:
        return None
    crit = challenge.criteria
    target: list[int] | None = None
    arrive: str | None = None
    if isinstance(crit.get("ends_at"), list):
        target, arrive = _cell(crit["ends_at"]), "end"
    elif crit.get("reach_target") and mat.target is not None:
        target, arrive = _cell(mat.target), "pass"
    visits = crit.get("visits")
    corners = [_cell(c) for c in visits] if isinstance(visits, list) else []
    path = [_cell(c) for c in mat.line] if "follows_line" in crit else []
    facing = crit.get("ends_facing") if isinstance(crit.get("ends_facing"), str) else None
    return {"target": target, "arrive": arrive, "corners": corners, "path": path,
            "facing": facing}
