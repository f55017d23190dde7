"""A small pool of pre-started worker processes that run mesh work within limits.

Why: importing, building and checking meshes runs numpy and C++ code on files and models
that come from pupils, and one hostile file could take gigabytes or minutes. Here each
task runs in a separate, long-lived process (imports already warm, so a preview pays no
process start) whose address space is capped; a task that overruns its time is killed
with everything it started (PrusaSlicer too: each worker leads its own process group)
and its process replaced. The station's own process only waits, so it keeps answering.

The queue is bounded (a flood is refused at once with :class:`WorkersBusy`), and a task
given a ``key`` cancels the task with the same key still waiting or running (a pupil's
new preview replaces the group's previous one). Tasks are functions of
:mod:`printers.tasks` named by a string; arguments and results are plain data.

This module imports nothing heavy (the station imports it at start-up); a worker loads
the geometry libraries, warms them up, and only then caps its address space, so that the
cap measures what a task adds.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ground.i18n import _, current_language

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
DEFAULT_MEMORY_MB = 500  # per worker, on top of what it uses once warm
DEFAULT_QUEUE = 8  # tasks waiting for a worker, beyond those running
RECYCLE_RSS = 400 * 2**20  # a worker that grew past this after a task is replaced
READY_TIMEOUT = 60.0
POLL = 0.05

REPO_ROOT = Path(__file__).resolve().parent.parent

_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


class WorkError(Exception):
    """Mesh work that did not give a result: a French message and the HTTP status.

    The message may be given as a function: it is then written when read, in the
    language of the request that reads it (the pool's threads have no request).
    """

    status = 422

    def __init__(self, message: str | Callable[[], str], **extra: Any) -> None:
        super().__init__()
        self._message = message
        self.extra = extra

    def __str__(self) -> str:
        return self._message() if callable(self._message) else self._message


class WorkersBusy(WorkError):
    status = 503


class WorkCancelled(WorkError):
    status = 409


class WorkTooBig(WorkError):
    """The task overran its time or memory and was stopped."""


class WorkFailed(WorkError):
    """The task raised something unexpected (the log has the detail)."""


@dataclass(eq=False)
class _Task:
    name: str
    args: tuple[Any, ...]
    key: Any
    time_limit: float
    language: str
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    cancelled: bool = False
    running: bool = False

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


# -- inside a worker -------------------------------------------------------------------
def worker_main(fd: int, memory_bytes: int, tasks_module: str) -> None:
    """A worker's life (its own session, started by :class:`_Slot`): warm up, cap memory,
    then run tasks one at a time until told to stop or the station goes away.

    ``tasks_module`` offers ``warm_up()`` and ``run(name, args, language)``; named, not
    imported here, so that the pool stays below the tasks it runs (printers.tasks)."""
    import importlib

    conn = Connection(fd)
    os.nice(5)  # why: on two cores the station's own threads (every other tablet) come first
    tasks = importlib.import_module(tasks_module)

    tasks.warm_up()
    if memory_bytes:
        import resource

        # why: only the soft limit, so that slicing.py can lift it for PrusaSlicer (a
        # child); the task's time limit and the process-group kill still bound it
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + memory_bytes, hard))
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        name, args, language = message
        conn.send(tasks.run(name, args, language))


def _vm_size() -> int:
    return _status_bytes("self", "VmSize:")


def _rss(pid: int) -> int:
    return _status_bytes(str(pid), "VmRSS:") if pid else 0


def _status_bytes(pid: str, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# -- in the station ---------------------------------------------------------------------
class _Slot:
    """One worker process and the station thread that feeds it."""

    def __init__(self, pool: WorkerPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.process: subprocess.Popen[bytes] | None = None
        self.conn: Connection | None = None
        self.ready = False
        self.thread = threading.Thread(target=self._loop, name=f"mallette-mesh-{index}",
                                       daemon=True)

    def spawn(self) -> None:
        """Start a fresh worker: a plain interpreter (no copy of the station's threads, no
        re-import of its main script) leading its own process group."""
        ours, theirs = socket.socketpair()
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", MALLOC_ARENA_MAX="2",
                   PYTHONPATH=os.pathsep.join(
                       [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
        code = (f"from printers.workers import worker_main; "
                f"worker_main({theirs.fileno()}, {self.pool.memory_bytes}, "
                f"{self.pool.tasks_module!r})")
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code], pass_fds=(theirs.fileno(),), env=env,
                cwd=REPO_ROOT, start_new_session=True, stdin=subprocess.DEVNULL)
        self.conn, self.ready = Connection(ours.detach()), False

    def kill(self) -> None:
        """Stop the worker and whatever it started (PrusaSlicer), now."""
        proc = self.process
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.error("mesh worker %s (pid %s) did not stop", self.index, proc.pid)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn, self.ready = None, None, False

    def _wait_ready(self) -> bool:
        if self.process is None:
            self.spawn()
        assert self.conn is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.ready and not self.pool.stopping and time.monotonic() < deadline:
            try:
                if self.conn.poll(POLL):
                    self.ready = self.conn.recv()[0] == "ready"
                    break
            except (EOFError, OSError):
                break
        if not self.ready:
            if not self.pool.stopping:
                log.error("mesh worker %s did not start", self.index)
            self.kill()
        return self.ready

    def _loop(self) -> None:
        while True:
            task = self.pool._next(self)
            if task is None:
                return
            try:
                self._run(task)
            except Exception:  # noqa: BLE001 - a task must always get an answer
                log.exception("mesh worker %s", self.index)
                self.kill()
                if not task.done.is_set():
                    task.finish(error=WorkFailed(_failed))
            finally:
                self.pool._finished(task)
            if self.process is None and not self.pool.stopping:
                self.spawn()  # warm again before the next task

    def _run(self, task: _Task) -> None:
        if not self._wait_ready():
            task.finish(error=self.pool._stopping_error() if self.pool.stopping else
                        WorkFailed(lambda: _("Le calcul de l'objet n'a pas pu démarrer.")))
            return
        if task.cancelled:  # replaced while its worker was starting
            task.finish(error=self.pool.cancelled_error())
            return
        assert self.conn is not None
        self.conn.send((task.name, task.args, task.language))
        deadline = time.monotonic() + task.time_limit
        while True:
            if task.cancelled:
                self.kill()
                task.finish(error=self.pool.cancelled_error())
                return
            if time.monotonic() > deadline:
                self.kill()
                task.finish(error=WorkTooBig(partial(_time_over, round(task.time_limit))))
                return
            try:
                if not self.conn.poll(POLL):
                    continue
                kind, payload = self.conn.recv()
            except (EOFError, OSError):  # the worker died: out of memory, or worse
                code = self.process.poll() if self.process else None
                log.warning("mesh worker %s died (exit code %s)", self.index, code)
                self.kill()
                task.finish(error=WorkTooBig(_too_much_memory))
                return
            if kind == "ok":
                task.finish(result=payload)
                if _rss(self.process.pid if self.process else 0) > RECYCLE_RSS:
                    self.kill()  # why: freed memory mostly stays with the process
            elif kind == "memory":
                self.kill()  # a process that ran out of memory is not trusted again
                task.finish(error=WorkTooBig(_too_much_memory))
            elif kind == "refused":
                task.finish(error=payload)
            else:
                log.error("mesh task %s failed: %s", task.name, payload)
                task.finish(error=WorkFailed(_failed))
            return


class WorkerPool:
    """``size`` worker processes, a bounded queue, time limits per task, cancel by key."""

    def __init__(self, size: int = DEFAULT_WORKERS, *, memory_mb: int = DEFAULT_MEMORY_MB,
                 queue_size: int = DEFAULT_QUEUE,
                 tasks_module: str = "printers.tasks") -> None:
        self.size = max(1, size)
        self.tasks_module = tasks_module
        self.memory_bytes = max(0, memory_mb) * 2**20
        self.queue_size = queue_size
        self.stopping = False
        self._lock = threading.Condition()
        self._waiting: deque[_Task] = deque()
        self._running: set[_Task] = set()
        self._slots: list[_Slot] = []
        _POOLS.add(self)

    @property
    def started(self) -> bool:
        return bool(self._slots)

    def start(self) -> None:
        """Start the worker processes (in the background: they warm up while we serve)."""
        with self._lock:
            if self._slots or self.stopping:
                return
            self._slots = [_Slot(self, i + 1) for i in range(self.size)]
        for slot in self._slots:
            slot.spawn()
            slot.thread.start()

    def shutdown(self) -> None:
        """Refuse new tasks, cancel waiting ones, stop every worker process."""
        with self._lock:
            self.stopping = True
            waiting, self._waiting = list(self._waiting), deque()
            for task in self._running:
                task.cancelled = True
            self._lock.notify_all()
        for task in waiting:
            task.finish(error=self._stopping_error())
        for slot in self._slots:
            slot.thread.join(timeout=15)
            slot.kill()
        self._slots = []

    def run(self, name: str, *args: Any, key: Any = None, time_limit: float = 30.0) -> Any:
        """Run task ``name`` in a worker and return its result, or raise a :class:`WorkError`
        (or the task's own refusal, e.g. :class:`printers.objects.ObjectError`)."""
        task = self.submit(name, *args, key=key, time_limit=time_limit)
        # the slot enforces the time limit; the margin covers a worker that must restart
        if not task.done.wait(time_limit + READY_TIMEOUT + 5):
            task.cancelled = True
            raise WorkTooBig(_("Objet trop compliqué : le calcul a pris trop de temps."))
        if task.error is not None:
            raise task.error
        return task.result

    def submit(self, name: str, *args: Any, key: Any = None,
               time_limit: float = 30.0) -> _Task:
        task = _Task(name, args, key, time_limit, current_language())
        with self._lock:
            if self.stopping:
                raise self._stopping_error()
            if key is not None:
                self._cancel_key(key)
            if len(self._waiting) >= self.queue_size:
                raise WorkersBusy(_("La station calcule déjà beaucoup d'objets : réessaie dans "
                                    "quelques secondes."))
            self._waiting.append(task)
            self._lock.notify()
        if not self._slots:
            self.start()
        return task

    def _cancel_key(self, key: Any) -> None:
        for task in [t for t in self._waiting if t.key == key]:
            self._waiting.remove(task)
            task.cancelled = True
            task.finish(error=self.cancelled_error())
        for task in self._running:
            if task.key == key:
                task.cancelled = True

    def _next(self, slot: _Slot) -> _Task | None:
        with self._lock:
            while not self._waiting and not self.stopping:
                self._lock.wait()
            if self.stopping:
                return None
            task = self._waiting.popleft()
            task.running = True
            self._running.add(task)
            return task

    def _finished(self, task: _Task) -> None:
        with self._lock:
            self._running.discard(task)

    def worker_pids(self) -> list[int]:
        return [s.process.pid for s in self._slots if s.process is not None and s.process.pid]

    @staticmethod
    def cancelled_error() -> WorkCancelled:
        return WorkCancelled(lambda: _("Calcul remplacé par une version plus récente de "
                                       "l'objet."), superseded=True)

    @staticmethod
    def _stopping_error() -> WorkersBusy:
        return WorkersBusy(lambda: _("La station s'arrête : réessaie dans un moment."))


def _failed() -> str:
    return _("Le calcul de l'objet a échoué dans la station.")


def _time_over(seconds: int) -> str:
    return _("Objet trop compliqué : le calcul a dépassé %(s)s s et a été arrêté.", s=seconds)


def _too_much_memory() -> str:
    return _("Objet trop compliqué : le calcul a demandé trop de mémoire et a été arrêté.")


def shutdown_all() -> None:
    """Stop every pool of this process (tests, and the station's exit)."""
    for pool in list(_POOLS):
        pool.shutdown()
