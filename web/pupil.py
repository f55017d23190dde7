"""The pupils' screens (one tablet per group): big buttons, few words, icons."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, session

from kit.app import db, station
from kit.models import Group
from kit.security import roles

bp = Blueprint("pupil", __name__, url_prefix="/groupe")


def current_group() -> Group:
    group = db().get(Group, session.get("group_id"))
    if group is None:
        abort(403)
    return group


@bp.get("/")
@roles("group")
def home():
    group = current_group()
    robot = station().kit.robot(group.robot_id) if group.robot_id else None
    return render_template("pupil/home.html", group=group, robot=robot)
