"""The simulated driver (the demo kit's robots) on the reference simulator."""

from __future__ import annotations

import pytest

from robots.drivers import ProgramError, Status, create_driver
from robots.program import validate_program

pytest.importorskip("robots.simulator", reason="robots.simulator lands with the program model")

SQUARE_ISH = validate_program({"version": 1, "main": [
    {"block": "light", "colour": "red"},
    {"block": "move", "direction": "forward", "distance_cm": 20},
    {"block": "turn", "direction": "right", "degrees": 90},
    {"block": "move", "direction": "forward", "distance_cm": 20},
]})


def test_simulated_robot_runs_then_finishes():
    driver = create_driver("thymio", "thymio-demo", {"type": "simulated", "time_scale": 0.1},
                           name="Thymio démo")
    seen = []
    driver.add_listener(lambda e: seen.append(e.status))
    driver.connect()
    assert driver.describe().family == "thymio"
    driver.upload(SQUARE_ISH)
    assert driver.status == Status.RUNNING
    assert driver.result["final"]["col"] == 1 and driver.result["final"]["row"] == 1
    assert driver.result["final"]["heading"] == 90
    assert any(e["type"] == "light" for e in driver.result["events"])
    assert driver.wait_finished(2) == Status.FINISHED
    assert seen == [Status.CONNECTED, Status.UPLOADING, Status.RUNNING, Status.FINISHED]


def test_stop_cancels_the_run():
    driver = create_driver("simulated", "demo-2", {"type": "simulated"})
    driver.connect()
    driver.upload(SQUARE_ISH)
    driver.stop()
    assert driver.wait_finished(0.2) == Status.STOPPED


def test_invalid_program_is_refused_before_running():
    driver = create_driver("simulated", "demo-3", {"type": "simulated"})
    with pytest.raises(ProgramError):
        driver.upload(validate_program({"version": 1, "main": [{"block": "fly", "id": "b1"}]}))
    assert driver.status != Status.RUNNING
