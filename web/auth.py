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

from ground.i18n import _
from kit import logins, throttle
from kit.events import GROUP_JOINED, record
from kit.models import Classroom, Facilitator, Group
from kit.security import check_password, hash_password, normalise_code, public, roles
from kit.sessions import open_session_of
from kit.station import db
from web.forms import FacilitatorLoginForm, JoinForm, SetupForm, TeacherForm

bp = Blueprint("auth", __name__)


def _has_facilitator() -> bool:
    return (db().scalar(select(func.count()).select_from(Facilitator)) or 0) > 0


def _start(role: str, **ids: int) -> None:
    """A new login (its row is committed with the caller's transaction)."""
    logins.begin(db(), session, role, **ids)
    session.permanent = False


def _address() -> str:
    return request.remote_addr or "?"


def _throttled(kind: str):  # noqa: ANN202 - a response or None
    """The home page with a 429 and why, when this device or the station tried too often."""
    refused = throttle.refusal(db(), kind, _address())
    if refused is None:
        return None
    if refused.whole_station:
        message = _("Trop de codes faux sur la station ces dernières minutes : les "
                    "connexions reprennent dans %(n)s min. L'animateur ou l'animatrice "
                    "est prévenu·e.", n=refused.minutes)
    else:
        message = _("Trop d'essais faux depuis cet appareil : attends %(n)s min, puis "
                    "réessaie.", n=refused.minutes)
    flash(message, "error")
    return home_page(), 429


def _failed(kind: str) -> None:
    throttle.fail(db(), kind, _address())
    db().commit()


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
    return home_page()


def home_page(code: str = "") -> str:
    return render_template("auth/home.html", join_form=JoinForm(), teacher_form=TeacherForm(),
                           login_form=FacilitatorLoginForm(), code=code)


@bp.get("/rejoindre")
@public
def join_page():
    """Where a group's QR code leads: the code filled in, one tap on "Entrer" joins."""
    if not _has_facilitator():
        return redirect(url_for("auth.setup"))
    # a code is letters and digits: anything else in the address is dropped, not shown
    code = "".join(c for c in normalise_code(request.args.get("code", "")) if c.isalnum())
    return home_page(code[:16])


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
        db().flush()
        _start("facilitator", facilitator_id=fac.id)
        db().commit()
        flash(_("Mot de passe enregistré. Bienvenue !"), "ok")
        return redirect(url_for("facilitator.dashboard"))
    return render_template("auth/setup.html", form=form)


@bp.post("/connexion")
@public
def login():
    form = FacilitatorLoginForm()
    if form.validate_on_submit():
        refused = _throttled("facilitator")
        if refused is not None:
            return refused
        for fac in db().scalars(select(Facilitator)):
            if check_password(fac.password_hash, form.password.data):
                _start("facilitator", facilitator_id=fac.id)
                db().commit()
                return redirect(url_for("facilitator.dashboard"))
        _failed("facilitator")
    flash(_("Mot de passe incorrect."), "error")
    return redirect(url_for("auth.home", _anchor="animateur"))


@bp.post("/enseignant")
@public
def teacher_login():
    form = TeacherForm()
    if form.validate_on_submit():
        refused = _throttled("teacher")
        if refused is not None:
            return refused
        code = form.code.data.strip().upper().replace(" ", "")
        if len(code) == 8:
            code = f"{code[:4]}-{code[4:]}"
        cls = db().scalar(select(Classroom).where(Classroom.access_code == code))
        if cls is not None:
            _start("teacher", class_id=cls.id)
            db().commit()
            return redirect(url_for("teacher.overview"))
        _failed("teacher")
    flash(_("Ce code de classe n'existe pas."), "error")
    return redirect(url_for("auth.home", _anchor="enseignant"))


@bp.post("/rejoindre")
@public
def join():
    form = JoinForm()
    if form.validate_on_submit():
        refused = _throttled("group")
        if refused is not None:
            return refused
        code = normalise_code(form.code.data)
        group = db().scalar(select(Group).where(Group.join_code == code,
                                                Group.deleted_at.is_(None)))
        if group is None:
            _failed("group")
        else:
            current = open_session_of(db(), group.classroom)
            if current is None:
                # why: a code opens nothing between sessions, so a code found by guessing
                # is worth nothing most of the week
                flash(_("Ton code est bon, mais la séance n'a pas encore commencé. Attends "
                        "que l'adulte ouvre la séance, puis tape ton code encore une fois."),
                      "error")
                return redirect(url_for("auth.home"))
            _start("group", group_id=group.id, class_id=group.class_id)
            record(db(), GROUP_JOINED, group_id=group.id, class_id=group.class_id,
                   session_id=current.id)
            db().commit()
            return redirect(url_for("pupil.home"))
    flash(_("Ce code ne marche pas. Vérifie les lettres et les chiffres."), "error")
    return redirect(url_for("auth.home"))


@bp.post("/deconnexion")
@roles("facilitator", "teacher", "group")
def logout():
    logins.end(db(), session)
    db().commit()
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
