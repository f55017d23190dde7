"""Check a G-code file from a teacher's own slicer against the printer's profile.

A file is accepted only if every temperature (M104/M109 hotend, M140/M190 bed) stays
within the printer's maxima and every move (G0/G1/G2/G3, absolute G90 or relative
G91, G92 offsets, G20 inches) stays inside the build volume; a few commands that
change the firmware's safety settings are refused outright. Violations carry their
line numbers so the facilitator can look at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ground.i18n import _
from printers.profiles import PrinterProfile

MAX_GCODE_BYTES = 200 * 1024 * 1024
MAX_VIOLATIONS = 50
Z_FLOOR = -0.5  # mm: a little negative Z offset is normal, more crashes into the bed



def forbidden_commands() -> dict[str, str]:
    """Commands that weaken the printer's own protections or rewrite its settings."""
    return {
        "M211": _("désactive les butées logicielles"),
        "M302": _("autorise l'extrusion à froid"),
        "M500": _("écrit dans la mémoire de l'imprimante"),
        "M502": _("remet l'imprimante à ses réglages d'usine"),
        "M92": _("change les pas par millimètre"),
        "M301": _("change le réglage de chauffe de la buse"),
        "M304": _("change le réglage de chauffe du plateau"),
        "M997": _("met à jour le micrologiciel"),
    }


class GcodeError(ValueError):
    """The file cannot be read as G-code at all."""


@dataclass(frozen=True)
class Violation:
    line: int
    command: str
    message: str


@dataclass
class GcodeReport:
    lines: int = 0
    violations: list[Violation] = field(default_factory=list)
    more_violations: int = 0
    max_hotend: float = 0.0
    max_bed: float = 0.0
    bounds: list[list[float]] = field(default_factory=lambda: [[0, 0, 0], [0, 0, 0]])

    @property
    def ok(self) -> bool:
        return not self.violations

    def add(self, violation: Violation) -> None:
        if len(self.violations) < MAX_VIOLATIONS:
            self.violations.append(violation)
        else:
            self.more_violations += 1


_NUMBER = rb"([-+]?(?:\d+\.?\d*|\.\d+))"
_LINE_START = rb"(?m)^[ \t]*(?:N\d+[ \t]*)?"
# commands that change the state or are checked one by one (rare in a file)
_STATE = re.compile(_LINE_START + rb"(G0*(?:20|21|28|90|91|92)|M0*(?:104|109|140|190|211|302"
                    rb"|500|502|92|301|304|997))(?![0-9])([^;\n*]*)")
# one axis of every move (G0-G3), read for a whole stretch of the file at once
_MOVE_AXIS = {axis: re.compile(_LINE_START + rb"G0*[0-3](?![0-9])[^;\n*]*?" + axis.encode()
                               + rb"[ \t]*" + _NUMBER) for axis in "XYZ"}
_COMMENT = re.compile(rb"\([^)\n]*\)")
_BYTE_WORD = re.compile(rb"([A-Z])[ \t]*" + _NUMBER)


def _words(code: bytes) -> dict[str, float]:
    return {k.decode(): float(v) for k, v in _BYTE_WORD.findall(code)}


@dataclass
class _Walk:
    """The nozzle's state between two state-changing lines."""

    pos: dict[str, float] = field(default_factory=lambda: dict.fromkeys("XYZ", 0.0))
    offset: dict[str, float] = field(default_factory=lambda: dict.fromkeys("XYZ", 0.0))
    relative: bool = False
    unit: float = 1.0


def check_gcode_text(text: str, profile: PrinterProfile) -> GcodeReport:
    """Walk the G-code, tracking the nozzle's physical position, and list violations."""
    return _check(text.encode("utf-8", errors="replace"), profile)


