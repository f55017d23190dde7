"""Bluetooth LE UART (Nordic UART Service) carrying the MicroPython REPL.

Two adapters behind one small interface, :class:`BleLink`:
``BleakNusLink`` uses the operating system's Bluetooth stack through ``bleak`` (what a kit
laptop uses); ``BumbleNusLink`` uses ``bumble``, a Bluetooth stack in Python that drives a
USB dongle directly, or, in tests, an in-process virtual controller.

Writes go without response, cut to the negotiated ATT MTU (payload = MTU - 3), and are
paced: a few packets, then a short pause, so the robot's BLE stack is never flooded. Above
this, the raw REPL's raw-paste window does the end-to-end flow control.
:class:`BleByteLink` turns a BleLink into the synchronous byte :class:`Link` the REPL uses.
"""

from __future__ import annotations

import abc
import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

from robots.transports.link import Link, LinkClosed

NUS_SERVICE = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
NUS_RX = "6E400002-B5A3-F393-E0A9-E50E24DCCA9E"   # host → robot (write)
NUS_TX = "6E400003-B5A3-F393-E0A9-E50E24DCCA9E"   # robot → host (notify)
DEFAULT_MTU = 23


class BleLink(abc.ABC):
    """An async NUS connection. ``on_data`` and ``on_disconnect`` are set by the user."""

    def __init__(self, burst: int = 4, gap: float = 0.002) -> None:
        self.mtu = DEFAULT_MTU
        self.burst = burst   # packets written without response before a pause
        self.gap = gap       # seconds of pause
        self.on_data: Callable[[bytes], None] = lambda data: None
        self.on_disconnect: Callable[[], None] = lambda: None
        self.connected = False

    @abc.abstractmethod
    async def connect(self, timeout: float) -> None: ...

    @abc.abstractmethod
    async def _write_packet(self, packet: bytes) -> None: ...

    @abc.abstractmethod
    async def disconnect(self) -> None: ...

    @property
    def payload(self) -> int:
        return max(20, self.mtu - 3)

    async def write(self, data: bytes) -> None:
        """Send ``data`` without response, MTU-sized packets, paced in bursts."""
        size = self.payload
        for count, start in enumerate(range(0, len(data), size), 1):
            if not self.connected:
                raise LinkClosed("BLE disconnected")
            await self._write_packet(data[start:start + size])
            if count % self.burst == 0:
                await asyncio.sleep(self.gap)


class BumbleCentral(BleLink):
    """A link through a Bumble ``Device`` acting as central (powered on by the caller):
    connection, MTU, finding the robot's GATT service, and noticing its loss. Every
    Bumble-side protocol (NUS, Pybricks) builds on this."""

    def __init__(self, device: Any, address: Any, mtu: int = 247, **kw: Any) -> None:
        super().__init__(**kw)
        self.device = device
        self.address = address
        self.wanted_mtu = mtu
        self.connection: Any = None

    async def _open_service(self, service_uuid: str, timeout: float, missing: str) -> Any:
        """Connect, negotiate the MTU, and return the service with its characteristics."""
        from bumble.core import UUID
        from bumble.device import Peer

        self.connection = await asyncio.wait_for(self.device.connect(self.address), timeout)
        self.connection.on("disconnection", self._lost)
        self.connected = True
        peer = Peer(self.connection)
        self.mtu = await asyncio.wait_for(peer.request_mtu(self.wanted_mtu), timeout)
        await asyncio.wait_for(peer.discover_services([UUID(service_uuid)]), timeout)
        services = peer.get_services_by_uuid(UUID(service_uuid))
        if not services:
            raise LinkClosed(missing)
        await asyncio.wait_for(services[0].discover_characteristics(), timeout)
        return services[0]

    @staticmethod
    def _characteristic(service: Any, uuid: str) -> Any:
        from bumble.core import UUID

        return service.get_characteristics_by_uuid(UUID(uuid))[0]

    def _lost(self, *args: Any) -> None:
        self.connected = False
        self.on_disconnect()

    async def disconnect(self) -> None:
        if self.connection is not None and self.connected:
            try:
                await self.connection.disconnect()
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.connected = False


