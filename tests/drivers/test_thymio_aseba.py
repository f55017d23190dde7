"""The Thymio driver against simulated Thymio II robots (Aseba Playground + asebahttp)."""

from __future__ import annotations

import time

import pytest

from robots.drivers import RobotError, Stage, Status, create_driver
from robots.emulator.aseba_playground import Playground
from robots.program import validate_program


def wait_for(read, predicate, timeout: float = 5.0):
    end = time.monotonic() + timeout
    value = read()
    while not predicate(value) and time.monotonic() < end:
        time.sleep(0.05)
        value = read()
    return value


COUNTING = validate_program({"version": 1, "main": [
    {"block": "set_variable", "name": "n", "value": 0},
    {"block": "light", "colour": "green"},
    {"block": "repeat", "times": 3, "body": [
        {"block": "change_variable", "name": "n",
         "by": {"block": "arithmetic", "op": "*", "left": 2,
                "right": {"block": "arithmetic", "op": "/", "left": 7, "right": 2}}},
        {"block": "move", "direction": "forward", "distance_cm": 1}]},
    {"block": "set_variable", "name": "z",
     "value": {"block": "arithmetic", "op": "/", "left": 5, "right": 0}},
    {"block": "if", "condition": {"block": "compare", "op": "=",
                                  "left": {"block": "variable", "name": "n"}, "right": 18},
     "then": [{"block": "set_variable", "name": "ok", "value": 1}],
     "else": [{"block": "set_variable", "name": "ok", "value": 2}]},
    {"block": "sound", "note": "A4", "seconds": 0.1},
]})


def test_program_runs_on_the_simulated_thymio(playground):
    driver = create_driver("thymio", "thymio-1", playground.connection(0), name="Thymio orange")
    events, stages = [], []
    driver.add_listener(lambda e: events.append(e.status))
    driver.connect()
    info = driver.describe()
    assert info.sensors == ["obstacle", "line", "button", "sound"]
    driver.upload(COUNTING, progress=lambda stage, f: stages.append(stage))
    assert stages[0] == Stage.COMPILING and stages[-1] == Stage.RUNNING
    assert driver.wait_finished(5) == Status.FINISHED
    assert events == [Status.CONNECTED, Status.UPLOADING, Status.RUNNING, Status.FINISHED]
    assert driver.get("v_n") == [18]          # 3 × 2 × (7 / 2 = 3)
    assert driver.get("v_z") == [0]           # division by zero gives 0
    assert driver.get("v_ok") == [1]
    assert driver.get("m_blocks") == [13]     # every statement executed, loop turns too
    assert driver.get("motor.left.target") == [0]


def test_moves_drive_the_motors_and_stop_stops_them(playground):
    driver = create_driver("thymio", "thymio-2", playground.connection(1), name="Thymio vert")
    driver.connect()
    driver.upload(validate_program({"version": 1, "main": [
        {"block": "turn", "direction": "left", "degrees": 45},
        {"block": "move", "direction": "forward", "distance_cm": 200}]}))
    # turning left: the left wheel goes backward, then both forward at the cruise speed
    assert driver.get("motor.left.target") == [-150] and driver.get("motor.right.target") == [150]
    assert wait_for(lambda: driver.get("motor.left.target"), lambda v: v == [250]) == [250]
    speed = wait_for(lambda: driver.get("motor.left.speed"), lambda v: v[0] > 200)
    assert speed[0] > 200                    # the simulated wheel really turns
    assert driver.poll() == Status.RUNNING
    started = time.monotonic()
    driver.stop()
    assert time.monotonic() - started < driver.timeout  # never waits for a timeout
    assert driver.status == Status.STOPPED
    assert driver.get("motor.left.target") == [0] and driver.get("motor.right.target") == [0]
    assert wait_for(lambda: driver.get("motor.left.speed"), lambda v: abs(v[0]) < 20)[0] < 20
    with pytest.raises(RobotError):
        driver.get("m_state")                # the program is gone: an empty one runs


def test_program_too_big_for_the_thymio_is_refused_clearly(playground):
    driver = create_driver("thymio", "thymio-1", playground.connection(0), name="Thymio orange")
    driver.connect()
    big = validate_program({"version": 1, "main": [
        {"block": "if", "condition": {"block": "sensor_button"},
         "then": [{"block": "move", "direction": "forward", "distance_cm": i + 1}],
         "else": [{"block": "turn", "direction": "left", "degrees": i + 1}]}
        for i in range(30)]})  # 180 blocks: within the contract, too big for a Thymio
    with pytest.raises(RobotError) as err:
        driver.upload(big)
    assert err.value.code == "refused"
    assert "Thymio orange" in err.value.message and "trop long" in err.value.message
    assert driver.status == Status.ERROR


def test_simulator_gone_gives_a_clear_message_within_the_timeout():
    world = Playground(count=1).start()
    driver = create_driver("thymio", "thymio-9", world.connection(0), name="Thymio bleu",
                           timeout=4)
    driver.connect()
    world.stop()
    started = time.monotonic()
    with pytest.raises(RobotError) as err:
        driver.upload(COUNTING)
    assert time.monotonic() - started < 4 + 2.5  # timeout + one last request
    assert "Thymio bleu" in err.value.message, err.value.message
    assert driver.status == Status.LOST
    driver.bridge.stop()


def test_a_robot_switched_off_and_on_again_takes_the_next_program():
    """The bridge still lists a robot that went away; the next upload asks afresh."""
    world = Playground(count=1).start()
    driver = create_driver("thymio", "thymio-8", world.connection(0), name="Thymio rose")
    try:
        driver.connect()
        driver.upload(COUNTING)
        assert driver.wait_finished(5) == Status.FINISHED
        world.stop()
        again = Playground(count=1)
        again.ports = list(world.ports)  # the same robot, back on its port
        world = again.start()
        driver.upload(COUNTING)
        assert driver.wait_finished(5) == Status.FINISHED
        assert driver.get("v_n") == [18]
    finally:
        driver.bridge.stop()
        world.stop()
