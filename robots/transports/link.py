"""A byte link to a robot: what the MicroPython REPL runs over (USB serial, BLE UART).

A link only moves bytes. ``read`` returns what has arrived (possibly nothing once its
timeout passes); a dead link raises :class:`LinkClosed`, so the driver above can tell
"the robot is slow" from "the cable is gone".
"""

from __future__ import annotations

import abc
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any


class LinkClosed(Exception):
    """The connection is gone (cable pulled, board reset, BLE disconnect)."""


class Link(abc.ABC):
    @abc.abstractmethod
    def write(self, data: bytes) -> None:
        """Send ``data`` whole (raises :class:`LinkClosed`)."""

    @abc.abstractmethod
    def read(self, timeout: float) -> bytes:
        """Bytes that arrived within ``timeout`` seconds (``b""`` if none)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def read_nowait(self) -> bytes:
        """What has already arrived, without waiting."""
        return self.read(0)

    def drain(self, quiet: float = 0.02, limit: float = 0.5) -> bytes:
        """Read and drop input until the line stays quiet for ``quiet`` s."""
        got = bytearray()
        end = time.monotonic() + limit
        while time.monotonic() < end:
            chunk = self.read(quiet)
            if not chunk:
                break
            got += chunk
        return bytes(got)


class SerialLink(Link):
    """USB serial (CDC ACM) or a pty, through pyserial.

    Thread-safe: "stop every robot" may close a link that an upload is reading. pyserial
    closes its file descriptors without a lock, and a descriptor number freed under a
    running read or write is soon reused by another file of the process (a database, a
    socket): a late write would land there. Every use of the port holds ``_lock``, so
    closing waits for the call in progress (at most one short read) and the next call
    sees the link closed.
    """

    def __init__(self, port: str, baudrate: int = 115200, open_timeout: float = 2.0) -> None:
        import serial

        self.port = port
        self._serial_mod = serial
        self._lock = threading.Lock()
        self._closed = False
        deadline = time.monotonic() + open_timeout
        while True:
            try:
                self._s = serial.Serial(port, baudrate, timeout=0.05, write_timeout=5,
                                        exclusive=False)
                self._timeout = 0.05
                break
            except (serial.SerialException, OSError) as exc:
                if time.monotonic() > deadline:
                    raise LinkClosed(str(exc)) from exc
                time.sleep(0.05)

    @contextlib.contextmanager
    def _port(self) -> Iterator[Any]:
        """The open pyserial port, under the lock; a closed or failing one is LinkClosed."""
        with self._lock:
            if self._closed:
                raise LinkClosed("closed")
            try:
                yield self._s
            except (self._serial_mod.SerialException, OSError, TypeError,
                    AttributeError) as exc:
                raise LinkClosed(str(exc)) from exc

    def write(self, data: bytes) -> None:
        with self._port() as port:
            port.write(data)

    def read(self, timeout: float) -> bytes:
        with self._port() as port:
            timeout = max(timeout, 0.0)
            if timeout != self._timeout:  # pyserial reconfigures the port on each change
                port.timeout = self._timeout = timeout
            first = port.read(1)
            if not first:
                return b""
            waiting = port.in_waiting
            return first + (port.read(waiting) if waiting else b"")

    def read_nowait(self) -> bytes:
        with self._port() as port:
            waiting = port.in_waiting
            return port.read(waiting) if waiting else b""

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._s.close()
            except Exception:  # noqa: BLE001 - closing a dead port must not fail
                pass
