"""Parallel uploads, stop-all, and the ``mallette robots`` commands, on emulated boards
(raw-paste MicroPython) and a simulated Thymio."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from robots.cli import robots
from robots.drivers import Status, create_driver
from robots.emulator.device import EmulatedBoard
from robots.fleet import Fleet
from robots.program import validate_program

LONG_DRIVE = validate_program({"version": 1, "main": [
    {"block": "light", "colour": "blue"},
    {"block": "repeat", "times": 50, "body": [
        {"block": "move", "direction": "forward", "distance_cm": 200}]}]})
SHORT = {"version": 1, "main": [{"block": "light", "colour": "green"},
                                {"block": "move", "direction": "forward", "distance_cm": 1}]}


@pytest.fixture
def boards(tmp_path: Path):
    started = [EmulatedBoard(tmp_path / f"b{i}").start() for i in range(6)]
    yield started
    for board in started:
        board.close()


def serial_robot(i: int, board: EmulatedBoard) -> dict:
    return {"id": f"esp32-{i}", "name": f"Robot {i}", "family": "micropython_serial",
            "connection": {"type": "serial", "port": board.port}}


def test_parallel_uploads_do_not_block_and_stop_all_reaches_every_robot(boards, playground):
    robots_list = [serial_robot(i, b) for i, b in enumerate(boards)]
    robots_list.append({"id": "thymio-1", "name": "Thymio", "family": "thymio",
                        "connection": playground.connection(0)})
    fleet = Fleet.from_kit(robots_list, timeout=10)
    futures = fleet.upload_all({r["id"]: LONG_DRIVE for r in robots_list})
    assert not all(f.done() for f in futures.values())  # the caller is never blocked
    for future in futures.values():
        future.result(timeout=20)
    assert all(d.status == Status.RUNNING for d in fleet.drivers.values())
    time.sleep(0.3)
    assert all(b.state["motors"] == [120, 120] for b in boards)
    thymio = fleet.driver("thymio-1")
    assert thymio.get("motor.left.target") == [250]

    report = fleet.stop_all(deadline=5.0)  # the 1 s figure: bench/bench_robots.py
    assert report.all_stopped, report.results
    assert set(report.results) == {r["id"] for r in robots_list}
    assert all(b.state["motors"] == [0, 0] for b in boards)
    assert thymio.get("motor.left.target") == [0]
    fleet.close()


def test_stop_all_reports_a_lost_robot_without_waiting_for_it(boards):
    fleet = Fleet.from_kit([serial_robot(i, b) for i, b in enumerate(boards[:3])], timeout=10)
    for result in fleet.check():
        assert result.ok and result.info.firmware == "micropython 1.22.0 emulator"
    boards[1].freeze()
    report = fleet.stop_all(deadline=3.0)
    assert report.seconds < 5.0  # did not wait for the frozen board's 10 s timeout
    assert report.results["esp32-0"] == "stopped" and report.results["esp32-2"] == "stopped"
    assert report.results["esp32-1"] != "stopped"
    assert "Robot 1" in report.results["esp32-1"]
    fleet.close()


def write_kit(tmp_path: Path, robots_list: list[dict]) -> Path:
    kit = tmp_path / "kit.yaml"
    kit.write_text(yaml.safe_dump({"robots": robots_list}, allow_unicode=True))
    return kit


def test_cli_upload_exit_codes(boards, tmp_path):
    runner = CliRunner()
    program = tmp_path / "prog.json"
    program.write_text(json.dumps(SHORT))
    port = boards[0].port
    ok = runner.invoke(robots, ["upload", "esp32-0", str(program), "--family",
                                "micropython_serial", "--port", port, "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["status"] == "running"
    time.sleep(0.3)
    assert boards[0].state["light"] == "green"

    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{ pas du json")
    result = runner.invoke(robots, ["upload", "esp32-0", str(bad_json), "--family",
                                    "micropython_serial", "--port", port])
    assert result.exit_code == 2 and "JSON" in result.output

    unknown_block = tmp_path / "unknown.json"
    unknown_block.write_text(json.dumps({"version": 1, "main": [{"block": "voler", "id": "b7"}]}))
    result = runner.invoke(robots, ["upload", "esp32-0", str(unknown_block), "--family",
                                    "micropython_serial", "--port", port, "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["status"] == "invalid_program"

    kit = write_kit(tmp_path, [serial_robot(5, boards[5])])
    boards[5].freeze()  # not close(): a freed pty number can be reused by another process
    result = runner.invoke(robots, ["upload", "esp32-5", str(program), "--kit", str(kit),
                                    "--timeout", "1.5", "--json"])
    assert result.exit_code == 1
    assert "Robot 5" in json.loads(result.stdout)["message"]


def test_cli_stop_all_and_scan_with_a_kit(boards, tmp_path):
    robots_list = [serial_robot(i, b) for i, b in enumerate(boards[:2])]
    kit = write_kit(tmp_path, robots_list)
    for robot in robots_list:
        driver = create_driver(robot["family"], robot["id"], robot["connection"])
        driver.connect()
        driver.upload(LONG_DRIVE)
        driver.close()
    time.sleep(0.2)
    assert boards[0].state["motors"] == [120, 120]
    runner = CliRunner()
    result = runner.invoke(robots, ["stop-all", "--kit", str(kit), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["all_stopped"] is True
    assert boards[0].state["motors"] == [0, 0] and boards[1].state["motors"] == [0, 0]

    scanned = runner.invoke(robots, ["scan", "--kit", str(kit), "--json"])
    assert scanned.exit_code == 0, scanned.output
    kit_results = json.loads(scanned.stdout)["kit"]
    assert [r["ok"] for r in kit_results] == [True, True]
