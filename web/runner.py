"""The facilitator's session runner: open session N, walk its steps, watch the groups, close."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from ground.i18n import _, current_language
from kit.models import Classroom, Group, Session
from kit.security import roles
from kit.sessions import (
    SessionError,
    assign_robot,
    class_cycle,
    close_session,
    curriculum_for,
    group_states,
    open_session,
    open_session_of,
    proposed_number,
    session_summary,
)
from kit.station import db, station
from web import formats

bp = Blueprint("runner", __name__, url_prefix="/animateur")


def _session_or_404(session_id: int) -> Session:
    sess = db().get(Session, session_id)
    if sess is None:
        abort(404)
    return sess


def robot_activity(cls: Classroom) -> dict[int, str]:
    """What each group's robot is doing now (its live stage: running, stopped…), for
    the groups whose program is the one on it, so that the table follows "Arrêter
    tous les robots" instead of keeping "programme envoyé"."""
    out: dict[int, str] = {}
    for gr in cls.groups:
        state = station().robots.state(gr.robot_id) if gr.robot_id else None
        if state is not None and state.group_id == gr.id and state.stage:
            out[gr.id] = state.stage
    return out


def cycle_view(cls: Classroom) -> dict:
    """The class's cycle as the class page shows it."""
    cycle = class_cycle(db(), cls)
    curriculum = curriculum_for(cycle)
    by_number = {s.number: s for s in cycle.sessions}
    rows = []
    for lesson in curriculum.sessions:
        sess = by_number.get(lesson.number)
        rows.append({"lesson": lesson, "session": sess,
                     "state": sess.state if sess else "planned"})
    return {"rows": rows, "proposed": proposed_number(db(), cls),
            "current": open_session_of(db(), cls)}


@bp.post("/classes/<int:class_id>/seances")
@roles("facilitator")
def open_(class_id: int):
    cls = db().get(Classroom, class_id)
    if cls is None:
        abort(404)
    try:
        number = int(request.form.get("number", ""))
    except ValueError:
        flash(_("Choisissez le numéro de la séance."), "error")
        return redirect(url_for("facilitator.classroom", class_id=class_id))
    try:
        sess, opened_now = open_session(db(), cls, number, session.get("facilitator_id"))
    except SessionError as exc:
        db().rollback()
        flash(str(exc), "error")
        return redirect(url_for("facilitator.classroom", class_id=class_id))
    db().commit()
    if not opened_now:
        flash(_("La séance %(n)s était déjà ouverte : la voici.", n=number), "ok")
    return redirect(url_for("runner.run", session_id=sess.id))


@bp.get("/seances/<int:session_id>")
@roles("facilitator")
def run(session_id: int):
    sess = _session_or_404(session_id)
    if sess.state == "closed":
        return redirect(url_for("runner.summary", session_id=sess.id))
    cls = sess.cycle.classroom
    curriculum = curriculum_for(sess.cycle)
    lesson = curriculum.session(sess.number)
    timeline = curriculum.timeline(sess.number)
    return render_template("facilitator/run.html", sess=sess, cls=cls, lesson=lesson,
                           timeline=timeline, states=group_states(db(), sess),
                           robots=station().kit.robots, activity=robot_activity(cls))


@bp.get("/seances/<int:session_id>/groupes")
@roles("facilitator")
def states(session_id: int):
    """Live table of groups (HTML fragment refreshed by the runner page)."""
    sess = _session_or_404(session_id)
    cls = sess.cycle.classroom
    return render_template("facilitator/_group_states.html", sess=sess, cls=cls,
                           states=group_states(db(), sess), robots=station().kit.robots,
                           activity=robot_activity(cls))


@bp.post("/seances/<int:session_id>/fermer")
@roles("facilitator")
def close(session_id: int):
    sess = _session_or_404(session_id)
    try:
        _summary, closed_now = close_session(db(), sess)
    except SessionError as exc:
        db().rollback()
        flash(str(exc), "error")
        return redirect(url_for("facilitator.classroom", class_id=sess.cycle.class_id))
    db().commit()
    if not closed_now:
        flash(_("Cette séance était déjà fermée."), "ok")
    return redirect(url_for("runner.summary", session_id=sess.id))


@bp.get("/seances/<int:session_id>/bilan")
@roles("facilitator")
def summary(session_id: int):
    """The session's figures; once it is closed, those it had at closing (kit.sessions)."""
    sess = _session_or_404(session_id)
    curriculum = curriculum_for(sess.cycle)
    lesson = curriculum.session(sess.number)
    titles = {c.id: c.title.get(current_language()) for c in lesson.challenges}
    robot_names = {r.id: r.name for r in station().kit.robots}
    return render_template("facilitator/summary.html", sess=sess, cls=sess.cycle.classroom,
                           lesson=lesson, summary=session_summary(db(), sess),
                           titles=titles, robot_names=robot_names, **formats.helpers())


@bp.post("/groupes/<int:group_id>/robot")
@roles("facilitator")
def robot(group_id: int):
    group = db().get(Group, group_id)
    if group is None or group.deleted_at is not None:
        abort(404)
    try:
        assign_robot(db(), group, request.form.get("robot_id") or None, station().kit)
    except SessionError as exc:
        db().rollback()
        flash(str(exc), "error")
    else:
        db().commit()
    target = request.form.get("next") or ""
    if not target.startswith("/animateur/"):
        target = url_for("facilitator.classroom", class_id=group.class_id)
    if target != url_for("facilitator.classroom", class_id=group.class_id):
        # why: the class page lists these warnings itself; the session page does not
        from kit.roster import roster_warnings

        names = {r.id: r.name for r in station().kit.robots}
        for warning in roster_warnings(group.classroom, names):
            flash(warning, "warn")
    return redirect(target)
