"""The JSON API (``/api/v1``), described by the OpenAPI document the code generates."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from flask import session
from sqlalchemy import text

from kit.security import public, roles
from kit.station import db, station
from web.schemas import document_program

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="station")


def _api_only(spec: dict) -> dict:
    """The document describes the JSON API; pages of a blueprint that also serves the API
    (the printing screens) are not part of it. The program's blocks are described too."""
    spec["paths"] = {path: ops for path, ops in spec["paths"].items()
                     if path.startswith("/api/")}
    return document_program(spec)


@bp.record_once
def _document(state) -> None:  # noqa: ANN001
    state.app.spec_processor(_api_only)


class HealthOut(Schema):
    status = String(required=True, metadata={"example": "ok"})
    station = String()
    kit_id = String()
    version = String()
    database = String()


class RobotOut(Schema):
    id = String()
    name = String()
    colour = String()
    family = String()
    connection = String()
    simulated = Boolean()


class PrinterOut(Schema):
    id = String()
    name = String()
    backend = String()
    simulated = Boolean()


class KitOut(Schema):
    name = String()
    kit_id = String()
    language = String()
    robots = List(Nested(RobotOut))
    printers = List(Nested(PrinterOut))


class MeOut(Schema):
    role = String(allow_none=True)
    group_id = Integer(allow_none=True)
    class_id = Integer(allow_none=True)


@bp.get("/health")
@bp.output(HealthOut)
@bp.doc(summary="La station répond-elle ?")
@public
def health():
    """Station and database status, for the kit check and monitoring."""
    try:
        db().execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - the answer itself reports it
        database = "error"
    kit = station().kit
    from importlib.metadata import version

    return {"status": "ok" if database == "ok" else "degraded", "station": kit.station.name,
            "kit_id": kit.station.kit_id, "version": version("mallette"), "database": database}


@bp.get("/kit")
@bp.output(KitOut)
@bp.doc(summary="Inventaire de la mallette", responses=[401, 403])
@roles("facilitator")
def kit_inventory():
    kit = station().kit
    return {
        "name": kit.station.name, "kit_id": kit.station.kit_id, "language": kit.station.language,
        "robots": [{"id": r.id, "name": r.name, "colour": r.colour, "family": r.family,
                    "connection": r.connection.type, "simulated": r.simulated}
                   for r in kit.robots],
        "printers": [{"id": p.id, "name": p.name, "backend": p.backend,
                      "simulated": p.simulated} for p in kit.printers],
    }


@bp.get("/me")
@bp.output(MeOut)
@bp.doc(summary="Qui suis-je ?")
@public
def me():
    return {"role": session.get("role"), "group_id": session.get("group_id"),
            "class_id": session.get("class_id")}
