"""The MicroPython raw REPL over a byte link, and a safe upload of ``main.py``.

Raw REPL: Ctrl-A enters it, the code is sent and Ctrl-D runs it, the board answers
``OK``, the output, ``\\x04``, the error text, ``\\x04`` and ``>``; Ctrl-B leaves it.
Firmware >= 1.14 also has raw-paste mode (``\\x05A\\x01``): the board grants a window
of bytes and tops it up with ``\\x01``, so the host can send at full speed without
overrunning the board's small input buffer. Older firmware (micro:bit V1) answers with
its raw REPL banner instead, and the host falls back to paced plain raw REPL.

The upload never lets a cut connection leave half a program to run: the program goes
to a temporary file, and only a file known to be whole replaces ``main.py``. In plain
raw REPL (where bytes can be lost) its size and Adler-32 are read back and compared; in
raw-paste mode the board compiles the whole command before running any of it, checks the
length and byte sum of the data (decompressed first where the firmware has ``deflate``:
a compiled program travels in less than half its size), and counts the bytes the
filesystem took. Then
``os.rename`` puts it in place where the firmware has it, otherwise the board copies it
in one command and the copy is checked again.
"""

from __future__ import annotations

import base64
import os
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from ground.i18n import _
from robots.errors import RobotError, RobotLost, RobotTimeout
from robots.transports.link import Link, LinkClosed

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
CHECKED_END = "\x06"  # printed after a checked command ran (see _checked)
TEMP_NAME = "mallette.tmp"
SPEED_PROOF = 200  # bytes: a command at least this long, arrived whole, lets pacing speed up
OK_MARGIN = 0.05  # seconds allowed beyond the wire time for "OK", until a board is slower


class ReplError(RobotError):
    """The board ran the command and raised a Python exception."""

    def __init__(self, message: str, traceback: str) -> None:
        super().__init__(message, code="board_error")
        self.traceback = traceback


@dataclass
class Pacing:
    """How fast plain raw REPL may send (raw-paste needs none: the board grants a window)."""

    chunk: int = 256          # data bytes per ``write`` command of an upload
    # why: the micro:bit V1 keeps received bytes in a small ring buffer; 32 bytes a
    # millisecond lost none of 200 commands under QEMU, 64 per 0.5 ms lost 7%
    slice: int = 32           # bytes written to the link at once
    pause: float = 0.001      # seconds between slices
    baudrate: int = 115200    # how long a command takes on the wire, to wait for its "OK"


# Helpers defined on the board once per upload, one command each (the micro:bit V1 has
# 16 KB of RAM: a command, its checked literal and its bytecode must fit together).
_BOARD_HELPERS = (
    "def _mck(n):\n"
    " f=open(n,'rb');a=1;b=0;s=0\n"
    " while 1:\n"
    "  d=f.read(64)\n"
    "  if not d:break\n"
    "  s+=len(d)\n"
    "  for x in d:\n"
    "   a=(a+x)%65521;b=(b+a)%65521\n"
    " f.close();return (s,a,b)\n",
    "def _mcp(s,d):\n"
    " i=open(s,'rb');o=open(d,'wb')\n"
    " while 1:\n"
    "  c=i.read(64)\n"
    "  if not c:break\n"
    "  o.write(c)\n"
    " i.close();o.close()\n",
    "def _mw(d,n,k,o):\n"
    " global _mo\n"
    " if o+n==_mo:\n"
    "  print(_mo);return\n"
    " if o!=_mo or len(d)!=n or sum(d)!=k:\n"
    "  print('E');return\n"
    " _mf.write(d);_mo+=n;print(_mo)\n",
)

# What the interrupted program left in the REPL's globals takes RAM the upload needs.
_FREE_RAM = ("__g=globals()\nfor __k in list(__g):\n if __k[:2]!='__':\n  del __g[__k]\n"
             "import gc\ngc.collect()\nimport os\n")
_RENAME_PROBE = "print(hasattr(os,'rename'))\n"
# MicroPython >= 1.21 decompresses (deflate.DeflateIO); the answer follows the rename probe
_DEFLATE_PROBE = "try:\n import deflate\n print(1)\nexcept ImportError:\n print(0)\n"


