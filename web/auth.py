"""Who is at the tablet: first start, facilitator login, teacher code, group join code."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select

from kit.app import db, limiter
from kit.events import GROUP_JOINED, record
from kit.i18n import _
from kit.models import Classroom, Facilitator, Group
from kit.security import check_password, hash_password, normalise_code, public, roles
from kit.sessions import open_session_of
from web.forms import FacilitatorLoginForm, JoinForm, SetupForm, TeacherForm

bp = Blueprint("auth", __name__)

LOGIN_LIMIT = "10 per minute"


def _has_facilitator() -> bool:
    return (db().scalar(select(func.count()).select_from(Facilitator)) or 0) > 0


def _start(role: str, **values) -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["role"] = role
    session.update(values)
    session.permanent = False


def _home_for_role():
    role = session.get("role")
    if role == "facilitator":
        return redirect(url_for("facilitator.dashboard"))
    if role == "teacher":
        return redirect(url_for("teacher.overview"))
    if role == "group":
        return redirect(url_for("pupil.home"))
    return None


@bp.get("/")
@public
def home():
    if not _has_facilitator():
        return redirect(url_for("auth.setup"))
    target = _home_for_role()
    if target is not None:
        return target
    return render_template("auth/home.html", join_form=JoinForm(), teacher_form=TeacherForm(),
                           login_form=FacilitatorLoginForm())


@bp.route("/premier-demarrage", methods=["GET", "POST"])
@public
def setup():
    """First start: the facilitator chooses the station's password."""
    if _has_facilitator():
        abort(404)
    # why: only the person at the laptop (who sees the console) may choose the password
    token = current_app.config.get("SETUP_TOKEN")
    if token and request.args.get("jeton") != token and session.get("setup_token") != token:
        return render_template("auth/setup_locked.html"), 403
    session["setup_token"] = token
    form = SetupForm()
    if form.validate_on_submit():
        fac = Facilitator(name=form.name.data.strip(),
                          password_hash=hash_password(form.password.data))
        db().add(fac)
        db().commit()
        _start("facilitator", facilitator_id=fac.id)
        flash(_("Mot de passe enregistré. Bienvenue !"), "ok")
        return redirect(url_for("facilitator.dashboard"))
    return render_template("auth/setup.html", form=form)


@bp.post("/connexion")
@public
@limiter.limit(LOGIN_LIMIT)
def login():
    form = FacilitatorLoginForm()
    if form.validate_on_submit():
        for fac in db().scalars(select(Facilitator)):
            if check_password(fac.password_hash, form.password.data):
                _start("facilitator", facilitator_id=fac.id)
                return redirect(url_for("facilitator.dashboard"))
    flash(_("Mot de passe incorrect."), "error")
    return redirect(url_for("auth.home", _anchor="animateur"))


@bp.post("/enseignant")
@public
@limiter.limit(LOGIN_LIMIT)
def teacher_login():
    form = TeacherForm()
    if form.validate_on_submit():
        code = form.code.data.strip().upper().replace(" ", "")
        if len(code) == 8:
            code = f"{code[:4]}-{code[4:]}"
        cls = db().scalar(select(Classroom).where(Classroom.access_code == code))
        if cls is not None:
            _start("teacher", class_id=cls.id)
            return redirect(url_for("teacher.overview"))
    flash(_("Ce code de classe n'existe pas."), "error")
    return redirect(url_for("auth.home", _anchor="enseignant"))


@bp.post("/rejoindre")
@public
@limiter.limit(LOGIN_LIMIT)
def join():
    form = JoinForm()
    if form.validate_on_submit():
        code = normalise_code(form.code.data)
        group = db().scalar(select(Group).where(Group.join_code == code))
        if group is not None:
            _start("group", group_id=group.id, class_id=group.class_id)
            current = open_session_of(db(), group.classroom)
            record(db(), GROUP_JOINED, group_id=group.id, class_id=group.class_id,
                   session_id=current.id if current else None)
            db().commit()
            return redirect(url_for("pupil.home"))
    flash(_("Ce code ne marche pas. Vérifie les lettres et les chiffres."), "error")
    return redirect(url_for("auth.home"))


@bp.post("/deconnexion")
@roles("facilitator", "teacher", "group")
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.home"))


@bp.get("/langue/<code>")
@public
def language(code: str):
    if code in ("fr", "en"):
        session["lang"] = code
    target = request.referrer or url_for("auth.home")
    if not target.startswith(request.host_url):
        target = url_for("auth.home")
    return redirect(target)
