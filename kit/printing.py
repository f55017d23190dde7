"""Printing in the station: the service that ties the printing library to the database.

The printing library (``printers/``) knows meshes, checks, slicing, plates, printers'
back-ends (OctoPrint, the simulated printer), the states of a print and the life of one
print order; this module ties it to the station:

- a group's object becomes a :class:`kit.models.PrintJob` row (its checked mesh and
  picture are files in the data folder), with its ``print.requested`` event;
- approved jobs are batched onto plates (:class:`kit.models.PrintPlate`, one G-code
  each); a plate is the unit the library's :class:`printers.queue.Dispatcher` sends to a
  printer, its order (``PrintOrder.to_dict``) is stored with it so a restart loses
  nothing and never prints twice;
- :class:`PrintService` runs the cycle (plan, slice, dispatch, follow) in a background
  thread; every change of a job's state goes through :func:`set_job_state`, which writes
  the event that goes with it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import trimesh
from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from ground.config import KitConfig, PrinterConfig
from ground.i18n import _
from kit import events
from kit.models import Group, PrintJob, PrintPlate, ProgramVersion, Session, utcnow
from lessons.challenges import PrintFacts, check_print_challenge
from printers.backends import PrinterStatus, make_backend, printer_status
from printers.checks import CheckReport, estimate_words
from printers.objects import blocks_used
from printers.octoprint import OctoPrintError, PrinterOfflineError
from printers.plates import PlateError, PlateItem, pack, render_plate_png, slice_plate
from printers.profiles import PrinterProfile, UnknownPrinterError, profile_from_kit_printer
from printers.queue import Dispatcher, PrinterSlot, PrintOrder
from printers.render import render_object_png
from printers.slicing import SlicerError, read_estimates
from printers.states import ACTIVE, FINAL, JobStatus, state_icon, state_label

log = logging.getLogger(__name__)


# -- profiles ---------------------------------------------------------------------
def profile_for(cfg: PrinterConfig) -> PrinterProfile:
    """The library's profile of a kit printer (the generic slicer profile if its own is missing)."""
    entry = cfg.model_dump()
    try:
        return profile_from_kit_printer(entry)
    except UnknownPrinterError:
        log.warning("printer %s: slicer profile %s not found, generic profile used", cfg.id,
                    cfg.slicer_profile)
        return profile_from_kit_printer({**entry, "slicer_profile": None})


# -- files of a job -----------------------------------------------------------------
def job_dir(data_dir: Path, job_id: int) -> Path:
    path = data_dir / "prints" / f"job-{job_id}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_job_files(data_dir: Path, job: PrintJob, report: CheckReport,
                   picture: bytes | None = None) -> None:
    """Keep the checked (oriented) mesh, the check report and a top-view picture (drawn
    here unless a mesh worker already drew it: ``picture``)."""
    folder = job_dir(data_dir, job.id)
    mesh_path = folder / "object.stl"
    report.mesh.export(mesh_path, file_type="stl")
    job.file_path = str(mesh_path)
    (folder / "check.json").write_text(json.dumps(report.to_dict(), ensure_ascii=False))
    if picture is not None:
        (folder / "picture.png").write_bytes(picture)
        return
    try:
        render_object_png(report.mesh, folder / "picture.png")
    except (OSError, ValueError) as exc:  # a picture is a comfort, never a reason to fail
        log.info("no picture for job %s: %s", job.id, exc)


def job_report(job: PrintJob) -> dict[str, Any] | None:
    if not job.file_path:
        return None
    path = Path(job.file_path).parent / "check.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def job_picture(job: PrintJob) -> Path | None:
    if not job.file_path:
        return None
    path = Path(job.file_path).parent / "picture.png"
    return path if path.is_file() else None


def objects_printed(db: DbSession, *, group_id: int | None = None,
                    class_id: int | None = None) -> int:
    """How many objects were printed (``print.finished`` with state ``done``)."""
    evs = events.events_for(db, group_id=group_id, class_id=class_id,
                            types=(events.PRINT_FINISHED,))
    return sum(1 for e in evs if e.payload.get("state") == "done")


