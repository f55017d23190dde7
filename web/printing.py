"""Printing screens and API: the pupils' 3D editor and print status, the facilitator's queue.

One blueprint: the pupils' pages (``/groupe/objet``) and JSON API
(``/api/v1/group/object…``, ``/api/v1/group/prints``), the facilitator's print queue
(``/animateur/impressions``) and the G-code upload a teacher may use too. Registering
it creates the station's :class:`kit.printing.PrintService` and, outside tests, starts
its worker thread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

from apiflask import APIBlueprint
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from sqlalchemy import select

from ground.config import PrinterConfig
from ground.i18n import _, current_language, ngettext
from kit.models import Group, PrintJob, PrintPlate, ProgramVersion, Session
from kit.printing import PrintService, active_job, job_picture, job_report, job_view
from kit.programs import get_version, latest_version, list_versions, save_object
from kit.security import roles
from kit.sessions import open_lesson
from kit.station import db, station
from printers.gcode import GcodeError
from printers.importing import MeshImportError
from printers.objects import ObjectError, build_mesh, parse_object
from printers.states import FINAL, JobStatus, state_label
from printers.tasks import MeshWork
from printers.templates import get_template, instantiate
from printers.workers import WorkError
from web.errors import error_response
from web.pupil import current_group
from web.schemas import PUPIL_ERRORS, ImportIn, ObjectIn

bp = APIBlueprint("printing", __name__, tag="printing")

MAX_OBJECT_BYTES = 256 * 1024
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_GCODE_BYTES = 20 * 1024 * 1024
TEMPLATE_ALIASES = {"robot_accessory": "pen_holder"}
# templates whose size follows the name: (parameter, mm to add to the text's width)
TEMPLATE_FIT = {"name_tag": ("length", 22), "badge": ("diameter", 14)}


def service() -> PrintService:
    return station().printing


def mesh_work() -> MeshWork:
    return station().mesh


# -- helpers ------------------------------------------------------------------------
def _start_object(group: Group, template_id: str | None) -> dict[str, Any]:
    """The session's template, with the group's name where the template has a name."""
    tid = TEMPLATE_ALIASES.get(template_id or "", template_id or "name_tag")
    try:
        template = get_template(tid)
    except ObjectError:
        tid, template = "name_tag", get_template("name_tag")
    spec = template["parameters"].get("name")
    if spec:
        # why: never cut ("Les Pingouins" lost its s): the text shrinks to fit (max_width)
        name = group.name
        params: dict[str, Any] = {"name": name}
        fit = TEMPLATE_FIT.get(tid)
        if fit:  # make the plate long enough for the group's name, within the template's range
            key, extra = fit
            try:
                width = float(build_mesh({"version": 1, "root": {
                    "block": "text", "text": name, "size": template["parameters"]["letter"]
                    ["default"], "height": 1}}).extents[0])
            except ObjectError:
                width = 0.0
            bounds = template["parameters"][key]
            params[key] = round(min(bounds["max"], max(bounds["default"], width + extra)))
        try:
            return instantiate(tid, **params)
        except ObjectError:
            pass
    return instantiate(tid)


def _object_body() -> dict[str, Any] | None:
    if (request.content_length or 0) > MAX_OBJECT_BYTES:
        abort(413)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return None
    return data


def _object_refused(exc: ObjectError):  # noqa: ANN202
    return error_response(422, str(exc), block_id=exc.block_id)


def _work_refused(exc: Exception, **extra: Any):  # noqa: ANN202
    """A refusal from mesh work: the object's block, a file's reason, or a limit hit."""
    if isinstance(exc, ObjectError):
        extra["block_id"] = exc.block_id
    if isinstance(exc, WorkError):
        return error_response(exc.status, str(exc), **exc.extra, **extra)
    return error_response(422, str(exc), **extra)


def _with_mesh(body: dict[str, Any], mesh_json: str, status: int = 200):  # noqa: ANN202
    """``body`` as JSON with the preview mesh the worker already wrote as JSON text."""
    text = json.dumps(body, ensure_ascii=False)
    return current_app.response_class(f'{text[:-1]}, "mesh": {mesh_json}}}', status=status,
                                      mimetype="application/json")


def _pupil_findings(report: dict[str, Any]) -> list[dict[str, str]]:
    return [{"code": f["code"], "severity": f["severity"], "message": f["message"]}
            for f in report["findings"]]


def _bed(cfg) -> dict[str, Any] | None:  # noqa: ANN001
    if cfg is None:
        return None
    bv = cfg.build_volume
    return {"id": cfg.id, "name": cfg.name, "x": bv.x, "y": bv.y, "z": bv.z,
            "margin": cfg.margin_mm}


def _group_jobs(group: Group) -> list[dict[str, Any]]:
    jobs = db().scalars(select(PrintJob).where(PrintJob.group_id == group.id)
                        .order_by(PrintJob.id.desc()).limit(10))
    out = []
    for job in jobs:
        view = job_view(db(), job)
        view["picture"] = url_for("printing.job_image", job_id=job.id) \
            if job_picture(job) else None
        out.append(view)
    return out


def _refuse(status: int, message: str, **extra: Any) -> NoReturn:
    """Stop the request with this error answer (for the steps the handlers share)."""
    abort(make_response(error_response(status, message, **extra)))


def _printer() -> PrinterConfig:
    """The printer pupils' objects are checked for (409 when the kit has none)."""
    cfg = service().default_printer()
    if cfg is None:
        _refuse(409, _("La mallette n'a pas d'imprimante."))
    return cfg


