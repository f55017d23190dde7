"""The mesh work the station hands to its worker processes, and how it asks for it.

Worker side: :func:`run` calls one task by name (build and check a pupil's object, import
and check a file, check a G-code) and turns what it gives or raises into plain data.
Station side: :class:`MeshWork` submits each kind of task with its time limit and
rebuilds what the handlers need (a :class:`CheckReport` from arrays, the preview mesh
as JSON text already written by the worker).
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from ground.i18n import set_language
from printers.checks import CheckReport, check_mesh
from printers.gcode import GcodeError, GcodeReport, check_gcode_bytes
from printers.importing import MeshImportError, load_mesh_bytes
from printers.objects import ObjectError, build_mesh, parse_object
from printers.profiles import PrinterProfile
from printers.render import render_object_png
from printers.text import TextError, text_faces
from printers.workers import WorkerPool

log = logging.getLogger(__name__)

PREVIEW_MAX_FACES = 250_000  # more is not drawn on a tablet (a file's refusal comes without)
PREVIEW_SECONDS = 10.0  # the editor previews 1.2 s after each edit
CHECK_SECONDS = 120.0  # a full check slices with PrusaSlicer
GCODE_SECONDS = 60.0

REFUSALS = (ObjectError, MeshImportError, GcodeError, TextError)


# -- in the worker ------------------------------------------------------------------------
def mesh_json(mesh: trimesh.Trimesh) -> str:
    """The preview's ``{"positions", "indices"}``, centred on x/y, as JSON text (``null``
    past ``PREVIEW_MAX_FACES``).

    why: written in the worker, the station only pastes it into its answer instead of
    turning a million numbers into Python objects and back.
    """
    if len(mesh.faces) > PREVIEW_MAX_FACES:
        return "null"
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    if len(vertices):
        (x0, y0, _z0), (x1, y1, _z1) = vertices.min(axis=0), vertices.max(axis=0)
        vertices = vertices - ((x0 + x1) / 2, (y0 + y1) / 2, 0)
    positions = json.dumps(np.round(vertices, 2).reshape(-1).tolist())
    indices = json.dumps(np.asarray(mesh.faces, dtype=np.int64).reshape(-1).tolist())
    return f'{{"positions": {positions}, "indices": {indices}}}'


def preview_object(doc: dict[str, Any], profile: PrinterProfile) -> dict[str, Any]:
    report = check_mesh(build_mesh(parse_object(doc)), profile, slice_estimate=False)
    return {"report": report.to_dict(), "mesh_json": mesh_json(report.mesh)}


def picture_png(mesh: trimesh.Trimesh) -> bytes | None:
    """The facilitator's picture of a printable object (drawing it takes seconds of Python
    for a detailed mesh: here, not in the station)."""
    with tempfile.TemporaryDirectory(prefix="mallette-picture-") as tmp:
        path = Path(tmp) / "picture.png"
        try:
            render_object_png(mesh, path)
        except (OSError, ValueError):  # a picture is a comfort, never a reason to fail
            return None
        return path.read_bytes()


def check_object(doc: dict[str, Any], profile: PrinterProfile) -> dict[str, Any]:
    report = check_mesh(build_mesh(parse_object(doc)), profile)
    return {"report": report.to_plain(),
            "picture": picture_png(report.mesh) if report.printable else None}


def check_import(data: bytes, name: str, max_bytes: int,
                 profile: PrinterProfile) -> dict[str, Any]:
    imported = load_mesh_bytes(data, name, max_bytes=max_bytes)
    report = check_mesh(imported.mesh, profile)
    return {"report": report.to_plain(), "repairs": imported.repairs,
            "file_type": imported.file_type, "mesh_json": mesh_json(report.mesh),
            "picture": picture_png(report.mesh) if report.printable else None}


def check_gcode(data: bytes, name: str, profile: PrinterProfile) -> GcodeReport:
    return check_gcode_bytes(data, name, profile)


TASKS = {"preview_object": preview_object, "check_object": check_object,
         "check_import": check_import, "check_gcode": check_gcode}


def warm_up() -> None:
    """Load fonts and start the geometry library's threads before the first pupil waits."""
    from printers.profiles import get_profile
    from printers.templates import instantiate

    check_mesh(build_mesh(instantiate("name_tag", name="Abc")), get_profile("default"),
               slice_estimate=False)


def run(name: str, args: tuple[Any, ...], language: str) -> tuple[str, Any]:
    """Run one task: ``("ok", result)``, ``("refused", error)``, ``("memory", None)`` or
    ``("failed", text)``."""
    set_language(language)
    try:
        with np.errstate(all="ignore"):
            return "ok", TASKS[name](*args)
    except MemoryError:
        return "memory", None
    except REFUSALS as exc:
        return "refused", exc
    except Exception as exc:  # noqa: BLE001 - reported to the station, which logs it
        log.exception("mesh task %s", name)
        return "failed", f"{type(exc).__name__}: {exc}"[:500]


# -- in the station -----------------------------------------------------------------------
@dataclass
class Checked:
    report: CheckReport
    picture: bytes | None  # PNG for the facilitator's queue, when printable


@dataclass
class ImportResult(Checked):
    repairs: list[str]
    file_type: str
    mesh_json: str


class MeshWork:
    """The station's way to mesh work: each call runs in a worker, within its limits, and
    raises the task's refusal (ObjectError, MeshImportError, GcodeError) or a WorkError."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool

    def start(self) -> None:
        """Start the workers, and read the font here too: the station checks each text's
        complexity itself, and a first read holds the interpreter for a third of a second."""
        self.pool.start()
        threading.Thread(target=text_faces, args=("A",), name="mallette-font",
                         daemon=True).start()

    def shutdown(self) -> None:
        self.pool.shutdown()

    def preview(self, doc: dict[str, Any], profile: PrinterProfile, *,
                key: Any) -> dict[str, Any]:
        """``{"report": CheckReport.to_dict(), "mesh_json": str}``; a newer preview with the
        same ``key`` (the group) cancels this one."""
        return self.pool.run("preview_object", doc, profile, key=("preview", key),
                             time_limit=PREVIEW_SECONDS)

    def check_object(self, doc: dict[str, Any], profile: PrinterProfile) -> Checked:
        out = self.pool.run("check_object", doc, profile, time_limit=CHECK_SECONDS)
        return Checked(CheckReport.from_plain(out["report"]), out["picture"])

    def check_import(self, data: bytes, name: str, max_bytes: int,
                     profile: PrinterProfile) -> ImportResult:
        out = self.pool.run("check_import", data, name, max_bytes, profile,
                            time_limit=CHECK_SECONDS)
        return ImportResult(CheckReport.from_plain(out["report"]), out["picture"],
                            out["repairs"], out["file_type"], out["mesh_json"])

    def check_gcode(self, data: bytes, name: str, profile: PrinterProfile) -> GcodeReport:
        return self.pool.run("check_gcode", data, name, profile, time_limit=GCODE_SECONDS)
