"""The kit's robots together: parallel uploads that never block callers, and stop-all.

Uploads run on a thread pool and return futures: a web request starts one and returns at
once, progress arrives through the callback. ``stop_all`` gives every robot its own
thread, so a robot that hangs (or one busy uploading) never delays the others, and
reports within its deadline what each robot answered.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ground.i18n import _
from robots.drivers import RobotDriver, RobotError, RobotInfo, create_driver
from robots.drivers.base import ProgressCallback, Status

if TYPE_CHECKING:
    from robots.program import Program


@dataclass
class StopReport:
    """What stop-all reached: ``results[robot_id]`` is ``"stopped"`` or a French message."""

    results: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def all_stopped(self) -> bool:
        return all(v == "stopped" for v in self.results.values())

    def to_dict(self) -> dict[str, Any]:
        return {"results": self.results, "seconds": round(self.seconds, 3),
                "all_stopped": self.all_stopped}


@dataclass
class CheckResult:
    robot_id: str
    ok: bool
    info: RobotInfo | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"robot": self.robot_id, "ok": self.ok, "message": self.message,
                "info": self.info.to_dict() if self.info else None}


def robot_entry(robot: Any) -> dict[str, Any]:
    """A kit robot (``ground.config.RobotConfig`` or a plain dict) as a dict."""
    if hasattr(robot, "model_dump"):
        return robot.model_dump()
    return dict(robot)


class Fleet:
    def __init__(self, drivers: Iterable[RobotDriver] = (), max_workers: int = 16) -> None:
        self.drivers: dict[str, RobotDriver] = {d.robot_id: d for d in drivers}
        self._pool = ThreadPoolExecutor(max_workers=max_workers,
                                        thread_name_prefix="mallette-upload")

    @classmethod
    def from_kit(cls, robots: Iterable[Any], timeout: float | None = None) -> Fleet:
        drivers = []
        for robot in robots:
            entry = robot_entry(robot)
            drivers.append(create_driver(entry["family"], entry["id"], entry.get("connection"),
                                         name=entry.get("name", ""), timeout=timeout))
        return cls(drivers)

    def add(self, driver: RobotDriver) -> None:
        self.drivers[driver.robot_id] = driver

    def driver(self, robot_id: str) -> RobotDriver:
        try:
            return self.drivers[robot_id]
        except KeyError:
            raise RobotError(_("Aucun robot « %(robot)s » dans la mallette.", robot=robot_id),
                             code="unknown_robot", retry=False) from None

    # ---- uploads -------------------------------------------------------------------------
    def upload(self, robot_id: str, program: Program,
               progress: ProgressCallback | None = None) -> Future:
        """Start an upload; the future's result is None, or it raises :class:`RobotError`."""
        driver = self.driver(robot_id)

        def run() -> None:
            if driver.status in (Status.DISCONNECTED, Status.LOST, Status.ERROR):
                driver.connect()
            driver.upload(program, progress)

        return self._pool.submit(run)

    def upload_all(self, programs: dict[str, Program]) -> dict[str, Future]:
        return {robot_id: self.upload(robot_id, program)
                for robot_id, program in programs.items()}

    # ---- stop-all -----------------------------------------------------------------------
    def stop_all(self, deadline: float = 1.0) -> StopReport:
        """Stop every robot in parallel; returns after all answered or ``deadline`` s."""
        report = StopReport()
        lock = threading.Lock()
        started = time.monotonic()

        def stop(driver: RobotDriver) -> None:
            try:
                driver.stop()
                outcome = "stopped"
            except RobotError as exc:
                outcome = exc.message
            except Exception as exc:  # noqa: BLE001 - one robot must not break stop-all
                outcome = str(exc)
            with lock:
                report.results[driver.robot_id] = outcome

        threads = [threading.Thread(target=stop, args=(d,), daemon=True,
                                    name=f"stop-{d.robot_id}")
                   for d in self.drivers.values() if d.status != Status.DISCONNECTED]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - (time.monotonic() - started)))
        report.seconds = time.monotonic() - started
        with lock:
            for driver in self.drivers.values():
                if driver.status != Status.DISCONNECTED or driver.robot_id in report.results:
                    report.results.setdefault(driver.robot_id, _(
                        "Le robot « %(name)s » n'a pas confirmé l'arrêt à temps.",
                        name=driver.name))
        return report

    # ---- kit check ------------------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        """Connect and describe every robot in parallel (the kit check)."""

        def probe(driver: RobotDriver) -> CheckResult:
            try:
                driver.connect()
                return CheckResult(driver.robot_id, True, driver.describe())
            except RobotError as exc:
                return CheckResult(driver.robot_id, False, message=exc.message)

        futures = [self._pool.submit(probe, d) for d in self.drivers.values()]
        return [f.result() for f in futures]

    def close(self) -> None:
        for driver in self.drivers.values():
            try:
                driver.close()
            except RobotError:
                pass
        self._pool.shutdown(wait=False, cancel_futures=True)
        if "robots.drivers.thymio" in sys.modules:  # the Aseba bridges this process started
            sys.modules["robots.drivers.thymio"].AsebaBridge.stop_all()
