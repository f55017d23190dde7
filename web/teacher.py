"""The teacher's screens: their class only (the access code opens one class)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, session

from kit.app import db
from kit.models import Classroom
from kit.security import roles

bp = Blueprint("teacher", __name__, url_prefix="/enseignant")


def teacher_class() -> Classroom:
    cls = db().get(Classroom, session.get("class_id"))
    if cls is None:
        abort(403)
    return cls


@bp.get("/")
@roles("teacher")
def overview():
    return render_template("teacher/overview.html", cls=teacher_class())
