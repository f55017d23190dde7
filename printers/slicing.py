"""Slicing with PrusaSlicer's command line (Debian ``prusa-slicer``, headless, no display).

Objects are written as STL files already placed in bed coordinates and sliced with
``--merge --dont-arrange``, so one G-code prints every object where the plate planner
put it.
Estimates are read back from the comments PrusaSlicer writes into the G-code.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trimesh

from ground.i18n import _
from printers.profiles import PrinterProfile

SLICE_TIMEOUT = 300.0

_TIME_RE = re.compile(r"^; estimated printing time \(normal mode\) = (.+)$", re.M)
_GRAMS_RE = re.compile(r"^; filament used \[g\] = ([0-9.]+)", re.M)
_MM_RE = re.compile(r"^; filament used \[mm\] = ([0-9.]+)", re.M)


class SlicerError(RuntimeError):
    """Slicing failed (French message, with PrusaSlicer's own words as detail)."""


class SlicerUnavailableError(SlicerError):
    """PrusaSlicer is not installed."""


@dataclass(frozen=True)
class SliceResult:
    gcode_path: Path
    print_time_s: float | None
    filament_g: float | None
    filament_mm: float | None


def prusa_slicer() -> str | None:
    return shutil.which("prusa-slicer") or shutil.which("prusa-slicer-console")


def parse_duration(text: str) -> float:
    """'1d 2h 3m 4s' -> seconds."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total = 0.0
    for value, unit in re.findall(r"(\d+)\s*([dhms])", text):
        total += int(value) * units[unit]
    return total


def read_estimates(gcode: str) -> tuple[float | None, float | None, float | None]:
    """(print time s, filament g, filament mm) from PrusaSlicer's G-code comments."""
    tail = gcode[-200_000:] if len(gcode) > 200_000 else gcode
    t = _TIME_RE.search(tail) or _TIME_RE.search(gcode)
    g = _GRAMS_RE.search(tail) or _GRAMS_RE.search(gcode)
    mm = _MM_RE.search(tail) or _MM_RE.search(gcode)
    return (parse_duration(t.group(1)) if t else None,
            float(g.group(1)) if g else None,
            float(mm.group(1)) if mm else None)


def slice_placed(meshes: list[trimesh.Trimesh], profile: PrinterProfile,
                 out_path: str | Path) -> SliceResult:
    """Slice meshes that are already placed on the bed (x/y in bed coordinates, z >= 0)."""
    exe = prusa_slicer()
    if exe is None:
        raise SlicerUnavailableError(_("Le trancheur PrusaSlicer n'est pas installé "
                                       "(paquet prusa-slicer)."))
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory(prefix="mallette-slice-") as tmp:
        inputs = []
        for i, mesh in enumerate(meshes):
            path = Path(tmp) / f"object_{i:03d}.stl"
            mesh.export(path, file_type="stl")
            inputs.append(str(path))
        # without --merge PrusaSlicer slices each input on its own into the same output
        merge = ["--merge"] if len(inputs) > 1 else []
        x, y, z = profile.build_volume
        # the printer's own bed wins over the .ini's (one .ini serves several printer sizes)
        bed = ["--bed-shape", f"0x0,{x:g}x0,{x:g}x{y:g},0x{y:g}", "--max-print-height", f"{z:g}"]
        argv = [exe, "--export-gcode", "--load", str(profile.slicer_profile), *bed, *merge,
                "--dont-arrange", "-o", str(out_path), *inputs]
        try:
            with _memory_limit_lifted():
                proc = subprocess.run(argv, capture_output=True, text=True,
                                      timeout=SLICE_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise SlicerError(_("Le découpage a pris trop de temps (plus de %(s)s s).",
                                s=int(SLICE_TIMEOUT))) from None
    if proc.returncode != 0 or not out_path.is_file():
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines()
                 if ln.strip() and "[trace]" not in ln and "=>" not in ln]
        raise SlicerError(_("PrusaSlicer n'a pas pu découper l'objet.") + " "
                          + " | ".join(lines[-3:]))
    time_s, grams, mm = read_estimates(out_path.read_text(errors="replace"))
    return SliceResult(out_path, time_s, grams, mm)


@contextmanager
def _memory_limit_lifted() -> Iterator[None]:
    """Let PrusaSlicer start without the address-space cap of a mesh worker (its threads
    reserve far more than they use); the worker's time limit still stops it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == hard:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def centered_on_bed(mesh: trimesh.Trimesh, profile: PrinterProfile) -> trimesh.Trimesh:
    """A copy of ``mesh`` moved to the middle of the bed, resting on it."""
    placed = mesh.copy()
    (x0, y0, z0), (x1, y1, _z1) = placed.bounds
    placed.apply_translation((profile.build_volume[0] / 2 - (x0 + x1) / 2,
                              profile.build_volume[1] / 2 - (y0 + y1) / 2, -z0))
    return placed


def slice_one(mesh: trimesh.Trimesh, profile: PrinterProfile, out_path: str | Path) -> SliceResult:
    """Slice a single object in the middle of the bed."""
    return slice_placed([centered_on_bed(mesh, profile)], profile, out_path)
