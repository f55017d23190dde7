"""A class against a real station (issue 13): prints latency per endpoint, errors, the
station's peak RSS and its CPU. No assertion; the targets are printed next to the figures.

The station runs as ``mallette serve`` in a subprocess on a temporary data folder seeded
through the app's own functions (a facilitator, one CM1 class of 8 groups). Then, with
one asyncio client (httpx) playing every screen, each tablet on its own 127.0.0.x address
(as real tablets have their own) and sending only to 127.0.0.1:
1. the facilitator logs in and opens session 1 (the runner page and its live stream);
2. the tablets join within 3 s (home page, CSRF token, POST /rejoindre), each opening
   its live stream, and tap "Programmer";
3. the facilitator closes session 1 and opens session 2: every tablet follows (back to
   /groupe/, reload, "Programmer", the editor's API call, a new stream);
4. half of the minutes of programming: "Essayer" (save), "J'ai fini !" (check), and the
   first tablet of each group with a robot sends to it and follows its progress;
5. the facilitator opens session 8 (3D printing): the tablets open the object editor,
   whose first preview is part of its readiness; the other half of the minutes, pupils
   edit, the editor previews 1.2 s after each edit, and polls its prints every 4 s;
6. the facilitator closes the session.
Pages fetch their scripts and styles as a browser does (static files revalidated,
vendor files cached); a probe asks /api/v1/health every second (1 s timeout).

Run: ``python bench/bench_classroom.py [--minutes 3] [--tablets 30]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
GROUPS = 8
PASSWORD = "banc-de-mesure-classe"
PROGRAMMING, SECOND, PRINTING = 1, 2, 8  # session numbers of the shipped cycle
TARGETS = {"join burst p95": 0.5, "editor ready p95": 2.0, "steady API p95": 0.15,
           "object preview p95": 0.5, "RSS MB": 300}
ASSET_RE = re.compile(r'(?:src|href)="(/(?:static|vendor)/[^"]+)"')
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
REQUEST_TIMEOUT = httpx.Timeout(30.0)


# -- the station ------------------------------------------------------------------------
def seed(data_dir: Path) -> dict:
    """A facilitator, a school, one class of GROUPS groups (robots as the demo gives them),
    and the lessons' programs for the sessions the bench opens; through the app's code."""
    sys.path.insert(0, str(ROOT))
    from kit.app import create_app, station
    from kit.models import Facilitator
    from kit.roster import create_class, create_group, create_school
    from kit.security import hash_password
    from kit.sessions import class_cycle, curriculum_for

    app = create_app(data_dir=data_dir)
    names = ["Léa", "Noé", "Sami", "Jade", "Louis", "Inès", "Emma", "Adam", "Lina", "Hugo"]
    animals = ["Fusées", "Pingouins", "Tortues", "Étoiles", "Lynx", "Hérons", "Comètes",
               "Castors"]
    with app.app_context(), station().sessions() as db:
        robots = station().kit.robots
        db.add(Facilitator(name="Banc", password_hash=hash_password(PASSWORD)))
        school = create_school(db, "École du banc", "Brioude")
        cls = create_class(db, school, "CM1 du banc", "CM1")
        groups = []
        for n in range(GROUPS):
            group = create_group(db, cls, f"Les {animals[n % len(animals)]}",
                                 [names[(2 * n) % 10], names[(2 * n + 1) % 10]])
            if n < len(robots):  # one robot per group, as a facilitator assigns them
                group.robot_id = robots[n].id
            groups.append(group)
        db.commit()
        curriculum = curriculum_for(class_cycle(db, cls))
        programs = {}
        for number in (PROGRAMMING, SECOND):
            lesson = curriculum.session(number)
            programs[number] = [
                {"id": c.id, "programs": [p for p in (c.solution, c.mistake, c.starter)
                                          if p and allowed(p, set(lesson.toolbox()))]}
                for c in lesson.challenges]
        return {"class_id": cls.id, "codes": [g.join_code for g in groups],
                "robots": [bool(g.robot_id) for g in groups], "programs": programs}


def allowed(program: dict, blocks: set[str]) -> bool:
    """Whether the session's toolbox has every block of ``program`` (what a pupil can
    build in that session's editor)."""
    from robots.errors import ProgramError
    from robots.program import validate_program

    try:
        validate_program(program, blocks)
    except ProgramError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Station:
    """``mallette serve`` in a subprocess, and its RSS and CPU from /proc."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.log_path = data_dir.parent / "station.log"
        self.log = self.log_path.open("wb")  # a file, not a pipe: a full pipe stalls a server
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from kit.cli import main; main()", "serve",
             "--data", str(data_dir), "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.rss_peak = self.rss_main_peak = self.processes_peak = 0
        self.cpu_samples: list[tuple[float, float]] = []  # (wall time, CPU seconds)

    def wait_ready(self, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise SystemExit("the station stopped:\n" + self.log_path.read_text())
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("the station did not answer within 60 s")

    def sample(self) -> None:
        """RSS and CPU of the station and of the processes it started (a worker pool
        counts: its memory and CPU are the station's too)."""
        procs = _proc_table()
        if self.proc.pid not in procs:
            return
        family, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            family.append(pid)
            todo.extend(child for child, (ppid, _, _, _) in procs.items() if ppid == pid)
        _, rss, ticks, reaped = procs[self.proc.pid]
        rss_main = rss
        for pid in family[1:]:
            rss += procs[pid][1]
            ticks += procs[pid][2]
        self.rss_peak = max(self.rss_peak, rss)
        self.rss_main_peak = max(self.rss_main_peak, rss_main)
        self.processes_peak = max(self.processes_peak, len(family))
        # CPU of children already gone is in the parent's cutime/cstime
        self.cpu_samples.append((time.monotonic(), (ticks + reaped) / os.sysconf("SC_CLK_TCK")))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()

    def tracebacks(self) -> list[str]:
        """The exceptions the station logged (their final line), for the report."""
        text = self.log_path.read_text(errors="replace")
        return re.findall(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit): .*$", text, re.M)


def _proc_table() -> dict[int, tuple[int, int, int, int]]:
    """pid -> (parent pid, RSS bytes, own CPU ticks, reaped children's CPU ticks)."""
    page = os.sysconf("SC_PAGE_SIZE")
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()  # fields from the 3rd (state) on
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * page,
                                  int(fields[11]) + int(fields[12]),
                                  int(fields[13]) + int(fields[14]))
    return table


