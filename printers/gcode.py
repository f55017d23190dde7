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

from kit.i18n import _
from printers.profiles import PrinterProfile

MAX_GCODE_BYTES = 200 * 1024 * 1024
MAX_VIOLATIONS = 50
Z_FLOOR = -0.5  # mm: a little negative Z offset is normal, more crashes into the bed

_WORD = re.compile(r"([A-Z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")


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


_COMMAND = re.compile(r"[ \t]*(?:[Nn]\d+[ \t]*)?([GMTgmt])0*(\d+)([^;*]*)")
_COMMENT = re.compile(r"\([^)]*\)")


def _words(code: str) -> dict[str, float]:
    return {k: float(v) for k, v in _WORD.findall(code)}


def check_gcode_text(text: str, profile: PrinterProfile) -> GcodeReport:
    """Walk the G-code, tracking the nozzle's physical position, and list violations.

    why: a teacher's file has ~700,000 lines for 20 MB; each line costs one compiled
    regular expression and a few string tests, moves without X/Y/Z are skipped early.
    """
    report = GcodeReport()
    forbidden = forbidden_commands()
    tol = profile.move_tolerance
    bx, by, bz = profile.build_volume
    limits = {"X": (-tol, bx + tol), "Y": (-tol, by + tol), "Z": (Z_FLOOR, bz)}
    pos = {"X": 0.0, "Y": 0.0, "Z": 0.0}  # physical position, mm
    offset = {"X": 0.0, "Y": 0.0, "Z": 0.0}  # logical = physical - offset... see G92
    relative = False
    unit = 1.0
    seen = [[float("inf")] * 3, [float("-inf")] * 3]
    low, high = seen
    axis_index = {"X": 0, "Y": 1, "Z": 2}
    moves = ("G1", "G0", "G2", "G3")
    match = _COMMAND.match
    findall = _WORD.findall
    lines = text.splitlines()
    for lineno, raw in enumerate(lines, start=1):
        if "(" in raw:
            raw = _COMMENT.sub("", raw)
        m = match(raw)
        if m is None:
            continue
        letter, number, rest = m.groups()
        cmd = letter.upper() + number
        rest = rest.upper()
        if cmd in moves:
            if "X" not in rest and "Y" not in rest and "Z" not in rest:
                continue
            for a, value in findall(rest):
                if a not in pos:
                    continue
                p = pos[a] + float(value) * unit if relative else (
                    float(value) * unit + offset[a])
                pos[a] = p
                lo, hi = limits[a]
                i = axis_index[a]
                if p < low[i]:
                    low[i] = p
                if p > high[i]:
                    high[i] = p
                if not lo <= p <= hi:
                    report.add(Violation(lineno, raw.strip()[:80], _(
                        "déplacement hors du volume d'impression : %(axis)s = %(v).1f mm "
                        "(autorisé de %(lo).1f à %(hi).1f mm)", axis=a, v=p, lo=lo,
                        hi=hi)))
        elif cmd == "G90":
            relative = False
        elif cmd == "G91":
            relative = True
        elif cmd == "G20":
            unit = 25.4
        elif cmd == "G21":
            unit = 1.0
        elif cmd == "G28":
            axes = [a for a in "XYZ" if a in rest] or ["X", "Y", "Z"]
            for a in axes:
                pos[a] = 0.0
                offset[a] = 0.0
        elif cmd == "G92":
            words = _words(rest)
            for a in "XYZ":
                if a in words:
                    offset[a] = pos[a] - words[a] * unit
        elif cmd in ("M104", "M109", "M140", "M190"):
            words = _words(rest)
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
                what = _("buse") if hotend else _("plateau")
                report.add(Violation(lineno, raw.strip()[:80], _(
                    "température de %(what)s dangereuse : %(t).0f °C (au plus %(max).0f °C "
                    "pour cette imprimante)", what=what, t=temp, max=limit)))
        elif cmd in forbidden:
            if cmd == "M211" and _words(rest).get("S", 1) != 0:
                continue
            report.add(Violation(lineno, raw.strip()[:80], _(
                "commande interdite %(cmd)s : elle %(why)s", cmd=cmd, why=forbidden[cmd])))
    report.lines = len(lines)
    if seen[0][0] != float("inf"):
        report.bounds = [[round(v, 2) if abs(v) != float("inf") else 0.0 for v in row]
                         for row in seen]
    return report


def check_gcode_bytes(data: bytes, name: str, profile: PrinterProfile) -> GcodeReport:
    """Check a file's content: refused if it looks binary, decoded leniently otherwise."""
    if b"\0" in data[:65536]:
        raise GcodeError(_("Fichier « %(name)s » : ce n'est pas un fichier G-code texte "
                           "(binaire ?).", name=name))
    return check_gcode_text(data.decode("utf-8", errors="replace"), profile)


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
