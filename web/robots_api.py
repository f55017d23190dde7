"""Robots through the API: a group sends its program to its robot; the facilitator
stops every robot at once."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from ground.i18n import _
from kit.programs import program_to_send
from kit.robot_service import Sending
from kit.security import roles
from kit.sessions import open_lesson
from kit.station import db, station
from robots.errors import ProgramError
from web.errors import error_response
from web.pupil import current_group
from web.schemas import PUPIL_ERRORS, SendIn, SentOut, answers

bp = APIBlueprint("robots_api", __name__, url_prefix="/api/v1", tag="robots")


@bp.post("/group/send")
@bp.input(SendIn)
@bp.doc(summary="Envoyer une version du programme au robot du groupe (en arrière-plan)",
        responses=answers({202: SentOut}, [*PUPIL_ERRORS, 404, 409, 422]))
@roles("group")
def send(json_data: dict[str, Any]):
    group = current_group()
    if not group.robot_id or station().kit.robot(group.robot_id) is None:
        return error_response(409, _("Ton groupe n'a pas encore de robot : demande à "
                                     "l'animateur·rice."))
    sess, lesson = open_lesson(db(), group.classroom)
    try:
        found = program_to_send(db(), group, json_data.get("version"),
                                lesson.toolbox() if lesson is not None else None)
    except ProgramError as exc:
        return error_response(422, exc.problems[0].message if exc.problems else str(exc))
    if found is None:
        return error_response(404, _("Enregistre d'abord ton programme."))
    version, program = found
    station().robots.send(group.robot_id, program,
                          Sending(group.id, group.class_id, sess.id if sess else None,
                                  version.version))
    return {"robot_id": group.robot_id, "version": version.version, "state": "sending"}, 202


@bp.get("/group/robot")
@bp.doc(summary="État du robot du groupe (étape de l'envoi, message)",
        responses=[200, *PUPIL_ERRORS])
@roles("group")
def group_robot():
    group = current_group()
    state = station().robots.state(group.robot_id) if group.robot_id else None
    if state is None:
        return {"robot_id": None}
    return state.as_dict()


@bp.get("/robots")
@bp.doc(summary="État de chaque robot de la mallette", responses=[200, 401, 403])
@roles("facilitator")
def robots_status():
    service = station().robots
    return {"robots": [service.state(r.id).as_dict() for r in station().kit.robots]}


@bp.post("/robots/stop-all")
@bp.doc(summary="Arrêter tous les robots, en parallèle", responses=[200, 400, 401, 403])
@roles("facilitator")
def stop_all():
    return station().robots.stop_all(timeout=1.0)