def _one_print_at_a_time(group: Group) -> None:
    if active_job(db(), group) is not None:
        _refuse(409, _("Ton objet précédent n'est pas encore imprimé : attends qu'il soit "
                       "fini avant d'en envoyer un autre."))


def _posted_object(group: Group, *, need_session: bool
                   ) -> tuple[Session | None, Any, dict[str, Any], ProgramVersion]:
    """The start preview and submit share: the posted object, parsed, then saved as the
    group's next version (committed, so an edit is never lost to a failed check).
    Returns (session, lesson, posted body, version)."""
    data = _object_body()
    if data is None:
        _refuse(400, _("Il manque l'objet (champ « object »)."))
    sess, lesson = open_lesson(db(), group.classroom)
    if need_session and sess is None:
        _refuse(409, _("Aucune séance n'est ouverte pour ta classe."))
    doc = data["object"]
    try:
        parse_object(doc)
    except ObjectError as exc:
        abort(make_response(_object_refused(exc)))
    version = save_object(db(), group, sess, doc)
    db().commit()
    return sess, lesson, data, version


# -- pupils: pages --------------------------------------------------------------------
@bp.get("/groupe/objet")
@roles("group")
def editor():
    group = current_group()
    sess, lesson = open_lesson(db(), group.classroom)
    if sess is None:
        return redirect(url_for("pupil.home"))
    return render_template("printing/editor.html", group=group, sess=sess, lesson=lesson)


# -- pupils: API ----------------------------------------------------------------------
@bp.get("/api/v1/group/object")
@bp.doc(summary="La séance d'impression : blocs, défis, objet de départ, plateau, travaux",
        responses=[200, *PUPIL_ERRORS])
@roles("group")
def object_session():
    """The printing session: toolbox, challenges, starting object, printer bed, jobs."""
    group = current_group()
    sess, lesson = open_lesson(db(), group.classroom)
    lang = current_language()
    out: dict[str, Any] = {"group": {"id": group.id, "name": group.name},
                           "open": sess is not None,
                           "printer": _bed(service().default_printer()),
                           "jobs": _group_jobs(group)}
    if sess is None:
        return out
    latest = latest_version(db(), group, "object")
    out["session"] = {
        "number": sess.number, "kind": lesson.kind, "title": lesson.title.get(lang),
        "toolbox": list(lesson.object_blocks) or ["box", "cylinder", "sphere", "text",
                                                   "translate", "rotate", "scale", "union",
                                                   "difference", "repeat"],
        "template": lesson.template,
        "challenges": [{"id": c.id, "title": c.title.get(lang), "hint": c.hint.get(lang)}
                       for c in lesson.challenges],
    }
    out["object"] = latest.program if latest else _start_object(group, lesson.template)
    out["version"] = latest.version if latest else None
    return out


@bp.get("/api/v1/group/object/versions")
@bp.doc(summary="Les versions enregistrées de l'objet du groupe",
        responses=[200, *PUPIL_ERRORS])
@roles("group")
def object_versions():
    rows = list_versions(db(), current_group(), "object")
    return {"versions": [{"version": v.version, "created_at": v.created_at.isoformat()}
                         for v in rows]}


