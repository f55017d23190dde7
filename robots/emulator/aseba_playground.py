"""Aseba Playground (Debian ``aseba``) run headless: simulated Thymio II robots for tests.

Each robot of the world listens for Aseba connections on its own TCP port; the station's
Thymio driver reaches it as ``{"type": "tcp", "host": "localhost", "port": PORT}``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

WORLD = """<!DOCTYPE aseba-playground>
<aseba-playground>
  <color name="white" r="1.0" g="1.0" b="1.0" />
  <world w="300" h="300" color="white"/>
{robots}
</aseba-playground>
"""


def available() -> str | None:
    if shutil.which("asebaplayground") is None or shutil.which("asebahttp") is None:
        return "asebaplayground / asebahttp not found (apt: aseba)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Playground:
    """A headless Aseba Playground with ``count`` Thymio II robots."""

    def __init__(self, count: int = 1) -> None:
        self.ports = [_free_port() for _ in range(count)]
        self._tmp = tempfile.TemporaryDirectory(prefix="mallette-aseba-")
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> Playground:
        folder = Path(self._tmp.name)
        robots = "\n".join(
            f'  <robot type="thymio2" x="{60 + 60 * i}" y="150" port="{port}" angle="0" '
            f'name="thymio-{i + 1}"/>' for i, port in enumerate(self.ports))
        world = folder / "world.playground"
        world.write_text(WORLD.format(robots=robots))
        runtime = folder / "runtime"
        runtime.mkdir(mode=0o700)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime),
                   HOME=str(folder), LC_ALL="en_US.UTF-8")
        self.proc = subprocess.Popen(["asebaplayground", str(world)], cwd=folder, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        for port in self.ports:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError("asebaplayground did not open its ports") from None
                    time.sleep(0.1)
        time.sleep(0.5)  # the robots answer a little after their ports open
        return self

    def connection(self, index: int = 0) -> dict:
        return {"type": "tcp", "host": "localhost", "port": self.ports[index]}

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._tmp.cleanup()
