"""Front-end libraries installed from npm at set-up, served by the station itself."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

from kit.security import public

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
PACKAGES = {"blockly", "three"}
SUFFIXES = {".js", ".mjs", ".css", ".map", ".json", ".png", ".gif", ".svg", ".cur", ".wav",
            ".mp3"}


@bp.get("/<package>/<path:filename>")
@public
def asset(package: str, filename: str):
    if package not in PACKAGES or Path(filename).suffix not in SUFFIXES:
        abort(404)
    return send_from_directory(NODE_MODULES / package, filename, max_age=86400)
