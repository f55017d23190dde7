"""Robot drivers, one module per family, found by the family name the kit file uses.

``create_driver("thymio", "thymio-1", {"type": "tcp", "host": "localhost", "port": 33333})``
returns a connected-ready driver. A robot whose connection is ``simulated`` gets the
simulated driver whatever its family, so the demo kit needs no hardware.
"""

from __future__ import annotations

import importlib
from typing import Any

from ground.i18n import _
from robots.drivers.base import FoundRobot, RobotDriver, RobotInfo, Stage, Status, StatusEvent
from robots.errors import ProgramError, RobotError, RobotLost, RobotTimeout

# family name -> "module:Class"; modules are imported on demand so that a family whose
# libraries are missing (bleak, bumble...) never breaks the others.
FAMILIES: dict[str, str] = {
    "thymio": "robots.drivers.thymio:ThymioDriver",
    "microbit_maqueen": "robots.drivers.microbit:MicrobitMaqueenDriver",
    "micropython_serial": "robots.drivers.microbit:MicroPythonSerialDriver",
    "micropython_ble": "robots.drivers.micropython_ble:MicroPythonBleDriver",
    "lego_pybricks": "robots.drivers.pybricks:PybricksDriver",
    "simulated": "robots.drivers.simulated:SimulatedDriver",
}


def register(family: str, target: str) -> None:
    """Add a family (``"package.module:Class"``); plugins call this."""
    FAMILIES[family] = target


def driver_class(family: str) -> type[RobotDriver]:
    target = FAMILIES.get(family)
    if target is None:
        raise RobotError(_("Famille de robot inconnue : « %(family)s » (connues : %(known)s).",
                           family=family, known=", ".join(sorted(FAMILIES))),
                         code="unknown_family", retry=False)
    module_name, _sep, cls_name = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, cls_name)


def create_driver(family: str, robot_id: str, connection: dict[str, Any] | None = None,
                  *, name: str = "", timeout: float | None = None) -> RobotDriver:
    """The driver for one robot of the kit file."""
    connection = dict(connection or {"type": "simulated"})
    if connection.get("type") == "simulated":
        cls = driver_class("simulated")
        return cls(robot_id, connection, name=name, timeout=timeout, model_family=family)
    return driver_class(family)(robot_id, connection, name=name, timeout=timeout)


__all__ = [
    "FAMILIES", "FoundRobot", "ProgramError", "RobotDriver", "RobotError", "RobotInfo",
    "RobotLost", "RobotTimeout", "Stage", "Status", "StatusEvent", "create_driver",
    "driver_class", "register",
]
