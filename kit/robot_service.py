"""The kit's robots as the station drives them.

The fleet (``robots/fleet.py``) runs uploads on a thread pool, so a slow or lost
robot never holds a web page, and stops every robot in parallel. This module adds
what the station needs on top: each robot's latest stage and message for the
group's screen, announced on the live channel (``robot.status`` to the robot's group,
``robots.stop_all`` to every screen, so a pupil's editor says at once that its robot
was stopped), and the ``program.sent`` event once an upload ends, so the figures derived
from events say what the robot did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session as DbSession

from ground.config import KitConfig
from ground.i18n import _
from kit import events
from kit.live import broker
from robots.drivers import RobotDriver, RobotError, Stage, Status, StatusEvent
from robots.fleet import Fleet

if TYPE_CHECKING:
    from robots.program import Program


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


@dataclass(frozen=True)
class Sending:
    """Which group sends which saved version: what ``program.sent`` records."""

    group_id: int
    class_id: int
    session_id: int | None
    version: int


class RobotService:
    """The station's side of the kit's :class:`robots.fleet.Fleet`: who is sending what,
    and each robot's latest stage for the group's screen.

    ``sessions`` opens a database session (the station's session factory): the service
    records ``program.sent`` with it when an upload ends; without it nothing is recorded.
    """

    def __init__(self, kit: KitConfig,
                 sessions: Callable[[], DbSession] | None = None) -> None:
        self.kit = kit
        self.sessions = sessions
        self.fleet = Fleet.from_kit(kit.robots)
        self.states: dict[str, RobotState] = {r.id: RobotState(r.id) for r in kit.robots}
        self._lock = threading.Lock()
        for driver in self.fleet.drivers.values():
            driver.add_listener(self._on_status)

    @property
    def drivers(self) -> dict[str, RobotDriver]:
        return self.fleet.drivers

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
    def send(self, robot_id: str, program: Program,
             sending: Sending | None = None) -> Future:
        """Compile, send and start ``program`` (validated where it entered) in the
        background (the fleet's pool); ``program.sent`` is recorded when it ends."""
        if robot_id not in self.fleet.drivers:
            raise KeyError(robot_id)
        group_id = sending.group_id if sending is not None else None
        self._update(robot_id, group_id=group_id, stage=str(Stage.COMPILING), fraction=0.0,
                     message="", status="uploading")

        def progress(stage: Stage, fraction: float) -> None:
            self._update(robot_id, stage=str(stage), fraction=round(fraction, 3))

        future = self.fleet.upload(robot_id, program, progress)
        future.add_done_callback(lambda f: self._finished(robot_id, f, sending))
        return future

    def _finished(self, robot_id: str, future: Future, sending: Sending | None) -> None:
        exc = future.exception()
        if exc is None:
            ok, message = True, _("Le robot exécute le programme.")
            self._update(robot_id, stage="running", fraction=1.0, message=message)
        elif isinstance(exc, RobotError):
            ok, message = False, exc.message
            # why "stopped" apart: an upload cut by stop-all is not a fault of the robot, and
            # the group's screen must say "arrêté", not "erreur"
            stages = {"lost": "lost", "timeout": "lost", "stopped": "stopped"}
            self._update(robot_id, stage=stages.get(exc.code, "error"), message=message)
        else:  # a robot must never take the station down
            ok, message = False, _("Erreur inattendue du robot : %(err)s", err=exc)
            self._update(robot_id, stage="error", message=message)
        if sending is not None:
            self._record_sent(robot_id, sending, ok, message)

    def _record_sent(self, robot_id: str, sending: Sending, ok: bool, message: str) -> None:
        """``program.sent`` in a session of its own (the fleet's thread has no request)."""
        if self.sessions is None:
            return
        with self.sessions() as dbs:
            events.record(dbs, events.PROGRAM_SENT, group_id=sending.group_id,
                          class_id=sending.class_id, session_id=sending.session_id,
                          version=sending.version, robot_id=robot_id, ok=ok, message=message)
            dbs.commit()

    # ---- stop every robot ---------------------------------------------------------------
    def stop_all(self, timeout: float = 1.0) -> dict[str, Any]:
        """Stop every robot of the kit in parallel; report which answered in time."""
        report = self.fleet.stop_all(deadline=timeout)
        results = {}
        for robot_id in self.fleet.drivers:
            outcome = report.results.get(robot_id)
            if outcome is None:
                results[robot_id] = {"ok": True, "message": _("pas connecté")}
            elif outcome == "stopped":
                results[robot_id] = {"ok": True, "message": _("arrêté")}
            else:
                results[robot_id] = {"ok": False, "message": outcome}
        broker.publish({"type": "robots.stop_all", "group_id": None, "class_id": None,
                        "payload": {"results": results}})
        return {"elapsed_s": round(report.seconds, 3), "robots": results,
                "ok": all(r["ok"] for r in results.values())}

    def check(self) -> dict[str, dict[str, Any]]:
        """Kit check: connect and describe every robot (battery, firmware) in parallel."""
        return {r.robot_id: r.to_dict() for r in self.fleet.check()}

    def close(self) -> None:
        self.fleet.close()
