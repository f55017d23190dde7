"""A robot without hardware: the program runs in the reference simulator.

The demo kit uses it, and so does a kit whose robot is listed as ``simulated``. The run is
computed at once by ``robots.simulator.simulate`` (imported when first needed); the driver
then reports "running" for the run's duration (scaled by ``time_scale``) and "finished",
so the station behaves as with a real robot. ``result`` holds the run (path, events).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ground.i18n import _
from robots.drivers.base import ProgressCallback, RobotDriver, RobotInfo, Stage, Status
from robots.errors import ProgramError, RobotError

if TYPE_CHECKING:
    from robots.program import Program

DEFAULT_MAT: dict[str, Any] = {"cols": 6, "rows": 4, "cell_cm": 20,
                               "start": {"col": 0, "row": 0, "heading": "east"}}


class SimulatedDriver(RobotDriver):
    family = "simulated"
    default_timeout = 5.0

    def __init__(self, robot_id: str, connection: dict[str, Any] | None = None, *,
                 name: str = "", timeout: float | None = None,
                 model_family: str = "simulated") -> None:
        super().__init__(robot_id, connection, name=name, timeout=timeout)
        self.model_family = model_family
        self.mat: dict[str, Any] = dict(self.connection.get("mat") or DEFAULT_MAT)
        self.time_scale = float(self.connection.get("time_scale", 1.0))
        self.result: dict[str, Any] | None = None
        self._timer: threading.Timer | None = None

    def compile(self, program: Program) -> dict[str, Any]:
        try:
            from robots.simulator import simulate
        except ImportError as exc:
            raise RobotError(_("Le simulateur de robots n'est pas installé."),
                             code="config", retry=False) from exc
        try:
            return simulate(program, self.mat)
        except ValueError as exc:  # the kit's mat (MatError): the program was validated
            raise ProgramError.about(str(exc)) from exc

    def _do_connect(self) -> None:
        return None

    def _do_describe(self) -> RobotInfo:
        return RobotInfo(name=self.name, family=self.model_family, firmware=_("simulateur"),
                         battery_percent=100.0,
                         sensors=["obstacle", "line", "button", "sound"])

    def upload(self, program: Program, progress: ProgressCallback | None = None) -> None:
        super().upload(program, progress)
        assert self.result is not None
        duration = float(self.result.get("time", 0.0)) * self.time_scale
        self._timer = threading.Timer(duration, self._finished)
        self._timer.daemon = True
        self._timer.start()

    def _do_upload(self, compiled: dict[str, Any], progress: ProgressCallback) -> None:
        self._cancel()
        progress(Stage.SENDING, 1.0)
        self.result = compiled

    def _finished(self) -> None:
        if self.status == Status.RUNNING:
            self._emit(Status.FINISHED)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _do_stop(self) -> None:
        self._cancel()

    def poll(self) -> Status:
        return self.status

    def wait_finished(self, timeout: float) -> Status:
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end and self.status == Status.RUNNING:
            time.sleep(0.02)
        return self.status
