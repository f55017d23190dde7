"""Kit check: which robots and printers of the inventory answer.

Robots are connected and described by their drivers, all in parallel, each
with a short timeout (a missing robot never makes the check hang); what they
report (firmware, battery) is shown. Robots found on the laptop's ports that
are not in the inventory are listed too. Printers are asked over OctoPrint's API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ground.config import KitConfig, PrinterConfig
from ground.i18n import _


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


def _describe(result: dict[str, Any]) -> str:
    info = result.get("info") or {}
    parts = [_("répond")]
    if info.get("firmware"):
        parts.append(str(info["firmware"]))
    if info.get("battery_percent") is not None:
        parts.append(_("batterie %(p)s %%", p=round(float(info["battery_percent"]))))
    return " · ".join(parts)


def _checked_by_drivers(kit: KitConfig, timeout: float) -> dict[str, dict[str, Any]]:
    from robots.fleet import Fleet

    fleet = Fleet.from_kit(kit.robots, timeout=timeout)
    try:
        return {r.robot_id: r.to_dict() for r in fleet.check()}
    finally:
        fleet.close()


def _unknown_robots(kit: KitConfig) -> list[dict[str, Any]]:
    """Robots plugged into this laptop that the inventory does not list."""
    from robots.drivers import FAMILIES, RobotError, driver_class

    listed = {r.connection.port for r in kit.robots if r.connection.type == "serial"}
    unknown = []
    for family in FAMILIES:
        try:
            found = driver_class(family).find(1.0)
        except (ImportError, RobotError, OSError):
            continue
        for robot in found:
            port = robot.connection.get("port")
            if port and port not in listed:
                unknown.append({"kind": "unknown", "id": port, "name": robot.label,
                                "family": robot.family, "simulated": False, "ok": True,
                                "status": _("présent mais absent de kit.yaml")})
    return unknown


def probe_kit(kit: KitConfig, timeout: float = 3.0,
              robot_check: Callable[[], dict[str, dict[str, Any]]] | None = None
              ) -> dict[str, Any]:
    """Check every robot and printer; ``robot_check`` lets the running station use its
    own fleet (a serial port cannot be opened twice)."""
    checked = robot_check() if robot_check is not None else _checked_by_drivers(kit, timeout)
    items = []
    for robot in kit.robots:
        result = checked.get(robot.id)
        if result is not None and result.get("ok"):
            ok, status = True, _describe(result)
            battery = (result.get("info") or {}).get("battery_percent")
        else:  # the drivers answer for every robot of the kit, simulated ones included
            ok, status = False, (result or {}).get("message") or _("ne répond pas")
            battery = None
        items.append({"kind": "robot", "id": robot.id, "name": robot.name,
                      "family": robot.family, "simulated": robot.simulated, "ok": ok,
                      "status": status, "battery": battery})
    for printer in kit.printers:
        ok, status = _printer_status(printer, timeout)
        items.append({"kind": "printer", "id": printer.id, "name": printer.name,
                      "backend": printer.backend, "simulated": printer.simulated, "ok": ok,
                      "status": status})
    items.extend(_unknown_robots(kit))
    return {"ok": all(i["ok"] for i in items), "items": items,
            "missing": [i["id"] for i in items if not i["ok"]]}
