"""The pupils' JSON API: their session, their programs and their challenges."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import abort, request

from ground.i18n import _, current_language
from kit.programs import (
    MAX_PROGRAM_BYTES,
    NO_BASE,
    ProgramConflict,
    get_version,
    latest_version,
    list_versions,
    save_robot_program,
    submit_challenge,
)
from kit.security import roles
from kit.sessions import open_lesson
from kit.station import db, station
from lessons.goals import goal_marks
from robots.errors import ProgramError
from web.errors import error_response
from web.pupil import current_group
from web.schemas import (
    PUPIL_ERRORS,
    ConflictOut,
    ProgramIn,
    SavedOut,
    VersionOut,
    VersionsOut,
    answers,
)

bp = APIBlueprint("pupil_api", __name__, url_prefix="/api/v1/group", tag="group")


def _check_size() -> None:
    if (request.content_length or 0) > MAX_PROGRAM_BYTES:
        abort(413)


def _refused(exc: ProgramError):
    first = exc.problems[0].message if exc.problems else _("Programme refusé.")
    return error_response(422, first, problems=[
        {"message": p.message, "block": p.block, "block_id": p.block_id, "path": p.path}
        for p in exc.problems])


def _conflict(exc: ProgramConflict):
    """409 with the other tablet's program, so this tablet can ask which one to keep."""
    return error_response(409, exc.message, latest={"version": exc.version,
                                                    "program": exc.program})


@bp.get("/session")
@bp.doc(summary="La séance ouverte du groupe, sa boîte à blocs et ses défis",
        responses=[200, *PUPIL_ERRORS])
@roles("group")
def current_session():
    group = current_group()
    sess, lesson = open_lesson(db(), group.classroom)
    robot = station().kit.robot(group.robot_id) if group.robot_id else None
    out: dict[str, Any] = {
        "group": {"id": group.id, "name": group.name, "members": group.members},
        "robot": {"id": robot.id, "name": robot.name, "colour": robot.colour} if robot else None,
        "open": sess is not None,
    }
    if sess is None:
        return out
    lang = current_language()
    out["session"] = {
        "id": sess.id, "number": sess.number, "kind": lesson.kind,
        "title": lesson.title.get(lang), "toolbox": lesson.toolbox(),
        "mat": lesson.mat.contract() if lesson.mat else None,
        "challenges": [{"id": c.id, "title": c.title.get(lang),
                        "mat": (lesson.mat_for(c).contract() if lesson.mat_for(c) else None),
                        "starter": c.starter,
                        "goal": c.goal.get(lang) if c.goal else None, "icon": c.icon,
                        "marks": goal_marks(c, lesson.mat_for(c))}
                       for c in lesson.challenges],
    }
    latest = latest_version(db(), group)
    # session_id: the editor opens a debugging challenge on its starter unless the
    # group already worked in this session (web/static/js/goals.js)
    out["latest"] = {"version": latest.version, "program": latest.program,
                     "session_id": latest.session_id} if latest else None
    return out


@bp.get("/programs")
@bp.doc(summary="Les versions enregistrées du programme du groupe",
        responses=answers({200: VersionsOut}, PUPIL_ERRORS))
@roles("group")
def versions():
    return {"versions": [{"version": v.version, "created_at": v.created_at.isoformat(),
                          "session_id": v.session_id}
                         for v in list_versions(db(), current_group())]}


@bp.get("/programs/<int:version>")
@bp.doc(summary="Une version du programme",
        responses=answers({200: VersionOut}, [*PUPIL_ERRORS, 404]))
@roles("group")
def version(version: int):
    found = get_version(db(), current_group(), version)
    if found is None:
        abort(404)
    return {"version": found.version, "program": found.program}


@bp.post("/programs")
@bp.input(ProgramIn)
@bp.doc(summary="Enregistrer le programme (nouvelle version)",
        responses=answers({200: SavedOut, 201: SavedOut, 409: ConflictOut},
                          [*PUPIL_ERRORS, 413, 422]))
@roles("group")
def save(json_data: dict[str, Any]):
    _check_size()
    group = current_group()
    data = json_data["program"]
    sess, lesson = open_lesson(db(), group.classroom)
    try:
        saved, created = save_robot_program(db(), group, sess, data,
                                            lesson.toolbox() if lesson else None,
                                            json_data.get("base", NO_BASE))
    except ProgramError as exc:
        db().rollback()
        return _refused(exc)
    except ProgramConflict as exc:
        db().rollback()
        return _conflict(exc)
    db().commit()
    return {"version": saved.version, "created": created}, 201 if created else 200


@bp.post("/challenges/<challenge_id>")
@bp.input(ProgramIn)
@bp.doc(summary="Soumettre le programme à un défi : la station vérifie",
        responses=[200, *PUPIL_ERRORS, 404, 409, 413, 422])
@roles("group")
def challenge(challenge_id: str, json_data: dict[str, Any]):
    _check_size()
    group = current_group()
    data = json_data["program"]
    sess, lesson = open_lesson(db(), group.classroom)
    if sess is None:
        return error_response(409, _("Aucune séance n'est ouverte pour ta classe."))
    try:
        result, saved = submit_challenge(db(), group, sess, lesson, challenge_id, data,
                                         json_data.get("base", NO_BASE))
    except ProgramError as exc:
        db().rollback()
        return _refused(exc)
    except ProgramConflict as exc:
        db().rollback()
        return _conflict(exc)
    except LookupError as exc:
        db().rollback()
        return error_response(404, str(exc.args[0]))
    db().commit()
    return {**result.as_dict(), "version": saved.version,
            "run": result.run}