@bp.get("/api/v1/group/object/versions/<int:version>")
@bp.doc(summary="Une version de l'objet", responses=[200, *PUPIL_ERRORS, 404])
@roles("group")
def object_version(version: int):
    found = get_version(db(), current_group(), version, "object")
    if found is None:
        abort(404)
    return {"version": found.version, "object": found.program}


@bp.post("/api/v1/group/object/preview")
@bp.input(ObjectIn)
@bp.doc(summary="Enregistrer l'objet et le prévisualiser (maillage, verdict rapide)",
        responses=[200, *PUPIL_ERRORS, 409, 413, 422])
@roles("group")
def preview(json_data: dict[str, Any]):
    """Save the object (new version), build its mesh, give a quick printability verdict."""
    group = current_group()
    _sess, _lesson, data, version = _posted_object(group, need_session=False)
    cfg = _printer()
    try:
        out = mesh_work().preview(data["object"], service().profiles[cfg.id], key=group.id)
    except (ObjectError, WorkError) as exc:
        return _work_refused(exc, version=version.version)
    rd = out["report"]
    # why: the preview's time is a rough guess from the volume; the pupil reads the one
    # estimate the facilitator reads (the slicer's, on the print) once "Imprimer" is pressed
    findings = [f for f in _pupil_findings(rd) if f["code"] != "estimate"]
    return _with_mesh({"version": version.version, "printable": rd["printable"],
                       "findings": findings, "extents_mm": rd["extents_mm"],
                       "triangles": rd["triangles"], "printer": _bed(cfg)}, out["mesh_json"])


@bp.post("/api/v1/group/object/submit")
@bp.input(ObjectIn)
@bp.doc(summary="Imprimer : vérifier l'objet, puis l'envoyer à l'animateur·rice",
        responses=[201, *PUPIL_ERRORS, 409, 413, 422])
@roles("group")
def submit(json_data: dict[str, Any]):
    """'Imprimer': check the object fully; a printable one waits for the facilitator."""
    group = current_group()
    sess, lesson, data, version = _posted_object(group, need_session=True)
    doc = data["object"]
    _one_print_at_a_time(group)
    cfg = _printer()
    try:
        checked = mesh_work().check_object(doc, service().profiles[cfg.id])
    except (ObjectError, WorkError) as exc:
        return _work_refused(exc, version=version.version)
    job, verdict = service().request_object(
        db(), group, sess, lesson, doc, version, checked.report, picture=checked.picture,
        challenge_id=data.get("challenge"))
    db().commit()
    findings = _pupil_findings(checked.report.to_dict())
    if job is None:
        return error_response(422, _("Ton objet ne peut pas encore être imprimé : regarde "
                                     "ce qui ne va pas."), findings=findings,
                              version=version.version, challenge=verdict)
    return {"job": job_view(db(), job), "findings": findings,
            "version": version.version, "challenge": verdict}, 201


@bp.post("/api/v1/group/object/import")
@bp.input(ImportIn, location="files")
@bp.doc(summary="Importer un fichier STL, 3MF ou OBJ à imprimer",
        responses=[201, *PUPIL_ERRORS, 409, 413, 422])
@roles("group")
def import_file(files_data: dict[str, Any]):
    """A file from the tablet (STL, 3MF, OBJ): checked, then waiting for the facilitator."""
    group = current_group()
    sess, _lesson = open_lesson(db(), group.classroom)
    if sess is None:
        return error_response(409, _("Aucune séance n'est ouverte pour ta classe."))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return error_response(400, _("Choisis un fichier STL, 3MF ou OBJ."))
    data = upload.stream.read(MAX_IMPORT_BYTES + 1)
    _one_print_at_a_time(group)
    cfg = _printer()
    try:
        imported = mesh_work().check_import(data, Path(upload.filename).name,
                                            MAX_IMPORT_BYTES, service().profiles[cfg.id])
    except (MeshImportError, WorkError) as exc:
        return _work_refused(exc)
    report = imported.report
    rd = report.to_dict()
    if not report.printable:
        return _with_mesh({"status": 422, "message": _(
            "Ce fichier ne peut pas être imprimé : regarde ce qui ne va pas."),
            "findings": _pupil_findings(rd)}, imported.mesh_json, 422)
    job = service().request_file(db(), group, sess, report, filename=upload.filename,
                                 file_type=imported.file_type, data=data,
                                 picture=imported.picture)
    db().commit()
    return _with_mesh({"job": job_view(db(), job), "findings": _pupil_findings(rd),
                       "repairs": imported.repairs}, imported.mesh_json, 201)