# -- figures ----------------------------------------------------------------------------
class Figures:
    def __init__(self) -> None:
        self.phase = "0 login"
        self.phases: list[tuple[str, float]] = []  # (name, start), for CPU per phase
        self.times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.errors: dict[str, int] = defaultdict(int)
        self.expected: dict[str, int] = defaultdict(int)
        # while the facilitator changes sessions, a pupil's request for the old session
        # is refused with a message (404/409/422): what a real tablet gets too
        self.changing = False

    def add(self, label: str, seconds: float) -> None:
        self.times[self.phase][label].append(seconds)

    def enter(self, phase: str) -> None:
        self.phase = phase
        self.phases.append((phase, time.monotonic()))
        print(phase[2:] + "…", flush=True)

    def error(self, label: str, what: str) -> None:
        self.errors[f"{label}: {what}"] += 1

    async def call(self, client: httpx.AsyncClient, method: str, url: str, label: str,
                   ok: tuple[int, ...] = (200, 201, 202, 302, 304), **kw) -> httpx.Response | None:
        start = time.monotonic()
        try:
            resp = await client.request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.error(label, type(exc).__name__)
            return None
        self.add(label, time.monotonic() - start)
        if resp.status_code not in ok:
            what = f"HTTP {resp.status_code} {resp.text[:80]!r}"
            if self.changing and resp.status_code in (404, 409, 422):
                self.expected[f"{label}: {what}"] += 1
            elif resp.status_code == 409 and _json(resp).get("superseded"):
                # another tablet of the group asked for a newer preview: this one is
                # dropped by design (the station computes only the group's latest)
                self.expected[f"{label}: superseded by a newer one of the group"] += 1
            else:
                self.error(label, what)
        return resp


