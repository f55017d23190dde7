"""A real station in its own process (``mallette serve``), a pupil logged in on it, and a
watcher that reads its memory and times /api/v1/health while hostile work runs.

Shared by tests/printweb/test_hostile_station.py and bench/bench_hostile_files.py.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]


# -- hostile inputs ---------------------------------------------------------------------
def scattered_stl(triangles: int, seed: int = 1) -> bytes:
    """A binary STL of loose random triangles spread over a 100 mm cube."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 100, (triangles, 1, 3))
    records = np.zeros(triangles, dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    records["v"] = base + rng.uniform(-2, 2, (triangles, 3, 3))
    return b"\0" * 80 + struct.pack("<I", triangles) + records.tobytes()


def object_bomb(outer: int = 50, inner: int = 8, text: str = "ABCDEFGHIJKLMNOPQRST") -> dict:
    """Shapes the editor allows: ``outer`` x ``inner`` copies of a 20-letter text."""
    return {"version": 1, "name": "bombe", "root": {
        "block": "repeat", "id": "rep-outer", "times": outer, "offset": [0, 0, 1], "angle": 7,
        "children": [{"block": "repeat", "id": "rep-inner", "times": inner,
                      "offset": [1, 1, 0], "angle": 3,
                      "children": [{"block": "text", "id": "txt", "text": text,
                                    "size": 8, "height": 2}]}]}}


# -- the station ------------------------------------------------------------------------
@dataclass
class RealStation:
    url: str
    process: subprocess.Popen[bytes]
    join_code: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        return _rss_mb(self.pid)

    def workers_rss_mb(self) -> float:
        return sum(_rss_mb(pid) for pid in _descendants(self.pid))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # as Ctrl-C: the server stops its pool
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_station(data_dir: Path, port: int, log_path: Path) -> RealStation:
    """Seed a class with an open session, then serve it from a separate process."""
    from kit.app import create_app
    from tests.printweb.conftest import seed_printing_class

    app = create_app(data_dir=data_dir)
    ids = seed_printing_class(app)
    app.extensions["mallette"].engine.dispose()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    argv = [sys.executable, "-c", "from kit.cli import main; main()", "serve", "--data",
            str(data_dir), "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    station = RealStation(f"http://127.0.0.1:{port}", process, ids["join_code"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"station exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(station.url + "/api/v1/health", timeout=1).status_code == 200:
                return station
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    station.stop()
    raise RuntimeError("station did not answer in 60 s")


def pupil_client(station: RealStation) -> httpx.Client:
    """A tablet that joined with the group's code, carrying the page's CSRF token."""
    client = httpx.Client(base_url=station.url, timeout=120, follow_redirects=True)
    token = _csrf(client.get("/").text)
    client.post("/rejoindre", data={"code": station.join_code, "csrf_token": token})
    client.headers["X-CSRFToken"] = _csrf(client.get("/groupe/objet").text)
    client.headers["Accept"] = "application/json"
    return client


def facilitator_client(station: RealStation, password: str = "mot-de-passe-test"
                       ) -> httpx.Client:
    """The facilitator logged in (seed_printing_class's password)."""
    client = httpx.Client(base_url=station.url, timeout=120, follow_redirects=True)
    token = _csrf(client.get("/").text)
    client.post("/connexion", data={"password": password, "csrf_token": token})
    client.headers["X-CSRFToken"] = _csrf(client.get("/animateur/impressions").text)
    client.headers["Accept"] = "application/json"
    return client


def long_gcode(megabytes: int = 20) -> bytes:
    """A teacher's long G-code: moves inside the bed, one dangerous line at the very end."""
    rng = np.random.default_rng(5)
    lines = ["G28", "G90", "M140 S60", "M104 S210"]
    size = 0
    while size < megabytes * 2**20:
        block = [f"G1 X{x:.3f} Y{y:.3f} E{e:.5f}" for x, y, e in
                 rng.uniform((10, 10, 0), (200, 200, 50), (10_000, 3))]
        lines.extend(block)
        size += sum(len(b) + 1 for b in block)
    lines.append("M104 S320")
    return ("\n".join(lines) + "\n").encode()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


# -- watching it ------------------------------------------------------------------------
@dataclass
class Watch:
    """Polls /api/v1/health (1 s client timeout) and samples the station's RSS."""

    station: RealStation
    period: float = 0.1
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    peak_workers_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Watch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(timeout=1.0) as client:
            while not self._stop.is_set():
                self.peak_rss_mb = max(self.peak_rss_mb, self.station.rss_mb())
                self.peak_workers_mb = max(self.peak_workers_mb,
                                           self.station.workers_rss_mb())
                start = time.perf_counter()
                try:
                    resp = client.get(self.station.url + "/api/v1/health")
                    if resp.status_code != 200:
                        self.failures.append(f"status {resp.status_code}: {resp.text[:200]}")
                    else:
                        self.latencies.append(time.perf_counter() - start)
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__}")
                self._stop.wait(self.period)

    def percentile(self, p: float) -> float:
        return float(np.percentile(self.latencies, p)) if self.latencies else float("nan")