@bp.get("/api/v1/group/prints")
@bp.doc(summary="Les travaux d'impression du groupe", responses=[200, *PUPIL_ERRORS])
@roles("group")
def group_prints():
    return {"jobs": _group_jobs(current_group())}


@bp.get("/impressions/<int:job_id>/image.png")
@roles("group", "facilitator", "teacher")
def job_image(job_id: int):
    job = db().get(PrintJob, job_id)
    if job is None:
        abort(404)
    role = session.get("role")
    if role == "group" and job.group_id != session.get("group_id"):
        abort(404)
    if role == "teacher":
        group = db().get(Group, job.group_id) if job.group_id else None
        if group is None or group.class_id != session.get("class_id"):
            abort(404)
    picture = job_picture(job)
    if picture is None:
        abort(404)
    return send_file(picture, mimetype="image/png", max_age=0)


# -- facilitator ----------------------------------------------------------------------
def _job_rows(jobs: list[PrintJob]) -> list[dict[str, Any]]:
    rows = []
    for job in jobs:
        group = db().get(Group, job.group_id) if job.group_id else None
        view = job_view(db(), job)
        view.update(group=group.name if group else _("Adultes"),
                    report=job_report(job),
                    picture=url_for("printing.job_image", job_id=job.id)
                    if job_picture(job) else None)
        rows.append(view)
    return rows


@bp.get("/animateur/impressions")
@roles("facilitator")
def queue_page():
    jobs = list(db().scalars(select(PrintJob).order_by(PrintJob.id.desc()).limit(200)))
    waiting = [j for j in jobs if j.state == JobStatus.SUBMITTED]
    running = [j for j in jobs if j.state not in FINAL and j.state != JobStatus.SUBMITTED]
    finished = [j for j in jobs if j.state in FINAL]
    plates = list(db().scalars(select(PrintPlate).order_by(PrintPlate.created_at.desc())
                               .limit(30)))
    plate_groups = {}
    for plate in plates:
        names = set()
        for job in db().scalars(select(PrintJob).where(PrintJob.plate_id == plate.id)):
            group = db().get(Group, job.group_id) if job.group_id else None
            names.add(group.name if group else _("Adultes"))
        plate_groups[plate.id] = sorted(names)
    return render_template("printing/queue.html", waiting=_job_rows(waiting),
                           running=_job_rows(running), finished=_job_rows(finished[:40]),
                           plates=plates, plate_groups=plate_groups,
                           printers=service().statuses(), state_label=state_label,
                           worker_error=service().last_error,
                           printer_names={p.id: p.name for p in station().kit.printers})


def _job_or_404(job_id: int) -> PrintJob:
    job = db().get(PrintJob, job_id)
    if job is None:
        abort(404)
    return job


def _decide(job_id: int, action) -> Any:  # noqa: ANN001
    job = _job_or_404(job_id)
    try:
        message = action(job)
    except ValueError as exc:
        db().rollback()
        if request.accept_mimetypes.best == "application/json":
            return error_response(409, str(exc))
        flash(str(exc), "error")
        return redirect(url_for("printing.queue_page")), 303
    db().commit()
    if request.accept_mimetypes.best == "application/json":
        return {"job": job_view(db(), job)}
    flash(message, "ok")
    return redirect(url_for("printing.queue_page")), 303


@bp.post("/animateur/impressions/<int:job_id>/accepter")
@roles("facilitator")
def approve(job_id: int):
    def act(job: PrintJob) -> str:
        service().approve(db(), job)
        return _("« %(t)s » est acceptée : elle sera préparée puis imprimée.", t=job.title)
    return _decide(job_id, act)


@bp.post("/animateur/impressions/<int:job_id>/refuser")
@roles("facilitator")
def refuse(job_id: int):
    def act(job: PrintJob) -> str:
        service().refuse(db(), job, request.form.get("reason", ""))
        return _("« %(t)s » est refusée ; le groupe voit pourquoi.", t=job.title)
    return _decide(job_id, act)


