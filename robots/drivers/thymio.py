"""Thymio II through Aseba: one supervised ``asebahttp`` bridge per Aseba target.

A target is ``ser:device=/dev/ttyACM0`` (USB cable, or the wireless dongle where every
robot is a node) or ``tcp:host;port`` (the simulator). The bridge compiles and loads an
AESL document (``PUT /nodes/ID``) and reads or writes variables
(``GET /nodes/ID/VAR``, ``GET /nodes/ID/VAR/VALUE``). Stop = motors to zero and an empty
program. The Aseba compiler needs the ``en_US.UTF-8`` locale.
"""

from __future__ import annotations

import collections
import os
import shutil
import socket
import subprocess
import threading
import time
from typing import Any, ClassVar

import httpx

from ground.i18n import _
from robots.compilers.aseba import EMPTY_PROGRAM, THYMIO, aesl_document, compile_program
from robots.drivers.base import FoundRobot, ProgressCallback, RobotDriver, RobotInfo, Stage, Status
from robots.errors import RobotError, RobotLost, RobotTimeout

THYMIO_USB_IDS = {(0x0617, 0x000A): "Thymio II", (0x0617, 0x000C): "Thymio Wireless dongle"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def target_of(connection: dict[str, Any]) -> str:
    kind = connection.get("type")
    if kind == "serial":
        return f"ser:device={connection['port']}"
    if kind == "tcp":
        return f"tcp:{connection['host']};{int(connection['port'])}"
    raise RobotError(_("Connexion « %(kind)s » impossible pour un Thymio (câble USB ou "
                       "simulateur Aseba seulement).", kind=kind), code="config", retry=False)


class AsebaBridge:
    """An ``asebahttp`` process for one target, restarted if it dies."""

    _bridges: ClassVar[dict[str, AsebaBridge]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, target: str) -> None:
        self.target = target
        self.http_port = 0
        self.proc: subprocess.Popen | None = None
        self.log: collections.deque[str] = collections.deque(maxlen=80)
        self.started = 0.0
        self.restart_after = 1.5
        self._lock = threading.RLock()

    @classmethod
    def for_target(cls, target: str) -> AsebaBridge:
        with cls._registry_lock:
            bridge = cls._bridges.get(target)
            if bridge is None:
                bridge = cls._bridges[target] = cls(target)
            return bridge

    @classmethod
    def stop_all(cls) -> None:
        with cls._registry_lock:
            for bridge in cls._bridges.values():
                bridge.stop()
            cls._bridges.clear()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        exe = shutil.which("asebahttp")
        if exe is None:
            raise RobotError(_("Le programme « asebahttp » (paquet aseba) n'est pas installé : "
                               "impossible de parler aux Thymio."), code="config", retry=False)
        self.http_port = _free_port()
        self.started = time.monotonic()
        env = dict(os.environ, LC_ALL="en_US.UTF-8", LANG="en_US.UTF-8")
        self.proc = subprocess.Popen(
            [exe, "-p", str(self.http_port), "-s", str(_free_port()), self.target],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, errors="replace", env=env)
        threading.Thread(target=self._collect, args=(self.proc,), daemon=True).start()

    def _collect(self, proc: subprocess.Popen) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self.log.append(line.rstrip())

    def stop(self) -> None:
        with self._lock:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(3)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(3)
            self.proc = None

    def nodes(self, timeout: float) -> list[dict[str, Any]]:
        """The Aseba nodes the bridge sees, starting or restarting it if needed."""
        with self._lock:
            if not self.running():
                self.start()
            deadline = time.monotonic() + timeout
            while True:
                try:
                    reply = httpx.get(self.base_url + "/nodes", timeout=max(0.2, timeout / 4))
                    found = reply.json() if reply.status_code == 200 else []
                    if found:
                        self.restart_after = 1.5
                        return found
                except (httpx.HTTPError, ValueError):
                    pass
                if not self.running() or time.monotonic() - self.started > self.restart_after:
                    # it exits when its target goes away, and a node that was not ready when
                    # it connected is never asked again for its description: start afresh
                    self.stop()
                    self.start()
                    self.restart_after = min(self.restart_after * 2, 8.0)  # a slow machine
                if time.monotonic() > deadline:
                    return []
                time.sleep(0.1)

    def request(self, method: str, path: str, timeout: float,
                content: str | None = None) -> httpx.Response:
        try:
            return httpx.request(method, self.base_url + path, content=content,
                                 timeout=timeout)
        except httpx.TimeoutException as exc:
            raise RobotTimeout(_("Le pont Aseba n'a pas répondu en %(seconds)s s.",
                                 seconds=f"{timeout:g}")) from exc
        except httpx.HTTPError as exc:
            raise RobotLost(_("Le pont Aseba est arrêté : le Thymio est-il branché ?")) from exc

    def compile_errors(self) -> list[str]:
        return [line.split("failed:", 1)[1].strip() for line in self.log
                if "Compilation for node" in line and "failed:" in line]


class ThymioDriver(RobotDriver):
    family = "thymio"
    default_timeout = 8.0
    profile = THYMIO

    def __init__(self, robot_id: str, connection: dict[str, Any] | None = None, *,
                 name: str = "", timeout: float | None = None) -> None:
        super().__init__(robot_id, connection, name=name, timeout=timeout)
        self.target = target_of(self.connection)
        self.bridge = AsebaBridge.for_target(self.target)
        self.node: int | None = self.connection.get("node")
        self.node_name = "thymio-II"

    @classmethod
    def find(cls, timeout: float = 3.0) -> list[FoundRobot]:
        from serial.tools import list_ports

        return [FoundRobot(cls.family, {"type": "serial", "port": p.device},
                           THYMIO_USB_IDS[(p.vid, p.pid)])
                for p in list_ports.comports() if (p.vid, p.pid) in THYMIO_USB_IDS]

    def compile(self, program: dict[str, Any]) -> str:
        return compile_program(program, self.profile)

    def _lost(self) -> RobotLost:
        return RobotLost(_("Le Thymio « %(name)s » ne répond pas : vérifiez qu'il est allumé "
                           "et connecté (%(target)s), puis réessayez.", name=self.name,
                           target=self.target))

    def _do_connect(self, timeout: float | None = None) -> None:
        nodes = self.bridge.nodes(timeout or self.timeout)
        if not nodes:
            raise self._lost()
        chosen = next((n for n in nodes if n.get("node") == self.node), None) or nodes[0]
        self.node = int(chosen["node"])
        self.node_name = str(chosen.get("name", "thymio-II"))

    def _ensure(self) -> int:
        if self.node is None or not self.bridge.running():
            self._do_connect()
        assert self.node is not None
        return self.node

    def get(self, variable: str) -> list[int]:
        """Read an Aseba variable (status, tests)."""
        node = self._ensure()
        reply = self._request("GET", f"/nodes/{node}/{variable}", min(self.timeout, 3))
        if reply.status_code != 200:
            if not self._alive():
                raise self._lost()
            raise RobotError(_("Variable Aseba inconnue : %(var)s", var=variable),
                             code="protocol")
        try:
            return [int(v) for v in reply.json()]
        except ValueError as exc:
            raise self._lost() from exc

    def _request(self, method: str, path: str, timeout: float,
                 content: str | None = None) -> httpx.Response:
        """A bridge request whose failure names the robot."""
        try:
            return self.bridge.request(method, path, timeout, content)
        except RobotTimeout as exc:
            raise RobotTimeout(_("Le Thymio « %(name)s » n'a pas répondu en %(seconds)s s.",
                                 name=self.name, seconds=f"{timeout:g}")) from exc
        except RobotLost as exc:
            raise self._lost() from exc

    def _alive(self) -> bool:
        """Is our node still on the Aseba network?"""
        try:
            reply = self._request("GET", "/nodes", min(self.timeout, 2))
            nodes = reply.json() if reply.status_code == 200 else []
        except (RobotError, ValueError):
            return False
        return any(n.get("node") == self.node and n.get("connected", 1) for n in nodes)

    def set(self, variable: str, *values: int) -> None:
        node = self._ensure()
        path = f"/nodes/{node}/{variable}/" + "/".join(str(int(v)) for v in values)
        self._request("GET", path, min(self.timeout, 3))

    def _description(self) -> dict[str, Any]:
        """The node's description once it lists its variables, asked again until then.

        why: right after the bridge connects, asebahttp may answer with a description that
        has no variables yet (the robot's reply has not arrived); a bridge that connected
        before the node was ready never asks again, so a fresh bridge asks once more.
        """
        deadline = time.monotonic() + self.timeout
        fresh_after = time.monotonic() + min(2.0, self.timeout / 3)
        while True:
            node = self._ensure()
            left = deadline - time.monotonic()
            reply = self._request("GET", f"/nodes/{node}", max(0.2, min(3.0, left)))
            if reply.status_code != 200:
                raise self._lost()
            try:
                data = reply.json()
            except ValueError as exc:
                raise self._lost() from exc
            if isinstance(data, dict) and data.get("namedVariables"):
                return data
            if time.monotonic() >= deadline:
                raise RobotTimeout(_("Le Thymio « %(name)s » ne donne pas la liste de ses "
                                     "capteurs : éteignez-le et rallumez-le, puis "
                                     "réessayez.", name=self.name))
            if time.monotonic() >= fresh_after:
                self.bridge.stop()
                self._do_connect(max(0.5, deadline - time.monotonic()))
                fresh_after = deadline  # one fresh bridge, then keep asking it
            time.sleep(0.1)

    def _do_describe(self) -> RobotInfo:
        data = self._description()
        variables = data.get("namedVariables", {})
        sensors = [s for s, var in (("obstacle", "prox.horizontal"), ("line", "prox.ground.delta"),
                                    ("button", "button.center"), ("sound", "mic.intensity"))
                   if var in variables]
        firmware = f"Aseba protocole {data.get('protocolVersion', '?')}"
        if "_fwversion" in variables:
            try:
                firmware += " · firmware " + ".".join(str(v) for v in self.get("_fwversion"))
            except RobotError:
                pass
        return RobotInfo(name=self.name, family=self.family, firmware=firmware,
                         battery_percent=None, sensors=sensors)

    def _load(self, source: str) -> None:
        node = self._ensure()
        before = len(self.bridge.compile_errors())
        reply = self._request("PUT", f"/nodes/{node}", self.timeout,
                                    content=aesl_document(source, self.node_name, node))
        if reply.status_code == 204:
            return
        time.sleep(0.05)  # the compiler's message reaches the log just after the reply
        errors = self.bridge.compile_errors()[before:]
        detail = errors[-1] if errors else reply.text.strip()
        if reply.status_code == 400:
            raise RobotError(_("Le Thymio « %(name)s » a refusé le programme (%(detail)s). "
                               "Il est peut-être trop long pour ce robot.", name=self.name,
                               detail=detail), code="refused", retry=False)
        raise self._lost()

    def _do_upload(self, compiled: str, progress: ProgressCallback) -> None:
        deadline = time.monotonic() + self.timeout
        for attempt in (1, 2):
            progress(Stage.SENDING, 0.0)
            self._load(compiled)
            progress(Stage.SENDING, 1.0)
            progress(Stage.STARTING, 0.0)
            # a first try gets half the time: a program starts within milliseconds
            until = deadline if attempt == 2 else time.monotonic() + self.timeout / 2
            if self._announced(min(until, deadline)):
                return
            if time.monotonic() >= deadline:
                break
            # why: a bridge that missed the node's description, or still lists a robot that
            # is gone, takes the program without running it; a fresh bridge asks again,
            # within what is left of the time
            self.bridge.stop()
            self._do_connect(max(0.5, deadline - time.monotonic()))
        raise self._lost()

    def _announced(self, until: float) -> bool:
        """Wait until the program announces itself in ``m_state``; False if it stays silent
        until ``until`` or our node leaves the bridge's network."""
        node = self._ensure()
        while True:
            reply = self._request("GET", f"/nodes/{node}/m_state",
                                  max(0.2, min(2.0, until - time.monotonic())))
            if reply.status_code == 200 and reply.json() in ([1], [2]):
                return True
            if time.monotonic() > until or not self._alive():
                return False
            time.sleep(0.1)

    def _do_stop(self) -> None:
        self.set("motor.left.target", 0)
        self.set("motor.right.target", 0)
        self._load(EMPTY_PROGRAM)

    def poll(self) -> Status:
        if self.status != Status.RUNNING:
            return self.status
        try:
            state = self.get("m_state")
        except RobotError as exc:
            self._emit(Status.LOST, exc.message)
            return self.status
        if state == [2]:
            self._emit(Status.FINISHED)
        return self.status

    def wait_finished(self, timeout: float) -> Status:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.poll() == Status.RUNNING:
            time.sleep(0.05)
        return self.status