def _json(resp: httpx.Response) -> dict:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# -- screens ----------------------------------------------------------------------------
class Screen:
    """A browser tab: cookies, its cached assets, and the live stream of the open page."""

    def __init__(self, url: str, address: str, figures: Figures) -> None:
        transport = httpx.AsyncHTTPTransport(local_address=address)
        self.client = httpx.AsyncClient(base_url=url, transport=transport,
                                        timeout=REQUEST_TIMEOUT, follow_redirects=False)
        self.f = figures
        self.csrf = ""
        self.etags: dict[str, str] = {}
        self.cached: set[str] = set()
        self.stream_task: asyncio.Task | None = None
        self.last_id = ""

    async def page(self, path: str, label: str) -> tuple[str, str]:
        """Open a page as a browser does (redirects, then its scripts and styles):
        (final path, html)."""
        for _ in range(5):
            resp = await self.f.call(self.client, "GET", path, label)
            if resp is None:
                return path, ""
            if resp.status_code in (301, 302, 303):
                path = resp.headers["location"].replace(str(self.client.base_url), "")
                label = "GET " + path
                continue
            break
        html = resp.text
        match = CSRF_RE.search(html)
        if match:
            self.csrf = match.group(1)
        await asyncio.gather(*(self.asset(a) for a in dict.fromkeys(ASSET_RE.findall(html))))
        return path, html

    async def asset(self, path: str) -> None:
        if path in self.cached:
            return  # vendor files carry a max-age: the browser does not ask again
        headers = {"If-None-Match": self.etags[path]} if path in self.etags else {}
        resp = await self.f.call(self.client, "GET", path, "GET static/vendor file",
                                 headers=headers)
        if resp is not None and resp.status_code == 200:
            if "max-age=0" not in resp.headers.get("cache-control", "max-age=0"):
                self.cached.add(path)
            elif resp.headers.get("etag"):
                self.etags[path] = resp.headers["etag"]

    async def api(self, method: str, path: str, label: str, body=None,
                  ok: tuple[int, ...] = (200, 201, 202)) -> dict | None:
        resp = await self.f.call(self.client, method, path, label, ok=ok,
                                 headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
                                 json=body)
        if resp is None or resp.status_code not in ok:
            return None
        return resp.json()

    def listen(self, handlers: dict[str, Callable[[], None]]) -> None:
        """The page's EventSource (closing the previous page's first)."""
        self.close_stream()
        self.stream_task = asyncio.create_task(self._stream(handlers))

    def close_stream(self) -> None:
        if self.stream_task is not None:
            self.stream_task.cancel()
            self.stream_task = None

    async def _stream(self, handlers: dict[str, Callable[[], None]]) -> None:
        """What EventSource does: read, reconnect after ``retry`` with the last id; and
        what mallette.js adds: wait ~20 s after being replaced, back off on errors."""
        backoff = 5.0
        for _ in range(1000):  # bounded: the page is left long before
            retry, wait = 2.0, None
            headers = {"Accept": "text/event-stream"}
            if self.last_id:
                headers["Last-Event-ID"] = self.last_id
            start = time.monotonic()
            try:
                async with self.client.stream("GET", "/live/stream", headers=headers,
                                              timeout=httpx.Timeout(30, read=60)) as resp:
                    if resp.status_code != 200:
                        self.f.error("GET /live/stream", f"HTTP {resp.status_code}")
                        wait, backoff = backoff, min(backoff * 2, 60)
                    else:
                        first, kind = True, None
                        async for line in resp.aiter_lines():
                            if first:
                                self.f.add("GET /live/stream (first frame)",
                                           time.monotonic() - start)
                                first = False
                            if line.startswith("retry: "):
                                retry = int(line[7:]) / 1000
                            elif line.startswith("id: "):
                                self.last_id = line[4:]
                            elif line.startswith("event: "):
                                kind = line[7:]
                            elif line == "" and kind:
                                if kind == "live.busy":
                                    self.f.add("live stream turned away (busy)", 0)
                                elif kind == "live.replaced":
                                    wait = random.uniform(15, 25)
                                elif kind in handlers:
                                    handlers[kind]()
                                kind = None
            except httpx.HTTPError as exc:
                self.f.error("GET /live/stream", type(exc).__name__)
                wait, backoff = backoff, min(backoff * 2, 60)
            await asyncio.sleep(wait if wait is not None else retry)

    async def close(self) -> None:
        self.close_stream()
        await self.client.aclose()


