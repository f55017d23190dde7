"""A MicroPython board emulator on a pty: friendly REPL, raw REPL, raw-paste, a filesystem.

Modern firmware (MicroPython >= 1.14) speaks raw-paste mode; no such board runs here, so
this emulator stands in for one. It follows the protocol as MicroPython implements it:
``\\x05A\\x01`` answered by ``R\\x01`` and a 2-byte window; the board sends ``\\x01``
each time it has consumed a window's worth of bytes; ``\\x04`` ends the data and is
acknowledged with ``\\x04``; output, ``\\x04``, error text, ``\\x04``, ``>``. It counts
bytes a host sends beyond its window (``overruns``), so a test can prove a host respects
flow control. ``mpremote`` (the reference client) is used to check it.

Code runs with ``exec`` in a namespace whose ``open``, ``os`` and ``sys`` are confined to
the board's folder; a ``robot`` module records motors, lights and notes in ``state``.
This is a test peer, not a security boundary.
"""

from __future__ import annotations

import builtins
import errno
import os
import select
import sys
import threading
import time
import tty
import types
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

BANNER = "MicroPython v1.22.0 on 2024-01-01; Mallette emulator with raw-paste\r\n"
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
_PROGRAM_FILES = ("<stdin>", "main.py")  # what the board runs: traced for Ctrl-C


class _Interrupt(BaseException):
    pass


