"""The station's web side: one blueprint per role, the JSON API and live updates."""

from __future__ import annotations


def register_blueprints(app) -> None:
    from web import api, auth, facilitator, live, pupil, pupil_api, runner, teacher, vendor

    app.register_blueprint(auth.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(runner.bp)
    app.register_blueprint(teacher.bp)
    app.register_blueprint(pupil.bp)
    app.register_blueprint(live.bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(pupil_api.bp)
    app.register_blueprint(__import__("web.printing").printing.bp)  # 3D printing
