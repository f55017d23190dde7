"""The print queue: a print order's life and the choice of a printer, without any database.

An order goes ``submitted → approved | refused(reason) → sliced → queued → printing →
done | failed | cancelled`` (``cancelled`` is also possible before printing). The
station persists :class:`PrintOrder` (``to_dict``/``from_dict``); :class:`Dispatcher`
drives printers through their OctoPrint clients.

Never print twice: each order has its own OctoPrint file name (``remote_name``). Before
starting, and whenever a printer comes back after being offline, the dispatcher asks
OctoPrint what became of that file (is it the current job? was it printed, did it
fail?) instead of sending it again. A print that was interrupted (OctoPrint or the
printer switched off mid-print) becomes ``failed``: only a person can decide to print
it again (:meth:`PrintOrder.retry`), since half an object may still be on the bed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ground.i18n import _
from printers.octoprint import FilePrints, JobState, OctoPrintError, PrinterOfflineError
from printers.states import TRANSITIONS, JobStatus, state_name


class InvalidTransitionError(ValueError):
    """A change of state that the job's life does not allow."""


@dataclass
class PrintOrder:
    """One G-code to print on one printer, and its life. ``remote_name`` is unique per order.

    why not "job": a print job is what a group asked for (one object, the station's
    ``PrintJob`` row); what the dispatcher sends to a printer is an order, which may carry
    several groups' objects on one plate. Its states are :class:`printers.states.JobStatus`.
    """

    id: str
    group: str
    title: str
    profile_id: str = "default"  # the printer profile the G-code was sliced for
    status: JobStatus = JobStatus.SUBMITTED
    reason: str | None = None  # why refused / failed
    gcode_path: str | None = None
    estimated_time_s: float | None = None
    printer_id: str | None = None
    progress: float | None = None
    time_left_s: float | None = None
    printer_offline: bool = False
    started: bool = False  # the printer was told to start this job at least once
    attempt: int = 1  # a retry is a new OctoPrint file, so its history starts clean
    history: list[tuple[str, float]] = field(default_factory=list)

    @property
    def remote_name(self) -> str:
        # plain ASCII: OctoPrint would rename anything else, and the name is how we reconcile
        safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "_" for c in self.id)
        suffix = f"-{self.attempt}" if self.attempt > 1 else ""
        return f"mallette-{safe}{suffix}.gcode"

    def _go(self, new: JobStatus) -> None:
        if new not in TRANSITIONS.get(self.status, set()):
            raise InvalidTransitionError(_(
                "Impression « %(title)s » : impossible de passer de « %(a)s » à « %(b)s ».",
                title=self.title, a=state_name(self.status), b=state_name(new)))
        self.status = new
        self.history.append((new.value, time.time()))

    def approve(self) -> None:
        self._go(JobStatus.APPROVED)

    def refuse(self, reason: str) -> None:
        if not reason.strip():
            raise ValueError(_("Indiquez pourquoi l'impression est refusée."))
        self._go(JobStatus.REFUSED)
        self.reason = reason

    def mark_sliced(self, gcode_path: str | Path, estimated_time_s: float | None) -> None:
        self._go(JobStatus.SLICED)
        self.gcode_path = str(gcode_path)
        self.estimated_time_s = estimated_time_s

    def enqueue(self) -> None:
        self._go(JobStatus.QUEUED)

    def start_printing(self, printer_id: str) -> None:
        self._go(JobStatus.PRINTING)
        self.printer_id = printer_id
        self.started = True
        self.printer_offline = False

    def finish(self) -> None:
        self._go(JobStatus.DONE)
        self.progress = 100.0
        self.time_left_s = 0.0

    def fail(self, reason: str) -> None:
        self._go(JobStatus.FAILED)
        self.reason = reason

    def cancel(self) -> None:
        self._go(JobStatus.CANCELLED)

    def retry(self) -> None:
        """A person decided to print a failed job again (the bed was cleared)."""
        self._go(JobStatus.QUEUED)
        self.reason = None
        self.printer_id = None
        self.started = False
        self.progress = None
        self.attempt += 1

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrintOrder:
        data = dict(data)
        data["status"] = JobStatus(data["status"])
        data["history"] = [tuple(h) for h in data.get("history", [])]
        return cls(**data)


class PrinterClient(Protocol):
    """What the dispatcher needs from a printer (OctoPrintClient provides it)."""

    def job(self) -> JobState: ...
    def file_prints(self, name: str) -> FilePrints | None: ...
    def upload(self, path: str | Path, *, name: str | None = None, print_now: bool = False,
               select: bool = False) -> str: ...
    def start(self, name: str) -> None: ...
    def cancel(self) -> None: ...


