"""A printer that lives in the station: the demo kit's back-end, and a way to try the flow.

It speaks the dispatcher's :class:`printers.queue.PrinterClient` protocol with OctoPrint's
vocabulary (:class:`JobState`, :class:`FilePrints`), so it sits beside
:mod:`printers.octoprint` as a second back-end behind one face.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ground.i18n import _
from printers.octoprint import FilePrints, JobState, OctoPrintError, PrinterOfflineError
from printers.slicing import read_estimates


class SimulatedPrinter:
    """A printer that lives in the station, for the demo kit and for trying the flow.

    It keeps OctoPrint's vocabulary (job state, file print history) so the library's
    dispatcher drives it exactly like a real one. A print lasts the slicer's estimate
    divided by ``speedup`` (at least ``min_seconds``); ``cancel`` stops it; ``online``
    can be switched off to show what a lost printer looks like.
    """

    def __init__(self, name: str, *, speedup: float = 120.0, min_seconds: float = 3.0,
                 clock=time.monotonic) -> None:
        self.name = name
        self.speedup = speedup
        self.min_seconds = min_seconds
        self.clock = clock
        self.online = True
        self._files: dict[str, float] = {}  # name -> simulated duration (s)
        self._history: dict[str, list[bool]] = {}
        self._current: str | None = None
        self._printing = False
        self._started = 0.0
        self._lock = threading.Lock()

    def _check_online(self) -> None:
        if not self.online:
            raise PrinterOfflineError(_("L'imprimante « %(printer)s » ne répond pas.",
                                        printer=self.name))

    def _advance(self) -> None:
        if self._printing and self._current is not None:
            if self.clock() - self._started >= self._files[self._current]:
                self._printing = False
                self._history.setdefault(self._current, []).append(True)

    def job(self) -> JobState:
        with self._lock:
            self._check_online()
            self._advance()
            if self._current is None:
                return JobState("Operational", None, None, None, None, None)
            duration = self._files[self._current]
            if self._printing:
                elapsed = self.clock() - self._started
                return JobState("Printing", self._current, min(99.9, 100 * elapsed / duration),
                                elapsed, max(0.0, duration - elapsed), duration)
            done = bool(self._history.get(self._current, [False])[-1])
            return JobState("Operational", self._current, 100.0 if done else None, None, None,
                            duration)

    def file_prints(self, name: str) -> FilePrints | None:
        with self._lock:
            self._check_online()
            self._advance()
            if name not in self._files:
                return None
            runs = self._history.get(name, [])
            return FilePrints(name=name, success=runs.count(True), failure=runs.count(False),
                              last_success=runs[-1] if runs else None)

    def upload(self, path: str | Path, *, name: str | None = None, print_now: bool = False,
               select: bool = False) -> str:
        text = Path(path).read_text(errors="replace")
        seconds, _g, _mm = read_estimates(text)
        name = name or Path(path).name
        with self._lock:
            self._check_online()
            self._files[name] = max(self.min_seconds, (seconds or 600.0) / self.speedup)
        if print_now:
            self.start(name)
        return name

    def start(self, name: str) -> None:
        with self._lock:
            self._check_online()
            self._advance()
            if self._printing or name not in self._files:
                raise PrinterOfflineError(_("L'imprimante « %(printer)s » n'est pas prête à "
                                            "imprimer.", printer=self.name))
            self._current, self._printing, self._started = name, True, self.clock()

    def power_cycle(self) -> None:
        """Switched off and on again: a print under way is lost (recorded as failed)."""
        with self._lock:
            self._advance()
            if self._printing:
                self._printing = False
                self._history.setdefault(self._current or "", []).append(False)
            self.online = True

    def cancel(self) -> None:
        with self._lock:
            self._check_online()
            self._advance()
            if not self._printing:
                raise OctoPrintError(_("Aucune impression en cours à annuler sur "
                                       "« %(printer)s ».", printer=self.name))
            self._printing = False
            self._history.setdefault(self._current or "", []).append(False)
