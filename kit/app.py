"""The station's Flask application factory."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from apiflask import APIFlask, HTTPError
from flask import current_app, g, jsonify, render_template, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from ground.config import KitConfig, load_kit
from ground.i18n import LANGUAGES, TRANSLATIONS_DIR, _, compile_catalogs
from kit import db as kitdb
from kit.boundary import BadInput, BoundedInt, StationJSONProvider, TooLarge, check_body
from kit.robot_service import RobotService
from kit.security import enforce

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://",
                  default_limits=[], headers_enabled=True)
babel = Babel()


@dataclass
class Station:
    """What every request needs: the kit, the database and the data folder."""

    kit: KitConfig
    kit_path: Path | None
    data_dir: Path
    engine: Engine
    sessions: sessionmaker[DbSession]
    robots: RobotService


def station() -> Station:
    return current_app.extensions["mallette"]


def db() -> DbSession:
    """The request's database session (closed at the end of the request)."""
    if "db" not in g:
        g.db = station().sessions()
    return g.db


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    os.chmod(path, 0o600)
    return key


def _select_locale() -> str:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        return lang
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    return station().kit.station.language


def create_app(*, data_dir: Path | str, kit: KitConfig | None = None,
               kit_path: Path | str | None = None, database_url: str | None = None,
               testing: bool = False) -> APIFlask:
    """Build the station. ``kit`` wins over ``kit_path``; neither gives the simulated kit."""
    compile_catalogs()
    data_dir = Path(data_dir)
    if not data_dir.exists():  # why: first names and the password hash live in it
        data_dir.mkdir(mode=0o700, parents=True)
    if kit is None:
        kit = load_kit(kit_path)
    url = database_url or kitdb.database_url(data_dir)
    kitdb.upgrade(url)
    engine = kitdb.make_engine(url)

    app = APIFlask(
        "mallette",
        title="Mallette",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path=None,  # the docs UI would load files from a CDN
        json_errors=False,
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
    )
    app.json = StationJSONProvider(app)
    app.url_map.converters["int"] = BoundedInt
    app.config.update(
        SECRET_KEY=_secret_key(data_dir),
        TESTING=testing,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a session lasts a morning; tokens die with the cookie
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        PUBLIC_ENDPOINTS={"static", "openapi.spec"},
        INFO={"description": _("API de la station Mallette")},
        VALIDATION_ERROR_STATUS_CODE=400,
        VALIDATION_ERROR_DESCRIPTION="Demande incorrecte",
        VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA,
        HTTP_ERROR_SCHEMA=ERROR_SCHEMA,
    )
    app.extensions["mallette"] = Station(kit=kit, kit_path=Path(kit_path) if kit_path else None,
                                         data_dir=data_dir, engine=engine,
                                         sessions=kitdb.session_factory(engine),
                                         robots=RobotService(kit))
    csrf.init_app(app)
    limiter.init_app(app)
    limiter.enabled = True
    babel.init_app(app, locale_selector=_select_locale)
    enforce(app)

    @app.teardown_appcontext
    def _close_db(_exc):
        dbs = g.pop("db", None)
        if dbs is not None:
            dbs.close()

    @app.context_processor
    def _globals():
        from flask_babel import get_locale

        return {"kit": kit, "role": session.get("role"), "lang": str(get_locale() or "fr")}

    @app.template_filter("family_label")
    def _family_label(family: str) -> str:
        return {"thymio": "Thymio II", "microbit_maqueen": "micro:bit + Maqueen",
                "micropython_serial": _("MicroPython (câble USB)"),
                "micropython_ble": _("MicroPython (Bluetooth)"),
                "lego_pybricks": _("LEGO (Pybricks)"),
                "simulated": _("robot simulé")}.get(family, family)

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'self'",
        )
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    _register_errors(app)
    from web import register_blueprints

    register_blueprints(app)
    return app


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


def _register_errors(app: APIFlask) -> None:
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