class EmulatedBoard:
    """One emulated board; ``port`` is the pty a client opens."""

    def __init__(self, root: Path, window: int = 128, raw_paste: bool = True,
                 consume_delay: float = 0.0005, latency: float = 0.0,
                 deflate: bool = True) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.window = window
        self.raw_paste_supported = raw_paste
        self.consume_delay = consume_delay  # per window: a board is slower than a PC
        # a USB full-speed device answers on the next 1 ms frame: set latency=0.001 to model it
        self.latency = latency
        self.overruns = 0
        self.received = 0  # bytes from the host, to see what a client sends
        self.deflate_supported = deflate  # MicroPython >= 1.21 has the deflate module
        self.state: dict[str, Any] = {"motors": [0, 0], "light": "off", "notes": [],
                                      "trace": []}
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self._in = bytearray()
        self._cond = threading.Condition()
        self._closed = False
        self._released = False
        self._fd_lock = threading.Lock()
        self._frozen = False
        self._busy_thread: int | None = None
        self._break = threading.Event()  # Ctrl-C received while code runs
        self._mode = "friendly"
        self._globals: dict[str, Any] = {}
        self._reset_globals()
        # set by a BLE bridge: output goes there instead of the pty
        self.output_hook: Callable[[bytes], None] | None = None
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._device = threading.Thread(target=self._device_loop, daemon=True)

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> EmulatedBoard:
        self._reader.start()
        self._device.start()
        return self

    def close(self) -> None:
        """Pull the plug: the port goes away (closing twice is harmless)."""
        with self._fd_lock:
            if self._closed:
                return
            self._closed = True
            # why: the board's threads may still be about to read or write; the pty is
            # released now, but its fd numbers stay taken (by /dev/null) until those threads
            # are done, so a late read or write never lands in a file, socket or pipe that
            # another part of the process opened under a reused number
            null = os.open(os.devnull, os.O_RDWR)
            try:
                for fd in (self.master, self.slave):
                    os.dup2(null, fd)
            finally:
                os.close(null)
        with self._cond:
            self._cond.notify_all()
        if not self._reader.is_alive():
            self._release_fds()

    def _release_fds(self) -> None:
        """Close the fd numbers once no thread of this board can use them."""
        if self._device.is_alive() and self._device is not threading.current_thread():
            self._device.join()  # the running program ends; it writes only to /dev/null now
        with self._fd_lock:
            if self._released:
                return
            self._released = True
            for fd in (self.master, self.slave):
                try:
                    os.close(fd)
                except OSError:
                    pass

    def freeze(self, frozen: bool = True) -> None:
        """The board stops answering (a hang), its port stays open."""
        self._frozen = frozen

    def __enter__(self) -> EmulatedBoard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- bytes in and out --------------------------------------------------------------
    def _read_loop(self) -> None:
        while not self._closed:
            # why: a short select, not a blocking read, so a closed board's reader never
            # sleeps in a read that would keep the unplugged pty alive
            try:
                ready, _w, _x = select.select([self.master], [], [], 0.05)
                data = os.read(self.master, 4096) if ready else b""
            except OSError:
                time.sleep(0.01)  # no client has the port open yet
                continue
            if data and not self._closed:
                self.feed(data)
        self._release_fds()

    def feed(self, data: bytes) -> None:
        """Bytes from the host (the pty, or a BLE UART bridge)."""
        self.received += len(data)
        if b"\x03" in data and self._busy_thread is not None and self._mode != "paste":
            self._interrupt()
            data = data.replace(b"\x03", b"", 1)
        with self._cond:
            self._in += data
            self._cond.notify_all()

    def _getc(self) -> int | None:
        with self._cond:
            while (not self._in or self._frozen) and not self._closed:
                self._cond.wait(0.05)
            if self._closed:
                return None
            c = self._in[0]
            del self._in[0]
            return c

    def _out(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        if self._closed:
            return
        if self.latency:
            time.sleep(self.latency)
        if self.output_hook is not None:
            self.output_hook(data)
            return
        try:
            os.write(self.master, data)
        except OSError:
            pass

    def _interrupt(self) -> None:
        """Ctrl-C while code runs: the device thread raises KeyboardInterrupt itself.

        why: an exception pushed into another thread (PyThreadState_SetAsyncExc) can land
        outside the running code, or on a thread that reuses the ident of one that ended;
        a new thread killed before it started hangs the thread that started it.
        """
        self._break.set()

    def _sleep(self, seconds: float) -> None:
        """The board's sleep: ends early, with KeyboardInterrupt, on Ctrl-C."""
        if self._break.wait(max(0.0, seconds)):
            self._break.clear()
            raise KeyboardInterrupt

    def _trace(self, frame: Any, event: str, arg: Any) -> Any:
        """Line tracer of the running program (device thread only): Ctrl-C stops it.

        Only the board's own code is traced (``<stdin>``, ``main.py``), never the
        emulator's or the standard library's, so the interrupt never lands inside a lock.
        """
        if frame.f_code.co_filename not in _PROGRAM_FILES:
            return None
        if self._break.is_set():
            self._break.clear()
            raise KeyboardInterrupt
        return self._trace

    # ---- the device ------------------------------------------------------------------
    def _device_loop(self) -> None:
        self._out(BANNER + ">>> ")
        line = bytearray()
        while not self._closed:
            c = self._getc()
            if c is None:
                return
            if self._mode == "friendly":
                if c == 0x01:
                    self._mode = "raw"
                    self._out(b"\r\n" + RAW_BANNER)
                    line.clear()
                elif c == 0x03:
                    line.clear()
                    self._out(b"\r\n>>> ")
                elif c == 0x04 and not line:
                    self._soft_reset(run_main=True)
                    self._out(BANNER + ">>> ")
                elif c == 0x02:
                    self._out(b"\r\n" + BANNER.encode() + b">>> ")
                elif c in (0x0D, 0x0A):
                    self._out(b"\r\n")
                    if line.strip():
                        self._run(bytes(line), interactive=True)
                    line.clear()
                    self._out(b">>> ")
                elif c >= 0x20:
                    line.append(c)
                    self._out(bytes([c]))
            else:
                line = self._raw_char(c, line)

    def _raw_char(self, c: int, line: bytearray) -> bytearray:
        if c == 0x01:
            self._out(b"\r\n" + RAW_BANNER)
            return bytearray()
        if c == 0x02:
            self._mode = "friendly"
            self._out(b"\r\n" + BANNER.encode() + b">>> ")
            return bytearray()
        if c == 0x03:
            return bytearray()
        if c == 0x05 and not line:
            return self._maybe_raw_paste(line)
        if c == 0x04:
            if not line:
                self._out(b"OK")
                self._soft_reset(run_main=False)
                self._out(RAW_BANNER)
                return bytearray()
            self._out(b"OK")
            self._run(bytes(line), interactive=False)
            self._out(b"\x04>")
            return bytearray()
        line.append(c)
        return line

    def _maybe_raw_paste(self, line: bytearray) -> bytearray:
        a, b = self._getc(), self._getc()
        if (a, b) != (ord("A"), 0x01):
            line.extend(x for x in (0x05, a, b) if x is not None)
            return line
        if not self.raw_paste_supported:
            self._out(b"R\x00")
            return line
        self._out(b"R\x01" + self.window.to_bytes(2, "little"))
        self._mode = "paste"
        code = bytearray()
        granted, taken = self.window, 0
        while True:
            with self._cond:
                pending = len(self._in)
                if pending and self._in[-1] == 0x04:
                    pending -= 1  # the end-of-data byte is not counted in the window
            if pending > granted - taken:
                self.overruns += pending - (granted - taken)
                granted = taken + pending  # count each extra byte once
            c = self._getc()
            if c is None:
                return bytearray()
            if c == 0x04:
                break
            if c == 0x03:
                self._mode = "raw"
                self._out(b"\x04")
                return bytearray()
            code.append(c)
            taken += 1
            if taken % self.window == 0:
                time.sleep(self.consume_delay)
                granted += self.window
                self._out(b"\x01")
        self._mode = "raw"
        self._out(b"\x04")
        self._run(bytes(code), interactive=False)
        self._out(b"\x04>")
        return bytearray()

    def _soft_reset(self, run_main: bool) -> None:
        self._out(b"MPY: soft reboot\r\n")
        self._reset_globals()
        self.state["motors"] = [0, 0]
        main = self.root / "main.py"
        if run_main and main.exists():
            self._run(main.read_bytes(), interactive=False, filename="main.py", framed=False)

    # ---- running code ------------------------------------------------------------------
    def _reset_globals(self) -> None:
        self._globals = {"__name__": "__main__", "__builtins__": self._builtins()}

    def _run(self, code: bytes, interactive: bool, filename: str = "<stdin>",
             framed: bool = True) -> None:
        err = ""
        self._busy_thread = threading.get_ident()
        self._break.clear()
        sys.settrace(self._trace)
        try:
            try:
                text = code.decode()
                if interactive:
                    try:
                        value = eval(compile(text, filename, "eval"), self._globals)
                        if value is not None:
                            self._print(repr(value))
                        return
                    except SyntaxError:
                        pass
                exec(compile(text, filename, "exec"), self._globals)
            finally:
                sys.settrace(None)
                self._busy_thread = None
        except KeyboardInterrupt:
            err = "Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n"
        except SystemExit:
            pass
        except BaseException as exc:  # noqa: BLE001 - the board reports every error
            err = "Traceback (most recent call last):\r\n" + _micropython_error(exc)
        if interactive or not framed:
            self._out(err)
        else:
            self._out(b"\x04" + err.encode())

    def _print(self, *args: Any, sep: str = " ", end: str = "\n", file: Any = None) -> None:
        text = sep.join(str(a) for a in args) + end
        self._out(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    def _path(self, name: str | bytes) -> Path:
        name = os.fsdecode(name)
        path = (self.root / name.lstrip("/")).resolve()
        if self.root.resolve() not in (path, *path.parents):
            raise OSError(errno.EACCES, "EACCES")
        return path

    def _builtins(self) -> dict[str, Any]:
        board = self
        table = dict(vars(builtins))
        fake_os = _fake_os(self)
        fake_sys = types.SimpleNamespace(
            implementation=types.SimpleNamespace(name="micropython", version=(1, 22, 0),
                                                 _machine="Mallette emulator"),
            platform="emulator", version="3.4.0; MicroPython v1.22.0",
            stdout=types.SimpleNamespace(write=lambda s: board._print(s, end="")),
            exit=lambda *a: (_ for _ in ()).throw(SystemExit()), modules={},
            print_exception=lambda e: board._print(_micropython_error(e), end=""))

        def sleep_ms(ms: float) -> None:
            board._sleep(ms / 1000)

        fake_time = types.SimpleNamespace(
            sleep=board._sleep, sleep_ms=sleep_ms, sleep_us=lambda us: board._sleep(us / 1e6),
            ticks_ms=lambda: int(time.monotonic() * 1000), ticks_diff=lambda a, b: a - b,
            time=time.time)

        def record(kind: str, value: Any) -> None:
            board.state["trace"].append((kind, value))

        def motors(left: float, right: float) -> None:
            board.state["motors"] = [left, right]
            record("motors", (left, right))

        def light(name: str) -> None:
            board.state["light"] = name
            record("light", name)

        def note(freq: int, ms: int) -> None:
            board.state["notes"].append(freq)
            record("note", freq)
            board._sleep(ms / 1000)

        robot = types.SimpleNamespace(motors=motors, light=light, note=note,
                                      obstacle=lambda: False, line=lambda: False,
                                      button=lambda: False, sound=lambda: False)
        modules = {"os": fake_os, "uos": fake_os, "sys": fake_sys, "usys": fake_sys,
                   "time": fake_time, "utime": fake_time, "robot": robot,
                   **_fake_pybricks(record, board)}
        if self.deflate_supported:
            modules["deflate"] = _fake_deflate()
        real_import = builtins.__import__
        allowed = {"binascii", "ubinascii", "hashlib", "uhashlib", "struct", "ustruct", "io",
                   "gc", "micropython", "errno", "uerrno", "json", "ujson", "math", "random"}

        def _import(name: str, *args: Any, **kwargs: Any) -> Any:
            if name in modules:
                return modules[name]
            base = name[1:] if name.startswith("u") and name[1:] in allowed else name
            if base in ("gc", "micropython"):
                return types.SimpleNamespace(collect=lambda: None, mem_free=lambda: 100000,
                                             const=lambda x: x, kbd_intr=lambda c: None)
            if base in allowed:
                return real_import(base, *args, **kwargs)
            raise ImportError(f"no module named '{name}'")

        def _open(name: str, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            return builtins.open(board._path(name), mode, *args, **kwargs)

        table.update(print=self._print, open=_open, __import__=_import,
                     input=lambda *a: "", const=lambda x: x)
        return table


def _fake_os(board: EmulatedBoard) -> types.SimpleNamespace:
    def stat(name: str) -> tuple:
        st = os.stat(board._path(name))
        mode = 0x4000 if os.path.isdir(board._path(name)) else 0x8000
        return (mode, 0, 0, 0, 0, 0, st.st_size, int(st.st_mtime), int(st.st_mtime),
                int(st.st_mtime))

    def ilistdir(name: str = "") -> list[tuple]:
        out = []
        for entry in sorted(os.listdir(board._path(name or "."))):
            path = board._path(os.path.join(name or ".", entry))
            kind = 0x4000 if path.is_dir() else 0x8000
            out.append((entry, kind, 0, 0 if path.is_dir() else path.stat().st_size))
        return out

    return types.SimpleNamespace(
        listdir=lambda name="": sorted(os.listdir(board._path(name or "."))),
        ilistdir=ilistdir, stat=stat,
        remove=lambda name: os.remove(board._path(name)),
        rename=lambda a, b: os.replace(board._path(a), board._path(b)),
        mkdir=lambda name: os.mkdir(board._path(name)),
        rmdir=lambda name: os.rmdir(board._path(name)),
        getcwd=lambda: "/", chdir=lambda name: None, sync=lambda: None,
        statvfs=lambda name: (4096, 4096, 512, 400, 400, 0, 0, 0, 0, 255),
        uname=lambda: ("emulator", "emulator", "1.22.0", "v1.22.0", "emulator"),
        sep="/")


def _fake_deflate() -> types.SimpleNamespace:
    """MicroPython's ``deflate`` module (decompression side), as firmware >= 1.21 has it."""
    formats = {0: 47, 1: -15, 2: 15, 3: 31}  # AUTO, RAW, ZLIB, GZIP as zlib's wbits

    class DeflateIO:
        def __init__(self, stream: Any, fmt: int = 0, wbits: int = 0,
                     close: bool = False) -> None:
            self._stream, self._fmt = stream, fmt

        def read(self, size: int = -1) -> bytes:
            data = zlib.decompressobj(formats[self._fmt]).decompress(self._stream.read())
            return data if size < 0 else data[:size]

    return types.SimpleNamespace(DeflateIO=DeflateIO, AUTO=0, RAW=1, ZLIB=2, GZIP=3)


def _fake_pybricks(record: Callable[[str, Any], None],
                   board: EmulatedBoard) -> dict[str, types.SimpleNamespace]:
    """Just enough of Pybricks' modules for a program to run and be observed."""

    class Motor:
        def __init__(self, port: str, direction: str = "clockwise") -> None:
            self.port = port

        def run(self, speed: float) -> None:
            board.state.setdefault("pybricks_motors", {})[self.port] = speed
            record("motor", (self.port, speed))

        def stop(self) -> None:
            self.run(0)

    class Sensor:
        def __init__(self, port: str) -> None:
            self.port = port

        def distance(self) -> int:
            return 2000

        def reflection(self) -> int:
            return 80

    def light_on(colour: str) -> None:
        board.state["light"] = colour
        record("light", colour)

    def beep(freq: int, ms: int) -> None:
        record("note", freq)
        board._sleep(ms / 1000)

    class PrimeHub:
        def __init__(self) -> None:
            self.light = types.SimpleNamespace(on=light_on, off=lambda: light_on("off"))
            self.speaker = types.SimpleNamespace(beep=beep)
            self.buttons = types.SimpleNamespace(pressed=lambda: set())

    class StopWatch:
        def __init__(self) -> None:
            self.start = time.monotonic()

        def time(self) -> int:
            return int((time.monotonic() - self.start) * 1000)

    names = ("RED", "GREEN", "BLUE", "YELLOW", "VIOLET", "CYAN", "WHITE")
    return {
        "pybricks.hubs": types.SimpleNamespace(PrimeHub=PrimeHub),
        "pybricks.pupdevices": types.SimpleNamespace(Motor=Motor, UltrasonicSensor=Sensor,
                                                     ColorSensor=Sensor),
        "pybricks.parameters": types.SimpleNamespace(
            Port=types.SimpleNamespace(A="A", B="B", C="C", D="D", E="E", F="F"),
            Direction=types.SimpleNamespace(CLOCKWISE="clockwise",
                                            COUNTERCLOCKWISE="counterclockwise"),
            Color=types.SimpleNamespace(**{n: n.lower() for n in names}),
            Button=types.SimpleNamespace(LEFT="left", RIGHT="right", CENTER="center")),
        "pybricks.tools": types.SimpleNamespace(
            wait=lambda ms: board._sleep(ms / 1000), StopWatch=StopWatch),
    }


def _micropython_error(exc: BaseException) -> str:
    """The last line of a MicroPython traceback (OSError names its errno like a board)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"OSError: [Errno {exc.errno}] {errno.errorcode.get(exc.errno, '')}\r\n"
    return f"{type(exc).__name__}: {exc}\r\n"
