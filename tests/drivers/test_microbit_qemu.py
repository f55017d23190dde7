"""The micro:bit + Maqueen driver against the official MicroPython firmware under QEMU."""

from __future__ import annotations

import ast
import threading
import time

import pytest

from robots.drivers import RobotError, Stage, Status, create_driver
from robots.drivers.microbit import MicrobitMaqueenDriver
from robots.program import Program, validate_program
from robots.transports.link import LinkClosed, SerialLink


def marker_program(mark: int, moves: int = 3) -> Program:
    """Sets ``mark``, lights up, drives a little: what the test reads back from the board."""
    return validate_program({"version": 1, "main": [
        {"block": "set_variable", "name": "mark", "value": mark},
        {"block": "set_variable", "name": "n", "value": 0},
        {"block": "light", "colour": "green"},
        {"block": "repeat", "times": moves, "body": [
            {"block": "change_variable", "name": "n",
             "by": {"block": "arithmetic", "op": "*", "left": 2,
                    "right": {"block": "arithmetic", "op": "/", "left": 7, "right": 2}}},
            {"block": "move", "direction": "forward", "distance_cm": 1},
        ]},
        {"block": "turn", "direction": "left", "degrees": 9},
        {"block": "sound", "note": "A4", "seconds": 0.1},
        {"block": "if", "condition": {"block": "compare", "op": "=",
                                      "left": {"block": "variable", "name": "n"}, "right": 18},
         "then": [{"block": "light", "colour": "blue"}],
         "else": [{"block": "light", "colour": "red"}]},
    ]})


def board_state(driver: MicrobitMaqueenDriver) -> tuple:
    return ast.literal_eval(driver.run("print(repr((v_mark, v_n, _log[-1], _M)))").strip())


def test_upload_runs_the_program_on_real_firmware(microbit):
    driver = create_driver("microbit_maqueen", "maqueen-1",
                           {"type": "serial", "port": microbit.port}, name="Maqueen bleu")
    events, stages = [], []
    driver.add_listener(lambda e: events.append(e.status))
    driver.connect()
    info = driver.describe()
    assert info.firmware.startswith("micropython 1.9.2 microbit")
    driver.upload(marker_program(7), progress=lambda stage, f: stages.append(stage))
    assert driver.repl is not None and driver.repl.raw_paste is False  # V1 firmware: plain raw
    assert stages[0] == Stage.COMPILING and Stage.SENDING in stages
    assert Stage.VERIFYING in stages and stages[-1] == Stage.RUNNING
    assert driver.wait_finished(10) == Status.FINISHED, driver._output
    assert events[:3] == [Status.CONNECTED, Status.UPLOADING, Status.RUNNING]
    assert events[-1] == Status.FINISHED
    # the program ran: 3 × (2 × (7 / 2 = 3)) = 18, so the last light is blue; motors off
    assert board_state(driver) == (7, 18, ("light", "blue"), [0, 0])
    assert driver.read_file("main.py") == driver.compile(marker_program(7))
    assert "mallette.tmp" not in driver.run("import os\nprint(os.listdir())")
    driver.close()


def test_stop_interrupts_and_turns_motors_off(microbit):
    long_drive = validate_program({"version": 1, "main": [
        {"block": "set_variable", "name": "mark", "value": 1},
        {"block": "repeat", "times": 50, "body": [
            {"block": "move", "direction": "forward", "distance_cm": 200}]}]})
    driver = create_driver("microbit_maqueen", "maqueen-1",
                           {"type": "serial", "port": microbit.port})
    driver.connect()
    driver.upload(long_drive)
    time.sleep(0.5)
    assert driver.poll() == Status.RUNNING
    started = time.monotonic()
    driver.stop()
    assert time.monotonic() - started < driver.timeout  # never waits for a timeout
    assert driver.status == Status.STOPPED
    log_len = driver.run("print(len(_log), _M)")
    assert log_len.split(None, 1)[1].strip() == "[0, 0]"
    time.sleep(0.3)
    assert driver.run("print(len(_log), _M)") == log_len  # nothing runs any more
    driver.close()


class CutLink(SerialLink):
    """A serial link whose cable is pulled after ``budget`` bytes have been written."""

    def __init__(self, port: str, budget: int) -> None:
        super().__init__(port)
        self.budget = budget
        self.armed = False  # count only what the upload writes, not the connection

    def write(self, data: bytes) -> None:
        if not self.armed:
            super().write(data)
            return
        if len(data) >= self.budget:
            super().write(data[:self.budget])
            self.budget = 0
            self.close()
            raise LinkClosed("cable pulled")
        self.budget -= len(data)
        super().write(data)


