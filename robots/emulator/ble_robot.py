"""Virtual BLE robots for tests: Bumble devices on an in-process radio (``LocalLink``).

Each robot serves the Nordic UART Service; what the station writes to RX goes to an
:class:`~robots.emulator.device.EmulatedBoard` (raw REPL, raw-paste, filesystem) and what
the board prints comes back as TX notifications cut to the connection's MTU. So a BLE
MicroPython robot (an ESP32 with a BLE REPL) is exercised end to end without a radio.
"""

from __future__ import annotations

import asyncio
from typing import Any

from robots.emulator.device import EmulatedBoard
from robots.transports.ble import NUS_RX, NUS_SERVICE, NUS_TX, BumbleNusLink, LoopThread


class NusRobot:
    def __init__(self, world: VirtualBleWorld, device: Any, board: EmulatedBoard) -> None:
        from bumble.core import UUID
        from bumble.gatt import Characteristic, CharacteristicValue, Service

        self.world = world
        self.device = device
        self.board = board
        self.received = 0
        props = Characteristic.Properties
        self.tx = Characteristic(UUID(NUS_TX), props.NOTIFY, Characteristic.READABLE, b"")
        rx = Characteristic(UUID(NUS_RX), props.WRITE | props.WRITE_WITHOUT_RESPONSE,
                            Characteristic.WRITEABLE, CharacteristicValue(write=self._on_write))
        device.add_service(Service(UUID(NUS_SERVICE), [rx, self.tx]))
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        board.output_hook = lambda data: world.loop.loop.call_soon_threadsafe(
            self._queue.put_nowait, data)

    @property
    def address(self) -> Any:
        return self.device.random_address

    def _on_write(self, connection: Any, value: bytes) -> None:
        self.received += len(value)
        self.board.feed(bytes(value))

    async def _sender(self) -> None:
        while True:
            data = await self._queue.get()
            connections = list(self.device.connections.values())
            if not connections:
                continue
            size = min(c.att_mtu for c in connections) - 3
            for i in range(0, len(data), size):
                await self.device.notify_subscribers(self.tx, data[i:i + size])

    def drop(self) -> None:
        """The robot goes out of range: every connection is cut."""

        async def cut() -> None:
            for connection in list(self.device.connections.values()):
                await connection.disconnect()

        self.world.loop.run(cut(), 5)


class VirtualBleWorld:
    """An in-process radio with one station (central) and NUS robots (peripherals)."""

    def __init__(self) -> None:
        self.loop = LoopThread()
        self.robots: list[NusRobot] = []
        self._tasks: list[asyncio.Task] = []
        self._count = 0
        self._link: Any = None
        self.station: Any = None
        self.loop.run(self._setup(), 10)

    async def _device(self, name: str) -> Any:
        from bumble.controller import Controller
        from bumble.device import Device
        from bumble.hci import Address
        from bumble.host import Host
        from bumble.link import LocalLink
        from bumble.transport.common import AsyncPipeSink

        if self._link is None:
            self._link = LocalLink()
        self._count += 1
        address = ":".join([f"{0xC0 + self._count:02X}"] * 6)
        controller = Controller(name, link=self._link, public_address=address)
        device = Device(name=name, address=Address(address),
                        host=Host(controller, AsyncPipeSink(controller)))
        return device

    async def _setup(self) -> None:
        self.station = await self._device("station")
        await self.station.power_on()

    def add_robot(self, board: EmulatedBoard, name: str = "mpy-robot") -> NusRobot:
        async def make() -> NusRobot:
            device = await self._device(name)
            robot = NusRobot(self, device, board)
            await device.power_on()
            await device.start_advertising(advertising_interval_min=20, auto_restart=True)
            self._tasks.append(asyncio.get_running_loop().create_task(robot._sender()))
            return robot

        robot = self.loop.run(make(), 10)
        self.robots.append(robot)
        return robot

    def link_to(self, robot: NusRobot, **kw: Any) -> BumbleNusLink:
        """The station's BLE link to ``robot`` (Bumble adapter)."""
        return BumbleNusLink(self.station, robot.address, **kw)

    def close(self) -> None:
        async def cancel() -> None:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        self.loop.run(cancel(), 5)
        self.loop.stop()