def active_job(db: DbSession, group: Group) -> PrintJob | None:
    """The group's print still waiting, being prepared or printing (one at a time)."""
    return db.scalar(select(PrintJob).where(PrintJob.group_id == group.id,
                                            PrintJob.state.in_(ACTIVE)).limit(1))


def print_verdict(lesson: Any, challenge_id: str | None, report: CheckReport,
                  doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """A printing challenge checked against what the library measured of the object."""
    if lesson is None or not challenge_id:
        return None
    challenge = lesson.challenge(challenge_id)
    if challenge is None:
        return None
    used = blocks_used(doc)
    facts = PrintFacts(printable=report.printable,
                       print_minutes=(report.estimate.print_time_s / 60
                                      if report.estimate else None),
                       blocks_used=set(used), block_count=len(used))
    return check_print_challenge(challenge, facts).as_dict()


def _record_state_change(db: DbSession, job: PrintJob, old: str) -> None:
    if job.state == old:
        return
    group = db.get(Group, job.group_id) if job.group_id else None
    where = {"group_id": job.group_id, "session_id": job.session_id,
             "class_id": group.class_id if group else None}
    if job.state == JobStatus.APPROVED and old == JobStatus.SUBMITTED:
        events.record(db, events.PRINT_APPROVED, **where, job_id=job.id, title=job.title)
    elif job.state == JobStatus.REFUSED:
        events.record(db, events.PRINT_REFUSED, **where, job_id=job.id, title=job.title,
                      reason=job.refusal_reason or "")
    elif job.state == JobStatus.QUEUED:
        events.record(db, events.PRINT_QUEUED, **where, job_id=job.id, title=job.title)
    elif job.state in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED):
        events.record(db, events.PRINT_FINISHED, **where, job_id=job.id, title=job.title,
                      state=job.state)


def set_job_state(db: DbSession, job: PrintJob, state: JobStatus,
                  reason: str | None = None) -> None:
    """Change a job's state and write the event that goes with it."""
    old = job.state
    job.state = JobStatus(state).value  # the row keeps plain text
    if reason is not None:
        job.refusal_reason = reason
    _record_state_change(db, job, old)


