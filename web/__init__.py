"""The station's web side: one blueprint per role, the JSON API and live updates."""

from __future__ import annotations


def register_blueprints(app) -> None:
    from web import api  # noqa: I001 - one blueprint a line keeps merges simple
    from web import auth
    from web import facilitator
    from web import figures
    from web import live
    from web import printing
    from web import pupil
    from web import pupil_api
    from web import robots_api
    from web import runner
    from web import teacher
    from web import vendor

    app.register_blueprint(auth.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(runner.bp)
    app.register_blueprint(teacher.bp)
    app.register_blueprint(figures.bp)
    app.register_blueprint(pupil.bp)
    app.register_blueprint(live.bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(pupil_api.bp)
    app.register_blueprint(robots_api.bp)
    app.register_blueprint(printing.bp)
