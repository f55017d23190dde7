"""Kit check: which robots and printers of the inventory answer.

Simulated hardware always answers. Real hardware is probed with a short
timeout each, so a missing robot never makes the check hang. Robot families
with a driver add what they know (battery, firmware) through ``robots``.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import httpx

from kit.config import KitConfig, PrinterConfig, RobotConfig
from kit.i18n import _


def _robot_status(robot: RobotConfig, timeout: float) -> tuple[bool, str]:
    conn = robot.connection
    if conn.type == "simulated":
        return True, _("simulé, prêt")
    if conn.type == "serial":
        if os.path.exists(conn.port):
            return True, _("port %(port)s présent", port=conn.port)
        return False, _("port %(port)s absent : robot débranché ?", port=conn.port)
    if conn.type == "tcp":
        try:
            with socket.create_connection((conn.host, conn.port), timeout=timeout):
                return True, _("répond sur %(h)s:%(p)s", h=conn.host, p=conn.port)
        except OSError:
            return False, _("ne répond pas sur %(h)s:%(p)s", h=conn.host, p=conn.port)
    if conn.type == "ble":
        try:
            from robots.transports.ble import scan_names  # type: ignore[import-not-found]
        except ImportError:
            return False, _("Bluetooth : recherche impossible sur cette station")
        try:
            found = scan_names(timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - reported to the facilitator
            return False, _("Bluetooth indisponible (%(err)s)", err=exc)
        wanted = conn.address or conn.name
        if wanted in found:
            return True, _("trouvé en Bluetooth")
        return False, _("introuvable en Bluetooth : robot éteint ?")
    return False, _("connexion inconnue")


def _printer_status(printer: PrinterConfig, timeout: float) -> tuple[bool, str]:
    if printer.simulated:
        return True, _("simulée, prête")
    key = printer.api_key()
    if not key:
        where = printer.api_key_env or printer.api_key_file
        return False, _("clé d'API introuvable (%(where)s)", where=where)
    try:
        resp = httpx.get(f"{printer.url.rstrip('/')}/api/version",
                         headers={"X-Api-Key": key}, timeout=timeout)
    except httpx.HTTPError:
        return False, _("OctoPrint ne répond pas à %(url)s", url=printer.url)
    if resp.status_code in (401, 403):
        return False, _("OctoPrint refuse la clé d'API")
    if resp.status_code != 200:
        return False, _("OctoPrint répond %(code)s", code=resp.status_code)
    return True, _("OctoPrint %(v)s prêt", v=resp.json().get("server", "?"))


def probe_kit(kit: KitConfig, timeout: float = 3.0) -> dict[str, Any]:
    items = []
    for robot in kit.robots:
        ok, status = _robot_status(robot, timeout)
        items.append({"kind": "robot", "id": robot.id, "name": robot.name,
                      "family": robot.family, "simulated": robot.simulated, "ok": ok,
                      "status": status})
    for printer in kit.printers:
        ok, status = _printer_status(printer, timeout)
        items.append({"kind": "printer", "id": printer.id, "name": printer.name,
                      "backend": printer.backend, "simulated": printer.simulated, "ok": ok,
                      "status": status})
    return {"ok": all(i["ok"] for i in items), "items": items,
            "missing": [i["id"] for i in items if not i["ok"]]}
