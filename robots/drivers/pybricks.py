"""LEGO hubs with Pybricks firmware (SPIKE Prime, Robot Inventor…) over Bluetooth LE.

The program model is compiled to Pybricks MicroPython, then run through the hub's REPL
(Pybricks profile: start REPL, stdin/stdout on the command/event characteristic). Pybricks
keeps programs in RAM, not in files: the raw REPL receives and compiles the whole program
before running it, so a cut connection never starts half of it. Stop = the profile's
"stop user program" command; Pybricks stops the motors when a program ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from ground.i18n import _
from robots.compilers.micropython import PYBRICKS_PRIME, BoardProfile, compile_program
from robots.drivers.base import ProgressCallback, RobotDriver, RobotInfo, Stage, Status
from robots.errors import RobotError, RobotLost
from robots.transports.ble import BleByteLink, LoopThread
from robots.transports.link import LinkClosed
from robots.transports.pybricks import BleakPybricksLink, PybricksLink
from robots.transports.serial_repl import Pacing, RawRepl


class PybricksDriver(RobotDriver):
    family = "lego_pybricks"
    profile: BoardProfile = PYBRICKS_PRIME
    _loop: ClassVar[LoopThread | None] = None

    def __init__(self, robot_id: str, connection: dict[str, Any] | None = None, *,
                 name: str = "", timeout: float | None = None,
                 link_factory: Callable[[], PybricksLink] | None = None,
                 loop: LoopThread | None = None) -> None:
        super().__init__(robot_id, connection, name=name, timeout=timeout)
        self.link_factory = link_factory
        self.loop = loop
        self.hub: PybricksLink | None = None
        self.repl: RawRepl | None = None
        self._output = b""

    def _loop_thread(self) -> LoopThread:
        if self.loop is None:
            if PybricksDriver._loop is None:
                PybricksDriver._loop = LoopThread()
            self.loop = PybricksDriver._loop
        return self.loop

    def compile(self, program: dict[str, Any]) -> bytes:
        return compile_program(program, self.profile).encode("ascii")

    def _lost(self) -> RobotLost:
        return RobotLost(_("Le hub LEGO « %(name)s » ne répond plus : est-il allumé et à "
                           "portée ?", name=self.name))

    def _hub_call(self, coro: Any) -> Any:
        try:
            return self._loop_thread().run(coro, self.timeout)
        except (LinkClosed, TimeoutError) as exc:
            raise self._lost() from exc

    def _do_connect(self) -> None:
        self._do_close()
        hub = (self.link_factory() if self.link_factory else
               BleakPybricksLink(self.connection.get("address"), self.connection.get("name")))
        try:
            link = BleByteLink(hub, self._loop_thread(), timeout=self.timeout)
        except LinkClosed as exc:
            raise self._lost() from exc
        self.hub = hub
        self.repl = RawRepl(link, self.name, self.timeout,
                            Pacing(chunk=1024, slice=hub.payload, pause=0.0), abort=self.abort)
        self._hub_call(hub.start_repl(self.timeout))
        self.repl.enter_raw()

    def _ready(self) -> RawRepl:
        if self.repl is None or self.hub is None or not self.hub.connected:
            self._do_connect()
        assert self.repl is not None and self.hub is not None
        if not self.hub.program_running:  # stopped: the REPL must be started again
            self._hub_call(self.hub.start_repl(self.timeout))
        return self.repl

    def _do_describe(self) -> RobotInfo:
        repl = self._ready()
        out = repl.exec_retry("import sys\nprint(sys.implementation.name, "
                              "'.'.join(str(x) for x in sys.implementation.version))")
        return RobotInfo(name=self.name, family=self.family,
                         firmware=f"Pybricks · {out.strip()}", battery_percent=None,
                         sensors=list(self.profile.sensors))

    def _do_upload(self, compiled: bytes, progress: ProgressCallback) -> None:
        repl = self._ready()
        progress(Stage.SENDING, 0.0)
        repl.enter_raw()
        repl.exec_start(compiled)
        progress(Stage.STARTING, 0.0)
        repl.read_until(b"MALLETTE:START", self.timeout)
        self._output = b""

    def _do_stop(self) -> None:
        if self.hub is None:
            self._do_connect()
        assert self.hub is not None
        self._hub_call(self.hub.stop_program())

    def poll(self) -> Status:
        if self.repl is None or self.status != Status.RUNNING:
            return self.status
        try:
            self._output = (self._output + self.repl.read_available(0.0))[-4096:]
        except RobotError as exc:
            self._emit(Status.LOST, exc.message)
            return self.status
        if b"MALLETTE:END" in self._output:
            self._emit(Status.FINISHED)
        return self.status

    def wait_finished(self, timeout: float) -> Status:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.poll() == Status.RUNNING:
            time.sleep(0.05)
        return self.status

    def _do_close(self) -> None:
        if self.repl is not None:
            self.repl.link.close()
        self.repl = None
        self.hub = None
