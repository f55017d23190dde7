"""``mallette robots …``: scan for robots, upload a program, stop every robot.

The commands use the same code path as the station (drivers, fleet). Robots come from the
kit file (``--kit``); for a robot not in a kit, ``--family`` with ``--port`` (serial) or
``--target host:port`` (Aseba simulator) describes it directly.
Exit codes of ``upload``: 0 the program runs, 1 the robot refused it or was lost,
2 the program is invalid.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ground.i18n import _
from robots.drivers import FAMILIES, ProgramError, RobotError, Stage, driver_class
from robots.fleet import Fleet, robot_entry

STAGE_LABELS = {
    Stage.COMPILING: "compilation", Stage.SENDING: "envoi", Stage.VERIFYING: "vérification",
    Stage.STARTING: "démarrage", Stage.RUNNING: "en marche",
}


def load_robots(kit_file: Path | None) -> list[dict[str, Any]]:
    """The kit's robots as dicts (``ground.config`` validates the file when it is installed)."""
    if kit_file is None:
        return []
    try:
        from ground.config import load_kit
    except ImportError:
        import yaml

        data = yaml.safe_load(Path(kit_file).read_text(encoding="utf-8")) or {}
        return [dict(r) for r in data.get("robots", [])]
    try:
        return [robot_entry(r) for r in load_kit(kit_file).robots]
    except Exception as exc:  # ground.yamlfile.FileError: print its problems, exit 2
        for problem in getattr(exc, "problems", [exc]):
            click.echo(str(problem), err=True)
        sys.exit(2)


def robot_from_options(robot_id: str, kit_file: Path | None, family: str | None,
                       port: str | None, target: str | None) -> dict[str, Any]:
    if family:
        if port:
            connection: dict[str, Any] = {"type": "serial", "port": port}
        elif target:
            host, _sep, tcp_port = target.rpartition(":")
            connection = {"type": "tcp", "host": host or "localhost", "port": int(tcp_port)}
        else:
            connection = {"type": "simulated"}
        return {"id": robot_id, "name": robot_id, "family": family, "connection": connection}
    for robot in load_robots(kit_file):
        if robot.get("id") == robot_id:
            return robot
    raise click.UsageError(_("Robot « %(robot)s » introuvable : indiquez --kit FICHIER ou "
                             "--family avec --port / --target.", robot=robot_id))


def scan(robots: list[dict[str, Any]], ble_timeout: float = 0.0) -> dict[str, Any]:
    """What is found now: serial ports, BLE devices, the kit's TCP/Aseba targets."""
    from serial.tools import list_ports

    found: dict[str, Any] = {"serial": [], "robots": [], "ble": [], "tcp": []}
    for port in list_ports.comports():
        found["serial"].append({"port": port.device, "description": port.description,
                                "vid": port.vid, "pid": port.pid})
    for family in FAMILIES:
        try:
            found["robots"] += [f.to_dict() for f in driver_class(family).find(1.0)]
        except (ImportError, RobotError):
            continue
    if ble_timeout > 0:
        try:
            from robots.transports.ble import scan_bleak

            found["ble"] = scan_bleak(ble_timeout)
        except Exception as exc:  # noqa: BLE001 - no Bluetooth adapter is a normal case
            found["ble_error"] = _("Bluetooth indisponible : %(error)s", error=str(exc))
    if robots:
        fleet = Fleet.from_kit(robots, timeout=3.0)
        try:
            found["kit"] = [r.to_dict() for r in fleet.check()]
        finally:
            fleet.close()
    return found


@click.group("robots")
def robots() -> None:
    """Robots de la mallette : recherche, envoi d'un programme, arrêt général."""


@robots.command("scan")
@click.option("--kit", "kit_file", type=click.Path(exists=True, path_type=Path), default=None)
@click.option("--ble", "ble_timeout", type=float, default=0.0,
              help="Chercher aussi en Bluetooth pendant N secondes.")