def _check(data: bytes, profile: PrinterProfile) -> GcodeReport:
    """The check itself, on bytes.

    why: a teacher's 20 MB file has ~700,000 lines and a Python loop over them took 7 to
    28 s. Moves are read axis by axis for each stretch between two state-changing lines
    (G90/G91/G20/G21/G28/G92, temperatures, forbidden commands), whose positions numpy
    computes at once; only the rare state lines are walked one by one.
    """
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    original = data
    if b"(" in data:
        data = _COMMENT.sub(b"", data)
    data = data.upper()
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    original_newlines = newlines if original is data or len(original) == len(data) else \
        np.flatnonzero(np.frombuffer(original, dtype=np.uint8) == 10)

    def line_of(offset: int) -> int:
        return int(np.searchsorted(newlines, offset)) + 1

    def raw_line(lineno: int) -> str:
        first = int(original_newlines[lineno - 2]) + 1 if lineno > 1 else 0
        last = int(original_newlines[lineno - 1]) if lineno - 1 < len(original_newlines) \
            else len(original)
        return original[first:last].decode("utf-8", errors="replace").strip()[:80]

    report = GcodeReport()
    forbidden = forbidden_commands()
    tol = profile.move_tolerance
    bx, by, bz = profile.build_volume
    limits = {"X": (-tol, bx + tol), "Y": (-tol, by + tol), "Z": (Z_FLOOR, bz)}
    walk = _Walk()
    seen = [[float("inf")] * 3, [float("-inf")] * 3]
    found: list[tuple[int, int, str]] = []  # (line, order, message): sorted at the end
    total = 0

    def moves(start: int, end: int) -> None:
        nonlocal total
        for i, axis in enumerate("XYZ"):
            pattern = _MOVE_AXIS[axis]
            values = pattern.findall(data, start, end)
            if not values:
                continue
            given = np.array(values, dtype=np.float64) * walk.unit
            if walk.relative:
                path = walk.pos[axis] + np.cumsum(given)
            else:
                path = given + walk.offset[axis]
            walk.pos[axis] = float(path[-1])
            seen[0][i] = min(seen[0][i], float(path.min()))
            seen[1][i] = max(seen[1][i], float(path.max()))
            lo, hi = limits[axis]
            outside = np.flatnonzero((path < lo) | (path > hi))
            if not len(outside):
                continue
            total += len(outside)
            wanted = set(outside[:MAX_VIOLATIONS].tolist())
            last = max(wanted)
            for n, match in enumerate(pattern.finditer(data, start, end)):
                if n in wanted:
                    line = line_of(match.start())
                    found.append((line, i, _(
                        "déplacement hors du volume d'impression : %(axis)s = %(v).1f mm "
                        "(autorisé de %(lo).1f à %(hi).1f mm)", axis=axis,
                        v=float(path[n]), lo=lo, hi=hi)))
                if n >= last:
                    break

    cursor = 0
    for match in _STATE.finditer(data):
        moves(cursor, match.start())
        cursor = match.end()
        head, rest = match.group(1), match.group(2)
        cmd = head[:1].decode() + str(int(head[1:]))
        words = _words(rest)
        if cmd == "G90":
            walk.relative = False
        elif cmd == "G91":
            walk.relative = True
        elif cmd == "G20":
            walk.unit = 25.4
        elif cmd == "G21":
            walk.unit = 1.0
        elif cmd == "G28":
            for a in [a for a in "XYZ" if a.encode() in rest] or ["X", "Y", "Z"]:
                walk.pos[a] = 0.0
                walk.offset[a] = 0.0
        elif cmd == "G92":
            for a in "XYZ":
                if a in words:
                    walk.offset[a] = walk.pos[a] - words[a] * walk.unit
        elif cmd in ("M104", "M109", "M140", "M190"):
            temp = words.get("S", words.get("R"))
            if temp is None:
                continue
            hotend = cmd in ("M104", "M109")
            limit = profile.max_hotend_temp if hotend else profile.max_bed_temp
            if hotend:
                report.max_hotend = max(report.max_hotend, temp)
            else:
                report.max_bed = max(report.max_bed, temp)
            if temp > limit or temp < 0:
                total += 1
                what = _("buse") if hotend else _("plateau")
                found.append((line_of(match.start()), 0, _(
                    "température de %(what)s dangereuse : %(t).0f °C (au plus %(max).0f °C "
                    "pour cette imprimante)", what=what, t=temp, max=limit)))
        elif cmd in forbidden:
            if cmd == "M211" and words.get("S", 1) != 0:
                continue
            total += 1
            found.append((line_of(match.start()), 0, _(
                "commande interdite %(cmd)s : elle %(why)s", cmd=cmd, why=forbidden[cmd])))
    moves(cursor, len(data))

    found.sort(key=lambda v: (v[0], v[1]))
    for line, _order, message in found[:MAX_VIOLATIONS]:
        report.violations.append(Violation(line, raw_line(line), message))
    report.more_violations = total - len(report.violations)
    report.lines = len(newlines) + (1 if data and not data.endswith(b"\n") else 0)
    if seen[0][0] != float("inf"):
        report.bounds = [[round(v, 2) if abs(v) != float("inf") else 0.0 for v in row]
                         for row in seen]
    return report


def check_gcode_bytes(data: bytes, name: str, profile: PrinterProfile) -> GcodeReport:
    """Check a file's content: refused if it looks binary, decoded leniently otherwise."""
    if b"\0" in data[:65536]:
        raise GcodeError(_("Fichier « %(name)s » : ce n'est pas un fichier G-code texte "
                           "(binaire ?).", name=name))
    return _check(data, profile)


def check_gcode_file(path: str | Path, profile: PrinterProfile) -> GcodeReport:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_GCODE_BYTES:
            raise GcodeError(_("Fichier « %(name)s » : trop gros pour un fichier G-code "
                               "(%(mb)s Mo).", name=path.name, mb=size // 2**20))
        data = path.read_bytes()
    except OSError:
        raise GcodeError(_("Fichier « %(name)s » introuvable ou illisible.",
                           name=path.name)) from None
    return check_gcode_bytes(data, path.name, profile)