def _checked(code: str) -> str:
    """``code`` wrapped so the board runs it only if it arrived whole.

    A garbled byte can turn ``break`` into ``brei`` inside a function body: that still
    compiles, and fails only when called. So the code travels as a literal whose length
    and byte sum the board checks before ``exec``, and the output ends with
    ``CHECKED_END`` only if the check ran and passed: a command whose end was lost can
    leave just ``_c=...``, valid Python that runs nothing and says nothing.
    """
    data = code.encode()
    return (f"_c={data!r}\nif len(_c)=={len(data)} and sum(_c)=={sum(data)}:\n"
            f" exec(str(_c,'utf-8'));print(end={CHECKED_END!r})\n"
            "else:\n raise ValueError('garbled')\n")


_VERBATIM = frozenset(b"\t\n" + bytes(range(0x20, 0x7F))) - {ord("\\")}


def _literal(data: bytes) -> str:
    """``data`` as a bytes literal, verbatim in triple quotes when it can be.

    A program is mostly plain ASCII lines: written as they are, each newline costs one
    byte on the wire instead of the two of ``\\n``.
    """
    if set(data) <= _VERBATIM and b"'''" not in data and not data.endswith(b"'"):
        return "b'''" + data.decode() + "'''"
    return repr(data)


def _adler_parts(data: bytes) -> tuple[int, int, int]:
    value = zlib.adler32(data)
    return len(data), value & 0xFFFF, value >> 16