# -- the service ----------------------------------------------------------------------
class PrintService:
    """The station's printing: back-ends of the kit's printers, the plan and the worker."""

    def __init__(self, kit: KitConfig, sessions, data_dir: Path, *, speedup: float = 120.0,
                 batch_delay: float = 20.0, interval: float = 2.0) -> None:
        self.kit = kit
        self.sessions = sessions
        self.data_dir = data_dir
        self.batch_delay = batch_delay
        self.interval = interval
        self.configs = {p.id: p for p in kit.printers}
        self.profiles = {p.id: profile_for(p) for p in kit.printers}
        self.backends = {p.id: make_backend(p, speedup=speedup) for p in kit.printers}
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    # -- printers --------------------------------------------------------------
    def default_printer(self) -> PrinterConfig | None:
        return self.kit.printers[0] if self.kit.printers else None

    def statuses(self) -> list[PrinterStatus]:
        return [printer_status(cfg, self.backends[cfg.id]) for cfg in self.kit.printers]

    def _dispatcher(self, printer_id: str) -> Dispatcher:
        return Dispatcher([PrinterSlot(printer_id, self.backends[printer_id],
                                       profile_id=printer_id)])

    # -- the worker ------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mallette-printing",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        lock = _WorkerLock(self.data_dir / "prints" / "worker.lock")
        while not self._stop.is_set() and not lock.acquire():
            # another station process drives the printers of this data folder
            self._stop.wait(self.interval * 5)
        while not self._stop.is_set():
            try:
                self.tick()
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - the worker must outlive one bad turn
                log.exception("printing worker")
                self.last_error = str(exc)
            self._stop.wait(self.interval)
        lock.release()

    def tick(self, *, force_batch: bool = False) -> None:
        """One turn: batch and slice approved jobs, start queued plates, follow prints."""
        with self.lock, self.sessions() as db:
            self.plan(db, force=force_batch)
            db.commit()
            self.dispatch(db)
            db.commit()
            self.poll(db)
            db.commit()

    # -- planning: approved jobs -> plates -------------------------------------
    def _load_plate(self, plate: PrintPlate) -> PrintOrder:
        return PrintOrder.from_dict(plate.queue)

    def _store_plate(self, db: DbSession, plate: PrintPlate, order: PrintOrder) -> None:
        """Save the library's state of a plate and mirror it on the plate's jobs."""
        plate.queue = order.to_dict()
        plate.state = order.status.value
        plate.updated_at = utcnow()
        jobs = db.scalars(select(PrintJob).where(PrintJob.plate_id == plate.id)).all()
        for job in jobs:
            if job.state in (JobStatus.CANCELLED, JobStatus.REFUSED):
                continue
            old = job.state
            job.state = order.status.value
            job.printer_id = order.printer_id or plate.printer_id
            job.progress = float(order.progress or 0.0)
            if order.status == JobStatus.FAILED and order.reason:
                job.refusal_reason = order.reason
            elif order.status != JobStatus.FAILED:
                job.refusal_reason = ""
            _record_state_change(db, job, old)

    def _load(self, db: DbSession) -> dict[str, int]:
        """Plates waiting or printing per printer (to spread new plates)."""
        rows = db.execute(select(PrintPlate.printer_id, func.count()).where(
            PrintPlate.state.in_((JobStatus.SLICED, JobStatus.QUEUED, JobStatus.PRINTING)))
            .group_by(PrintPlate.printer_id)).all()
        return {p: n for p, n in rows}

    def _choose_printer(self, db: DbSession, mesh: trimesh.Trimesh) -> str | None:
        load = self._load(db)
        fitting = []
        for cfg in self.kit.printers:
            try:
                pack([PlateItem("x", "x", mesh)], self.profiles[cfg.id])
            except PlateError:
                continue
            fitting.append(cfg.id)
        if not fitting:
            return None
        return min(fitting, key=lambda p: load.get(p, 0))

    def _new_plate(self, db: DbSession, printer_id: str, jobs: list[PrintJob], gcode: Path,
                   png: Path | None, seconds: float | None, grams: float | None) -> PrintPlate:
        plate_id = gcode.parent.name
        groups = sorted({self._label(db, j) for j in jobs})
        order = PrintOrder(id=plate_id, group=", ".join(groups),
                        title=", ".join(j.title for j in jobs)[:80], profile_id=printer_id)
        order.approve()
        order.mark_sliced(gcode, seconds)
        plate = PrintPlate(id=plate_id, printer_id=printer_id, state=JobStatus.SLICED.value,
                           queue=order.to_dict(), gcode_path=str(gcode),
                           png_path=str(png) if png else None,
                           estimated_seconds=int(seconds) if seconds else None, filament_g=grams)
        db.add(plate)
        for job in jobs:
            job.plate_id = plate_id
            job.printer_id = printer_id
            if len(jobs) == 1:
                # why: alone on its plate, the plate's slicing is the object's own (the
                # slicer's figures, on both screens); a shared plate's time is the total
                # of several objects, not this one's, so the job keeps its own estimate
                job.estimated_seconds = int(seconds) if seconds else job.estimated_seconds
                job.filament_g = grams if grams is not None else job.filament_g
            set_job_state(db, job, JobStatus.SLICED)
        db.flush()
        order.enqueue()
        self._store_plate(db, plate, order)
        return plate

    def _label(self, db: DbSession, job: PrintJob) -> str:
        group = db.get(Group, job.group_id) if job.group_id else None
        return group.name if group else (job.title or _("Animateur"))

    def _plate_dir(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.data_dir / "prints" / "plates" / f"plate-{stamp}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def plan(self, db: DbSession, *, force: bool = False) -> list[PrintPlate]:
        """Batch approved jobs onto plates and slice them (one G-code per plate)."""
        approved = list(db.scalars(select(PrintJob).where(
            PrintJob.state == JobStatus.APPROVED, PrintJob.plate_id.is_(None))
            .order_by(PrintJob.id)))
        if not approved:
            return []
        if not force and self.batch_delay:
            newest = max(_aware(j.updated_at) for j in approved)
            if utcnow() - newest < timedelta(seconds=self.batch_delay):
                return []  # more approvals may come: wait a little to share plates
        made: list[PrintPlate] = []
        by_printer: dict[str, list[tuple[PrintJob, trimesh.Trimesh]]] = {}
        for job in approved:
            if job.source == "gcode":
                made.append(self._gcode_plate(db, job))
                continue
            try:
                mesh = trimesh.load(job.file_path, file_type="stl", force="mesh")
            except (OSError, ValueError, TypeError):
                set_job_state(db, job, JobStatus.FAILED, _("Le fichier de l'objet est "
                                                           "introuvable dans la station."))
                continue
            printer_id = job.printer_id if job.printer_id in self.configs else None
            printer_id = printer_id or self._choose_printer(db, mesh)
            if printer_id is None:
                set_job_state(db, job, JobStatus.FAILED, _("L'objet ne tient sur aucune "
                                                           "imprimante de la mallette."))
                continue
            by_printer.setdefault(printer_id, []).append((job, mesh))
        for printer_id, items in by_printer.items():
            profile = self.profiles[printer_id]
            by_key = {str(j.id): j for j, _m in items}
            plates = pack([PlateItem(str(j.id), self._label(db, j), m) for j, m in items],
                          profile)
            for plate in plates:
                jobs = [by_key[p.item.key] for p in plate.placements]
                folder = self._plate_dir()
                try:
                    result = slice_plate(plate, profile, folder / "plate.gcode")
                except SlicerError as exc:
                    for job in jobs:
                        set_job_state(db, job, JobStatus.FAILED, str(exc))
                    continue
                png = render_plate_png(plate, profile, folder / "plate.png")
                made.append(self._new_plate(db, printer_id, jobs, result.gcode_path, png,
                                            result.print_time_s, result.filament_g))
        return made

    def _gcode_plate(self, db: DbSession, job: PrintJob) -> PrintPlate:
        folder = self._plate_dir()
        gcode = folder / "plate.gcode"
        shutil.copyfile(job.file_path or "", gcode)
        seconds, grams, _mm = read_estimates(gcode.read_text(errors="replace"))
        printer_id = job.printer_id or (self.default_printer().id)  # type: ignore[union-attr]
        return self._new_plate(db, printer_id, [job], gcode, None, seconds, grams)

    # -- printers: start and follow --------------------------------------------
    def _plates(self, db: DbSession, *states: str) -> list[PrintPlate]:
        return list(db.scalars(select(PrintPlate).where(PrintPlate.state.in_(states))
                               .order_by(PrintPlate.created_at)))

    def dispatch(self, db: DbSession) -> None:
        """Start queued plates on their printers when those are free."""
        for printer_id in self.configs:
            plates = [p for p in self._plates(db, JobStatus.QUEUED, JobStatus.PRINTING)
                      if p.printer_id == printer_id]
            if not any(p.state == JobStatus.QUEUED for p in plates):
                continue
            orders = {p.id: self._load_plate(p) for p in plates}
            try:
                started = self._dispatcher(printer_id).dispatch(list(orders.values()))
            except OctoPrintError as exc:
                log.warning("printer %s: %s", printer_id, exc)
                continue
            for plate in plates:
                if orders[plate.id].to_dict() != plate.queue or plate.id in {s.id for s in started}:
                    self._store_plate(db, plate, orders[plate.id])

    def poll(self, db: DbSession) -> None:
        """Follow printing plates; a printer that is offline keeps its plate as it is."""
        for plate in self._plates(db, JobStatus.PRINTING):
            order = self._load_plate(plate)
            # a printer taken out of kit.yaml: the library fails its plate with a reason
            dispatcher = (self._dispatcher(plate.printer_id) if plate.printer_id in self.configs
                          else Dispatcher([]))
            try:
                dispatcher.reconcile(order)
            except OctoPrintError as exc:
                log.warning("printer %s: %s", plate.printer_id, exc)
                continue
            self._store_plate(db, plate, order)

    # -- requests: what groups and adults send ---------------------------------
    def request(self, db: DbSession, group: Group, sess: Session | None, report: CheckReport,
                *, title: str, source: str, doc: dict[str, Any] | None,
                picture: bytes | None = None) -> PrintJob:
        """A checked object waits for the facilitator: its job, ``print.requested``, its files."""
        job = PrintJob(group_id=group.id, session_id=sess.id if sess else None,
                       title=title[:80], source=source, object_model=doc,
                       state=JobStatus.SUBMITTED.value,
                       estimated_seconds=int(report.estimate.print_time_s) if report.estimate
                       else None,
                       filament_g=report.estimate.filament_g if report.estimate else None)
        db.add(job)
        db.flush()
        events.record(db, events.PRINT_REQUESTED, group_id=group.id, class_id=group.class_id,
                      session_id=job.session_id, job_id=job.id, title=job.title)
        save_job_files(self.data_dir, job, report, picture)
        return job

    def request_object(self, db: DbSession, group: Group, sess: Session, lesson: Any,
                       doc: dict[str, Any], version: ProgramVersion, report: CheckReport,
                       *, picture: bytes | None, challenge_id: str | None
                       ) -> tuple[PrintJob | None, dict[str, Any] | None]:
        """'Imprimer' on a group's object (checked by the caller): a job when it is
        printable, and the session challenge's verdict (``challenge.checked``) if one was
        named. Returns (job or None, verdict or None)."""
        verdict = print_verdict(lesson, challenge_id, report, doc)
        job = None
        if report.printable:
            title = str(doc.get("name") or "").strip() or group.name
            job = self.request(db, group, sess, report, title=f"{title} — {group.name}",
                               source="blocks", doc=doc, picture=picture)
        if verdict is not None:
            # why: with a job, the pass counts only once the facilitator accepts it
            # (kit.verdicts)
            events.record(db, events.CHALLENGE_CHECKED, group_id=group.id,
                          class_id=group.class_id, session_id=sess.id,
                          challenge=verdict["challenge"], session_number=sess.number,
                          passed=verdict["passed"], failed=verdict["failed_criteria"],
                          version=version.version, skills=lesson.skills(),
                          job_id=job.id if job else None)
        return job, verdict

    def request_file(self, db: DbSession, group: Group, sess: Session | None,
                     report: CheckReport, *, filename: str, file_type: str, data: bytes,
                     picture: bytes | None) -> PrintJob:
        """A printable file from a tablet (STL, 3MF, OBJ) waits for the facilitator; the
        original file is kept beside the checked mesh."""
        title = Path(filename).stem[:40] or _("Fichier importé")
        job = self.request(db, group, sess, report, title=f"{title} — {group.name}",
                           source=file_type, doc=None, picture=picture)
        (job_dir(self.data_dir, job.id) / f"original.{file_type}").write_bytes(data)
        return job

    def add_gcode(self, db: DbSession, printer_id: str, filename: str, data: bytes, *,
                  approve: bool) -> PrintJob:
        """An adult's checked G-code for one printer; a facilitator's is accepted at once."""
        job = PrintJob(group_id=None, session_id=None, title=Path(filename).stem[:60],
                       source="gcode", state=JobStatus.SUBMITTED.value, printer_id=printer_id)
        db.add(job)
        db.flush()
        path = job_dir(self.data_dir, job.id) / "upload.gcode"
        path.write_bytes(data)
        job.file_path = str(path)
        if approve:
            self.approve(db, job)
        return job

    # -- people's decisions ----------------------------------------------------
    def approve(self, db: DbSession, job: PrintJob) -> None:
        if job.state != JobStatus.SUBMITTED:
            raise ValueError(_("Seule une impression en attente peut être acceptée "
                               "(celle-ci est « %(s)s »).", s=state_label(job.state)))
        set_job_state(db, job, JobStatus.APPROVED, "")

    def refuse(self, db: DbSession, job: PrintJob, reason: str) -> None:
        reason = (reason or "").strip()
        if not reason:
            raise ValueError(_("Indiquez pourquoi l'impression est refusée : les élèves "
                               "le liront."))
        if job.state != JobStatus.SUBMITTED:
            raise ValueError(_("Seule une impression en attente peut être refusée."))
        set_job_state(db, job, JobStatus.REFUSED, reason[:500])

    def cancel(self, db: DbSession, job: PrintJob) -> None:
        """Cancel a job; on a plate, the whole plate (stopping the printer if it prints)."""
        with self.lock:
            if job.state in FINAL:
                raise ValueError(_("Cette impression est déjà terminée."))
            if job.plate_id is None:
                set_job_state(db, job, JobStatus.CANCELLED)
                return
            plate = db.get(PrintPlate, job.plate_id)
            order = self._load_plate(plate)
            try:
                self._dispatcher(plate.printer_id).cancel(order)
            except PrinterOfflineError:
                raise ValueError(_("L'imprimante ne répond pas : arrêtez-la à la main, puis "
                                   "annulez à nouveau quand elle sera revenue.")) from None
            self._store_plate(db, plate, order)

    def retry(self, db: DbSession, job: PrintJob) -> None:
        """Print a failed plate again (a person said the bed is clear)."""
        with self.lock:
            if job.state != JobStatus.FAILED:
                raise ValueError(_("Seule une impression échouée peut être relancée."))
            if job.plate_id is None:  # failed before slicing: back to approval
                set_job_state(db, job, JobStatus.APPROVED, "")
                return
            plate = db.get(PrintPlate, job.plate_id)
            order = self._load_plate(plate)
            order.retry()  # a new attempt number: a fresh file name for the printer
            plate.attempts = order.attempt
            self._store_plate(db, plate, order)


class _WorkerLock:
    """One print worker per data folder, even if two station processes share it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = None

    def acquire(self) -> bool:
        fh = self.path.open("a+b")
        try:
            if os.name == "nt":
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._fh = fh
        return True

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the file releases the lock
            self._fh = None


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def plate_of(db: DbSession, job: PrintJob) -> PrintPlate | None:
    return db.get(PrintPlate, job.plate_id) if job.plate_id else None


def job_view(db: DbSession, job: PrintJob) -> dict[str, Any]:
    """A job as pupils and facilitators read it (state words, progress, estimated end)."""
    plate = plate_of(db, job)
    queue = plate.queue if plate else {}
    end = None
    left = queue.get("time_left_s") if job.state == JobStatus.PRINTING else None
    if left is not None and plate is not None:
        end = (_aware(plate.updated_at) + timedelta(seconds=float(left))).isoformat()
    elif job.state in (JobStatus.QUEUED, JobStatus.SLICED) and job.estimated_seconds:
        end = None
    return {
        "id": job.id, "title": job.title, "state": job.state, "label": state_label(job.state),
        "icon": state_icon(job.state), "source": job.source,
        "progress": round(job.progress or 0.0, 1) if job.state != JobStatus.DONE else 100.0,
        "estimated_seconds": job.estimated_seconds, "estimated_end": end,
        "filament_g": job.filament_g,
        "estimate": estimate_words(job.estimated_seconds, job.filament_g),
        "time_left_s": left, "reason": job.refusal_reason or None,
        "printer_id": job.printer_id, "printer_offline": bool(queue.get("printer_offline")),
        "plate_id": job.plate_id, "created_at": _aware(job.created_at).isoformat(),
    }
