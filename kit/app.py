"""The roof: the application factory that builds the station and everything it serves.

why: only this module (and the CLI that calls it) assembles the layers: it builds the
services (robots, printing, mesh work), binds the extensions and the error pages, and
registers the blueprints. Blueprints reach the services through :mod:`kit.station`;
nothing imports this module back.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from apiflask import APIFlask
from flask import request, session

from ground.config import KitConfig, load_kit
from ground.i18n import LANGUAGES, TRANSLATIONS_DIR, _, compile_catalogs
from kit import db as kitdb
from kit.boundary import BoundedInt, StationJSONProvider
from kit.extensions import babel, csrf
from kit.printing import PrintService
from kit.robot_service import RobotService
from kit.security import enforce
from kit.station import Station, close_db, station
from printers.tasks import MeshWork
from printers.workers import DEFAULT_WORKERS, WorkerPool
from web import (  # noqa: I001 - one blueprint a line keeps merges simple
    api,
    auth,
    facilitator,
    figures,
    live,
    printing,
    pupil,
    pupil_api,
    robots_api,
    runner,
    teacher,
    vendor,
)
from web.errors import ERROR_SCHEMA, register_errors

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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
    sessions = kitdb.session_factory(engine)
    # why: the print service drives the printers only once the server starts it
    # (``kit.cli.make_server``), and the mesh workers start with the server or at the first
    # task: a command that builds the app to seed or read the database leaves no thread
    app.extensions["mallette"] = Station(
        kit=kit, kit_path=Path(kit_path) if kit_path else None, data_dir=data_dir,
        engine=engine, sessions=sessions, robots=RobotService(kit, sessions=sessions),
        printing=PrintService(kit, sessions, data_dir),
        mesh=MeshWork(WorkerPool(DEFAULT_WORKERS)))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    enforce(app)
    app.teardown_appcontext(close_db)

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

    register_errors(app)
    for blueprint in (auth.bp, facilitator.bp, runner.bp, teacher.bp, figures.bp, pupil.bp,
                      live.bp, vendor.bp, api.bp, pupil_api.bp, robots_api.bp, printing.bp):
        app.register_blueprint(blueprint)
    return app
