"""The kit's robots as the station drives them.

Uploads run in a thread pool so a slow or lost robot never holds a web page;
each robot's latest status (stage, message) is kept for the group's screen and
announced on the live channel. ``stop_all`` has its own threads, so it reaches
every robot in parallel even while uploads are busy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from typing import Any

from kit.config import KitConfig
from kit.i18n import _
from kit.live import broker
from robots.drivers import RobotDriver, RobotError, Stage, Status, StatusEvent, create_driver

FINAL_STAGES = {"running", "error", "lost"}


@dataclass
class RobotState:
    robot_id: str
    status: str = "disconnected"
    stage: str = ""
    fraction: float = 0.0
    message: str = ""
    group_id: int | None = None
    updated: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RobotService:
    def __init__(self, kit: KitConfig) -> None:
        self.kit = kit
        self.drivers: dict[str, RobotDriver] = {}
        self.states: dict[str, RobotState] = {}
        self._lock = threading.Lock()
        size = max(2, len(kit.robots))
        self._uploads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="robot-upload")
        self._stops = ThreadPoolExecutor(max_workers=size, thread_name_prefix="robot-stop")
        for robot in kit.robots:
            driver = create_driver(robot.family, robot.id, robot.connection.model_dump(),
                                   name=robot.name)
            driver.add_listener(self._on_status)
            self.drivers[robot.id] = driver
            self.states[robot.id] = RobotState(robot.id)

    # ---- status -------------------------------------------------------------------------
    def _update(self, robot_id: str, **values: Any) -> RobotState:
        with self._lock:
            state = self.states[robot_id]
            for key, value in values.items():
                setattr(state, key, value)
            state.updated = time.time()
            snapshot = RobotState(**state.as_dict())
        broker.publish({"type": "robot.status", "group_id": snapshot.group_id,
                        "class_id": None, "payload": snapshot.as_dict()})
        return snapshot

    def _on_status(self, event: StatusEvent) -> None:
        values: dict[str, Any] = {"status": str(event.status)}
        if event.message:
            values["message"] = event.message
        if event.status in (Status.FINISHED, Status.STOPPED):
            values["stage"] = str(event.status)
        self._update(event.robot, **values)

    def state(self, robot_id: str) -> RobotState | None:
        with self._lock:
            state = self.states.get(robot_id)
            return RobotState(**state.as_dict()) if state else None

    # ---- upload -------------------------------------------------------------------------
    def send(self, robot_id: str, program: dict[str, Any], *, group_id: int | None = None,
             done: Callable[[bool, str], None] | None = None) -> Future:
        """Compile, send and start ``program`` in the background."""
        if robot_id not in self.drivers:
            raise KeyError(robot_id)
        self._update(robot_id, group_id=group_id, stage=str(Stage.COMPILING), fraction=0.0,
                     message="", status="uploading")
        return self._uploads.submit(self._send, robot_id, program, done)

    def _send(self, robot_id: str, program: dict[str, Any],
              done: Callable[[bool, str], None] | None) -> tuple[bool, str]:
        driver = self.drivers[robot_id]

        def progress(stage: Stage, fraction: float) -> None:
            self._update(robot_id, stage=str(stage), fraction=round(fraction, 3))

        try:
            if driver.status in (Status.DISCONNECTED, Status.LOST, Status.ERROR):
                driver.connect()
            driver.upload(program, progress)
        except RobotError as exc:
            stage = "lost" if exc.code in ("lost", "timeout") else "error"
            self._update(robot_id, stage=stage, message=exc.message)
            ok, message = False, exc.message
        except Exception as exc:  # noqa: BLE001 - a robot must never take the station down
            message = _("Erreur inattendue du robot : %(err)s", err=exc)
            self._update(robot_id, stage="error", message=message)
            ok = False
        else:
            ok, message = True, _("Le robot exécute le programme.")
            self._update(robot_id, stage="running", fraction=1.0, message=message)
        if done is not None:
            done(ok, message)
        return ok, message

    # ---- stop every robot ---------------------------------------------------------------
    def stop_all(self, timeout: float = 1.0) -> dict[str, Any]:
        """Stop every robot of the kit in parallel; report which answered in time."""
        start = time.monotonic()
        futures = {robot_id: self._stops.submit(self._stop_one, robot_id)
                   for robot_id in self.drivers}
        wait(futures.values(), timeout=timeout)
        results = {}
        for robot_id, fut in futures.items():
            if not fut.done():
                results[robot_id] = {"ok": False, "message": _("pas de réponse en %(s)s s",
                                                                s=f"{timeout:g}")}
            else:
                ok, message = fut.result()
                results[robot_id] = {"ok": ok, "message": message}
        elapsed = time.monotonic() - start
        broker.publish({"type": "robots.stop_all", "group_id": None, "class_id": None,
                        "payload": {"results": results}})
        return {"elapsed_s": round(elapsed, 3), "robots": results,
                "ok": all(r["ok"] for r in results.values())}

    def _stop_one(self, robot_id: str) -> tuple[bool, str]:
        driver = self.drivers[robot_id]
        if driver.status in (Status.DISCONNECTED,):
            return True, _("pas connecté")
        try:
            driver.stop()
        except RobotError as exc:
            return False, exc.message
        except Exception as exc:  # noqa: BLE001
            return False, str(exc)
        return True, _("arrêté")

    def close(self) -> None:
        self._uploads.shutdown(wait=False, cancel_futures=True)
        self._stops.shutdown(wait=False, cancel_futures=True)
        for driver in self.drivers.values():
            try:
                driver.close()
            except Exception:  # noqa: BLE001
                pass