class Tablet(Screen):
    """A pupil tablet: joins, follows the sessions, edits in the editor of the session."""

    def __init__(self, n: int, bench: Bench, code: str, group: int) -> None:
        super().__init__(bench.url, f"127.0.0.{20 + n}", bench.f)
        self.n, self.bench, self.code, self.group = n, bench, code, group
        self.nav: asyncio.Queue[str | None] = asyncio.Queue()
        self.activity: asyncio.Task | None = None
        self.version: int | None = None
        self.leaving = False
        self.t0 = 0.0

    def go_soon(self, path: str) -> None:
        """mallette.js goSoon: follow the facilitator a moment later, at random."""
        if self.leaving:
            return
        self.leaving = True

        async def later() -> None:
            await asyncio.sleep(random.uniform(0, 0.7))
            self.nav.put_nowait(path)
        asyncio.get_running_loop().create_task(later())

    async def join(self) -> None:
        self.t0 = time.monotonic()
        await self.page("/", "GET /")
        resp = await self.f.call(self.client, "POST", "/rejoindre", "POST /rejoindre",
                                 data={"csrf_token": self.csrf, "code": self.code})
        if resp is None or not resp.headers.get("location", "").endswith("/groupe/"):
            self.f.error("POST /rejoindre", "not sent to /groupe/")
            return
        await self.open("/groupe/")

    async def open(self, path: str) -> None:
        """Leave the current page (its stream, its activity) and open ``path``."""
        self.leaving = False
        self.close_stream()
        if self.activity is not None:
            self.activity.cancel()
            self.activity = None
        path, html = await self.page(path, "GET " + path)
        if path == "/groupe/":
            if 'href="/groupe/programme"' in html:
                self.nav.put_nowait("/groupe/programme")  # the pupil taps "Programmer"
            elif 'href="/groupe/objet"' in html:
                self.nav.put_nowait("/groupe/objet")
            else:
                self.listen({"session.opened": lambda: self.go_soon("/groupe/"),
                             "session.closed": lambda: self.go_soon("/groupe/")})
        elif path == "/groupe/programme":
            self.listen({"session.closed": lambda: self.go_soon("/groupe/")})
            info = await self.api("GET", "/api/v1/group/session", "GET /api/v1/group/session")
            if info and info.get("open"):
                self.version = (info.get("latest") or {}).get("version")
                self.bench.ready("editor ready after the session opened", self)
                self.activity = asyncio.create_task(self.program(info["session"]["number"]))
        elif path == "/groupe/objet":
            self.listen({"session.closed": lambda: self.go_soon("/groupe/"),
                         "print.queued": lambda: None, "print.finished": lambda: None})
            info = await self.api("GET", "/api/v1/group/object", "GET /api/v1/group/object")
            if info and info.get("open"):
                await self.preview(info["object"])
                self.bench.ready("object editor ready (with its first preview)", self)
                self.activity = asyncio.create_task(self.objects(info["object"]))

    async def run(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.join()
        while True:
            path = await self.nav.get()
            if path is None:
                return
            await self.open(path)

    # -- what pupils do on the editors' pages --
    async def program(self, number: int) -> None:
        challenges = self.bench.seeded["programs"][str(number)]
        robot = self.bench.seeded["robots"][self.group] and self.n < GROUPS
        for step in range(10_000):
            await asyncio.sleep(random.uniform(3, 9))  # the pupils edit blocks
            challenge = random.choice(challenges)
            program = random.choice(challenge["programs"])
            roll = random.random()
            if roll < 0.2:
                out = await self.api("POST", f"/api/v1/group/challenges/{challenge['id']}",
                                     "POST /api/v1/group/challenges/<id>", {"program": program})
            else:
                out = await self.api("POST", "/api/v1/group/programs",
                                     "POST /api/v1/group/programs", {"program": program})
            if out:
                self.version = out.get("version", self.version)
            if robot and step % 4 == 3 and self.version:
                await self.send()

    async def send(self) -> None:
        sent = await self.api("POST", "/api/v1/group/send", "POST /api/v1/group/send",
                              {"version": self.version})
        if not sent:
            return
        for _ in range(50):  # the editor polls every 400 ms, for 60 s at most
            await asyncio.sleep(0.4)
            st = await self.api("GET", "/api/v1/group/robot", "GET /api/v1/group/robot")
            if not st or st.get("stage") in ("running", "finished", "error", "lost"):
                return

    async def preview(self, obj: dict) -> None:
        await self.api("POST", "/api/v1/group/object/preview",
                       "POST /api/v1/group/object/preview", {"object": obj})

    async def objects(self, obj: dict) -> None:
        async def prints() -> None:
            for _ in range(10_000):
                await asyncio.sleep(4)
                await self.api("GET", "/api/v1/group/prints", "GET /api/v1/group/prints")
        poll = asyncio.create_task(prints())
        try:
            for _ in range(10_000):
                await asyncio.sleep(random.uniform(4, 12))  # edit, then the 1.2 s pause
                await self.preview(edited(obj))
        finally:
            poll.cancel()


def edited(obj: dict) -> dict:
    """The object with one number nudged, as a pupil changing a block's value does."""
    doc = json.loads(json.dumps(obj))
    numbers = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) \
                        and key not in ("version",) and value > 2:
                    numbers.append((node, key))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(doc.get("root"))
    if numbers:
        node, key = random.choice(numbers)
        node[key] = round(node[key] * random.uniform(0.9, 1.1), 1)
    return doc


