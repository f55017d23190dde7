"""The facilitator's key-figures page: what funders ask for, from the event log."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from ground.i18n import _
from kit.report import PeriodError, figures_csv, key_figures, parse_period
from kit.security import roles
from kit.station import db

bp = Blueprint("figures", __name__, url_prefix="/animateur/chiffres")


def _period():
    date_from = request.args.get("du") or None
    date_to = request.args.get("au") or None
    return date_from, date_to, parse_period(date_from, date_to, _("Du"), _("Au"))


@bp.get("/")
@roles("facilitator")
def page():
    try:
        date_from, date_to, (start, end) = _period()
    except PeriodError as exc:
        return render_template("facilitator/figures.html", figures=None, error=str(exc),
                               date_from=request.args.get("du", ""),
                               date_to=request.args.get("au", "")), 400
    figures = key_figures(db(), start, end)
    return render_template("facilitator/figures.html", figures=figures, error="",
                           date_from=date_from or "", date_to=date_to or "")


@bp.get("/export.csv")
@roles("facilitator")
def export_csv():
    try:
        _f, _t, (start, end) = _period()
    except PeriodError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    body = "\ufeff" + figures_csv(key_figures(db(), start, end))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition":
                             'attachment; filename="mallette-chiffres-cles.csv"'})
