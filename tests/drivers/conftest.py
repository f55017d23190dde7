"""Peers for the driver tests: the official micro:bit firmware under QEMU (one per session),
the raw-paste device emulator, and the Aseba playground with its HTTP bridge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from robots.emulator import qemu
from tests.peers import missing

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="session")
def firmware(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = qemu.available()
    if reason:
        missing(reason)
    return qemu.firmware_bin(tmp_path_factory.mktemp("microbit"))


@pytest.fixture(scope="session")
def microbit(firmware: Path) -> Iterator[qemu.QemuMicrobit]:
    """One emulated micro:bit shared by the session's tests."""
    board = qemu.QemuMicrobit(firmware).start()
    yield board
    board.stop()


@pytest.fixture
def own_microbit(firmware: Path) -> Iterator[qemu.QemuMicrobit]:
    """A board a test may kill or freeze (1.5 s to boot)."""
    board = qemu.QemuMicrobit(firmware).start()
    yield board
    board.stop()


@pytest.fixture(scope="session")
def playground() -> Iterator:
    """Aseba Playground with two simulated Thymio II, headless (one per session)."""
    from robots.emulator import aseba_playground

    reason = aseba_playground.available()
    if reason:
        missing(reason)
    world = aseba_playground.Playground(count=2).start()
    yield world
    world.stop()
    from robots.drivers.thymio import AsebaBridge

    AsebaBridge.stop_all()