@dataclass
class PrinterSlot:
    id: str
    client: PrinterClient
    profile_id: str = "default"
    online: bool = True


class Dispatcher:
    """Chooses free printers for queued jobs and follows the jobs being printed."""

    def __init__(self, printers: list[PrinterSlot], now: Callable[[], float] = time.time):
        self.printers = {p.id: p for p in printers}
        self.now = now

    # -- choosing ----------------------------------------------------------
    def free_printers(self, jobs: list[PrintOrder]) -> list[PrinterSlot]:
        """Printers that answer, are idle, and have no job of ours on them."""
        taken = {j.printer_id for j in jobs if j.status == JobStatus.PRINTING}
        free = []
        for slot in self.printers.values():
            if slot.id in taken:
                continue
            try:
                state = slot.client.job()
            except PrinterOfflineError:
                slot.online = False
                continue
            slot.online = True
            if not state.is_active and state.state.startswith("Operational"):
                free.append(slot)
        return free

    def _already_there(self, job: PrintOrder, slot: PrinterSlot) -> bool:
        """Did this printer already take this job (start answered too late, restart...)?"""
        state = slot.client.job()
        if state.file_name == job.remote_name and state.is_active:
            return True
        prints = slot.client.file_prints(job.remote_name)
        return prints is not None and (prints.success + prints.failure) > 0

    def dispatch(self, jobs: list[PrintOrder]) -> list[PrintOrder]:
        """Start queued jobs (oldest first) on free printers; return the jobs started."""
        started = []
        queued = sorted((j for j in jobs if j.status == JobStatus.QUEUED),
                        key=lambda j: j.history[-1][1] if j.history else 0)
        for slot in self.free_printers(jobs):
            # oldest queued job sliced for this printer's profile
            job = next((j for j in queued if j.profile_id == slot.profile_id), None)
            if job is None:
                continue
            queued.remove(job)
            try:
                if self._already_there(job, slot):
                    job.start_printing(slot.id)
                    self.reconcile(job)
                    started.append(job)
                    continue
                if job.gcode_path is None:
                    job.fail(_("Aucun fichier G-code pour cette impression."))
                    continue
                stored = slot.client.upload(job.gcode_path, name=job.remote_name)
                slot.client.start(stored)
            except PrinterOfflineError:
                slot.online = False
                queued.insert(0, job)  # it stays queued for another printer or later
                continue
            except OctoPrintError as exc:  # refused by OctoPrint: not worth retrying blindly
                job.fail(str(exc))
                continue
            job.start_printing(slot.id)
            started.append(job)
        return started

    # -- following -----------------------------------------------------------
    def reconcile(self, job: PrintOrder) -> None:
        """Bring a printing job in line with what its printer says; offline keeps it."""
        if job.status != JobStatus.PRINTING or job.printer_id is None:
            return
        slot = self.printers.get(job.printer_id)
        if slot is None:
            job.fail(_("L'imprimante « %(p)s » n'existe plus.", p=job.printer_id))
            return
        try:
            state = slot.client.job()
            if state.file_name == job.remote_name and state.is_active:
                job.progress = state.completion
                job.time_left_s = state.print_time_left
                job.printer_offline = False
                slot.online = True
                return
            prints = slot.client.file_prints(job.remote_name)
        except PrinterOfflineError:
            job.printer_offline = True
            slot.online = False
            return
        job.printer_offline = False
        slot.online = True
        if prints is not None and prints.last_success:
            job.finish()
        elif prints is not None and prints.last_success is False:
            job.fail(_("L'impression a été interrompue ou a échoué sur l'imprimante."))
        else:
            job.fail(_("L'impression s'est arrêtée sans se terminer (imprimante éteinte ou "
                       "redémarrée). Vérifiez le plateau avant de la relancer."))

    def poll(self, jobs: list[PrintOrder]) -> list[PrintOrder]:
        """Follow every printing job; return those whose status changed (to log events)."""
        changed = []
        for job in jobs:
            if job.status == JobStatus.PRINTING:
                self.reconcile(job)
                if job.status != JobStatus.PRINTING:
                    changed.append(job)
        return changed

    def cancel(self, job: PrintOrder) -> None:
        """Cancel a job; on a printer, ask OctoPrint to stop it first."""
        if job.status == JobStatus.PRINTING and job.printer_id in self.printers:
            client = self.printers[job.printer_id].client
            state = client.job()
            if state.file_name == job.remote_name and state.is_active:
                try:
                    client.cancel()
                except PrinterOfflineError:
                    raise
                except OctoPrintError:
                    pass  # it ended meanwhile
        job.cancel()