class Facilitator(Screen):
    """The facilitator: the runner page of the open session, its live table of groups."""

    def __init__(self, bench: Bench) -> None:
        super().__init__(bench.url, "127.0.0.2", bench.f)
        self.bench = bench
        self.session_path = ""
        self.pending: asyncio.TimerHandle | None = None

    async def login(self) -> None:
        await self.page("/", "GET /")
        resp = await self.f.call(self.client, "POST", "/connexion", "POST /connexion",
                                 data={"csrf_token": self.csrf, "password": PASSWORD})
        if resp is None or "/animateur/" not in resp.headers.get("location", ""):
            raise SystemExit("the facilitator could not log in")

    async def open_session(self, number: int) -> None:
        cid = self.bench.seeded["class_id"]
        await self.page(f"/animateur/classes/{cid}", "GET /animateur/classes/<id>")
        resp = await self.f.call(self.client, "POST", f"/animateur/classes/{cid}/seances",
                                 "POST open session", data={"csrf_token": self.csrf,
                                                            "number": str(number)})
        location = resp.headers.get("location", "") if resp is not None else ""
        self.session_path = location.replace(str(self.client.base_url), "")
        if "/animateur/seances/" not in self.session_path:
            raise SystemExit(f"session {number} did not open: {location!r}")
        await self.page(self.session_path, "GET /animateur/seances/<id>")
        soon = self.soon
        self.listen({t: soon for t in ("group.joined", "program.saved", "program.sent",
                                       "challenge.checked", "print.queued", "print.finished")})

    def soon(self) -> None:
        """runner.js: refresh the table of groups 300 ms after the last event."""
        if self.pending is not None:
            self.pending.cancel()
        loop = asyncio.get_running_loop()
        self.pending = loop.call_later(0.3, lambda: loop.create_task(self.states()))

    async def states(self) -> None:
        await self.f.call(self.client, "GET", self.session_path + "/groupes",
                          "GET /animateur/seances/<id>/groupes")

    async def close_session(self) -> None:
        self.close_stream()
        await self.f.call(self.client, "POST", self.session_path + "/fermer",
                          "POST close session", data={"csrf_token": self.csrf})

    async def every_15_s(self) -> None:
        for _ in range(10_000):
            await asyncio.sleep(15)
            if self.session_path:
                await self.states()


