"""Robot upload and stop-all figures (prints them; no assertion).

1. A 2 KB program uploaded and started on the official micro:bit firmware under QEMU:
   the station's uploader vs ``microfs`` ``put`` (what Mu uses) + soft reset, same board,
   same run.
2. The same on the raw-paste board emulator: the station vs ``mpremote``'s own transport
   (``fs_writefile``, what ``mpremote cp`` does) + soft reset, in-process for both, and
   the ``mpremote cp`` command line for reference.
3. Time to load a program on a simulated Thymio (Aseba Playground + asebahttp).
4. Time for stop-all to reach 6 connected micro:bits running a program.

Run: ``python bench/bench_robots.py`` (needs qemu-system-arm, the micro:bit firmware,
aseba, mpremote and microfs).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import serial  # noqa: E402

from robots.drivers import create_driver  # noqa: E402
from robots.emulator import qemu  # noqa: E402
from robots.emulator.device import EmulatedBoard  # noqa: E402
from robots.fleet import Fleet  # noqa: E402
from robots.program import validate_program  # noqa: E402
from robots.transports.link import SerialLink  # noqa: E402
from robots.transports.serial_repl import RawRepl  # noqa: E402

ROUNDS = 5
MARKER = b"BENCH:GO"


def payload(size: int = 2048) -> bytes:
    """A MicroPython program of ``size`` bytes that prints a marker when it starts.

    The rest is what the station really sends, a pupil's program compiled for the
    micro:bit + Maqueen, as comments: it compresses like real programs do, and never runs.
    """
    from robots.compilers.micropython import compile_program

    program = validate_program({"version": 1, "main": [
        {"block": "repeat", "times": 4, "body": [
            {"block": "move", "direction": "forward", "distance_cm": 20},
            {"block": "turn", "direction": "right", "degrees": 90},
            {"block": "light", "colour": "green"}]},
        {"block": "sound", "note": "C5", "seconds": 0.5}]})
    body = b"print('BENCH:GO')\n"
    for line in compile_program(program).encode().splitlines():
        if len(body) + len(line) + 3 > size:
            break
        body += b"# " + line + b"\n"
    return body + b"#" * (size - len(body) - 1) + b"\n"


def wait_marker(ser: serial.Serial, timeout: float = 10.0) -> None:
    seen = b""
    end = time.monotonic() + timeout
    while MARKER not in seen:
        if time.monotonic() > end:
            raise RuntimeError(f"program did not start: {seen[-200:]!r}")
        seen += ser.read(max(1, ser.in_waiting))


def station_upload(repl: RawRepl, data: bytes) -> float:
    """Upload safely, soft-reset, wait for the program (the station keeps its port open)."""
    started = time.perf_counter()
    repl.enter_raw()
    repl.put_main(data)
    repl.soft_reset_run()
    repl.read_until(MARKER, 10)
    return time.perf_counter() - started


def station_rounds(port: str, data: bytes) -> list[float]:
    link = SerialLink(port)
    repl = RawRepl(link, "bench", timeout=5)
    repl.enter_raw(timeout=5)  # QEMU's pty notices a newly opened port within 1 s
    times = [station_upload(repl, data) for _ in range(ROUNDS)]
    link.close()
    return times


def microfs_rounds(port: str, path: Path) -> list[float]:
    """``ufs put`` + soft reset, through one open port (Mu's way, without its reopening)."""
    import microfs

    times = []
    with serial.Serial(port, 115200, timeout=1) as ser:
        time.sleep(1.2)  # let QEMU notice the port (it polls a closed pty every second)
        ser.reset_input_buffer()
        for _ in range(ROUNDS):
            started = time.perf_counter()
            microfs.put(str(path), target="main.py", serial=ser)
            ser.write(b"\x04")  # soft reset in the friendly REPL runs main.py
            wait_marker(ser)
            times.append(time.perf_counter() - started)
    return times


def mpremote_upload(port: str, data: bytes) -> float:
    """mpremote's own transport, in-process: ``cp`` (fs_writefile) then a soft reset."""
    from mpremote.transport_serial import SerialTransport

    transport = SerialTransport(port, baudrate=115200)
    started = time.perf_counter()
    transport.enter_raw_repl(soft_reset=False)
    transport.fs_writefile("main.py", data)
    transport.exit_raw_repl()
    transport.serial.write(b"\x04")
    wait_marker(transport.serial)
    elapsed = time.perf_counter() - started
    transport.close()
    return elapsed


def mpremote_cli(port: str, path: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "mpremote"), "connect", port, "cp",
                    str(path), ":main.py", "+", "soft-reset"], check=True, capture_output=True)
    return time.perf_counter() - started