@bp.post("/animateur/impressions/<int:job_id>/annuler")
@roles("facilitator")
def cancel(job_id: int):
    def act(job: PrintJob) -> str:
        service().cancel(db(), job)
        return _("Impression annulée.")
    return _decide(job_id, act)


@bp.post("/animateur/impressions/<int:job_id>/relancer")
@roles("facilitator")
def retry(job_id: int):
    def act(job: PrintJob) -> str:
        if request.form.get("bed_clear") != "1":
            raise ValueError(_("Cochez « le plateau est vide » avant de relancer : une pièce "
                               "restée dessus casserait l'impression."))
        service().retry(db(), job)
        return _("L'impression repart dès que l'imprimante est libre.")
    return _decide(job_id, act)


@bp.post("/animateur/impressions/preparer")
@roles("facilitator")
def plan_now():
    """Batch and slice the approved jobs now instead of waiting for more approvals."""
    service().tick(force_batch=True)
    flash(_("Les impressions acceptées sont préparées."), "ok")
    return redirect(url_for("printing.queue_page")), 303


@bp.get("/animateur/impressions/plateaux/<plate_id>.png")
@roles("facilitator", "teacher")
def plate_image(plate_id: str):
    plate = db().get(PrintPlate, plate_id)
    if plate is None or not plate.png_path or not Path(plate.png_path).is_file():
        abort(404)
    if session.get("role") == "teacher":
        # why: a plate can hold several classes' objects; a teacher sees only a plate whose
        # every pupil object is from their class
        classes = {g.class_id if g else None for g in (
            db().get(Group, job.group_id) if job.group_id else None
            for job in db().scalars(select(PrintJob).where(PrintJob.plate_id == plate.id)))}
        if classes != {session.get("class_id")}:
            abort(404)
    return send_file(plate.png_path, mimetype="image/png", max_age=0)


@bp.get("/animateur/impressions/gcode")
@roles("facilitator", "teacher")
def gcode_form():
    return render_template("printing/gcode.html", printers=station().kit.printers,
                           report=None, filename=None)


@bp.post("/animateur/impressions/gcode")
@roles("facilitator", "teacher")
def gcode_upload():
    """A G-code file from an adult's own slicer, accepted only within the printer's limits."""
    printers = station().kit.printers
    cfg = station().kit.printer(request.form.get("printer", "")) or (
        printers[0] if printers else None)
    upload = request.files.get("file")
    if cfg is None:
        return error_response(409, _("La mallette n'a pas d'imprimante."))
    if upload is None or not upload.filename:
        return error_response(400, _("Choisissez un fichier G-code."))
    name = Path(upload.filename).name
    if Path(name).suffix.lower() not in (".gcode", ".gco", ".g"):
        return error_response(422, _("Fichier « %(n)s » : ce n'est pas un fichier G-code "
                                     "(.gcode).", n=name))
    data = upload.stream.read(MAX_GCODE_BYTES + 1)
    try:
        if len(data) > MAX_GCODE_BYTES:
            raise GcodeError(_("Fichier « %(n)s » : trop gros (20 Mo au plus).", n=name))
        report = mesh_work().check_gcode(data, name, service().profiles[cfg.id])
    except (GcodeError, WorkError) as exc:
        return _work_refused(exc)
    if not report.ok:
        status = 422
        if request.accept_mimetypes.best == "application/json":
            problems = len(report.violations) + report.more_violations
            return error_response(422, ngettext("G-code refusé : %(num)s problème pour "
                                                "l'imprimante « %(p)s ».",
                                                "G-code refusé : %(num)s problèmes pour "
                                                "l'imprimante « %(p)s ».", problems, p=cfg.name),
                                  violations=[{"line": v.line, "command": v.command,
                                               "message": v.message}
                                              for v in report.violations])
        return render_template("printing/gcode.html", printers=printers, report=report,
                               filename=name, printer=cfg), status
    role = session.get("role")
    job = service().add_gcode(db(), cfg.id, name, data, approve=role == "facilitator")
    db().commit()
    if request.accept_mimetypes.best == "application/json":
        return {"job": job_view(db(), job)}, 201
    flash(_("G-code accepté pour « %(p)s ».", p=cfg.name), "ok")
    if role == "facilitator":
        return redirect(url_for("printing.queue_page")), 303
    return redirect(url_for("printing.gcode_form")), 303
