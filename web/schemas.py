"""The JSON API's request bodies, as APIFlask input schemas (checked at the door, and
described in the OpenAPI document ``/api/v1/openapi.json``).

why marshmallow envelopes around a free ``program``/``object``: the schema checks the
shape of the request (the fields and their types); the program and the object model are
then checked by ``robots.program.validate_program`` and ``printers.objects.parse_object``,
whose French messages name the block a pupil must fix, which a schema error cannot do.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, File, Integer, List, Nested, String
from apiflask.validators import Length, Range

from kit.boundary import MAX_URL_INT
from robots.program import Program

#: Error answers every group route may give (beside 400 for a refused body), for the
#: OpenAPI document; each route adds its own answers.
PUPIL_ERRORS = [401, 403]


class ProgramIn(Schema):
    program = Dict(required=True, metadata={
        "description": "Le programme en blocs (docs/program-model.md) : "
                       "{\"version\": 1, \"main\": [...], \"events\": [...]}"})
    # why no default: an absent base (an old client, a script) means "no check"
    base = Integer(strict=True, allow_none=True, validate=Range(min=1, max=MAX_URL_INT),
                   metadata={"description": "La version dont partent les modifications "
                                            "(null : aucune) ; si une version plus récente "
                                            "existe, la réponse est 409 et rien n'est "
                                            "enregistré"})


class SendIn(Schema):
    version = Integer(strict=True, allow_none=True, load_default=None,
                      validate=Range(min=1, max=MAX_URL_INT), metadata={
                          "description": "La version à envoyer (la dernière si absente)"})


class ObjectIn(Schema):
    object = Dict(required=True, metadata={
        "description": "Le modèle de l'objet en blocs : {\"version\": 1, \"root\": {...}}"})
    challenge = String(allow_none=True, load_default=None, validate=Length(max=100),
                       metadata={"description": "Le défi visé (impression seulement)"})


class ImportIn(Schema):
    file = File(required=True, metadata={"description": "Un fichier STL, 3MF ou OBJ"})


# -- answers (described, not used to serialise: the views return their dicts) -----------
class SavedOut(Schema):
    version = Integer(required=True)
    created = Boolean(required=True)


class VersionItem(Schema):
    version = Integer(required=True)
    created_at = String(required=True)
    session_id = Integer(allow_none=True)


class VersionsOut(Schema):
    versions = List(Nested(VersionItem), required=True)


class VersionOut(Schema):
    version = Integer(required=True)
    program = Dict(required=True)


class ConflictOut(Schema):
    status = Integer(required=True)
    message = String(required=True)
    latest = Nested(VersionOut, required=True)


class SentOut(Schema):
    robot_id = String(required=True)
    version = Integer(required=True)
    state = String(required=True)


def answers(ok: dict[int, type[Schema] | None], errors: list[int]) -> dict[int, Any]:
    """``@bp.doc(responses=…)``: the success answers with their schema, then the errors
    (which APIFlask describes with the station's error schema)."""
    out: dict[int, Any] = {
        code: {"description": HTTPStatus(code).phrase,
               "content": {"application/json": {"schema": schema or {}}}}
        for code, schema in ok.items()}
    out.update({code: HTTPStatus(code).phrase for code in errors})
    return out


def document_program(spec: dict) -> dict:
    """Describe ``program`` with the pydantic :class:`robots.program.Program` model (one
    source for the contract); its checks stay with ``validate_program``, which names the
    block to fix."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    model = Program.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in model.pop("$defs", {}).items():
        assert name not in schemas, f"{name} is already an OpenAPI component"
        schemas[name] = definition
    schemas["Program"] = model
    if "ProgramIn" in schemas:
        described = schemas["ProgramIn"]["properties"]["program"].get("description")
        schemas["ProgramIn"]["properties"]["program"] = {
            "$ref": "#/components/schemas/Program", "description": described}
    return spec
