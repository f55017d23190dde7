"""Checks that need more than one field: durations, toolbox, mats, criteria,
reference programs, and the numbering of a cycle's sessions.

Each check returns ``(path, message)`` pairs; the loader turns the path into a
line of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ground.i18n import _
from lessons.schema import (
    COLOURS,
    HEADINGS,
    OBJECT_BLOCKS,
    PROGRAM_BLOCKS,
    Challenge,
    Mat,
    Session,
)
from robots.errors import ProgramError
from robots.program import validate_program

Path_ = tuple[str | int, ...]
Problem = tuple[Path_, str]

PROGRAM_CRITERIA = (
    "reach_target", "ends_at", "ends_facing", "visits", "no_collision", "uses_block",
    "max_blocks", "min_blocks", "light_shown", "sound_played", "reacts_to_obstacle",
    "follows_line",
)
PRINTING_CRITERIA = ("printable", "max_print_minutes", "uses_block", "max_blocks", "min_blocks")


@dataclass
class _Context:
    kind: str
    toolbox: list[str]
    mat: Mat | None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _must_be_true(value: Any, ctx: _Context) -> str | None:
    return None if value is True else _("doit valoir true")


def _cell_problem(value: Any, mat: Mat | None) -> str | None:
    if not (isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value)):
        return _("doit être une case [colonne, rangée]")
    if mat is not None and not (0 <= value[0] < mat.cols and 0 <= value[1] < mat.rows):
        return _(
            "la case [%(col)s, %(row)s] est hors du tapis (%(cols)s colonnes × %(rows)s rangées)",
            col=value[0], row=value[1], cols=mat.cols, rows=mat.rows,
        )
    return None


def _reach_target(value: Any, ctx: _Context) -> str | None:
    if value is not True:
        return _("doit valoir true")
    if ctx.mat is not None and ctx.mat.target is None:
        return _("le tapis n'a pas de cible (target)")
    return None


def _ends_at(value: Any, ctx: _Context) -> str | None:
    return _cell_problem(value, ctx.mat)


def _ends_facing(value: Any, ctx: _Context) -> str | None:
    if value not in HEADINGS:
        return _("direction inconnue ; valeurs possibles : %(values)s", values=", ".join(HEADINGS))
    return None


def _visits(value: Any, ctx: _Context) -> str | None:
    if not isinstance(value, list) or not value:
        return _("doit être une liste de cases [colonne, rangée]")
    for cell in value:
        problem = _cell_problem(cell, ctx.mat)
        if problem:
            return problem
    return None


def _uses_block(value: Any, ctx: _Context) -> str | None:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        return _("doit être un nom de bloc ou une liste de noms de blocs")
    for name in names:
        if name not in ctx.toolbox:
            return _(
                "le bloc « %(block)s » n'est pas dans la boîte à outils de la séance",
                block=name,
            )
    return None


def _count(value: Any, ctx: _Context) -> str | None:
    if not _is_int(value) or not 1 <= value <= 200:
        return _("doit être un nombre entier entre 1 et 200")
    return None


def _light_shown(value: Any, ctx: _Context) -> str | None:
    if value is False:  # YAML reads a bare `off` as false
        return _("écrivez \"off\" entre guillemets pour une lumière éteinte")
    if value not in COLOURS:
        return _("couleur inconnue ; valeurs possibles : %(values)s", values=", ".join(COLOURS))
    if "light" not in ctx.toolbox:
        return _("le bloc « light » n'est pas dans la boîte à outils de la séance")
    return None


def _sound_played(value: Any, ctx: _Context) -> str | None:
    if value is not True:
        return _("doit valoir true")
    if "sound" not in ctx.toolbox:
        return _("le bloc « sound » n'est pas dans la boîte à outils de la séance")
    return None


def _reacts_to_obstacle(value: Any, ctx: _Context) -> str | None:
    if value is not True:
        return _("doit valoir true")
    if not {"sensor_obstacle", "when_obstacle"} & set(ctx.toolbox):
        return _(
            "il faut « sensor_obstacle » ou « when_obstacle » dans la boîte à outils de la séance"
        )
    return None


def _follows_line(value: Any, ctx: _Context) -> str | None:
    if not _is_number(value) or not 0 < value <= 1:
        return _("doit être une fraction entre 0 et 1 (par exemple 0.8)")
    if ctx.mat is not None and not ctx.mat.line:
        return _("le tapis n'a pas de ligne (line)")
    return None


def _max_print_minutes(value: Any, ctx: _Context) -> str | None:
    if not _is_int(value) or not 1 <= value <= 600:
        return _("doit être un nombre entier de minutes entre 1 et 600")
    return None


_VALIDATORS: dict[str, Callable[[Any, _Context], str | None]] = {
    "reach_target": _reach_target,
    "ends_at": _ends_at,
    "ends_facing": _ends_facing,
    "visits": _visits,
    "no_collision": _must_be_true,
    "uses_block": _uses_block,
    "max_blocks": _count,
    "min_blocks": _count,
    "light_shown": _light_shown,
    "sound_played": _sound_played,
    "reacts_to_obstacle": _reacts_to_obstacle,
    "follows_line": _follows_line,
    "printable": _must_be_true,
    "max_print_minutes": _max_print_minutes,
}


def check_criteria(criteria: dict[str, Any], kind: str, toolbox: list[str],
                   mat: Mat | None) -> Iterator[Problem]:
    """Problems of a challenge's criteria: unknown names, wrong values, incoherences."""
    allowed = PROGRAM_CRITERIA if kind == "programming" else PRINTING_CRITERIA
    ctx = _Context(kind, toolbox, mat)
    for name, value in criteria.items():
        if name not in allowed:
            yield (name,), _(
                "critère inconnu pour une séance de ce type ; critères possibles : %(names)s",
                names=", ".join(allowed),
            )
            continue
        problem = _VALIDATORS[name](value, ctx)
        if problem:
            yield (name,), problem
    low, high = criteria.get("min_blocks"), criteria.get("max_blocks")
    if _is_int(low) and _is_int(high) and low > high:
        yield ("min_blocks",), _("min_blocks (%(low)s) dépasse max_blocks (%(high)s)",
                                 low=low, high=high)


