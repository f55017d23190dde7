"""A virtual LEGO hub with Pybricks firmware, for tests: the Pybricks BLE profile served by a
Bumble device on the tests' in-process radio, its REPL being an
:class:`~robots.emulator.device.EmulatedBoard` that knows enough ``pybricks`` modules."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from robots.emulator.ble_robot import VirtualBleWorld
from robots.emulator.device import EmulatedBoard
from robots.transports import pybricks as pb


class VirtualPybricksHub:
    MAX_CHAR_SIZE = 158  # what a SPIKE Prime hub reports

    def __init__(self, world: VirtualBleWorld, device: Any, board: EmulatedBoard) -> None:
        from bumble.core import UUID
        from bumble.gatt import Characteristic, CharacteristicValue, Service

        self.world = world
        self.device = device
        self.board = board
        self.running = False
        self.commands: list[int] = []
        props = Characteristic.Properties
        self.events = Characteristic(
            UUID(pb.COMMAND_EVENT), props.WRITE | props.NOTIFY,
            Characteristic.READABLE | Characteristic.WRITEABLE,
            CharacteristicValue(write=self._on_command))
        caps = Characteristic(UUID(pb.CAPABILITIES), props.READ, Characteristic.READABLE,
                              struct.pack("<HII", self.MAX_CHAR_SIZE, 0b11, 32000))
        device.add_service(Service(UUID(pb.SERVICE), [self.events, caps]))
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        board.output_hook = lambda data: world.loop.loop.call_soon_threadsafe(
            self._queue.put_nowait, bytes([pb.EVT_WRITE_STDOUT]) + data)

    @property
    def address(self) -> Any:
        return self.device.random_address

    def _status(self) -> None:
        flags = pb.STATUS_USER_PROGRAM_RUNNING if self.running else 0
        self._queue.put_nowait(bytes([pb.EVT_STATUS_REPORT]) + struct.pack("<I", flags))

    def _on_command(self, connection: Any, value: bytes) -> None:
        value = bytes(value)
        if not value:
            return
        self.commands.append(value[0])
        if value[0] == pb.CMD_START_REPL and not self.running:
            self.running = True
            self._status()
            self.board.feed(b"\r\x02")  # the REPL greets
        elif value[0] == pb.CMD_WRITE_STDIN and self.running:
            self.board.feed(value[1:])
        elif value[0] == pb.CMD_STOP_USER_PROGRAM and self.running:
            self.board.feed(b"\x03\x03")
            self.running = False
            for port in list(self.board.state.get("pybricks_motors", {})):
                self.board.state["pybricks_motors"][port] = 0  # Pybricks stops the motors
            self._status()

    async def _sender(self) -> None:
        while True:
            message = await self._queue.get()
            connections = list(self.device.connections.values())
            if not connections:
                continue
            size = min(c.att_mtu for c in connections) - 3
            kind, data = message[:1], message[1:]
            if kind[0] == pb.EVT_STATUS_REPORT:
                await self.device.notify_subscribers(self.events, message)
                continue
            for i in range(0, len(data), size - 1):
                await self.device.notify_subscribers(self.events, kind + data[i:i + size - 1])


def add_hub(world: VirtualBleWorld, board: EmulatedBoard,
            name: str = "Pybricks Hub") -> VirtualPybricksHub:
    async def make() -> VirtualPybricksHub:
        device = await world._device(name)
        hub = VirtualPybricksHub(world, device, board)
        await device.power_on()
        await device.start_advertising(advertising_interval_min=20, auto_restart=True)
        world._tasks.append(asyncio.get_running_loop().create_task(hub._sender()))
        return hub

    return world.loop.run(make(), 10)
