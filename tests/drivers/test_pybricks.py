"""A LEGO hub with Pybricks firmware over BLE (Pybricks profile), against a virtual hub
served by Bumble on an in-process radio."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

try:
    import bumble  # noqa: F401 - the BLE test stack (PyPI)
except ImportError:  # pragma: no cover
    bumble = None

from robots.drivers import RobotError, Status
from robots.drivers.pybricks import PybricksDriver
from robots.emulator.ble_robot import VirtualBleWorld
from robots.emulator.device import EmulatedBoard
from robots.emulator.pybricks_hub import add_hub
from robots.program import validate_program
from robots.transports import pybricks as pb
from robots.transports.pybricks import BumblePybricksLink

PROGRAM = validate_program({"version": 1, "main": [
    {"block": "light", "colour": "purple"},
    {"block": "move", "direction": "forward", "distance_cm": 2},
    {"block": "turn", "direction": "left", "degrees": 9},
    {"block": "sound", "note": "E5", "seconds": 0.1},
]})
LONG = validate_program({"version": 1, "main": [{"block": "repeat", "times": 50, "body": [
    {"block": "move", "direction": "forward", "distance_cm": 200}]}]})


@pytest.fixture(scope="module")
def world():
    if bumble is None:
        from tests.peers import missing

        missing("bumble not installed (pip install bumble)")
    w = VirtualBleWorld()
    yield w
    w.close()


@pytest.fixture
def hub(world, tmp_path: Path):
    board = EmulatedBoard(tmp_path / "hub").start()
    yield add_hub(world, board)
    board.close()


def driver(world, hub, name="Hub jaune", timeout=3.0) -> PybricksDriver:
    return PybricksDriver("spike-1", {"type": "ble", "name": "Pybricks Hub"}, name=name,
                          timeout=timeout, loop=world.loop,
                          link_factory=lambda: BumblePybricksLink(world.station, hub.address))


def test_program_runs_on_the_hub_and_stop_stops_it(world, hub):
    robot = driver(world, hub)
    robot.connect()
    assert robot.hub.max_char_size == 158 and robot.hub.features & pb.FEATURE_REPL
    assert pb.CMD_START_REPL in hub.commands and hub.running
    assert robot.describe().firmware == "Pybricks · micropython 1.22.0"
    robot.upload(PROGRAM)
    assert robot.wait_finished(5) == Status.FINISHED
    trace = hub.board.state["trace"]
    assert trace[0] == ("light", "violet")
    assert ("motor", ("A", 205)) in trace and ("motor", ("B", 205)) in trace
    assert ("motor", ("A", -180)) in trace and ("note", 659) in trace

    robot.upload(LONG)
    time.sleep(0.3)
    assert hub.board.state["pybricks_motors"] == {"A": 205, "B": 205}
    robot.stop()
    assert pb.CMD_STOP_USER_PROGRAM in hub.commands and not hub.running
    assert hub.board.state["pybricks_motors"] == {"A": 0, "B": 0}
    robot.upload(PROGRAM)  # the REPL is started again for the next program
    assert robot.wait_finished(5) == Status.FINISHED
    robot.close()


def test_silent_hub_times_out_with_a_clear_message(world, hub):
    robot = driver(world, hub, name="Hub rouge", timeout=1.5)
    robot.connect()
    hub.board.freeze()
    started = time.monotonic()
    with pytest.raises(RobotError) as err:
        robot.upload(PROGRAM)
    assert time.monotonic() - started < 2.5
    assert "Hub rouge" in err.value.message
    hub.board.freeze(False)
    robot.close()
