"""MicroPython boards on USB serial: the micro:bit + Maqueen, and generic MicroPython robots.

The program model is compiled to MicroPython (``robots.compilers.micropython``) for the
board profile, written safely as ``main.py`` through the raw REPL, then a soft reset runs
it. Stop = Ctrl-C (the program's ``finally`` turns the motors off) and, to be sure, the
profile's motors-off code run from the raw REPL.
"""

from __future__ import annotations

import time
from typing import Any

from ground.i18n import _
from robots.compilers.micropython import (
    GENERIC_MICROPYTHON,
    MICROBIT_MAQUEEN,
    BoardProfile,
    compile_program,
)
from robots.drivers.base import FoundRobot, ProgressCallback, RobotDriver, RobotInfo, Stage, Status
from robots.errors import RobotError, RobotLost
from robots.transports.link import Link, LinkClosed, SerialLink
from robots.transports.serial_repl import Pacing, RawRepl

# USB vendor:product ids of boards we recognise on a serial port.
USB_IDS = {
    (0x0D28, 0x0204): "micro:bit (DAPLink)",
    (0x2E8A, 0x0005): "Raspberry Pi Pico (MicroPython)",
    (0x303A, 0x1001): "ESP32-S3 / C3 (USB)",
    (0x10C4, 0xEA60): "ESP32 (CP210x)",
    (0x1A86, 0x7523): "ESP32 (CH340)",
    (0x0694, 0x0009): "LEGO SPIKE Prime",
}


class MicroPythonReplDriver(RobotDriver):
    """A MicroPython board reached through a byte link carrying the raw REPL."""

    family = "micropython_serial"
    profile: BoardProfile = GENERIC_MICROPYTHON
    pacing = Pacing()
    start_timeout = 8.0

    def __init__(self, robot_id: str, connection: dict[str, Any] | None = None, *,
                 name: str = "", timeout: float | None = None) -> None:
        super().__init__(robot_id, connection, name=name, timeout=timeout)
        self.repl: RawRepl | None = None
        self._firmware = ""
        self._output = b""

    # ---- the link (serial here; the BLE driver overrides it) ------------------------------
    def open_link(self) -> Link:
        port = self.connection.get("port")
        if not port:
            raise RobotError(_("Aucun port série indiqué pour le robot « %(name)s ».",
                               name=self.name), code="config", retry=False)
        try:
            return SerialLink(port, int(self.connection.get("baudrate", 115200)))
        except LinkClosed as exc:
            raise RobotLost(_("Le port %(port)s du robot « %(name)s » ne s'ouvre pas : le câble "
                              "est-il branché ?", port=port, name=self.name)) from exc

    @classmethod
    def find(cls, timeout: float = 3.0) -> list[FoundRobot]:
        from serial.tools import list_ports

        found = []
        for port in list_ports.comports():
            kind = USB_IDS.get((port.vid or 0, port.pid or 0))
            if kind:
                found.append(FoundRobot(cls.family, {"type": "serial", "port": port.device},
                                        kind, {"serial_number": port.serial_number or ""}))
        return found

    # ---- interface ------------------------------------------------------------------------
    def compile(self, program: dict[str, Any]) -> bytes:
        return compile_program(program, self.profile).encode("ascii")

    def _do_connect(self) -> None:
        if self.repl is not None:
            self._do_close()
        link = self.open_link()
        self.repl = RawRepl(link, self.name, self.timeout, self.pacing, abort=self.abort)
        try:
            self.repl.enter_raw()
        except RobotError:
            link.close()
            self.repl = None
            raise

    def _repl(self) -> RawRepl:
        if self.repl is None:
            self._do_connect()
        assert self.repl is not None
        return self.repl

    def _do_describe(self) -> RobotInfo:
        repl = self._repl()
        out = repl.exec_retry("import sys\nprint(sys.implementation.name, "
                        "'.'.join(str(x) for x in sys.implementation.version), sys.platform)")
        self._firmware = out.strip()
        return RobotInfo(name=self.name, family=self.family, firmware=self._firmware,
                         battery_percent=None, sensors=list(self.profile.sensors))

    def _do_upload(self, compiled: bytes, progress: ProgressCallback) -> None:
        repl = self._repl()
        if not repl.in_raw:
            repl.enter_raw()
        stages = {"sending": Stage.SENDING, "verifying": Stage.VERIFYING}
        repl.put_main(compiled, lambda stage, f: progress(stages[stage], f))
        progress(Stage.STARTING, 0.0)
        repl.soft_reset_run()
        repl.read_until(b"MALLETTE:START", self.start_timeout)
        self._output = b""

    def _do_stop(self) -> None:
        repl = self._repl()
        repl.enter_raw(timeout=min(self.timeout, 3.0))
        # the program's own ``finally`` already stopped the motors; make sure anyway
        if self.profile.motors_off:
            repl.exec_retry(self.profile.motors_off, timeout=min(self.timeout, 3.0))

    def poll(self) -> Status:
        """Read what the running program printed; FINISHED once it ended."""
        if self.repl is None or self.status != Status.RUNNING:
            return self.status
        try:
            out = self.repl.read_available(0.0)
        except RobotError as exc:
            self._emit(Status.LOST, exc.message)
            return self.status
        self._output = (self._output + out)[-4096:]
        if b"MALLETTE:END" in self._output:
            self._emit(Status.FINISHED)
        elif b"Traceback" in self._output and self._output.rstrip().endswith(b">>>"):
            text = self._output.decode(errors="replace").strip().splitlines()
            self._emit(Status.ERROR, text[-2] if len(text) > 1 else "")
        return self.status

    def _do_close(self) -> None:
        if self.repl is not None:
            self.repl.link.close()
            self.repl = None

    def run(self, code: str, timeout: float | None = None) -> str:
        """Run Python on the board (kit check, tests); the board stops its program."""
        with self._lock:
            repl = self._repl()
            if not repl.in_raw:
                repl.enter_raw()
            return self._guard(lambda: repl.exec_retry(code, timeout))

    def read_file(self, name: str) -> bytes:
        import ast

        out = self.run(f"f=open({name!r},'rb')\nwhile 1:\n c=f.read(96)\n if not c:break\n"
                       " print(repr(c))\nf.close()")
        return b"".join(ast.literal_eval(line) for line in out.splitlines() if line.strip())

    def wait_finished(self, timeout: float) -> Status:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.poll() == Status.RUNNING:
            time.sleep(0.05)
        return self.status


class MicroPythonSerialDriver(MicroPythonReplDriver):
    family = "micropython_serial"


class MicrobitMaqueenDriver(MicroPythonReplDriver):
    """BBC micro:bit V1/V2 on a DFRobot Maqueen (motors on I2C 0x10)."""

    family = "microbit_maqueen"
    profile = MICROBIT_MAQUEEN
    # micro:bit V1: 16 KB RAM, a ~400-byte command is safe; plain raw REPL is paced
    pacing = Pacing(chunk=384)

    @classmethod
    def find(cls, timeout: float = 3.0) -> list[FoundRobot]:
        return [FoundRobot(cls.family, f.connection, f.label, f.details)
                for f in MicroPythonReplDriver.find(timeout) if f.label.startswith("micro:bit")]