# -- the class --------------------------------------------------------------------------
class Bench:
    def __init__(self, url: str, seeded: dict, tablets: int) -> None:
        self.url, self.seeded = url, seeded
        self.f = Figures()
        self.tablets = [Tablet(n, self, seeded["codes"][n % GROUPS], n % GROUPS)
                        for n in range(tablets)]
        self.storm_start: float | None = None
        self.joining = False
        self.storm_seen: set[tuple[str, int]] = set()

    def ready(self, label: str, tablet: Tablet) -> None:
        """A tablet's editor is ready: time since the session opened (or since this
        tablet started joining, during the join burst)."""
        if self.storm_start is None or (label, tablet.n) in self.storm_seen:
            return
        self.storm_seen.add((label, tablet.n))
        if self.joining:
            self.f.add("editor ready after joining", time.monotonic() - tablet.t0)
        else:
            self.f.add(label, time.monotonic() - self.storm_start)

    async def storm(self, fac: Facilitator, number: int, label: str, phase: str,
                    seconds: float = 30) -> None:
        """Close the session, open session ``number``; wait for every tablet's editor."""
        self.f.changing = True
        self.f.enter(phase)
        await fac.close_session()
        await asyncio.sleep(3)  # the tablets go back to their waiting page
        self.storm_start, self.storm_seen = time.monotonic(), set()
        await fac.open_session(number)
        await until(lambda: len(self.storm_seen) >= len(self.tablets), seconds)
        self.f.changing = False
        missing = len(self.tablets) - len(self.storm_seen)
        if missing:
            self.f.error(label, f"{missing} tablets not ready within {seconds:.0f} s")
        self.storm_start = None

    async def probe(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=httpx.Timeout(1.0)) as c:
            for _ in range(100_000):
                await self.f.call(c, "GET", "/api/v1/health", "GET /api/v1/health (probe)")
                await asyncio.sleep(1)

    async def run(self, minutes: float, station: Station) -> None:
        async def sampler() -> None:
            for _ in range(1_000_000):
                station.sample()
                await asyncio.sleep(0.5)
        background = [asyncio.create_task(sampler()), asyncio.create_task(self.probe())]
        fac = Facilitator(self)
        self.f.enter("0 the facilitator logs in and opens session 1")
        await fac.login()
        await fac.open_session(PROGRAMMING)
        background.append(asyncio.create_task(fac.every_15_s()))
        self.f.enter(f"1 join burst: {len(self.tablets)} tablets within 3 s, session 1 open")
        self.storm_start, self.joining = time.monotonic(), True
        tasks = [asyncio.create_task(t.run(random.uniform(0, 3))) for t in self.tablets]
        await until(lambda: len(self.storm_seen) >= len(self.tablets), 30)
        if len(self.storm_seen) < len(self.tablets):
            self.f.error("join", f"{len(self.tablets) - len(self.storm_seen)} tablets not "
                         "in the editor within 30 s")
        self.storm_start, self.joining = None, False
        await asyncio.sleep(5)
        await self.storm(fac, SECOND, "editor ready after the session opened",
                         "2 session change: session 1 closed, session 2 opened")
        self.f.enter(f"3 programming for {minutes / 2:.1f} min")
        await asyncio.sleep(minutes * 30)
        await self.storm(fac, PRINTING, "object editor ready (with its first preview)",
                         "4 session change: session 8 (3D printing) opened", 60)
        self.f.enter(f"5 3D objects for {minutes / 2:.1f} min")
        await asyncio.sleep(minutes * 30)
        self.f.changing = True
        self.f.enter("6 end: the facilitator closes the session")
        await fac.close_session()
        await asyncio.sleep(2)
        for t in self.tablets:
            t.nav.put_nowait(None)
            if t.activity:
                t.activity.cancel()
        await asyncio.wait(tasks, timeout=10)
        for task in tasks + background:
            task.cancel()
        for screen in [fac, *self.tablets]:
            await screen.close()


