"""How the station answers a refusal or a failure: JSON for the API, a page otherwise.

why: one place renders every error, in the person's language and never as a traceback;
services raise, blueprints return :func:`error_response`, the factory registers the
handlers with :func:`register_errors`.
"""

from __future__ import annotations

from apiflask import APIFlask, HTTPError
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from ground.i18n import _
from kit.boundary import BadInput, TooLarge, check_body

#: What every error answer of the API holds (``error_response``), for the OpenAPI document.
ERROR_SCHEMA = {
    "type": "object",
    "required": ["status", "message"],
    "properties": {"status": {"type": "integer"}, "message": {"type": "string"},
                   "field": {"type": "string"}},
}

_ERROR_TEXTS = {
    400: lambda: _("La demande est incorrecte."),
    401: lambda: _("Connectez-vous d'abord."),
    403: lambda: _("Cette page n'est pas pour vous."),
    404: lambda: _("Cette page n'existe pas."),
    405: lambda: _("Cette action n'est pas possible ici."),
    413: lambda: _("Le fichier est trop gros (20 Mo au plus)."),
    429: lambda: _("Trop d'essais : attendez une minute avant de réessayer."),
    500: lambda: _("Une erreur est survenue dans la station. Rien de ce qui était "
                   "enregistré n'est perdu."),
}


def error_response(status: int, message: str | None = None, **extra):
    message = message or _ERROR_TEXTS.get(status, _ERROR_TEXTS[500])()
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        body = {"status": status, "message": message}
        body.update(extra)
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


# marshmallow's own messages (by their start), as a pupil's tablet shows them
_FIELD_ERRORS = (
    ("Missing data", lambda: _("il manque ce champ")),
    ("Field may not be null", lambda: _("il ne peut pas être vide")),
    ("Not a valid integer", lambda: _("il doit être un nombre entier")),
    ("Not a valid string", lambda: _("il doit être un texte")),
    ("Not a valid mapping", lambda: _("il doit être un objet JSON")),
    ("Not a valid list", lambda: _("il doit être une liste")),
    ("Not a valid file", lambda: _("il doit être un fichier")),
    ("Unknown field", lambda: _("ce champ n'est pas attendu")),
    ("Must be greater", lambda: _("le nombre est hors des limites")),
    ("Length must be", lambda: _("le texte est trop long")),
)


def _first_field_error(detail: object, path: tuple[str, ...] = ()) -> tuple[str, str]:
    """The first field named in a validation error's detail and its (English) message."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            return _first_field_error(value, (*path, str(key)))
    if isinstance(detail, list) and detail:
        return _first_field_error(detail[0], path)
    return ".".join(path), str(detail)


def validation_error(error: HTTPError):  # noqa: ANN201 - a Flask response
    """APIFlask's refusals (input schemas) in the station's format, naming the field."""
    if error.status_code != 400 or not isinstance(error.detail, dict) or not error.detail:
        return error_response(error.status_code, None, **(error.extra_data or {}))
    where, raw = _first_field_error(error.detail)
    location, _sep, field = where.partition(".")
    field = field or location
    reason = next((text() for start, text in _FIELD_ERRORS if raw.startswith(start)),
                  _("sa valeur n'est pas valable"))
    if field in ("_schema", "json", ""):
        return error_response(400, _("Le corps de la demande doit être un objet JSON."))
    return error_response(400, _("Champ « %(field)s » refusé : %(reason)s.", field=field,
                                 reason=reason), field=field)


def register_errors(app: APIFlask) -> None:
    """Every refusal and failure of the station rendered by :func:`error_response`."""
    app.error_processor(validation_error)
    # why first: the CSRF check reads the form, and a body with a nameless field broke it
    app.before_request_funcs.setdefault(None, []).insert(0, check_body)

    @app.errorhandler(BadInput)
    def _bad_input(e: BadInput):
        return error_response(400, e.description)

    @app.errorhandler(TooLarge)
    def _too_large(e: TooLarge):
        return error_response(413, e.description)

    @app.errorhandler(CSRFError)
    def _csrf(_e):
        if request.path.startswith("/api/"):
            return error_response(400, _("Jeton CSRF absent ou expiré : connectez-vous, puis "
                                         "envoyez l'en-tête X-CSRFToken de la page."))
        return error_response(400, _("Le formulaire a expiré : rechargez la page et "
                                     "recommencez."))

    for status in (400, 401, 403, 404, 405, 413, 429):
        app.register_error_handler(status, lambda e, s=status: error_response(s))

    @app.errorhandler(500)
    def _internal(e):
        return error_response(500)
