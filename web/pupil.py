"""The pupils' screens (one tablet per group): big buttons, few words, icons."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, session, url_for

from kit.models import Group
from kit.security import roles
from kit.sessions import open_lesson
from kit.station import db, station

bp = Blueprint("pupil", __name__, url_prefix="/groupe")


def current_group() -> Group:
    """The pupil group of this tablet's session (every group-only view starts here)."""
    group = db().get(Group, session.get("group_id"))
    if group is None:
        abort(403)
    return group


@bp.get("/")
@roles("group")
def home():
    group = current_group()
    robot = station().kit.robot(group.robot_id) if group.robot_id else None
    sess, lesson = open_lesson(db(), group.classroom)
    return render_template("pupil/home.html", group=group, robot=robot, sess=sess,
                           lesson=lesson)


@bp.get("/programme")
@roles("group")
def editor():
    group = current_group()
    sess, lesson = open_lesson(db(), group.classroom)
    if sess is None:
        return redirect(url_for("pupil.home"))
    robot = station().kit.robot(group.robot_id) if group.robot_id else None
    return render_template("pupil/editor.html", group=group, robot=robot, sess=sess,
                           lesson=lesson)
