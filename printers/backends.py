"""A kit printer's back-end, chosen from ``kit.yaml``, and what the facilitator sees of it.

``backend: octoprint`` is a real printer behind OctoPrint's REST API
(:mod:`printers.octoprint`); anything else is the station's own
:class:`printers.simulated.SimulatedPrinter`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ground.config import PrinterConfig
from printers.octoprint import OctoPrintClient, OctoPrintError, PrinterOfflineError
from printers.queue import PrinterClient
from printers.simulated import SimulatedPrinter


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


def make_backend(cfg: PrinterConfig, *, speedup: float = 120.0) -> PrinterClient:
    """The client the dispatcher talks to for one kit printer."""
    if cfg.backend == "octoprint":
        return OctoPrintClient(cfg.url or "", cfg.api_key() or "", name=cfg.name, timeout=5.0)
    return SimulatedPrinter(cfg.name, speedup=speedup)


def printer_status(cfg: PrinterConfig, backend: PrinterClient) -> PrinterStatus:
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
