"""The raw-paste board emulator: mpremote (the reference client) accepts it, and the
station's uploader uses raw-paste with its flow-control window against it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from robots.drivers import RobotError, Status, create_driver
from robots.emulator.device import EmulatedBoard
from robots.program import validate_program
from robots.transports.link import SerialLink
from robots.transports.serial_repl import RawRepl
from tests.peers import missing


@pytest.fixture
def board(tmp_path: Path):
    with EmulatedBoard(tmp_path / "fs") as b:
        yield b


def mpremote(port: str, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("mpremote") or str(Path(sys.executable).parent / "mpremote")
    if not Path(exe).exists():
        missing("mpremote not installed (pip install mpremote)")
    return subprocess.run([exe, "connect", port, *args], capture_output=True, text=True,
                          timeout=30)


def test_mpremote_accepts_the_emulator(board, tmp_path):
    assert mpremote(board.port, "exec", "print(1+1)").stdout == "2\n"
    source = tmp_path / "prog.py"
    source.write_text("print('bonjour')\n" * 120)  # 2 KB: several raw-paste windows
    done = mpremote(board.port, "cp", str(source), ":main.py")
    assert done.returncode == 0, done.stderr
    assert (board.root / "main.py").read_bytes() == source.read_bytes()
    listing = mpremote(board.port, "ls").stdout
    assert "main.py" in listing and str(source.stat().st_size) in listing
    assert mpremote(board.port, "cat", ":main.py").stdout == source.read_text()
    assert mpremote(board.port, "soft-reset").returncode == 0
    failed = mpremote(board.port, "exec", "import os\nos.remove('absent.py')")
    assert failed.returncode != 0 and "ENOENT" in failed.stderr + failed.stdout
    assert board.overruns == 0


def test_overrun_counter_catches_a_host_that_ignores_the_window(board):
    link = SerialLink(board.port)
    link.write(b"\r\x03\r\x01")
    time.sleep(0.2)
    link.drain()
    link.write(b"\x05A\x01")
    time.sleep(0.1)
    assert link.read(0.5).startswith(b"R\x01")
    link.write(b"x=1\n" * 400 + b"\x04")  # 1600 bytes at once, window is 128
    time.sleep(0.5)
    assert board.overruns > 0
    link.close()


def test_station_uploader_uses_raw_paste_and_respects_the_window(board):
    repl = RawRepl(SerialLink(board.port), "ESP32", timeout=3)
    repl.enter_raw()
    assert repl.exec("print(6*7)") == "42\r\n"
    assert repl.raw_paste is True
    program = ("# " + "x" * 60 + "\n") * 32  # about 2 KB
    repl.put_main(program.encode())
    assert (board.root / "main.py").read_text() == program
    assert not (board.root / "mallette.tmp").exists()
    assert board.overruns == 0
    repl.link.close()


def test_known_board_gets_every_program_byte_exact(board):
    """Once the board is known, an upload is one short command; whatever the program
    holds (quotes, backslashes, accents, tabs, CRLF), main.py is that program exactly."""
    repl = RawRepl(SerialLink(board.port), "ESP32", timeout=3)
    repl.enter_raw()
    repl.put_main(b"print('first')\n")  # learns raw-paste and os.rename
    programs = [
        b"print('plain')\n" * 100,
        b"s = '''triple'''\nprint(s)\n",
        b"print(\"fin'\")\nx = 'quote at the end'",
        b"print('a\\\\b\\n')\n\tpass\r\n",
        "display.scroll('Bravo, élève !')\n".encode(),
        b"",
    ]
    for program in programs:
        repl.put_main(program)
        assert (board.root / "main.py").read_bytes() == program
        assert not (board.root / "mallette.tmp").exists()
    assert board.overruns == 0
    repl.link.close()


@pytest.mark.parametrize("deflate", [True, False])
def test_compiled_program_travels_deflated_where_the_firmware_can(tmp_path, deflate):
    """A pupil's program compiled from blocks goes deflated to a board with MicroPython's
    deflate module (command included, under 80% of its size on the wire), and as it is to
    one without."""
    from robots.compilers.micropython import GENERIC_MICROPYTHON, compile_program

    program = compile_program(PROGRAM, GENERIC_MICROPYTHON).encode()
    with EmulatedBoard(tmp_path / "fs", deflate=deflate) as emu:
        repl = RawRepl(SerialLink(emu.port), "ESP32", timeout=3)
        repl.enter_raw()
        repl.put_main(b"print('first')\n")  # learns the board's modes
        before = emu.received
        repl.put_main(program)
        sent = emu.received - before
        assert (emu.root / "main.py").read_bytes() == program
        assert (sent < 0.8 * len(program)) is deflate, (sent, len(program))
        assert sent > len(program) or deflate
        repl.link.close()


def test_old_firmware_answer_falls_back_to_plain_raw_repl(tmp_path):
    with EmulatedBoard(tmp_path / "fs", raw_paste=False) as old:
        repl = RawRepl(SerialLink(old.port), "vieux robot", timeout=3)
        repl.enter_raw()
        assert repl.exec("print('ok')") == "ok\r\n"
        assert repl.raw_paste is False
        repl.put_main(b"print('hi')\n" * 100)
        assert (old.root / "main.py").read_bytes() == b"print('hi')\n" * 100
        repl.link.close()


def test_late_replies_never_mix_up_commands(tmp_path):
    """A board whose every answer comes late (120 ms, beyond the wait for "OK" on short
    commands): the station sends commands again, learns the board is slow, and never
    takes a late reply for the answer to another command."""
    with EmulatedBoard(tmp_path / "fs", raw_paste=False, latency=0.12) as slow:
        repl = RawRepl(SerialLink(slow.port), "robot lent", timeout=3)
        repl.enter_raw()
        assert [repl.exec_retry(f"print({n}*2)").strip() for n in range(3)] == \
            ["0", "2", "4"]
        program = b"print('lent')\n" * 15
        repl.put_main(program)
        assert (slow.root / "main.py").read_bytes() == program
        assert not (slow.root / "mallette.tmp").exists()
        assert repl.exec_retry("print('fin')").strip() == "fin"
        repl.link.close()


class TailLossLink(SerialLink):
    """Loses the end of the next command but not its Ctrl-D, as a full receive buffer can."""

    def __init__(self, port: str) -> None:
        super().__init__(port)
        self.armed = False
        self.dropping = False

    def write(self, data: bytes) -> None:
        if self.armed and data == b"\x04":
            self.armed = self.dropping = False
        elif self.armed:
            if self.dropping:
                return
            if b"\n" in data:  # keep the first line only: ``_c=b'...'``
                data, self.dropping = data[:data.index(b"\n") + 1], True
        super().write(data)


def test_a_checked_command_cut_after_its_first_line_is_sent_again(tmp_path):
    """What is left, ``_c=b'...'``, is valid Python that runs nothing: it must not pass
    for a command that ran and printed nothing."""
    with EmulatedBoard(tmp_path / "fs", raw_paste=False) as old:
        link = TailLossLink(old.port)
        repl = RawRepl(link, "vieux robot", timeout=3)
        repl.enter_raw()
        assert repl.exec("print(1)") == "1\r\n"  # learns: plain raw REPL
        link.armed = True
        assert repl.exec_retry("print(6*7)") == "42\r\n"
        assert not link.armed  # the first attempt was cut
        link.close()


PROGRAM = validate_program({"version": 1, "main": [
    {"block": "light", "colour": "purple"},
    {"block": "move", "direction": "forward", "distance_cm": 2},
    {"block": "turn", "direction": "right", "degrees": 9},
    {"block": "sound", "note": "C5", "seconds": 0.1},
    {"block": "light", "colour": "off"},
]})


def test_driver_runs_a_program_on_the_emulated_board(board):
    driver = create_driver("micropython_serial", "esp32-1", {"type": "serial", "port": board.port},
                           name="Robot ESP32", timeout=3)
    driver.connect()
    assert driver.describe().firmware == "micropython 1.22.0 emulator"
    driver.upload(PROGRAM)
    assert driver.wait_finished(5) == Status.FINISHED
    trace = board.state["trace"]
    assert trace[0] == ("light", "purple")
    assert ("motors", (120, 120)) in trace and ("motors", (80, -80)) in trace
    assert ("note", 523) in trace
    assert trace[-2:] == [("light", "off"), ("motors", (0, 0))]
    assert board.overruns == 0
    driver.close()


def test_unplugged_board_is_reported_lost(board):
    driver = create_driver("micropython_serial", "esp32-2", {"type": "serial", "port": board.port},
                           name="Robot jaune", timeout=2)
    driver.connect()
    board.close()
    started = time.monotonic()
    with pytest.raises(RobotError) as err:
        driver.upload(PROGRAM)
    assert time.monotonic() - started < 2.5
    assert "Robot jaune" in err.value.message
    assert driver.status == Status.LOST


def test_frozen_board_times_out(board):
    driver = create_driver("micropython_serial", "esp32-3", {"type": "serial", "port": board.port},
                           name="Robot gris", timeout=1.5)
    driver.connect()
    board.freeze()
    started = time.monotonic()
    with pytest.raises(RobotError) as err:
        driver.upload(PROGRAM)
    assert time.monotonic() - started < 2.0
    assert err.value.code == "timeout" and "ne répond pas" in err.value.message