def check_mat(mat: Mat) -> Iterator[Problem]:
    """Cells outside the mat, a start or target inside an obstacle."""
    def outside(col: int, row: int) -> bool:
        return not (0 <= col < mat.cols and 0 <= row < mat.rows)

    def out_msg(col: int, row: int) -> str:
        return _(
            "la case [%(col)s, %(row)s] est hors du tapis (%(cols)s colonnes × %(rows)s rangées)",
            col=col, row=row, cols=mat.cols, rows=mat.rows,
        )

    if outside(mat.start.col, mat.start.row):
        yield ("start",), out_msg(mat.start.col, mat.start.row)
    for key in ("obstacles", "line"):
        for i, (col, row) in enumerate(getattr(mat, key)):
            if outside(col, row):
                yield (key, i), out_msg(col, row)
    obstacles = {tuple(c) for c in mat.obstacles}
    if (mat.start.col, mat.start.row) in obstacles:
        yield ("start",), _("le robot démarre sur un obstacle")
    if mat.target is not None:
        if outside(*mat.target):
            yield ("target",), out_msg(*mat.target)
        elif tuple(mat.target) in obstacles:
            yield ("target",), _("la cible est sur un obstacle")


def _program_path(text: str) -> Path_:
    """``main[0].body[1]`` (a program problem's path) -> ``("main", 0, "body", 1)``."""
    out: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", text):
        out.append(int(index) if index else name)
    return tuple(out)


def check_program(program: dict[str, Any], toolbox: list[str]) -> Iterator[Problem]:
    """A reference program must follow the contract and use only the session's blocks."""
    try:
        validate_program(program, set(toolbox))
    except ProgramError as exc:
        for problem in exc.problems:
            yield _program_path(problem.path), problem.message


def check_session(session: Session) -> Iterator[Problem]:
    """Every cross-field problem of one session."""
    total = sum(step.minutes for step in session.steps)
    if total != session.duration_min:
        yield ("steps",), _(
            "les étapes durent %(total)s min au total mais la séance dure %(duration)s min",
            total=total, duration=session.duration_min,
        )
    if len(session.materials.fr) != len(session.materials.en):
        yield ("materials", "en"), _(
            "%(en)s élément(s) en anglais pour %(fr)s en français : traduction manquante",
            en=len(session.materials.en), fr=len(session.materials.fr),
        )
    if session.kind == "programming":
        yield from _check_toolbox("blocks", session.blocks, PROGRAM_BLOCKS)
        if session.object_blocks:
            yield ("object_blocks",), _("une séance de programmation n'a pas de blocs 3D")
        if session.template is not None:
            yield ("template",), _("une séance de programmation n'a pas de modèle 3D")
        if session.mat is None:
            yield ("mat",), _("une séance de programmation doit avoir un tapis (mat)")
        else:
            yield from _prefixed(("mat",), check_mat(session.mat))
    else:
        yield from _check_toolbox("object_blocks", session.object_blocks, OBJECT_BLOCKS)
        if session.blocks:
            yield ("blocks",), _(
                "une séance d'impression utilise « object_blocks », pas « blocks »")
        if session.template is None:
            yield ("template",), _("une séance d'impression doit avoir un modèle (template)")
        if session.mat is not None:
            yield ("mat",), _("une séance d'impression n'a pas de tapis")
    seen: dict[str, int] = {}
    for i, challenge in enumerate(session.challenges):
        base: Path_ = ("challenges", i)
        if challenge.id in seen:
            yield base + ("id",), _("identifiant de défi « %(id)s » en double", id=challenge.id)
        seen.setdefault(challenge.id, i)
        yield from _prefixed(base, _check_challenge(session, challenge))


def _check_toolbox(key: str, names: list[str], known: Iterable[str]) -> Iterator[Problem]:
    known = tuple(known)
    if not names:
        yield (key,), _("la boîte à outils est vide")
    for i, name in enumerate(names):
        if name not in known:
            yield (key, i), _("bloc « %(block)s » inconnu ; blocs possibles : %(names)s",
                              block=name, names=", ".join(known))
        elif names.index(name) != i:
            yield (key, i), _("bloc « %(block)s » en double", block=name)


def _check_challenge(session: Session, challenge: Challenge) -> Iterator[Problem]:
    mat = session.mat_for(challenge)
    if challenge.mat is not None:
        yield from _prefixed(("mat",), check_mat(challenge.mat))
    yield from _prefixed(
        ("criteria",), check_criteria(challenge.criteria, session.kind, session.toolbox(), mat)
    )
    for key in ("starter", "solution", "mistake"):
        program = getattr(challenge, key)
        if program is None:
            continue
        if session.kind != "programming":
            yield (key,), _("seul un défi de programmation a un programme de référence")
            continue
        yield from _prefixed((key,), check_program(program, session.toolbox()))


def _prefixed(prefix: Path_, problems: Iterable[Problem]) -> Iterator[Problem]:
    for path, message in problems:
        yield prefix + path, message