def report(title: str, data: bytes, ours: list[float], theirs: list[float], name: str) -> None:
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"\n{title}  ({len(data)} bytes, median of {len(ours)})")
    print(f"  station upload+start : {a * 1000:8.1f} ms  {len(data) / a / 1024:7.1f} KB/s")
    print(f"  {name:<21}: {b * 1000:8.1f} ms  {len(data) / b / 1024:7.1f} KB/s")
    print(f"  ratio station/{name.split()[0]} = {a / b:.2f}")


def main() -> None:
    data = payload()
    folder = Path(tempfile.mkdtemp(prefix="mallette-bench-"))
    source = folder / "main.py"
    source.write_bytes(data)

    if qemu.available() is None:
        firmware = qemu.firmware_bin(folder)
        with qemu.QemuMicrobit(firmware) as board:
            ours = station_rounds(board.port, data)
            theirs = microfs_rounds(board.port, source)
            report("QEMU micro:bit (MicroPython 1.9.2, plain raw REPL)", data, ours, theirs,
                   "ufs put + reset")
    else:
        print("QEMU micro:bit: skipped,", qemu.available())

    for latency in (0.0, 0.001):
        emulator_bench(folder, data, source, latency)

    thymio_and_stop_all(folder)


def emulator_bench(folder: Path, data: bytes, source: Path, latency: float) -> None:
    with EmulatedBoard(folder / f"emu{latency}", latency=latency) as emu:
        # interleaved, so both see the same machine load (no reconnection pause here)
        link = SerialLink(emu.port)
        repl = RawRepl(link, "bench", timeout=5)
        station_upload(repl, data)  # first contact: the station learns the board's modes
        ours, theirs = [], []
        for _ in range(2 * ROUNDS):
            ours.append(station_upload(repl, data))
            theirs.append(mpremote_upload(emu.port, data))
        link.close()
        cli = [mpremote_cli(emu.port, source) for _ in range(ROUNDS)]
        report(f"Raw-paste emulator, reply latency {latency * 1000:g} ms"
               + (" (USB full-speed frame)" if latency else ""), data, ours, theirs,
               "mpremote cp + reset")
        print(f"  (mpremote command line cp + soft-reset: {statistics.median(cli) * 1000:.1f} ms;"
              f" window overruns by any client: {emu.overruns})")



def thymio_and_stop_all(folder: Path) -> None:
    from robots.emulator import aseba_playground

    if aseba_playground.available() is None:
        with aseba_playground.Playground(1) as world:
            driver = create_driver("thymio", "thymio-1", world.connection(0))
            driver.connect()
            program = validate_program({"version": 1, "main": [
                {"block": "repeat", "times": 4, "body": [
                    {"block": "move", "direction": "forward", "distance_cm": 20},
                    {"block": "turn", "direction": "right", "degrees": 90}]}]})
            times = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                driver.upload(program)
                times.append(time.perf_counter() - started)
            print(f"\nSimulated Thymio: compile + load + running in "
                  f"{statistics.median(times) * 1000:.1f} ms (median of {ROUNDS})")
            from robots.drivers.thymio import AsebaBridge

            AsebaBridge.stop_all()

    if qemu.available() is None:
        firmware = qemu.firmware_bin(folder)
        boards = [qemu.QemuMicrobit(firmware).start() for _ in range(6)]
        try:
            fleet = Fleet.from_kit([
                {"id": f"mb{i}", "name": f"micro:bit {i}", "family": "microbit_maqueen",
                 "connection": {"type": "serial", "port": b.port}} for i, b in enumerate(boards)],
                timeout=5)
            forever = validate_program({"version": 1, "main": [
                {"block": "repeat", "times": 50, "body": [
                    {"block": "move", "direction": "forward", "distance_cm": 200}]}]})
            for future in fleet.upload_all({d: forever for d in fleet.drivers}).values():
                future.result(30)
            time.sleep(0.5)
            stop = fleet.stop_all()
            print(f"\nStop-all, 6 QEMU micro:bits running a program: {stop.seconds * 1000:.0f} ms,"
                  f" all stopped: {stop.all_stopped}")
            fleet.close()
        finally:
            for board in boards:
                board.stop()


if __name__ == "__main__":
    main()
