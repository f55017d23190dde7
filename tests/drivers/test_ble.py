"""MicroPython over BLE (Nordic UART Service) through Bumble: virtual robots on an
in-process radio, the station as a Bumble central."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

try:
    import bumble  # noqa: F401 - the BLE test stack (PyPI)
except ImportError:  # pragma: no cover
    bumble = None

from robots.drivers import RobotError, Status
from robots.drivers.micropython_ble import MicroPythonBleDriver
from robots.emulator.ble_robot import VirtualBleWorld
from robots.emulator.device import EmulatedBoard
from robots.program import validate_program
from robots.transports.ble import BleByteLink
from robots.transports.serial_repl import RawRepl

PROGRAM = validate_program({"version": 1, "main": [
    {"block": "light", "colour": "yellow"},
    {"block": "repeat", "times": 3, "body": [
        {"block": "move", "direction": "forward", "distance_cm": 1}]},
    {"block": "light", "colour": "off"},
]})


@pytest.fixture(scope="module")
def world():
    if bumble is None:
        from tests.peers import missing

        missing("bumble not installed (pip install bumble)")
    w = VirtualBleWorld()
    yield w
    w.close()


@pytest.fixture
def robot(world, tmp_path: Path):
    board = EmulatedBoard(tmp_path / "fs").start()
    robot = world.add_robot(board, "mpy-robot")
    yield robot
    board.close()


def driver_for(world, robot, name="ESP32 bleu", timeout=3.0) -> MicroPythonBleDriver:
    return MicroPythonBleDriver("esp32-ble", {"type": "ble", "name": "mpy-robot"}, name=name,
                                timeout=timeout, link_factory=lambda: world.link_to(robot),
                                loop=world.loop)


def test_mtu_is_negotiated_and_2kb_arrive_whole(world, robot):
    link = BleByteLink(world.link_to(robot), world.loop)
    assert link.ble.mtu == 247
    repl = RawRepl(link, "ESP32", timeout=3)
    repl.enter_raw()
    program = ("# " + "x" * 60 + "\n") * 32
    started = time.monotonic()
    repl.put_main(program.encode())
    elapsed = time.monotonic() - started
    assert repl.raw_paste is True
    assert (robot.board.root / "main.py").read_text() == program
    assert robot.board.overruns == 0
    assert elapsed < 2.0
    link.close()


def test_program_runs_over_ble(world, robot):
    driver = driver_for(world, robot)
    driver.connect()
    assert driver.describe().firmware == "micropython 1.22.0 emulator"
    driver.upload(PROGRAM)
    assert driver.wait_finished(5) == Status.FINISHED
    trace = robot.board.state["trace"]
    assert trace[0] == ("light", "yellow") and trace.count(("motors", (120, 120))) == 3
    assert trace[-1] == ("motors", (0, 0))
    driver.close()


def test_disconnect_mid_transfer_keeps_a_whole_program(world, robot):
    first = driver_for(world, robot)
    first.connect()
    first.upload(PROGRAM)
    first.close()
    old = (robot.board.root / "main.py").read_bytes()

    big = validate_program({"version": 1, "main": [{"block": "wait", "seconds": 0.1}] * 150})
    driver = driver_for(world, robot, name="ESP32 rouge")
    driver.connect()
    received = robot.received

    def cut_when_sending() -> None:
        while robot.received < received + 1500:
            time.sleep(0.001)
        robot.drop()

    import threading

    cutter = threading.Thread(target=cut_when_sending)
    cutter.start()
    with pytest.raises(RobotError) as err:
        driver.upload(big)
    cutter.join(5)
    assert err.value.code in ("lost", "timeout")
    assert "ESP32 rouge" in err.value.message
    assert (robot.board.root / "main.py").read_bytes() in (old, driver.compile(big))

    again = driver_for(world, robot)
    again.connect()
    again.upload(big)
    assert (robot.board.root / "main.py").read_bytes() == again.compile(big)
    again.stop()
    again.close()


def test_robot_that_stops_answering_times_out(world, robot):
    driver = driver_for(world, robot, name="ESP32 vert", timeout=1.5)
    driver.connect()
    robot.board.freeze()
    started = time.monotonic()
    with pytest.raises(RobotError) as err:
        driver.upload(PROGRAM)
    assert time.monotonic() - started < 2.0
    assert err.value.code == "timeout" and "ESP32 vert" in err.value.message
    robot.board.freeze(False)
    driver.close()
