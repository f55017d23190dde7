"""The kit's configuration (``kit.yaml``): which station, robots and printers.

A file written by the facilitator is validated with a pydantic schema; every
error names the file, the line and the field. With no file the station runs the
built-in simulated kit, so that a demo needs no hardware.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ground.i18n import _
from ground.yamlfile import FileError, FileProblem, load_yaml, validate_file

ROBOT_FAMILIES = ("thymio", "microbit_maqueen", "micropython_serial", "micropython_ble",
                  "lego_pybricks", "simulated")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SerialConnection(_Strict):
    type: Literal["serial"]
    port: str = Field(min_length=1, description="/dev/ttyACM0, COM3…")
    baudrate: int = Field(115200, ge=1200, le=2_000_000)


class BleConnection(_Strict):
    type: Literal["ble"]
    address: str | None = Field(
        None, pattern=r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")
    name: str | None = Field(None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _address_or_name(self) -> BleConnection:
        if not self.address and not self.name:
            raise ValueError(_("indiquez « address » ou « name » pour une connexion Bluetooth"))
        return self


class TcpConnection(_Strict):
    type: Literal["tcp"]
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)


class SimulatedConnection(_Strict):
    type: Literal["simulated"]


Connection = Annotated[
    SerialConnection | BleConnection | TcpConnection | SimulatedConnection,
    Field(discriminator="type"),
]


class RobotConfig(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=40)
    colour: str = Field("#1e88e5", pattern=COLOUR_PATTERN)
    family: Literal[ROBOT_FAMILIES]  # type: ignore[valid-type]
    connection: Connection

    @property
    def simulated(self) -> bool:
        return isinstance(self.connection, SimulatedConnection)


class BuildVolume(_Strict):
    x: float = Field(gt=0, le=1000)
    y: float = Field(gt=0, le=1000)
    z: float = Field(gt=0, le=1000)


class PrinterConfig(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=40)
    backend: Literal["octoprint", "simulated"]
    url: str | None = Field(None, pattern=r"^https?://[^\s]+$")
    api_key_env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    api_key_file: str | None = None
    slicer_profile: str = Field("generic_pla_0.4", min_length=1)
    build_volume: BuildVolume = BuildVolume(x=220, y=220, z=250)
    margin_mm: float = Field(5, ge=0, le=50)
    nozzle_mm: float = Field(0.4, gt=0, le=2)
    max_hotend_c: int = Field(260, ge=150, le=320)
    max_bed_c: int = Field(100, ge=0, le=130)

    @field_validator("api_key_file")
    @classmethod
    def _no_key_in_yaml(cls, value: str | None) -> str | None:
        if value is not None and re.fullmatch(r"[0-9A-Fa-f_-]{20,}", value):
            raise ValueError(_("ceci ressemble à une clé d'API : donnez le chemin d'un fichier "
                               "qui la contient, jamais la clé elle-même"))
        return value

    @model_validator(mode="after")
    def _octoprint_needs_url_and_key(self) -> PrinterConfig:
        if self.backend == "octoprint":
            if not self.url:
                raise ValueError(_("une imprimante OctoPrint a besoin de « url »"))
            if not (self.api_key_env or self.api_key_file):
                raise ValueError(_("une imprimante OctoPrint a besoin de « api_key_env » "
                                   "(variable d'environnement) ou « api_key_file » (fichier)"))
        return self

    @property
    def simulated(self) -> bool:
        return self.backend == "simulated"

    def api_key(self) -> str | None:
        """Read the API key from where the kit file says it lives (never the YAML)."""
        if self.api_key_env:
            return os.environ.get(self.api_key_env) or None
        if self.api_key_file:
            try:
                return Path(self.api_key_file).read_text(encoding="utf-8").strip() or None
            except OSError:
                return None
        return None


class StationConfig(_Strict):
    name: str = Field("Mallette", min_length=1, max_length=80)
    kit_id: str = Field("kit-demo", pattern=ID_PATTERN)
    language: Literal["fr", "en"] = "fr"


class KitConfig(_Strict):
    station: StationConfig = StationConfig()
    robots: list[RobotConfig] = Field(default_factory=list, max_length=64)
    printers: list[PrinterConfig] = Field(default_factory=list, max_length=16)

    @model_validator(mode="after")
    def _unique_ids(self) -> KitConfig:
        for kind, items in (("robots", self.robots), ("printers", self.printers)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(_("identifiant « %(id)s » en double dans %(kind)s",
                                       id=item.id, kind=kind))
                seen.add(item.id)
        return self

    def robot(self, robot_id: str) -> RobotConfig | None:
        return next((r for r in self.robots if r.id == robot_id), None)

    def printer(self, printer_id: str) -> PrinterConfig | None:
        return next((p for p in self.printers if p.id == printer_id), None)


SIMULATED_KIT = KitConfig(
    station=StationConfig(name="Mallette de démonstration", kit_id="kit-demo"),
    robots=[
        RobotConfig(id="robot-rouge", name="Robot rouge", colour="#e53935", family="simulated",
                    connection=SimulatedConnection(type="simulated")),
        RobotConfig(id="robot-bleu", name="Robot bleu", colour="#1e88e5", family="simulated",
                    connection=SimulatedConnection(type="simulated")),
        RobotConfig(id="robot-vert", name="Robot vert", colour="#43a047", family="simulated",
                    connection=SimulatedConnection(type="simulated")),
    ],
    printers=[
        PrinterConfig(id="imprimante-1", name="Imprimante 1", backend="simulated"),
    ],
)


def load_kit(path: Path | str | None) -> KitConfig:
    """Load and validate a kit file; ``None`` gives the built-in simulated kit.

    Raises :class:`ground.yamlfile.FileError` naming file, line and field.
    """
    if path is None:
        return SIMULATED_KIT.model_copy(deep=True)
    data, lines = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FileError([FileProblem(str(path), 1, "", _("le fichier doit contenir des champs "
                                                         "(station, robots, printers)"))])
    return validate_file(KitConfig, data, lines, str(path))


EXAMPLE_KIT = Path(__file__).resolve().parent.parent / "kit" / "kit.example.yaml"