@pytest.mark.parametrize("cut_fraction", [0.05, 0.3, 0.6, 0.8, 0.9])
def test_cut_mid_upload_never_leaves_half_a_program(microbit, cut_fraction):
    """Pull the cable at several points of an upload (while sending, verifying, installing)."""
    port = {"type": "serial", "port": microbit.port}
    totals = []
    for _attempt in range(3):  # a command whose end was lost is sent again: keep the least
        counting = CutLink(microbit.port, 10**9)

        class CountingDriver(MicrobitMaqueenDriver):
            def open_link(self, link=counting):
                return link

        first = CountingDriver("maqueen-1", port)
        first.connect()
        counting.armed = True
        first.upload(marker_program(1))
        first.close()
        totals.append(10**9 - counting.budget)
    old = first.compile(marker_program(1))

    links = []

    class CutDriver(MicrobitMaqueenDriver):
        def open_link(self):
            links.append(CutLink(microbit.port, cut_at))
            return links[-1]

    new = CutDriver("maqueen-1", port).compile(marker_program(2))
    for shrink in (1.0, 0.9, 0.8):  # an upload that needed fewer bytes ends before the cut
        cut_at = int(min(totals) * cut_fraction * shrink)
        cut = CutDriver("maqueen-1", port, name="Maqueen bleu")
        cut.connect()
        links[-1].armed = True
        try:
            cut.upload(marker_program(2))
        except RobotError as exc:
            err = exc
            break
        cut.close()
    else:
        pytest.fail(f"no upload was cut (cut points from {totals})")
    assert err.code == "lost", getattr(err, "traceback", err.message)
    assert "Maqueen bleu" in err.message and "coupée" in err.message
    assert cut.status == Status.LOST

    again = create_driver("microbit_maqueen", "maqueen-1", port)
    again.connect()
    on_board = again.read_file("main.py")
    assert on_board in (old, new), "half a program was left on the board"
    # what is on the board runs whole after a reset
    again.repl.soft_reset_run()
    again.repl.read_until(b"MALLETTE:END", 10)
    assert board_state(again)[0] == (1 if on_board == old else 2)
    # and a retry succeeds
    again.upload(marker_program(2))
    assert again.wait_finished(10) == Status.FINISHED
    assert board_state(again)[0] == 2
    again.close()


def test_board_killed_gives_a_clear_message_within_the_timeout(own_microbit):
    driver = create_driver("microbit_maqueen", "maqueen-2",
                           {"type": "serial", "port": own_microbit.port},
                           name="Maqueen rouge", timeout=3)
    driver.connect()
    own_microbit.stop()
    started = time.monotonic()
    with pytest.raises(RobotError) as err:
        driver.upload(marker_program(3))
    assert time.monotonic() - started < 3.5
    assert "Maqueen rouge" in err.value.message
    assert err.value.code in ("lost", "timeout")
    assert driver.status == Status.LOST


def test_frozen_board_times_out_with_a_clear_message(own_microbit):
    driver = create_driver("microbit_maqueen", "maqueen-3",
                           {"type": "serial", "port": own_microbit.port},
                           name="Maqueen vert", timeout=2)
    driver.connect()
    own_microbit.pause()
    result: dict = {}

    def upload() -> None:
        started = time.monotonic()
        try:
            driver.upload(marker_program(4))
        except RobotError as exc:
            result["error"] = exc
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=upload)
    thread.start()
    thread.join(10)
    own_microbit.resume()
    assert not thread.is_alive()
    assert result["elapsed"] < 2.5
    assert result["error"].code == "timeout"
    assert "Maqueen vert" in result["error"].message
    assert "ne répond pas" in result["error"].message


def test_unknown_port_is_a_clear_error():
    driver = create_driver("microbit_maqueen", "maqueen-9",
                           {"type": "serial", "port": "/dev/does-not-exist"}, name="Maqueen 9")
    with pytest.raises(RobotError) as err:
        driver.connect()
    assert "/dev/does-not-exist" in err.value.message


def test_stop_during_an_upload_interrupts_it(microbit):
    """Stop-all pressed while a group is sending: the robot stops at once, no half program."""
    port = {"type": "serial", "port": microbit.port}
    driver = create_driver("microbit_maqueen", "maqueen-1", port, name="Maqueen bleu")
    driver.connect()
    driver.upload(marker_program(1))
    old = driver.compile(marker_program(1))
    big = marker_program(5, moves=40)
    sending = threading.Event()
    outcome: dict = {}

    def upload() -> None:
        try:
            driver.upload(big, progress=lambda stage, f: stage == Stage.SENDING and f > 0
                          and sending.set())
        except RobotError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=upload)
    thread.start()
    assert sending.wait(10)
    started = time.monotonic()
    driver.stop()
    assert time.monotonic() - started < 1.5
    thread.join(5)
    assert outcome["error"].code == "stopped"
    assert "arrêté" in outcome["error"].message
    assert driver.status == Status.STOPPED
    assert driver.read_file("main.py") in (old, driver.compile(big))
    driver.close()
