"""The interface every robot family implements.

A driver is one module per robot family (Thymio, micro:bit + Maqueen, ...).
The station only talks to :class:`RobotDriver`: find the robots, connect,
describe, upload a program (compile, send, start), stop, and report status events.
A program arrives typed (:class:`robots.program.Program`): it was validated once, where
it entered the station or the command line, and is not checked again here. Every call
has a timeout and fails with :class:`RobotError`, whose ``message`` is a French sentence
a facilitator can read (:mod:`robots.errors`).
"""

from __future__ import annotations

import abc
import enum
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ground.i18n import _
from robots.errors import RobotError

if TYPE_CHECKING:  # why: importing the driver interface must not load pydantic
    from robots.program import Program


class Status(enum.StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTED = "connected"
    UPLOADING = "uploading"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    ERROR = "error"
    LOST = "lost"


class Stage(enum.StrEnum):
    """Steps of an upload, shown to the group as progress."""

    COMPILING = "compiling"
    SENDING = "sending"
    VERIFYING = "verifying"
    STARTING = "starting"
    RUNNING = "running"


ProgressCallback = Callable[[Stage, float], None]
"""``progress(stage, fraction)``: fraction 0..1 within the stage."""

StatusListener = Callable[["StatusEvent"], None]


@dataclass
class StatusEvent:
    status: Status
    robot: str
    message: str = ""
    at: float = field(default_factory=time.time)


@dataclass
class FoundRobot:
    """A robot seen by :meth:`RobotDriver.find` (not yet connected)."""

    family: str
    connection: dict[str, Any]
    label: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RobotInfo:
    """What :meth:`RobotDriver.describe` reports."""

    name: str
    family: str
    firmware: str = ""
    battery_percent: float | None = None
    sensors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _noop_progress(stage: Stage, fraction: float) -> None:
    return None


class RobotDriver(abc.ABC):
    """One robot of one family, behind a connection (serial, BLE, TCP, simulated).

    Subclasses implement the ``_do_*`` methods; this class adds the status
    events and a lock so that an upload and a stop never interleave badly
    (stop takes priority: it is allowed to interrupt an upload).
    """

    family: str = ""
    default_timeout: float = 10.0

    def __init__(self, robot_id: str, connection: dict[str, Any] | None = None,
                 *, name: str = "", timeout: float | None = None) -> None:
        self.robot_id = robot_id
        self.name = name or robot_id
        self.connection = dict(connection or {})
        self.timeout = timeout if timeout is not None else self.default_timeout
        self.status = Status.DISCONNECTED
        self._listeners: list[StatusListener] = []
        self._lock = threading.RLock()
        # set by stop(): a running upload gives up at its next read, so stop gets the robot
        self.abort = threading.Event()

    # ---- discovery -------------------------------------------------------------------
    @classmethod
    def find(cls, timeout: float = 3.0) -> list[FoundRobot]:
        """Robots of this family visible now (ports, BLE names, Aseba nodes)."""
        return []

    # ---- status events ---------------------------------------------------------------
    def add_listener(self, listener: StatusListener) -> None:
        self._listeners.append(listener)

    def _emit(self, status: Status, message: str = "") -> None:
        self.status = status
        event = StatusEvent(status, self.robot_id, message)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a listener must never break a driver
                pass

    # ---- public calls ----------------------------------------------------------------
    def connect(self) -> None:
        with self._lock:
            try:
                self._do_connect()
            except RobotError as exc:
                self._emit(Status.LOST if exc.code in ("lost", "timeout") else Status.ERROR,
                           exc.message)
                raise
            self._emit(Status.CONNECTED)

    def describe(self) -> RobotInfo:
        with self._lock:
            return self._guard(self._do_describe)

    def upload(self, program: Program, progress: ProgressCallback | None = None) -> None:
        """Compile, send and start ``program``; returns once it runs."""
        progress = progress or _noop_progress
        with self._lock:
            progress(Stage.COMPILING, 0.0)
            compiled = self.compile(program)
            progress(Stage.COMPILING, 1.0)
            self._emit(Status.UPLOADING)
            self._guard(lambda: self._do_upload(compiled, progress))
            progress(Stage.RUNNING, 1.0)
            self._emit(Status.RUNNING)

    def stop(self) -> None:
        """Stop the motors and the program, interrupting an upload in progress."""
        self.abort.set()
        acquired = self._lock.acquire(timeout=min(self.timeout, 0.8))
        try:
            self.abort.clear()
            self._guard(self._do_stop)
        finally:
            if acquired:
                self._lock.release()
        self._emit(Status.STOPPED)

    def close(self) -> None:
        try:
            self._do_close()
        finally:
            self._emit(Status.DISCONNECTED)

    def _guard(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except RobotError as exc:
            if exc.code != "stopped":  # stop() reports its own status
                self._emit(Status.LOST if exc.code in ("lost", "timeout") else Status.ERROR,
                           exc.message)
            raise

    # ---- what a family implements ------------------------------------------------------
    @abc.abstractmethod
    def compile(self, program: Program) -> Any:
        """Program → what this robot runs (:class:`robots.errors.ProgramError` for what
        only this family cannot run)."""

    @abc.abstractmethod
    def _do_connect(self) -> None: ...

    @abc.abstractmethod
    def _do_describe(self) -> RobotInfo: ...

    @abc.abstractmethod
    def _do_upload(self, compiled: Any, progress: ProgressCallback) -> None: ...

    @abc.abstractmethod
    def _do_stop(self) -> None: ...

    def _do_close(self) -> None:
        return None


def lost_message(name: str) -> str:
    return _("Le robot « %(name)s » ne répond plus : vérifiez qu'il est allumé et branché, "
             "puis réessayez.", name=name)


def timeout_message(name: str, seconds: float) -> str:
    return _("Le robot « %(name)s » n'a pas répondu en %(seconds)s s.", name=name,
             seconds=f"{seconds:g}")