class RawRepl:
    """One board's raw REPL. Not thread-safe: the driver holds a lock around it."""

    def __init__(self, link: Link, name: str = "robot", timeout: float = 5.0,
                 pacing: Pacing | None = None, abort: threading.Event | None = None) -> None:
        self.link = link
        self.name = name
        self.timeout = timeout
        self.pacing = pacing or Pacing()
        self.raw_paste: bool | None = None  # unknown until first tried
        self._can_rename: bool | None = None  # the firmware's os.rename, once probed
        self._deflate = False  # the firmware's deflate module, probed with os.rename
        self._buf = bytearray()
        self.in_raw = False
        self.abort = abort or threading.Event()
        self._slowness = 1  # grows when paced commands arrive damaged (see _write_paced)
        self._tag = f"m{os.getpid() % 1000}{id(self) % 10007}"  # see _fence
        self._fences = 0
        self._ok_margin = OK_MARGIN

    # ---- low level ---------------------------------------------------------------------
    def _lost(self, exc: BaseException | None = None) -> RobotLost:
        return RobotLost(_("La liaison avec le robot « %(name)s » est coupée : vérifiez le câble "
                           "ou la connexion, puis réessayez.", name=self.name))

    def _check_abort(self) -> None:
        if self.abort.is_set():
            raise RobotError(_("Envoi interrompu : le robot « %(name)s » a été arrêté.",
                               name=self.name), code="stopped", retry=True)

    def _write(self, data: bytes) -> None:
        self._check_abort()
        try:
            self.link.write(data)
        except LinkClosed as exc:
            raise self._lost(exc) from exc

    def _slow_down(self) -> None:
        """A command arrived garbled or cut: the board drains slower than we send."""
        self._slowness = min(self._slowness * 2, 16)

    def _speed_up(self, size: int) -> None:
        """A command of ``size`` bytes arrived whole.

        why: only a command as long as an upload's chunks says the board keeps up; a
        short one (asking where the upload stands) would reset the pace before the chunk
        that was damaged goes again, and on a busy machine it would be damaged again.
        """
        if size >= SPEED_PROOF:
            self._slowness = max(1, self._slowness - 1)

    def _slices(self) -> tuple[int, float]:
        """Bytes per write and the pause after each, as slowed by damaged commands.

        why: a busy board (or an emulator on a loaded machine) empties its receive
        buffer more slowly; slices shrink and pauses grow until commands arrive whole.
        """
        return (max(8, self.pacing.slice // self._slowness),
                self.pacing.pause * self._slowness)

    def _write_paced(self, data: bytes) -> None:
        step, pause = self._slices()
        for i in range(0, len(data), step):
            self._write(data[i:i + step])
            if pause:
                time.sleep(pause)

    def read_until(self, marker: bytes, timeout: float | None = None) -> bytes:
        """Bytes up to and including ``marker``; :class:`RobotTimeout` if it never comes."""
        timeout = self.timeout if timeout is None else timeout
        if not self._arrives(marker, timeout):
            raise self._silent(timeout)
        end = self._buf.find(marker) + len(marker)
        out = bytes(self._buf[:end])
        del self._buf[:end]
        return out

    def _silent(self, seconds: float) -> RobotTimeout:
        return RobotTimeout(_("Le robot « %(name)s » ne répond pas (rien reçu en "
                              "%(seconds)s s) : il est peut-être éteint ou bloqué.",
                              name=self.name, seconds=f"{seconds:g}"))

    def _ok_wait(self, size: int) -> float:
        """How long a command of ``size`` bytes may take to reach the board whole."""
        on_wire = (size + 1) * 10 / self.pacing.baudrate
        step, pause = self._slices()
        paced = -(-size // step) * pause  # the pauses _write_paced makes
        # why: the board answers within a millisecond or two of the last byte (QEMU, a
        # USB cable), so a lost end costs tens of milliseconds, not a quarter second;
        # the margin follows how fast the board answered the last raw REPL request, and
        # grows when an abandoned command turns out to have been answered (see _fence)
        return self._ok_margin + 1.5 * max(on_wire, paced)

    def _arrives(self, marker: bytes, timeout: float) -> bool:
        """Wait up to ``timeout`` for ``marker`` without consuming it."""
        deadline = time.monotonic() + timeout
        while self._buf.find(marker) < 0:
            self._check_abort()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                self._buf += self.link.read(min(left, 0.1))
            except LinkClosed as exc:
                raise self._lost(exc) from exc
        return True

    def read_available(self, wait: float = 0.0) -> bytes:
        try:
            self._buf += self.link.read(wait)
        except LinkClosed as exc:
            raise self._lost(exc) from exc
        out = bytes(self._buf)
        self._buf.clear()
        return out

    # ---- modes -------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Ctrl-C twice: stop whatever runs and come back to a prompt."""
        self._write(b"\r\x03\x03")
        self.in_raw = False

    def enter_raw(self, timeout: float | None = None, fence: bool = False) -> None:
        """Interrupt the program and enter the raw REPL (no fixed pause: wait for the banner).

        ``fence``: a command was abandoned (its answer was late or cut), so the board may
        still be answering it; return only once everything it had been sent is answered.
        """
        total = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + total
        self.interrupt()
        self._buf.clear()
        try:
            self.link.read(0)  # drop what the program printed so far
        except LinkClosed as exc:
            raise self._lost(exc) from exc
        self._buf.clear()
        asked = time.monotonic()
        while True:
            self._write(b"\r\x01")
            left = deadline - time.monotonic()
            try:
                self.read_until(RAW_BANNER, min(left, 0.5) if left > 0.5 else max(left, 0.05))
                # how fast this board answers now sets how long an "OK" may be late
                self._ok_margin = min(1.0, max(OK_MARGIN, 2 * (time.monotonic() - asked)))
                break
            except RobotTimeout:
                if time.monotonic() >= deadline:
                    raise self._silent(total) from None
                self._write(b"\x03")  # a Ctrl-A lost on the way: try again
                fence = True  # ...or only late: its banner is still to come
        self.in_raw = True
        if fence:
            self._fence(deadline, total)

    def _fence(self, deadline: float, total: float) -> None:
        """Run a command that prints a tag used once, and drop everything up to its answer.

        why: banners all look alike, and a board slower than the host's waits may still
        owe answers to commands sent before; the board answers in order, so whatever comes
        before the tag belongs to those, never to the next command.
        """
        wait = 0.25
        while True:
            self._fences += 1
            tag = f"{self._tag}.{self._fences}".encode()
            self._write(b"print('" + tag + b"')\x04")
            answer = b"OK" + tag + b"\r\n\x04\x04>"
            left = deadline - time.monotonic()
            if self._arrives(answer, max(0.05, min(left, wait))):
                stale = self.read_until(answer, 0)[:-len(answer)]
                if b"OK" in stale:
                    # an abandoned command was answered after all: it was late, not lost
                    self._ok_margin = min(2.0, self._ok_margin * 2)
                return
            if time.monotonic() >= deadline:
                raise self._silent(total)
            self._write(b"\x03")  # the command was garbled or cut: clear the line
            wait *= 2  # ...or the board is slower still than we thought

    def exit_raw(self) -> None:
        self._write(b"\x02")
        self.in_raw = False

    def soft_reset_run(self) -> None:
        """Leave the raw REPL (Ctrl-B) and soft-reset (Ctrl-D) so the board runs ``main.py``."""
        self._buf.clear()
        self._write(b"\x02\x04" if self.in_raw else b"\x04")
        self.in_raw = False

    # ---- running code ------------------------------------------------------------------
    def exec(self, code: str | bytes, timeout: float | None = None) -> str:
        """Run ``code`` on the board and return its output; raise :class:`ReplError`."""
        if not self.in_raw:
            self.enter_raw()
        data = code.encode() if isinstance(code, str) else code
        if self.raw_paste is not False:
            if self._try_raw_paste(data, timeout):
                reply = self.read_until(b"\x04>", timeout)
                return self._parse(reply, data)
        total = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + total  # resends stay within the caller's timeout
        for resend in range(3):
            self._write_paced(data)
            self._write(b"\x04")
            # The board answers "OK" as soon as it reads the end of the command, before
            # running it. No "OK" within the time the bytes take on the wire: the end was
            # lost on the way (a full receive buffer), and the board still waits for it.
            # Entering the raw REPL again clears its half-received line, and its banner
            # marks where anything a late "OK" brought ends; then the command goes again,
            # rather than waiting for the whole timeout.
            wait = min(self._ok_wait(len(data)), deadline - time.monotonic())
            if resend == 2 or wait <= 0 or self._arrives(b"OK", wait):
                break
            self._slow_down()
            self.enter_raw(max(0.05, deadline - time.monotonic()), fence=True)
        try:
            reply = self.read_until(b"\x04>", max(0.05, deadline - time.monotonic()))
        except RobotTimeout:
            raise self._silent(total) from None
        stale = reply.rfind(RAW_BANNER, 0, max(0, reply.find(b"OK")))
        if stale >= 0:  # banners from Ctrl-A sent again while entering the raw REPL
            reply = reply[stale + len(RAW_BANNER):]
        if not reply.startswith(b"OK"):
            raise RobotError(_("Le robot « %(name)s » a répondu de façon inattendue : %(reply)s",
                               name=self.name, reply=reply[:60].decode(errors="replace")),
                             code="protocol")
        return self._parse(reply[2:], data)

    def exec_start(self, code: str | bytes, timeout: float | None = None) -> None:
        """Send ``code`` and return once the board accepted it: it then runs on its own.

        For boards that keep programs in RAM (Pybricks): the whole program is received
        and compiled before anything runs, so a cut connection never starts half of it.
        """
        if not self.in_raw:
            self.enter_raw()
        data = code.encode() if isinstance(code, str) else code
        if self.raw_paste is not False and self._try_raw_paste(data, timeout):
            self.in_raw = False  # the REPL is busy running it
            return
        self._write_paced(data)
        self._write(b"\x04")
        self.read_until(b"OK", timeout)
        self.in_raw = False

    def exec_retry(self, code: str, timeout: float | None = None, tries: int = 4) -> str:
        """Run an idempotent command, sending it again if the line garbled it.

        A byte lost on the way gives an error before anything ran (SyntaxError, NameError)
        or no reply at all (the board still waits for the end of the command): both are
        safe to retry for idempotent commands. All the attempts stay within ``timeout``.
        """
        total = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + total
        per_try = max(1.0, total / tries)
        # raw-paste is flow-controlled end to end; the paced plain raw REPL is where a
        # byte can be lost, so there the command travels checked
        checked = code if self.raw_paste else _checked(code)
        for attempt in range(tries):
            left = deadline - time.monotonic()
            last = attempt == tries - 1 or left <= per_try
            try:
                out = self.exec(checked, left if last else per_try)
                if checked is not code:
                    if not out.endswith(CHECKED_END):  # the check itself was lost
                        raise ReplError(_("Le robot « %(name)s » a mal reçu une commande.",
                                          name=self.name), out)
                    out = out[:-len(CHECKED_END)]
                self._speed_up(len(checked))
                return out
            except (ReplError, RobotTimeout):
                self._slow_down()
                # a garbled name gives NameError or AttributeError rather than SyntaxError;
                # a real error simply happens again and is raised after the last try
                if last:
                    raise
            except RobotError as exc:
                if exc.code != "protocol" or last:
                    raise
            time.sleep(0.02 * (attempt + 1))  # let a disturbed line settle
            self.enter_raw(max(0.2, deadline - time.monotonic()), fence=True)
        raise AssertionError("unreachable")

    def _parse(self, reply: bytes, code: bytes) -> str:
        body = reply[:-2]  # drop the final "\x04>"
        out, _sep, err = body.partition(b"\x04")
        if err.strip():
            text = err.decode(errors="replace").strip()
            last = text.splitlines()[-1] if text else ""
            raise ReplError(_("Le robot « %(name)s » signale une erreur : %(error)s",
                              name=self.name, error=last), text)
        return out.decode(errors="replace")

    def _try_raw_paste(self, data: bytes, timeout: float | None) -> bool:
        """Send ``data`` in raw-paste mode; False (and remembered) if the board lacks it."""
        self._write(b"\x05A\x01")
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        reply = self._fill(2, timeout)
        if reply == b"R\x01":
            self.raw_paste = True
        elif reply == b"R\x00":
            self.raw_paste = False
            return False
        else:
            # Old firmware: it took \x05 and 'A' as text and \x01 as "enter raw REPL" again.
            self.raw_paste = False
            self._buf[:0] = reply
            self.read_until(RAW_BANNER, timeout)
            return False
        window = int.from_bytes(self._fill(2, timeout), "little")
        remain = window
        i = 0
        while i < len(data):
            # take every flow-control byte that has arrived; block if the window is used up
            while True:
                if not self._buf:
                    try:
                        self._buf += (self.link.read_nowait() if remain
                                      else self.link.read(0.1))
                    except LinkClosed as exc:
                        raise self._lost(exc) from exc
                if not self._buf:
                    if remain:
                        break
                    if time.monotonic() > deadline:
                        raise RobotTimeout(_("Le robot « %(name)s » n'accepte plus de données.",
                                             name=self.name))
                    continue
                byte = self._buf[0]
                del self._buf[0]
                if byte == 0x01:
                    remain += window
                    deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
                elif byte == 0x04:
                    self._write(b"\x04")
                    raise RobotError(_("Le robot « %(name)s » a interrompu l'envoi.",
                                       name=self.name), code="protocol")
                else:
                    raise RobotError(_("Le robot « %(name)s » a répondu de façon inattendue "
                                       "pendant l'envoi.", name=self.name), code="protocol")
            piece = data[i:i + remain]
            self._write(piece)
            remain -= len(piece)
            i += len(piece)
        self._write(b"\x04")
        # the board acknowledges the end of data with \x04, then compiles and runs
        ack = self.read_until(b"\x04", timeout)
        if ack.strip(b"\x01") != b"\x04":
            raise RobotError(_("Le robot « %(name)s » a refusé le programme envoyé.",
                               name=self.name), code="protocol")
        return True

    def _fill(self, n: int, timeout: float | None) -> bytes:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self._buf) < n:
            if time.monotonic() > deadline:
                raise RobotTimeout(_("Le robot « %(name)s » ne répond pas.", name=self.name))
            try:
                self._buf += self.link.read(0.05)
            except LinkClosed as exc:
                raise self._lost(exc) from exc
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    # ---- files -------------------------------------------------------------------------
    def remote_checksum(self, name: str, timeout: float | None = None) -> tuple[int, int, int]:
        out = self.exec_retry(f"print(*_mck({name!r}))", timeout).split()
        if len(out) != 3:
            raise RobotError(_("Le robot « %(name)s » n'a pas pu relire le fichier.",
                               name=self.name), code="verify")
        size, a, b = (int(x) for x in out)
        return size, a, b

    def has_rename(self) -> bool:
        return self.exec_retry("import os\nprint(hasattr(os,'rename'))").strip() == "True"

    def put_main(self, data: bytes, progress: Callable[[str, float], None] | None = None,
                 target: str = "main.py", attempts: int = 2) -> None:
        """Write ``data`` as ``target`` so that the board never keeps half of it.

        ``progress(stage, fraction)`` with stage ``"sending"`` then ``"verifying"``.
        """
        progress = progress or (lambda stage, fraction: None)
        expected = _adler_parts(data)
        if self.raw_paste and self._can_rename and len(data) <= 4096:
            # a board already known (raw-paste, rename): everything in one command
            try:
                if self._send_compact(data, progress, target):
                    progress("verifying", 1.0)
                    return
            except RobotError as exc:
                if exc.code not in ("verify", "board_error", "protocol"):
                    raise
                self.enter_raw(fence=True)
        can_rename = self._setup()
        for attempt in range(attempts):
            try:
                if self.raw_paste and len(data) <= 4096:
                    got, installed = self._send_small(data, progress,
                                                      target if can_rename else None)
                    if got == expected and installed:
                        progress("verifying", 1.0)
                        return
                else:
                    self._send_temp(data, progress)
                    progress("verifying", 0.0)
                    got = self.remote_checksum(TEMP_NAME)
            except RobotError as exc:
                if exc.code not in ("verify", "board_error", "protocol"):
                    raise
                got = (-1, 0, 0)
                self.enter_raw(fence=True)
                can_rename = self._setup()
            if got == expected:
                break
            if attempt == attempts - 1:
                raise RobotError(_("Le programme est arrivé abîmé sur le robot « %(name)s » ; "
                                   "l'ancien programme est conservé. Réessayez.",
                                   name=self.name), code="verify")
        if can_rename:
            # the checked file takes the place of the old one in one filesystem operation
            # (idempotent: if a lost reply makes us send it again, nothing more happens)
            self.exec_retry(f"if {TEMP_NAME!r} in os.listdir():\n try:\n  os.remove({target!r})\n"
                            f" except OSError:\n  pass\n os.rename({TEMP_NAME!r},{target!r})")
        else:
            # One command, run by the board itself: a cut cable cannot stop it halfway;
            # then the copy is read back before the temporary file goes.
            out = self.exec_retry(f"_mcp({TEMP_NAME!r},{target!r})\nprint(*_mck({target!r}))",
                                  timeout=max(self.timeout, 10)).split()
            if tuple(int(x) for x in out[-3:]) != expected:
                raise RobotError(_("Le programme n'a pas pu être installé sur le robot "
                                   "« %(name)s ». Réessayez.", name=self.name), code="verify")
            self.exec_retry(f"try:\n os.remove({TEMP_NAME!r})\nexcept OSError:\n pass")
        progress("verifying", 1.0)

    def _setup(self) -> bool:
        """Define the board-side helpers; True if the firmware's ``os`` can rename."""
        if self.raw_paste:  # a modern board (known from an earlier command): one command
            return self._probed(self.exec_retry(_FREE_RAM + "".join(_BOARD_HELPERS)
                                                + _RENAME_PROBE + _DEFLATE_PROBE))
        half = self.timeout / 2
        try:
            # plain, not as a checked literal: on a full heap even that could not be parsed
            self.exec(_FREE_RAM, timeout=half)
        except (ReplError, RobotTimeout):
            self.enter_raw(timeout=half, fence=True)  # a silent board fails here, in time
        # (only raw-paste boards take the one-command upload that deflate shortens)
        can_rename = self._probed(self.exec_retry(
            _FREE_RAM + _RENAME_PROBE + (_DEFLATE_PROBE if self.raw_paste else "")))
        if self.raw_paste:
            self.exec_retry("".join(_BOARD_HELPERS))
        else:
            for helper in _BOARD_HELPERS:
                self.exec_retry(helper)
        return can_rename

    def _probed(self, out: str) -> bool:
        """Read the answers to ``_RENAME_PROBE`` (and ``_DEFLATE_PROBE``); True if renaming."""
        answers = out.split()
        self._can_rename = answers[:1] == ["True"]
        self._deflate = answers[1:2] == ["1"]
        return self._can_rename

    def _send_compact(self, data: bytes, progress: Callable[[str, float], None],
                      target: str) -> bool:
        """One short command for a known raw-paste board with ``os.rename``.

        The data arrives as a literal whose length and byte sum the board checks before
        writing it; the file takes the place of ``target`` only if the filesystem took
        every byte. Raw-paste compiles the whole command before running any of it, so a
        cut connection leaves the old program untouched; the command is kept short
        because every byte of it goes through the board's flow-control window.
        """
        progress("sending", 0.0)
        t, n = TEMP_NAME, len(data)
        out = self.exec_retry(
            f"import os\n{self._data_source(data)}\nif len(d)=={n} and sum(d)=={sum(data)}:\n"
            f" f=open({t!r},'wb');k=f.write(d);f.close()\n"
            f" if k=={n}:\n  try:os.remove({target!r})\n  except OSError:pass\n"
            f"  os.rename({t!r},{target!r});print('INSTALLED',k)\n")
        progress("sending", 1.0)
        progress("verifying", 0.0)
        return out.split() == ["INSTALLED", str(n)]

    def _data_source(self, data: bytes) -> str:
        """Code that sets ``d`` to ``data`` on the board, in as few bytes as it can.

        why: every byte goes through the board's flow-control window (and a 115200-baud
        or Bluetooth link); a program compiled from blocks deflates to less than half,
        and the board's own length and sum check still covers what it decompressed.
        """
        plain = "d=" + _literal(data)
        if not self._deflate:
            return plain
        squeeze = zlib.compressobj(9, zlib.DEFLATED, 10)  # a 1 KB window: little RAM
        packed = base64.b64encode(squeeze.compress(data) + squeeze.flush()).decode()
        packed_source = ("import deflate,io,binascii\nd=deflate.DeflateIO(io.BytesIO("
                         f"binascii.a2b_base64(b'{packed}')),deflate.ZLIB,10).read()")
        return packed_source if len(packed_source) < len(plain) else plain

    def _send_small(self, data: bytes, progress: Callable[[str, float], None],
                    install: str | None,
                    helpers: bool = False) -> tuple[tuple[int, int, int], bool]:
        """Raw-paste boards: one command writes, closes and reads back the temporary file,
        and, if the board finds the checksum the station expects, renames it into place.

        Raw-paste compiles the whole command before running it, so a cut connection
        leaves nothing done; the board installs only a file it checked itself.
        """
        expected = _adler_parts(data)
        code = ("import os\n" + _BOARD_HELPERS[0] + _BOARD_HELPERS[2]) if helpers else ""
        code += (f"_mf=open({TEMP_NAME!r},'wb')\n_mo=0\n"
                f"_mw({data!r},{len(data)},{sum(data)},0)\n_mf.close()\n"
                f"_r=_mck({TEMP_NAME!r})\nprint(*_r)\n")
        if install:
            code += (f"if _r=={expected!r}:\n try:\n  os.remove({install!r})\n"
                     f" except OSError:\n  pass\n os.rename({TEMP_NAME!r},{install!r})\n"
                     " print('INSTALLED')\n")
        progress("sending", 0.0)
        out = self.exec_retry(code).split()
        progress("sending", 1.0)
        progress("verifying", 0.0)
        if len(out) < 4 or out[0] != str(len(data)):
            raise RobotError(_("Le robot « %(name)s » a mal reçu le programme.",
                               name=self.name), code="verify")
        size, a, b = (int(x) for x in out[1:4])
        return (size, a, b), out[4:] == ["INSTALLED"]

    def _send_temp(self, data: bytes, progress: Callable[[str, float], None]) -> None:
        """Append the chunks to the temporary file, each exactly once.

        The board knows how much it has written (``_mo``): a chunk whose reply was lost is
        not written twice, a garbled one is refused and sent again.
        """
        progress("sending", 0.0)
        self.exec_retry(f"_mf=open({TEMP_NAME!r},'wb')\n_mo=0")
        # raw-paste is flow-controlled by the board: one command can carry the whole file
        chunk = self.pacing.chunk if not self.raw_paste else max(self.pacing.chunk, 4096)
        for offset in range(0, len(data), chunk):
            piece = data[offset:offset + chunk]
            end = offset + len(piece)
            for _attempt in range(4):
                try:
                    out = self.exec(f"_mw({piece!r},{len(piece)},{sum(piece)},{offset})",
                                    timeout=min(self.timeout, 1.5))
                except (ReplError, RobotTimeout):
                    self._slow_down()
                    self.enter_raw(fence=True)
                    out = ""
                if out.strip() == str(end):
                    self._speed_up(len(piece))
                    break
                where = self.exec_retry("print(_mo)").strip()
                if where == str(end):
                    break
                if where != str(offset):
                    raise RobotError(_("Le robot « %(name)s » a mal reçu une partie du "
                                       "programme.", name=self.name), code="verify")
            else:
                raise RobotError(_("Le robot « %(name)s » a mal reçu une partie du programme.",
                                   name=self.name), code="verify")
            progress("sending", min(1.0, end / max(1, len(data))))
        self.exec_retry("_mf.close()")
