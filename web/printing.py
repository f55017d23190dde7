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
from typing import Any

from apiflask import APIBlueprint
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from sqlalchemy import select

from ground.i18n import _, current_language, ngettext
from kit import events
from kit.app import db, error_response, station
from kit.models import Group, PrintJob, PrintPlate, ProgramVersion
from kit.printing import (
    PrintService,
    job_dir,
    job_picture,
    job_report,
    job_view,
    save_job_files,
)
from kit.programs import add_version
from kit.security import roles
from kit.sessions import open_lesson
from lessons.challenges import PrintFacts, check_print_challenge
from printers.gcode import GcodeError
from printers.importing import MeshImportError
from printers.objects import ObjectError, build_mesh, parse_object
from printers.states import state_label
from printers.tasks import MeshWork
from printers.templates import get_template, instantiate
from printers.workers import DEFAULT_WORKERS, WorkerPool, WorkError
from web.pupil import current_group
from web.schemas import PUPIL_ERRORS, ImportIn, ObjectIn

bp = APIBlueprint("printing", __name__, tag="printing")

MAX_OBJECT_BYTES = 256 * 1024
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_GCODE_BYTES = 20 * 1024 * 1024
TEMPLATE_ALIASES = {"robot_accessory": "pen_holder"}
# templates whose size follows the name: (parameter, mm to add to the text's width)
TEMPLATE_FIT = {"name_tag": ("length", 22), "badge": ("diameter", 14)}
ACTIVE = ("submitted", "approved", "sliced", "queued", "printing")


@bp.record_once
def _setup(state) -> None:  # noqa: ANN001
    app = state.app
    st = app.extensions["mallette"]
    service = PrintService(st.kit, st.sessions, st.data_dir,
                           speedup=float(app.config.get("PRINT_SPEEDUP", 120.0)),
                           batch_delay=float(app.config.get("PRINT_BATCH_DELAY", 20.0)))
    app.extensions["mallette_printing"] = service
    # mesh work runs in worker processes, started with the server (or at the first task)
    app.extensions["mallette_mesh"] = MeshWork(WorkerPool(
        int(app.config.get("MESH_WORKERS", DEFAULT_WORKERS))))
    # why: only a serving station drives the printers; a command that builds the app to
    # seed or read the database (``demo --no-serve``, tests) must leave no thread behind
    if app.config.get("PRINT_WORKER"):
        service.start()


def service() -> PrintService:
    return current_app.extensions["mallette_printing"]


def mesh_work() -> MeshWork:
    return current_app.extensions["mallette_mesh"]


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


def _latest_object(group: Group) -> ProgramVersion | None:
    return db().scalar(select(ProgramVersion).where(
        ProgramVersion.group_id == group.id, ProgramVersion.kind == "object")
        .order_by(ProgramVersion.version.desc()).limit(1))


def _blocks(node: Any, out: list[str]) -> list[str]:
    if isinstance(node, dict):
        if "block" in node:
            out.append(str(node["block"]))
        for child in node.get("children", []) or []:
            _blocks(child, out)
    return out


def _save_object(group: Group, sess, doc: dict[str, Any]) -> ProgramVersion:  # noqa: ANN001
    """A new version of the group's object (the same object twice makes no new version)."""
    latest = _latest_object(group)
    if latest is not None and latest.program == doc:
        return latest
    version = add_version(db(), group, sess, "object", doc)
    events.record(db(), events.PROGRAM_SAVED, group_id=group.id, class_id=group.class_id,
                  session_id=sess.id if sess else None, version=version.version, kind="object",
                  blocks=len(_blocks(doc.get("root"), [])))
    return version


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


def _active_job(group: Group) -> PrintJob | None:
    return db().scalar(select(PrintJob).where(PrintJob.group_id == group.id,
                                              PrintJob.state.in_(ACTIVE)).limit(1))


def _create_job(group: Group, sess, report, *, title: str, source: str,  # noqa: ANN001
                doc: dict[str, Any] | None, picture: bytes | None = None) -> PrintJob:
    job = PrintJob(group_id=group.id, session_id=sess.id if sess else None, title=title[:80],
                   source=source, object_model=doc, state="submitted",
                   estimated_seconds=int(report.estimate.print_time_s) if report.estimate
                   else None,
                   filament_g=report.estimate.filament_g if report.estimate else None)
    db().add(job)
    db().flush()
    events.record(db(), events.PRINT_REQUESTED, group_id=group.id, class_id=group.class_id,
                  session_id=job.session_id, job_id=job.id, title=job.title)
    save_job_files(station().data_dir, job, report, picture)
    return job


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
    latest = _latest_object(group)
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
    rows = db().scalars(select(ProgramVersion).where(
        ProgramVersion.group_id == current_group().id, ProgramVersion.kind == "object")
        .order_by(ProgramVersion.version.desc()))
    return {"versions": [{"version": v.version, "created_at": v.created_at.isoformat()}
                         for v in rows]}