async def until(condition: Callable[[], bool], seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not condition():
        await asyncio.sleep(0.1)


def table(times: dict[str, list[float]]) -> None:
    for label in sorted(times):
        v = times[label]
        print(f"  {label:56} {len(v):5d} {pct(v, 50) * 1000:8.0f} {pct(v, 95) * 1000:8.0f} "
              f"{pct(v, 99) * 1000:8.0f} {max(v) * 1000:8.0f}")


def cpu_between(station: Station, start: float, end: float) -> str:
    samples = [s for s in station.cpu_samples if start <= s[0] <= end]
    if len(samples) < 2:
        return "CPU: too short to sample"
    cpu = samples[-1][1] - samples[0][1]
    span = samples[-1][0] - samples[0][0]
    windows = zip(samples, samples[2:], strict=False)  # ~1 s apart (sampled every 0.5 s)
    peak = max(((b[1] - a[1]) / (b[0] - a[0]) for a, b in windows), default=cpu / span)
    return (f"station CPU (with its children) {cpu:.1f} s over {span:.0f} s: "
            f"mean {100 * cpu / span:.0f} %, peak {100 * peak:.0f} % over 1 s "
            "(200 % = both cores)")


def report(bench: Bench, station: Station, wall: tuple[float, float]) -> None:
    f = bench.f
    print(f"\n{'phase / endpoint':58} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}")
    ends = [start for _, start in f.phases[1:]] + [wall[1]]
    for (phase, start), end in zip(f.phases, ends, strict=True):
        print(f"{phase} — {cpu_between(station, start, end)}")
        table(f.times.get(phase, {}))
    every: dict[str, list[float]] = defaultdict(list)
    for times in f.times.values():
        for label, values in times.items():
            every[label].extend(values)
    print("whole run")
    table(every)
    if f.expected:
        print(f"\nexpected refusals, not errors (a session changing, a superseded preview): "
              f"{sum(f.expected.values())}")
        for what, count in sorted(f.expected.items()):
            print(f"  {count:4d} × {what}")
    print(f"\nerrors: {sum(f.errors.values())}")
    for what, count in sorted(f.errors.items()):
        print(f"  {count:4d} × {what}")
    print(f"\nwhole run: {cpu_between(station, wall[0], wall[1])}")
    print(f"station RSS peak: {station.rss_peak / 2**20:.0f} MB with its child processes "
          f"(up to {station.processes_peak} processes; the main one alone: "
          f"{station.rss_main_peak / 2**20:.0f} MB)")

    def p95(phase_number: str, label: str | None = None, api: bool = False,
            preview: bool = False) -> float:
        values = [v for phase, times in f.times.items() if phase.startswith(phase_number)
                  for name, vs in times.items() for v in vs
                  if name == label or (api and name.startswith(("POST /api/", "GET /api/"))
                                       and ("preview" in name) == preview
                                       and "health" not in name)]
        return pct(values, 95) if values else float("nan")
    print("\ntargets (2-core machine):")
    rows = [
        ("join burst: POST /rejoindre p95", p95("1", "POST /rejoindre"),
         TARGETS["join burst p95"]),
        ("join burst: GET /groupe/ p95", p95("1", "GET /groupe/"), TARGETS["join burst p95"]),
        ("editor ready after the session opened p95",
         p95("2", "editor ready after the session opened"), TARGETS["editor ready p95"]),
        ("steady pupil API p95, programming", p95("3", api=True), TARGETS["steady API p95"]),
        ("steady pupil API p95, 3D (all but preview)", p95("5", api=True),
         TARGETS["steady API p95"]),
        ("object preview p95, 3D", p95("5", api=True, preview=True),
         TARGETS["object preview p95"]),
        ("RSS peak of the station's process (MB)", station.rss_main_peak / 2**20,
         TARGETS["RSS MB"]),
        ("RSS peak with its child processes (MB)", station.rss_peak / 2**20, None),
        ("errors", sum(f.errors.values()), 0),
    ]
    for name, value, target in rows:
        scale = 1 if name.startswith(("RSS", "errors")) else 1000
        unit = "" if scale == 1 else " ms"
        if value != value:  # NaN: nothing measured (a phase too short)
            print(f"  {name:48} {'n/a':>8}")
            continue
        goal = "" if target is None else f"  (target ≤ {target * scale:.0f}{unit})  " + (
            "ok" if value <= target else "MISSED")
        print(f"  {name:48} {value * scale:8.0f}{unit}{goal}")


def defaultdict_count(items: list[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--tablets", type=int, default=30)
    parser.add_argument("--seed-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed_only:  # run in a child process: the bench itself stays a light client
        print(json.dumps(seed(args.seed_only)))
        return
    if not 1 <= args.tablets <= 200:
        raise SystemExit("--tablets: between 1 and 200")
    with tempfile.TemporaryDirectory(prefix="mallette-bench-") as tmp:
        data = Path(tmp) / "data"
        out = subprocess.run([sys.executable, __file__, "--seed-only", str(data)],
                             check=True, capture_output=True, text=True, cwd=ROOT)
        seeded = json.loads(out.stdout.strip().splitlines()[-1])
        station = Station(data, free_port())
        try:
            station.wait_ready()
            print(f"station pid {station.proc.pid} at {station.url}; "
                  f"{args.tablets} tablets, {GROUPS} groups, {args.minutes} min", flush=True)
            bench = Bench(station.url, seeded, args.tablets)
            start = time.monotonic()
            budget = 300 + args.minutes * 60 * 2  # every phase is bounded; this is a backstop
            asyncio.run(asyncio.wait_for(bench.run(args.minutes, station), budget))
            wall = (start, time.monotonic())
        finally:
            station.stop()
        report(bench, station, wall)
        errors = station.tracebacks()
        if errors:
            print(f"\nthe station logged {len(errors)} exceptions:")
            for line, count in sorted(defaultdict_count(errors).items()):
                print(f"  {count:4d} × {line}")


if __name__ == "__main__":
    main()
