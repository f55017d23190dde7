"""The official micro:bit MicroPython firmware running under QEMU: a real board for tests.

Debian's ``firmware-microbit-micropython`` (MicroPython 1.9.2 for micro:bit V1) on
``qemu-system-arm -machine microbit``; its UART is a pty whose path QEMU prints.
Used by the test-suite and ``bench/bench_robots.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

FIRMWARE_HEX = Path("/usr/share/firmware-microbit-micropython/firmware.hex")


def available() -> str | None:
    """None if QEMU, objcopy and the firmware are here, else what is missing."""
    for tool in ("qemu-system-arm", "objcopy"):
        if shutil.which(tool) is None:
            return f"{tool} not found (apt: qemu-system-arm, binutils)"
    if not FIRMWARE_HEX.exists():
        return f"{FIRMWARE_HEX} missing (apt: firmware-microbit-micropython)"
    return None


def firmware_bin(folder: Path) -> Path:
    """The firmware as a flat binary (``.sec5`` is the UICR block, 256 MB away)."""
    out = folder / "microbit.bin"
    if not out.exists():
        subprocess.run(["objcopy", "-I", "ihex", "-O", "binary", "--remove-section=.sec5",
                        str(FIRMWARE_HEX), str(out)], check=True)
    return out


class QemuMicrobit:
    """One emulated micro:bit; ``port`` is its serial pty."""

    def __init__(self, firmware: Path | None = None) -> None:
        self._tmp = None
        if firmware is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="mallette-qemu-")
            firmware = firmware_bin(Path(self._tmp.name))
        self.firmware = firmware
        self.proc: subprocess.Popen | None = None
        self.port = ""

    def start(self, timeout: float = 10.0) -> QemuMicrobit:
        self.proc = subprocess.Popen(
            ["qemu-system-arm", "-machine", "microbit", "-nographic", "-monitor", "null",
             "-serial", "pty", "-device", f"loader,file={self.firmware},addr=0x0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            match = re.search(r"char device redirected to (\S+)", line)
            if match:
                self.port = match.group(1)
                break
            if not line and self.proc.poll() is not None:
                raise RuntimeError("qemu exited before giving its pty")
        if not self.port:
            self.stop()
            raise RuntimeError("qemu gave no pty")
        self._wait_prompt(deadline)
        return self

    def _wait_prompt(self, deadline: float) -> None:
        """The firmware boots in about 1.5 s; wait until it answers Ctrl-C."""
        import serial

        with serial.Serial(self.port, 115200, timeout=0.1) as s:
            while time.monotonic() < deadline:
                s.write(b"\r\x03")
                if b">>> " in s.read(200):
                    return
                time.sleep(0.1)
        raise RuntimeError("micro:bit firmware did not answer")

    def pause(self) -> None:
        """Freeze the board (it stops answering but its port stays open)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(5)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self) -> QemuMicrobit:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
