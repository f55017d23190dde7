"""LEGO hubs running Pybricks firmware, through the Pybricks BLE profile (v1.3).

From the vendor's published profile (pybricks/technical-info, "Pybricks Bluetooth Low
Energy Profile"): the Pybricks Service ``c5f50001-…`` has a command/event characteristic
``c5f50002-…`` (write with response, notify) and a hub capabilities characteristic
``c5f50003-…`` (read: ``max_char_size`` u16, feature flags u32, max program size u32,
little-endian). Commands: 0 stop user program, 1 start user program, 2 start REPL,
3 write program meta, 4 write user RAM, 6 write stdin (payload up to max_char_size - 1).
Events: 0 status report (u32 flags, bit 6 = user program running), 1 stdout data.

The station starts the hub's REPL and speaks the usual MicroPython raw REPL over
stdin/stdout, so it needs no ``mpy-cross`` matching the firmware's bytecode version.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from robots.transports.ble import BleLink, BumbleCentral
from robots.transports.link import LinkClosed

SERVICE = "c5f50001-8280-46da-89f4-6d8051e4aeef"
COMMAND_EVENT = "c5f50002-8280-46da-89f4-6d8051e4aeef"
CAPABILITIES = "c5f50003-8280-46da-89f4-6d8051e4aeef"

CMD_STOP_USER_PROGRAM = 0
CMD_START_USER_PROGRAM = 1
CMD_START_REPL = 2
CMD_WRITE_STDIN = 6
EVT_STATUS_REPORT = 0
EVT_WRITE_STDOUT = 1
STATUS_USER_PROGRAM_RUNNING = 1 << 6
FEATURE_REPL = 1 << 0


def parse_capabilities(value: bytes) -> tuple[int, int, int]:
    """(max_char_size, feature_flags, max_user_program_size)."""
    return struct.unpack_from("<HII", value)


class PybricksLink(BleLink):
    """The hub's stdin/stdout as a byte pipe, plus its commands and status flags."""

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("burst", 1_000_000)  # writes with response pace themselves
        super().__init__(**kw)
        self.max_char_size = 20
        self.features = 0
        self.status = 0

    @property
    def payload(self) -> int:
        return max(1, self.max_char_size - 1)

    @property
    def program_running(self) -> bool:
        return bool(self.status & STATUS_USER_PROGRAM_RUNNING)

    def _event(self, value: bytes) -> None:
        if not value:
            return
        if value[0] == EVT_WRITE_STDOUT:
            self.on_data(bytes(value[1:]))
        elif value[0] == EVT_STATUS_REPORT and len(value) >= 5:
            self.status = struct.unpack_from("<I", value, 1)[0]

    async def command(self, code: int, payload: bytes = b"") -> None:
        await self._write_command(bytes([code]) + payload)

    async def _write_packet(self, packet: bytes) -> None:
        await self._write_command(bytes([CMD_WRITE_STDIN]) + packet)

    async def start_repl(self, timeout: float = 3.0) -> None:
        """Start the REPL unless a program (or the REPL) already runs."""
        if not self.program_running:
            await self.command(CMD_START_REPL)
            loop = asyncio.get_running_loop()
            end = loop.time() + timeout
            while not self.program_running and loop.time() < end:
                await asyncio.sleep(0.01)

    async def stop_program(self) -> None:
        await self.command(CMD_STOP_USER_PROGRAM)

    async def _write_command(self, data: bytes) -> None:
        raise NotImplementedError


class BumblePybricksLink(BumbleCentral, PybricksLink):
    """Through a Bumble central (a USB dongle, or the tests' virtual radio)."""

    def __init__(self, device: Any, address: Any, mtu: int = 247, **kw: Any) -> None:
        super().__init__(device, address, mtu, **kw)
        self._char: Any = None

    async def connect(self, timeout: float) -> None:
        service = await self._open_service(SERVICE, timeout, "no Pybricks service")
        self._char = self._characteristic(service, COMMAND_EVENT)
        caps = self._characteristic(service, CAPABILITIES)
        self.max_char_size, self.features, _size = parse_capabilities(
            bytes(await asyncio.wait_for(caps.read_value(), timeout)))
        await asyncio.wait_for(self._char.subscribe(lambda v: self._event(bytes(v))), timeout)

    async def _write_command(self, data: bytes) -> None:
        if not self.connected:
            raise LinkClosed("BLE disconnected")
        try:
            await self._char.write_value(data, with_response=True)
        except Exception as exc:  # noqa: BLE001 - a stack error means the link is gone
            self.connected = False
            raise LinkClosed(str(exc)) from exc


class BleakPybricksLink(PybricksLink):
    """Through ``bleak``, found by address or advertised hub name."""

    def __init__(self, address: str | None = None, name: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.address = address
        self.name = name
        self.client: Any = None

    async def connect(self, timeout: float) -> None:
        from bleak import BleakClient, BleakScanner

        if self.address:
            device = await BleakScanner.find_device_by_address(self.address, timeout=timeout)
        else:
            device = await BleakScanner.find_device_by_name(self.name or "", timeout=timeout)
        if device is None:
            raise LinkClosed("hub not found")
        self.client = BleakClient(device, disconnected_callback=lambda c: self._lost())
        await asyncio.wait_for(self.client.connect(), timeout)
        self.connected = True
        self.max_char_size, self.features, _size = parse_capabilities(
            bytes(await self.client.read_gatt_char(CAPABILITIES)))
        await self.client.start_notify(COMMAND_EVENT, lambda _c, data: self._event(bytes(data)))

    def _lost(self) -> None:
        self.connected = False
        self.on_disconnect()

    async def _write_command(self, data: bytes) -> None:
        try:
            await self.client.write_gatt_char(COMMAND_EVENT, data, response=True)
        except Exception as exc:  # noqa: BLE001
            self.connected = False
            raise LinkClosed(str(exc)) from exc

    async def disconnect(self) -> None:
        if self.client is not None:
            try:
                await self.client.disconnect()
            except Exception:  # noqa: BLE001
                pass
        self.connected = False
