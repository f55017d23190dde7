"""MicroPython robots over Bluetooth LE (ESP32 and others with a BLE REPL on the NUS).

The same raw REPL, safe upload and compiler as over USB, on a :class:`BleByteLink`.
The kit file gives the robot's ``address`` or advertised ``name``; the ``bleak`` adapter
is used unless a ``link_factory`` is given (the Bumble adapter: a USB dongle driven
directly, or the virtual radio of the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from ground.i18n import _
from robots.drivers.base import FoundRobot
from robots.drivers.microbit import MicroPythonReplDriver
from robots.errors import RobotLost
from robots.transports.ble import BleakNusLink, BleByteLink, BleLink, LoopThread
from robots.transports.link import Link, LinkClosed
from robots.transports.serial_repl import Pacing


class MicroPythonBleDriver(MicroPythonReplDriver):
    family = "micropython_ble"
    # BLE adds latency per round trip, so fewer, bigger commands
    pacing = Pacing(chunk=1024, slice=512, pause=0.0)
    _loop: ClassVar[LoopThread | None] = None

    def __init__(self, robot_id: str, connection: dict[str, Any] | None = None, *,
                 name: str = "", timeout: float | None = None,
                 link_factory: Callable[[], BleLink] | None = None,
                 loop: LoopThread | None = None) -> None:
        super().__init__(robot_id, connection, name=name, timeout=timeout)
        self.link_factory = link_factory
        self.loop = loop

    @classmethod
    def shared_loop(cls) -> LoopThread:
        if cls._loop is None:
            cls._loop = LoopThread()
        return cls._loop

    def open_link(self) -> Link:
        if self.link_factory is not None:
            ble = self.link_factory()
        else:
            ble = BleakNusLink(self.connection.get("address"), self.connection.get("name"))
        try:
            return BleByteLink(ble, self.loop or self.shared_loop(), timeout=self.timeout)
        except LinkClosed as exc:
            raise RobotLost(_("Le robot « %(name)s » est introuvable en Bluetooth : est-il "
                              "allumé et à portée ?", name=self.name)) from exc

    @classmethod
    def find(cls, timeout: float = 3.0) -> list[FoundRobot]:
        try:
            from robots.transports.ble import scan_bleak

            devices = scan_bleak(timeout)
        except Exception:  # noqa: BLE001 - no adapter: nothing found
            return []
        return [FoundRobot(cls.family, {"type": "ble", "address": d["address"]},
                           d["name"] or d["address"], {"rssi": d["rssi"]})
                for d in devices if d["nus"]]
