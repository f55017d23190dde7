"""Printing in the station: jobs kept in the database, printers behind back-ends, a worker.

The printing library (``printers/``) knows meshes, checks, slicing, plates, OctoPrint and
the life of one print; this module ties it to the station:

- a group's object becomes a :class:`kit.models.PrintJob` row (its checked mesh and
  picture are files in the data folder);
- approved jobs are batched onto plates (:class:`PrintPlate`, one G-code each); a plate
  is the unit the library's :class:`printers.queue.Dispatcher` sends to a printer, its
  library state (``PrintJob.to_dict``) is stored with it so a restart loses nothing and
  never prints twice;
- each kit printer gets a back-end: OctoPrint's REST API, or :class:`SimulatedPrinter`
  for the demo kit (a real state machine that "prints" in a time proportional to the
  slicer's estimate, sped up);
- :class:`PrintService` runs the cycle (plan, slice, dispatch, follow) in a background
  thread and writes ``print.queued`` / ``print.finished`` events.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import trimesh
from sqlalchemy import JSON, DateTime, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import Session as DbSession

from ground.config import KitConfig, PrinterConfig
from ground.i18n import _
from kit import events
from kit.models import Base, Event, Group, PrintJob, utcnow
from printers.checks import CheckReport
from printers.octoprint import (
    FilePrints,
    JobState,
    OctoPrintClient,
    OctoPrintError,
    PrinterOfflineError,
)
from printers.plates import PlateError, PlateItem, pack, render_plate_png, slice_plate
from printers.profiles import PrinterProfile, UnknownPrinterError, profile_from_kit_printer
from printers.queue import Dispatcher, JobStatus, PrinterSlot
from printers.queue import PrintJob as QueueJob
from printers.slicing import SlicerError, read_estimates

log = logging.getLogger(__name__)

FINAL_STATES = {"refused", "done", "failed", "cancelled"}
STATE_LABELS: dict[str, Callable[[], str]] = {  # lambdas: translated when shown
    "submitted": lambda: _("envoyé, en attente de l'animateur"),
    "approved": lambda: _("accepté, bientôt préparé"),
    "refused": lambda: _("refusé"),
    "sliced": lambda: _("préparé pour l'imprimante"),
    "queued": lambda: _("en attente d'une imprimante"),
    "printing": lambda: _("en cours d'impression"),
    "done": lambda: _("imprimé"),
    "failed": lambda: _("échoué"),
    "cancelled": lambda: _("annulé"),
}
STATE_ICONS = {"submitted": "📨", "approved": "👍", "refused": "✋", "sliced": "🔪",
               "queued": "⏳", "printing": "🖨️", "done": "🎉", "failed": "⚠️",
               "cancelled": "🚫"}


def state_label(state: str) -> str:
    label = STATE_LABELS.get(state)
    return label() if label else state


def estimate_words(seconds: float | None, grams: float | None) -> str | None:
    """A job's time and plastic in words, the same on the pupil's and the facilitator's
    screens (the slicer's figures once sliced)."""
    from printers.checks import _minutes

    if not seconds:
        return None
    if grams is None:
        return _("environ %(time)s", time=_minutes(seconds))
    return _("environ %(time)s, %(g)s g de plastique", time=_minutes(seconds),
             g=max(1, round(grams)))


class PrintPlate(Base):
    """One G-code on one printer, printing one or several groups' objects."""

    __tablename__ = "print_plates"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    printer_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    queue: Mapped[dict[str, Any]] = mapped_column(JSON)  # printers.queue.PrintJob.to_dict()
    gcode_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    png_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    estimated_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filament_g: Mapped[float | None] = mapped_column(nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


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


# -- back-ends --------------------------------------------------------------------
@dataclass
class PrinterStatus:
    """What the facilitator sees of a printer."""

    id: str
    name: str
    backend: str
    state: str  # offline | ready | printing | busy | error
    text: str
    progress: float | None = None
    file_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SimulatedPrinter:
    """A printer that lives in the station, for the demo kit and for trying the flow.

    It keeps OctoPrint's vocabulary (job state, file print history) so the library's
    dispatcher drives it exactly like a real one. A print lasts the slicer's estimate
    divided by ``speedup`` (at least ``min_seconds``); ``cancel`` stops it; ``online``
    can be switched off to show what a lost printer looks like.
    """

    def __init__(self, name: str, *, speedup: float = 120.0, min_seconds: float = 3.0,
                 clock=time.monotonic) -> None:
        self.name = name
        self.speedup = speedup
        self.min_seconds = min_seconds
        self.clock = clock
        self.online = True
        self._files: dict[str, float] = {}  # name -> simulated duration (s)
        self._history: dict[str, list[bool]] = {}
        self._current: str | None = None
        self._printing = False
        self._started = 0.0
        self._lock = threading.Lock()

    def _check_online(self) -> None:
        if not self.online:
            raise PrinterOfflineError(_("L'imprimante « %(printer)s » ne répond pas.",
                                        printer=self.name))

    def _advance(self) -> None:
        if self._printing and self._current is not None:
            if self.clock() - self._started >= self._files[self._current]:
                self._printing = False
                self._history.setdefault(self._current, []).append(True)

    def job(self) -> JobState:
        with self._lock:
            self._check_online()
            self._advance()
            if self._current is None:
                return JobState("Operational", None, None, None, None, None)
            duration = self._files[self._current]
            if self._printing:
                elapsed = self.clock() - self._started
                return JobState("Printing", self._current, min(99.9, 100 * elapsed / duration),
                                elapsed, max(0.0, duration - elapsed), duration)
            done = bool(self._history.get(self._current, [False])[-1])
            return JobState("Operational", self._current, 100.0 if done else None, None, None,
                            duration)

    def file_prints(self, name: str) -> FilePrints | None:
        with self._lock:
            self._check_online()
            self._advance()
            if name not in self._files:
                return None
            runs = self._history.get(name, [])
            return FilePrints(name=name, success=runs.count(True), failure=runs.count(False),
                              last_success=runs[-1] if runs else None)

    def upload(self, path: str | Path, *, name: str | None = None, print_now: bool = False,
               select: bool = False) -> str:
        text = Path(path).read_text(errors="replace")
        seconds, _g, _mm = read_estimates(text)
        name = name or Path(path).name
        with self._lock:
            self._check_online()
            self._files[name] = max(self.min_seconds, (seconds or 600.0) / self.speedup)
        if print_now:
            self.start(name)
        return name

    def start(self, name: str) -> None:
        with self._lock:
            self._check_online()
            self._advance()
            if self._printing or name not in self._files:
                raise PrinterOfflineError(_("L'imprimante « %(printer)s » n'est pas prête à "
                                            "imprimer.", printer=self.name))
            self._current, self._printing, self._started = name, True, self.clock()

    def power_cycle(self) -> None:
        """Switched off and on again: a print under way is lost (recorded as failed)."""
        with self._lock:
            self._advance()
            if self._printing:
                self._printing = False
                self._history.setdefault(self._current or "", []).append(False)
            self.online = True

    def cancel(self) -> None:
        with self._lock:
            self._check_online()
            self._advance()
            if not self._printing:
                raise OctoPrintError(_("Aucune impression en cours à annuler sur "
                                       "« %(printer)s ».", printer=self.name))
            self._printing = False
            self._history.setdefault(self._current or "", []).append(False)


def make_backend(cfg: PrinterConfig, *, speedup: float = 120.0):  # noqa: ANN201
    """The client the dispatcher talks to for one kit printer."""
    if cfg.backend == "octoprint":
        return OctoPrintClient(cfg.url or "", cfg.api_key() or "", name=cfg.name, timeout=5.0)
    return SimulatedPrinter(cfg.name, speedup=speedup)


def printer_status(cfg: PrinterConfig, backend) -> PrinterStatus:  # noqa: ANN001
    """Ask a printer what it is doing; an unreachable one is 'offline', never an error page."""
    try:
        job = backend.job()
        if isinstance(backend, OctoPrintClient):
            backend.printer_state()  # 409 when the printer is not connected to OctoPrint
    except PrinterOfflineError as exc:
        return PrinterStatus(cfg.id, cfg.name, cfg.backend, "offline", str(exc).split(" [")[0])
    except OctoPrintError as exc:
        return PrinterStatus(cfg.id, cfg.name, cfg.backend, "error", str(exc).split(" [")[0])
    if job.is_active:
        return PrinterStatus(cfg.id, cfg.name, cfg.backend, "printing", job.state,
                             job.completion, job.file_name)
    if job.state.startswith("Operational"):
        return PrinterStatus(cfg.id, cfg.name, cfg.backend, "ready", job.state, None,
                             job.file_name)
    return PrinterStatus(cfg.id, cfg.name, cfg.backend, "busy", job.state, job.completion,
                         job.file_name)


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


PICTURE_MAX_TRIANGLES = 200_000


def render_object_png(mesh: trimesh.Trimesh, path: Path, size: int = 360) -> Path:
    """A shaded view of the object from the front and above, for the facilitator's queue."""
    import numpy as np
    from PIL import Image, ImageDraw

    if len(mesh.faces) > PICTURE_MAX_TRIANGLES:
        mesh = mesh.convex_hull
    turn = trimesh.transformations.rotation_matrix(np.radians(-25), [0, 0, 1])
    tilt = trimesh.transformations.rotation_matrix(np.radians(-55), [1, 0, 0])
    rot = (tilt @ turn)[:3, :3]
    points = (mesh.vertices - mesh.bounds.mean(axis=0)) @ rot.T
    normals = mesh.face_normals @ rot.T
    tris = points[mesh.faces]
    facing = normals[:, 2] > 0
    span = float(np.ptp(points[:, :2], axis=0).max()) or 1.0
    scale = size * 0.86 / span
    light = np.clip(0.35 + 0.65 * normals @ np.array([0.3, 0.5, 0.81]), 0.2, 1.0)
    img = Image.new("RGB", (size, size), (244, 246, 251))
    draw = ImageDraw.Draw(img)
    for i in np.argsort(tris[:, :, 2].mean(axis=1)):  # far faces first
        if not facing[i]:
            continue
        xy = [(size / 2 + x * scale, size / 2 - y * scale) for x, y, _z in tris[i]]
        shade = float(light[i])
        draw.polygon(xy, fill=(int(243 * shade), int(156 * shade), int(18 * shade)))
    img.save(path, format="PNG")
    return path


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


def _record_state_change(db: DbSession, job: PrintJob, old: str) -> None:
    if job.state == old:
        return
    group = db.get(Group, job.group_id) if job.group_id else None
    where = {"group_id": job.group_id, "session_id": job.session_id,
             "class_id": group.class_id if group else None}
    if job.state == "approved" and old == "submitted":
        events.record(db, events.PRINT_APPROVED, **where, job_id=job.id, title=job.title)
    elif job.state == "refused":
        events.record(db, events.PRINT_REFUSED, **where, job_id=job.id, title=job.title,
                      reason=job.refusal_reason or "")
    elif job.state == "queued":
        events.record(db, events.PRINT_QUEUED, **where, job_id=job.id, title=job.title)
    elif job.state in ("done", "failed", "cancelled"):
        events.record(db, events.PRINT_FINISHED, **where, job_id=job.id, title=job.title,
                      state=job.state)


def set_job_state(db: DbSession, job: PrintJob, state: str, reason: str | None = None) -> None:
    """Change a job's state and write the event that goes with it."""
    old = job.state
    job.state = state
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
    def _load_plate(self, plate: PrintPlate) -> QueueJob:
        return QueueJob.from_dict(plate.queue)

    def _store_plate(self, db: DbSession, plate: PrintPlate, qjob: QueueJob) -> None:
        """Save the library's state of a plate and mirror it on the plate's jobs."""
        plate.queue = qjob.to_dict()
        plate.state = qjob.status.value
        plate.updated_at = utcnow()
        jobs = db.scalars(select(PrintJob).where(PrintJob.plate_id == plate.id)).all()
        for job in jobs:
            if job.state in ("cancelled", "refused"):
                continue
            old = job.state
            job.state = qjob.status.value
            job.printer_id = qjob.printer_id or plate.printer_id
            job.progress = float(qjob.progress or 0.0)
            if qjob.status == JobStatus.FAILED and qjob.reason:
                job.refusal_reason = qjob.reason
            elif qjob.status != JobStatus.FAILED:
                job.refusal_reason = ""
            _record_state_change(db, job, old)

    def _load(self, db: DbSession) -> dict[str, int]:
        """Plates waiting or printing per printer (to spread new plates)."""
        rows = db.execute(select(PrintPlate.printer_id, func.count()).where(
            PrintPlate.state.in_(("sliced", "queued", "printing")))
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
        qjob = QueueJob(id=plate_id, group=", ".join(groups),
                        title=", ".join(j.title for j in jobs)[:80], profile_id=printer_id)
        qjob.approve()
        qjob.mark_sliced(gcode, seconds)
        plate = PrintPlate(id=plate_id, printer_id=printer_id, state="sliced",
                           queue=qjob.to_dict(), gcode_path=str(gcode),
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
            set_job_state(db, job, "sliced")
        db.flush()
        qjob.enqueue()
        self._store_plate(db, plate, qjob)
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
            PrintJob.state == "approved", PrintJob.plate_id.is_(None)).order_by(PrintJob.id)))
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
                set_job_state(db, job, "failed", _("Le fichier de l'objet est introuvable dans "
                                                   "la station."))
                continue
            printer_id = job.printer_id if job.printer_id in self.configs else None
            printer_id = printer_id or self._choose_printer(db, mesh)
            if printer_id is None:
                set_job_state(db, job, "failed", _("L'objet ne tient sur aucune imprimante de "
                                                   "la mallette."))
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
                        set_job_state(db, job, "failed", str(exc))
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
            plates = [p for p in self._plates(db, "queued", "printing")
                      if p.printer_id == printer_id]
            if not any(p.state == "queued" for p in plates):
                continue
            qjobs = {p.id: self._load_plate(p) for p in plates}
            try:
                started = self._dispatcher(printer_id).dispatch(list(qjobs.values()))
            except OctoPrintError as exc:
                log.warning("printer %s: %s", printer_id, exc)
                continue
            for plate in plates:
                if qjobs[plate.id].to_dict() != plate.queue or plate.id in {s.id for s in started}:
                    self._store_plate(db, plate, qjobs[plate.id])

    def poll(self, db: DbSession) -> None:
        """Follow printing plates; a printer that is offline keeps its plate as it is."""
        for plate in self._plates(db, "printing"):
            qjob = self._load_plate(plate)
            # a printer taken out of kit.yaml: the library fails its plate with a reason
            dispatcher = (self._dispatcher(plate.printer_id) if plate.printer_id in self.configs
                          else Dispatcher([]))
            try:
                dispatcher.reconcile(qjob)
            except OctoPrintError as exc:
                log.warning("printer %s: %s", plate.printer_id, exc)
                continue
            self._store_plate(db, plate, qjob)

    # -- people's decisions ----------------------------------------------------
    def approve(self, db: DbSession, job: PrintJob) -> None:
        if job.state != "submitted":
            raise ValueError(_("Seule une impression en attente peut être acceptée "
                               "(celle-ci est « %(s)s »).", s=state_label(job.state)))
        set_job_state(db, job, "approved", "")

    def refuse(self, db: DbSession, job: PrintJob, reason: str) -> None:
        reason = (reason or "").strip()
        if not reason:
            raise ValueError(_("Indiquez pourquoi l'impression est refusée : les élèves "
                               "le liront."))
        if job.state != "submitted":
            raise ValueError(_("Seule une impression en attente peut être refusée."))
        set_job_state(db, job, "refused", reason[:500])

    def cancel(self, db: DbSession, job: PrintJob) -> None:
        """Cancel a job; on a plate, the whole plate (stopping the printer if it prints)."""
        with self.lock:
            if job.state in FINAL_STATES:
                raise ValueError(_("Cette impression est déjà terminée."))
            if job.plate_id is None:
                set_job_state(db, job, "cancelled")
                return
            plate = db.get(PrintPlate, job.plate_id)
            qjob = self._load_plate(plate)
            try:
                self._dispatcher(plate.printer_id).cancel(qjob)
            except PrinterOfflineError:
                raise ValueError(_("L'imprimante ne répond pas : arrêtez-la à la main, puis "
                                   "annulez à nouveau quand elle sera revenue.")) from None
            self._store_plate(db, plate, qjob)

    def retry(self, db: DbSession, job: PrintJob) -> None:
        """Print a failed plate again (a person said the bed is clear)."""
        with self.lock:
            if job.state != "failed":
                raise ValueError(_("Seule une impression échouée peut être relancée."))
            if job.plate_id is None:  # failed before slicing: back to approval
                set_job_state(db, job, "approved", "")
                return
            plate = db.get(PrintPlate, job.plate_id)
            qjob = self._load_plate(plate)
            qjob.retry()  # a new attempt number: a fresh file name for the printer
            plate.attempts = qjob.attempt
            self._store_plate(db, plate, qjob)


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
    left = queue.get("time_left_s") if job.state == "printing" else None
    if left is not None and plate is not None:
        end = (_aware(plate.updated_at) + timedelta(seconds=float(left))).isoformat()
    elif job.state in ("queued", "sliced") and job.estimated_seconds:
        end = None
    return {
        "id": job.id, "title": job.title, "state": job.state, "label": state_label(job.state),
        "icon": STATE_ICONS.get(job.state, ""), "source": job.source,
        "progress": round(job.progress or 0.0, 1) if job.state != "done" else 100.0,
        "estimated_seconds": job.estimated_seconds, "estimated_end": end,
        "filament_g": job.filament_g,
        "estimate": estimate_words(job.estimated_seconds, job.filament_g),
        "time_left_s": left, "reason": job.refusal_reason or None,
        "printer_id": job.printer_id, "printer_offline": bool(queue.get("printer_offline")),
        "plate_id": job.plate_id, "created_at": _aware(job.created_at).isoformat(),
    }


def latest_event_of(db: DbSession, job_id: int, type_: str) -> Event | None:
    for ev in reversed(events.events_for(db, types=(type_,))):
        if ev.payload.get("job_id") == job_id:
            return ev
    return None