@click.option("--json", "as_json", is_flag=True)
def scan_command(kit_file: Path | None, ble_timeout: float, as_json: bool) -> None:
    """Lister les robots trouvés (ports série, Bluetooth, robots de la mallette)."""
    found = scan(load_robots(kit_file), ble_timeout)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    click.echo(_("Ports série : %(n)s", n=len(found["serial"])))
    for port in found["serial"]:
        click.echo(f"  {port['port']}  {port['description']}")
    for robot in found["robots"]:
        click.echo(f"  → {robot['label']} ({robot['family']}) {robot['connection']}")
    for device in found["ble"]:
        click.echo(f"  BLE {device.get('name') or '?'} {device.get('address')}")
    if "ble_error" in found:
        click.echo("  " + found["ble_error"])
    for result in found.get("kit", []):
        state = _("répond") if result["ok"] else _("absent")
        detail = (result["info"] or {}).get("firmware", "") if result["ok"] else result["message"]
        click.echo(f"  [{state}] {result['robot']} — {detail}")


@robots.command("upload")
@click.argument("robot_id")
@click.argument("program_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kit", "kit_file", type=click.Path(exists=True, path_type=Path), default=None)
@click.option("--family", type=click.Choice(sorted(FAMILIES)), default=None)
@click.option("--port", default=None, help="Port série (/dev/ttyACM0…).")
@click.option("--target", default=None, help="hôte:port TCP (simulateur Aseba).")
@click.option("--timeout", type=float, default=None)
@click.option("--json", "as_json", is_flag=True)
def upload_command(robot_id: str, program_file: Path, kit_file: Path | None,
                   family: str | None, port: str | None, target: str | None,
                   timeout: float | None, as_json: bool) -> None:
    """Compiler et envoyer PROGRAM_FILE (modèle de programme JSON) au robot ROBOT_ID."""
    robot = robot_from_options(robot_id, kit_file, family, port, target)
    try:
        data = json.loads(program_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        _finish(as_json, robot_id, 2, "invalid_program",
                _("Le fichier %(file)s n'est pas un JSON valide : %(error)s",
                  file=program_file, error=exc))
    from robots.program import validate_program  # why here: pydantic only for this command

    try:  # the door: checked once here, then the drivers take the typed program
        program = validate_program(data)
    except ProgramError as exc:
        _finish(as_json, robot_id, 2, exc.code, exc.message)
    fleet = Fleet.from_kit([robot], timeout=timeout)

    def progress(stage: Stage, fraction: float) -> None:
        if not as_json:
            click.echo(f"{STAGE_LABELS[stage]} {int(fraction * 100)} %", err=True)

    try:
        fleet.upload(robot_id, program, progress).result()
    except ProgramError as exc:
        _finish(as_json, robot_id, 2, exc.code, exc.message)
    except RobotError as exc:
        _finish(as_json, robot_id, 1, exc.code, exc.message)
    finally:
        fleet.close()
    _finish(as_json, robot_id, 0, "running", _("Le programme tourne sur « %(robot)s ».",
                                                robot=robot.get("name", robot_id)))


def _finish(as_json: bool, robot_id: str, code: int, status: str, message: str) -> None:
    if as_json:
        click.echo(json.dumps({"robot": robot_id, "status": status, "message": message,
                               "exit": code}, ensure_ascii=False))
    else:
        click.echo(message, err=code != 0)
    sys.exit(code)


@robots.command("stop-all")
@click.option("--kit", "kit_file", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--json", "as_json", is_flag=True)
def stop_all_command(kit_file: Path, as_json: bool) -> None:
    """Arrêter tous les robots de la mallette."""
    fleet = Fleet.from_kit(load_robots(kit_file), timeout=3.0)
    for result in fleet.check():  # connect first: this process does not hold the robots
        if not result.ok and not as_json:
            click.echo(result.message, err=True)
    report = fleet.stop_all()
    fleet.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for robot_id, outcome in report.results.items():
            click.echo(f"{robot_id} : {_('arrêté') if outcome == 'stopped' else outcome}")
        click.echo(_("Arrêt général en %(seconds)s s.", seconds=f"{report.seconds:.2f}"))
    sys.exit(0 if report.all_stopped else 1)