@bp.get("/api/v1/group/object/versions/<int:version>")
@bp.doc(summary="Une version de l'objet", responses=[200, *PUPIL_ERRORS, 404])
@roles("group")
def object_version(version: int):
    found = db().scalar(select(ProgramVersion).where(
        ProgramVersion.group_id == current_group().id, ProgramVersion.kind == "object",
        ProgramVersion.version == version))
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
    data = _object_body()
    if data is None:
        return error_response(400, _("Il manque l'objet (champ « object »)."))
    sess, _lesson = open_lesson(db(), group.classroom)
    try:
        parse_object(data["object"])
    except ObjectError as exc:
        return _object_refused(exc)
    version = _save_object(group, sess, data["object"])
    db().commit()
    cfg = service().default_printer()
    if cfg is None:
        return error_response(409, _("La mallette n'a pas d'imprimante."))
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


def _challenge_verdict(lesson, challenge_id: str | None, report, doc) -> dict | None:  # noqa: ANN001
    if lesson is None or not challenge_id:
        return None
    challenge = lesson.challenge(challenge_id)
    if challenge is None:
        return None
    used = _blocks(doc.get("root"), []) if doc else []
    facts = PrintFacts(printable=report.printable,
                       print_minutes=(report.estimate.print_time_s / 60
                                      if report.estimate else None),
                       blocks_used=set(used), block_count=len(used))
    return check_print_challenge(challenge, facts).as_dict()


@bp.post("/api/v1/group/object/submit")
@bp.input(ObjectIn)
@bp.doc(summary="Imprimer : vérifier l'objet, puis l'envoyer à l'animateur·rice",
        responses=[201, *PUPIL_ERRORS, 409, 413, 422])
@roles("group")
def submit(json_data: dict[str, Any]):
    """'Imprimer': check the object fully; a printable one waits for the facilitator."""
    group = current_group()
    data = _object_body()
    if data is None:
        return error_response(400, _("Il manque l'objet (champ « object »)."))
    sess, lesson = open_lesson(db(), group.classroom)
    if sess is None:
        return error_response(409, _("Aucune séance n'est ouverte pour ta classe."))
    doc = data["object"]
    try:
        parse_object(doc)
    except ObjectError as exc:
        return _object_refused(exc)
    version = _save_object(group, sess, doc)
    db().commit()
    if _active_job(group) is not None:
        return error_response(409, _("Ton objet précédent n'est pas encore imprimé : attends "
                                     "qu'il soit fini avant d'en envoyer un autre."))
    cfg = service().default_printer()
    if cfg is None:
        return error_response(409, _("La mallette n'a pas d'imprimante."))
    try:
        checked = mesh_work().check_object(doc, service().profiles[cfg.id])
    except (ObjectError, WorkError) as exc:
        return _work_refused(exc, version=version.version)
    report = checked.report
    rd = report.to_dict()
    verdict = _challenge_verdict(lesson, data.get("challenge"), report, doc)

    def record_verdict(job_id: int | None) -> None:
        # why: with a job, the pass counts only once the facilitator accepts it (kit.verdicts)
        if verdict is not None:
            events.record(db(), events.CHALLENGE_CHECKED, group_id=group.id,
                          class_id=group.class_id, session_id=sess.id,
                          challenge=verdict["challenge"], session_number=sess.number,
                          passed=verdict["passed"], failed=verdict["failed_criteria"],
                          version=version.version, skills=lesson.skills(), job_id=job_id)

    if not report.printable:
        record_verdict(None)
        db().commit()
        return error_response(422, _("Ton objet ne peut pas encore être imprimé : regarde "
                                     "ce qui ne va pas."), findings=_pupil_findings(rd),
                              version=version.version, challenge=verdict)
    title = str(doc.get("name") or "").strip() or group.name
    job = _create_job(group, sess, report, title=f"{title} — {group.name}", source="blocks",
                      doc=doc, picture=checked.picture)
    record_verdict(job.id)
    db().commit()
    return {"job": job_view(db(), job), "findings": _pupil_findings(rd),
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
    if _active_job(group) is not None:
        return error_response(409, _("Ton objet précédent n'est pas encore imprimé : attends "
                                     "qu'il soit fini avant d'en envoyer un autre."))
    cfg = service().default_printer()
    if cfg is None:
        return error_response(409, _("La mallette n'a pas d'imprimante."))
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
    title = Path(upload.filename).stem[:40] or _("Fichier importé")
    job = _create_job(group, sess, report, title=f"{title} — {group.name}",
                      source=imported.file_type, doc=None, picture=imported.picture)
    (job_dir(station().data_dir, job.id) / f"original.{imported.file_type}").write_bytes(data)
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
    waiting = [j for j in jobs if j.state == "submitted"]
    running = [j for j in jobs if j.state in ("approved", "sliced", "queued", "printing")]
    finished = [j for j in jobs if j.state in ("refused", "done", "failed", "cancelled")]
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
    job = PrintJob(group_id=None, session_id=None, title=Path(name).stem[:60],
                   source="gcode", state="submitted", printer_id=cfg.id)
    db().add(job)
    db().flush()
    path = job_dir(station().data_dir, job.id) / "upload.gcode"
    path.write_bytes(data)
    job.file_path = str(path)
    if role == "facilitator":
        service().approve(db(), job)
    db().commit()
    if request.accept_mimetypes.best == "application/json":
        return {"job": job_view(db(), job)}, 201
    flash(_("G-code accepté pour « %(p)s ».", p=cfg.name), "ok")
    if role == "facilitator":
        return redirect(url_for("printing.queue_page")), 303
    return redirect(url_for("printing.gcode_form")), 303
