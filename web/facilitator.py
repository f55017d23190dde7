"""The facilitator's screens: the kit, schools, classes and groups."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ground.i18n import _
from kit import throttle
from kit.models import Classroom, Group, School
from kit.network import lan_address
from kit.roster import (
    RosterError,
    anonymise_class,
    create_class,
    create_group,
    create_school,
    delete_class,
    delete_group,
    rename_group,
    roster_warnings,
)
from kit.security import roles
from kit.sessions import open_session_of
from kit.station import db, station
from web.forms import ClassForm, GroupForm, SchoolForm
from web.qr import join_url, qr_svg

bp = Blueprint("facilitator", __name__, url_prefix="/animateur")


@bp.get("/")
@roles("facilitator")
def dashboard():
    schools = list(db().scalars(select(School).order_by(School.name)))
    return render_template("facilitator/dashboard.html", schools=schools,
                           school_form=SchoolForm(), guessing=throttle.alert(db()))


@bp.get("/mallette")
@roles("facilitator")
def kit_page():
    return render_template("facilitator/kit.html", kit=station().kit, report=None)


@bp.post("/mallette/verifier")
@roles("facilitator")
def kit_check():
    """Kit check on arrival: which robots and printers of the inventory answer."""
    from kit.probe import probe_kit

    report = probe_kit(station().kit, timeout=2.0, robot_check=station().robots.check)
    return render_template("facilitator/kit.html", kit=station().kit, report=report)


@bp.post("/ecoles")
@roles("facilitator")
def add_school():
    form = SchoolForm()
    if form.validate_on_submit():
        school = create_school(db(), form.name.data, form.town.data or "", form.kind.data)
        db().commit()
        flash(_("École « %(name)s » ajoutée.", name=school.name), "ok")
        return redirect(url_for("facilitator.school", school_id=school.id))
    for field, errors in form.errors.items():
        flash(f"{getattr(form, field).label.text} : {'; '.join(errors)}", "error")
    return redirect(url_for("facilitator.dashboard"))


def _school_or_404(school_id: int) -> School:
    school = db().get(School, school_id)
    if school is None:
        abort(404)
    return school


def _class_or_404(class_id: int) -> Classroom:
    cls = db().get(Classroom, class_id)
    if cls is None:
        abort(404)
    return cls


@bp.get("/ecoles/<int:school_id>")
@roles("facilitator")
def school(school_id: int):
    return render_template("facilitator/school.html", school=_school_or_404(school_id),
                           class_form=ClassForm())


@bp.post("/ecoles/<int:school_id>/classes")
@roles("facilitator")
def add_class(school_id: int):
    school = _school_or_404(school_id)
    form = ClassForm()
    if form.validate_on_submit():
        cls = create_class(db(), school, form.name.data, form.level.data,
                           form.teacher_name.data or "")
        db().commit()
        flash(_("Classe « %(name)s » créée.", name=cls.name), "ok")
        return redirect(url_for("facilitator.classroom", class_id=cls.id))
    for field, errors in form.errors.items():
        flash(f"{getattr(form, field).label.text} : {'; '.join(errors)}", "error")
    return redirect(url_for("facilitator.school", school_id=school.id))


@bp.get("/classes/<int:class_id>")
@roles("facilitator")
def classroom(class_id: int):
    from web.runner import cycle_view

    cls = _class_or_404(class_id)
    robots = station().kit.robots
    return render_template("facilitator/classroom.html", cls=cls, group_form=GroupForm(),
                           cycle=cycle_view(cls), robots=robots,
                           warnings=roster_warnings(cls, {r.id: r.name for r in robots}))


@bp.post("/classes/<int:class_id>/groupes")
@roles("facilitator")
def add_group(class_id: int):
    cls = _class_or_404(class_id)
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = create_group(db(), cls, form.name.data, form.members.data,
                                 form.girls.data, form.boys.data)
        except RosterError as exc:
            db().rollback()
            flash(str(exc), "error")
        else:
            db().commit()
            flash(_("Groupe « %(name)s » créé : code %(code)s.", name=group.name,
                    code=group.join_code), "ok")
    else:
        for field, errors in form.errors.items():
            flash(f"{getattr(form, field).label.text} : {'; '.join(errors)}", "error")
    return redirect(url_for("facilitator.classroom", class_id=cls.id))


def _group_or_404(group_id: int) -> Group:
    group = db().get(Group, group_id)
    if group is None or group.deleted_at is not None:
        abort(404)
    return group


def _form_saw(group: Group, field: str) -> bool:
    """The form names the group as it was shown; else it changed meanwhile (another tab,
    another adult) and nothing is done, rather than renaming or deleting the wrong one."""
    if request.form.get(field, "") == group.name:
        return True
    flash(_("Le groupe « %(name)s » a changé entre-temps : rechargez la page et "
            "recommencez.", name=group.name), "error")
    return False


@bp.post("/groupes/<int:group_id>/renommer")
@roles("facilitator")
def rename(group_id: int):
    group = _group_or_404(group_id)
    if not _form_saw(group, "shown_name"):
        return redirect(url_for("facilitator.classroom", class_id=group.class_id))
    old = group.name
    try:
        rename_group(db(), group, request.form.get("name", ""))
    except RosterError as exc:
        db().rollback()
        flash(str(exc), "error")
    else:
        db().commit()
        flash(_("Groupe « %(old)s » renommé « %(name)s ».", old=old, name=group.name), "ok")
    return redirect(url_for("facilitator.classroom", class_id=group.class_id))


@bp.post("/groupes/<int:group_id>/supprimer")
@roles("facilitator")
def delete_group_(group_id: int):
    group = _group_or_404(group_id)
    if not _form_saw(group, "confirm"):
        return redirect(url_for("facilitator.classroom", class_id=group.class_id))
    delete_group(db(), group)
    db().commit()
    flash(_("Groupe « %(name)s » supprimé : son code ne marche plus, ce qu'il a fait reste "
            "dans les chiffres.", name=group.name), "ok")
    return redirect(url_for("facilitator.classroom", class_id=group.class_id))


def _station_address() -> str:
    """The address a tablet types: the laptop's address on the kit's network.

    why: the facilitator often browses on the laptop itself (127.0.0.1), an address
    that leads nowhere from a tablet.
    """
    host = request.host
    name, _sep, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    if name in ("127.0.0.1", "localhost", "::1", "[::1]"):
        host = f"{lan_address()}:{port}" if port else lan_address()
    return f"{request.scheme}://{host}"


@bp.get("/classes/<int:class_id>/codes")
@roles("facilitator")
def codes(class_id: int):
    """The join codes, large enough for the projector, each with a QR code to scan."""
    cls = _class_or_404(class_id)
    address = _station_address()
    return render_template("facilitator/codes.html", cls=cls, address=address,
                           cycle_current=open_session_of(db(), cls),
                           join_urls={g.id: join_url(address, g.join_code)
                                      for g in cls.groups})


@bp.get("/groupes/<int:group_id>/qr.svg")
@roles("facilitator")
def qr(group_id: int):
    """The group's QR code: a tablet's camera opens the join page with the code filled."""
    group = _group_or_404(group_id)
    svg = qr_svg(join_url(_station_address(), group.join_code))
    return current_app.response_class(svg, mimetype="image/svg+xml",
                                      headers={"Cache-Control": "no-store"})


@bp.post("/classes/<int:class_id>/anonymiser")
@roles("facilitator")
def anonymise(class_id: int):
    cls = _class_or_404(class_id)
    anonymise_class(db(), cls)
    db().commit()
    flash(_("Prénoms effacés : les groupes et les chiffres restent."), "ok")
    return redirect(url_for("facilitator.classroom", class_id=cls.id))


@bp.post("/classes/<int:class_id>/supprimer")
@roles("facilitator")
def delete(class_id: int):
    cls = _class_or_404(class_id)
    if request.form.get("confirm", "").strip() != cls.name:
        flash(_("Pour supprimer, recopiez exactement le nom de la classe."), "error")
        return redirect(url_for("facilitator.classroom", class_id=cls.id))
    school_id = cls.school_id
    delete_class(db(), cls)
    db().commit()
    flash(_("Classe supprimée avec toutes ses données."), "ok")
    return redirect(url_for("facilitator.school", school_id=school_id))