class BumbleNusLink(BumbleCentral):
    """NUS through a Bumble central."""

    def __init__(self, device: Any, address: Any, mtu: int = 247, **kw: Any) -> None:
        super().__init__(device, address, mtu, **kw)
        self._rx: Any = None

    async def connect(self, timeout: float) -> None:
        service = await self._open_service(NUS_SERVICE, timeout, "no Nordic UART Service")
        self._rx = self._characteristic(service, NUS_RX)
        tx = self._characteristic(service, NUS_TX)
        await asyncio.wait_for(tx.subscribe(lambda value: self.on_data(bytes(value))), timeout)

    async def _write_packet(self, packet: bytes) -> None:
        try:
            await self._rx.write_value(packet, with_response=False)
        except Exception as exc:  # noqa: BLE001 - any stack error means the link is gone
            self.connected = False
            raise LinkClosed(str(exc)) from exc


class BleakNusLink(BleLink):
    """NUS through ``bleak`` (BlueZ, WinRT, CoreBluetooth), by address or advertised name."""

    def __init__(self, address: str | None = None, name: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.address = address
        self.name = name
        self.client: Any = None
        self._rx: Any = None

    async def connect(self, timeout: float) -> None:
        from bleak import BleakClient, BleakScanner

        if self.address:
            device = await BleakScanner.find_device_by_address(self.address, timeout=timeout)
        else:
            device = await BleakScanner.find_device_by_name(self.name or "", timeout=timeout)
        if device is None:
            raise LinkClosed("device not found")
        self.client = BleakClient(device, disconnected_callback=lambda client: self._lost())
        await asyncio.wait_for(self.client.connect(), timeout)
        self.connected = True
        self._rx = self.client.services.get_characteristic(NUS_RX)
        if self._rx is None:
            raise LinkClosed("no Nordic UART Service")
        # the largest write without response this connection accepts (MTU - 3)
        self.mtu = int(getattr(self._rx, "max_write_without_response_size", 20)) + 3
        await self.client.start_notify(NUS_TX, lambda _char, data: self.on_data(bytes(data)))

    def _lost(self) -> None:
        self.connected = False
        self.on_disconnect()

    async def _write_packet(self, packet: bytes) -> None:
        try:
            await self.client.write_gatt_char(self._rx, packet, response=False)
        except Exception as exc:  # noqa: BLE001 - bleak raises backend-specific errors
            self.connected = False
            raise LinkClosed(str(exc)) from exc

    async def disconnect(self) -> None:
        if self.client is not None:
            try:
                await self.client.disconnect()
            except Exception:  # noqa: BLE001
                pass
        self.connected = False


class LoopThread:
    """An asyncio loop in a daemon thread, so synchronous code can drive BLE."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name="mallette-ble")
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


class BleByteLink(Link):
    """The synchronous byte link the raw REPL uses, over a :class:`BleLink`."""

    def __init__(self, ble: BleLink, loop: LoopThread, timeout: float = 10.0) -> None:
        self.ble = ble
        self.loop = loop
        self.timeout = timeout
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._closed = False
        ble.on_data = self._data
        ble.on_disconnect = self._gone
        try:
            loop.run(ble.connect(timeout), timeout + 1)
        except (TimeoutError, LinkClosed, OSError) as exc:
            raise LinkClosed(str(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - stacks raise their own error types
            raise LinkClosed(str(exc)) from exc

    def _data(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._cond.notify_all()

    def _gone(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def write(self, data: bytes) -> None:
        if self._closed:
            raise LinkClosed("BLE disconnected")
        try:
            self.loop.run(self.ble.write(data), self.timeout)
        except LinkClosed:
            raise
        except Exception as exc:  # noqa: BLE001 - timeouts and stack errors alike
            raise LinkClosed(str(exc)) from exc

    def read(self, timeout: float) -> bytes:
        end = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while not self._buf:
                if self._closed:
                    raise LinkClosed("BLE disconnected")
                left = end - time.monotonic()
                if left <= 0:
                    return b""
                self._cond.wait(left)
            out = bytes(self._buf)
            self._buf.clear()
            return out

    def close(self) -> None:
        if not self._closed:
            try:
                self.loop.run(self.ble.disconnect(), 3)
            except Exception:  # noqa: BLE001
                pass
        self._gone()


def scan_bleak(timeout: float = 3.0) -> list[dict[str, Any]]:
    """BLE devices around (name, address, RSSI, whether they offer the NUS)."""
    from bleak import BleakScanner

    async def discover() -> list[dict[str, Any]]:
        found = await BleakScanner.discover(timeout=timeout, return_adv=True)
        return [{"address": device.address, "name": adv.local_name or device.name,
                 "rssi": adv.rssi,
                 "nus": NUS_SERVICE.lower() in [u.lower() for u in adv.service_uuids]}
                for device, adv in found.values()]

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(discover())
    # this thread already runs an event loop (an async host): scan from a worker thread
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(discover())).result()
