"""Printer profiles: what a printer can do, used by every check and by the slicer.

For now profiles are built in (``default``: a 220 x 220 x 250 mm printer with a 0.4 mm
nozzle); the station will build them from the printers listed in ``kit.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ground.i18n import _

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"


class PrinterProfile(BaseModel):
    """One printer model's limits (all lengths in mm, temperatures in °C)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    name: str = ""
    build_volume: tuple[float, float, float] = Field(default=(220.0, 220.0, 250.0))
    margin: float = Field(default=5.0, ge=0, le=50)
    nozzle_diameter: float = Field(default=0.4, gt=0.05, le=2.0)
    max_hotend_temp: float = Field(default=260.0, gt=0, le=500)
    max_bed_temp: float = Field(default=110.0, ge=0, le=200)
    slicer_profile: Path = PROFILES_DIR / "generic_pla_0.4.ini"
    filament_diameter: float = 1.75
    filament_density: float = 1.24  # g/cm3 (PLA)
    # allowed slack outside the bed for moves (parking, purge line at the edge)
    move_tolerance: float = Field(default=5.0, ge=0, le=50)

    @property
    def usable_xy(self) -> tuple[float, float]:
        return (self.build_volume[0] - 2 * self.margin, self.build_volume[1] - 2 * self.margin)


BUILTIN_PROFILES: dict[str, PrinterProfile] = {
    "default": PrinterProfile(id="default", name="Imprimante générique 220 × 220 × 250"),
}


def profile_from_kit_printer(entry: dict[str, Any]) -> PrinterProfile:
    """A profile from one ``printers:`` entry of kit.yaml (ground.config's PrinterConfig dump).

    kit.yaml names: ``build_volume: {x, y, z}``, ``margin_mm``, ``nozzle_mm``,
    ``max_hotend_c``, ``max_bed_c``, ``slicer_profile`` (a name in printers/profiles/,
    without ``.ini``, or a path). Other keys (url, backend, api key) are not the profile's.
    """
    volume = entry.get("build_volume", (220.0, 220.0, 250.0))
    if isinstance(volume, dict):
        volume = (volume["x"], volume["y"], volume["z"])
    fields: dict[str, Any] = {"id": entry["id"], "name": entry.get("name", ""),
                              "build_volume": tuple(volume)}
    for kit_key, key in (("margin_mm", "margin"), ("nozzle_mm", "nozzle_diameter"),
                         ("max_hotend_c", "max_hotend_temp"), ("max_bed_c", "max_bed_temp")):
        if entry.get(kit_key) is not None:
            fields[key] = entry[kit_key]
    slicer = entry.get("slicer_profile")
    if slicer:
        path = Path(str(slicer))
        if path.suffix != ".ini":  # a name such as "generic_pla_0.4"
            path = PROFILES_DIR / f"{slicer}.ini"
        if not path.is_file():
            raise UnknownPrinterError(_("Profil de découpage introuvable pour « %(id)s » : "
                                        "%(path)s.", id=entry["id"], path=path))
        fields["slicer_profile"] = path
    return PrinterProfile(**fields)


class UnknownPrinterError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def get_profile(printer_id: str) -> PrinterProfile:
    try:
        return BUILTIN_PROFILES[printer_id]
    except KeyError:
        raise UnknownPrinterError(_("Imprimante inconnue : « %(id)s » (connues : %(known)s).",
                                    id=printer_id, known=", ".join(BUILTIN_PROFILES))) from None
