"""Live streams that scale (issue 13, item 5): a class's open screens never starve the
station; each screen hears its own events; a closed or replaced stream frees its thread."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import suppress

import httpx
import pytest

from tests.conftest import LiveServer, csrf_token, login_as
from tests.peers import free_port

CLASS_GROUPS = 50  # distinct pupil logins: more than kit.live.MAX_STREAMS


@pytest.fixture
def station_server(app) -> Iterator[LiveServer]:
    """The station behind waitress with the options ``mallette serve`` uses."""
    from waitress.server import create_server

    from kit.cli import server_options
    from kit.live import broker

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, **server_options())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield LiveServer(app, port)
    _wait_for(lambda: broker.count == 0, 15)
    server.close()
    server.task_dispatcher.shutdown(timeout=5)


@pytest.fixture
def big_class(app) -> dict:
    """A facilitator, a class of CLASS_GROUPS groups, and another class of one group."""
    from kit.app import station
    from kit.models import Facilitator
    from kit.roster import create_class, create_group, create_school
    from kit.security import hash_password

    with app.app_context(), station().sessions() as db:
        fac = Facilitator(name="Camille", password_hash=hash_password("mot-de-passe-test"))
        db.add(fac)
        school = create_school(db, "École des Tilleuls", "Brioude")
        cls = create_class(db, school, "CE2 bleu", "CE2")
        other = create_class(db, school, "CM2 rouge", "CM2")
        groups = [create_group(db, cls, f"Groupe {n}", "Léa, Noé")
                  for n in range(CLASS_GROUPS)]
        stranger = create_group(db, other, "Les Comètes", "Jade, Sami")
        db.commit()
        return {"facilitator_id": fac.id, "class_id": cls.id, "other_class_id": other.id,
                "group_ids": [g.id for g in groups], "other_group_id": stranger.id}


def _cookie(app, role: str, **ids: int) -> str:
    """A login's session cookie, made the way the other tests log in (a real login: one
    stream per login is keyed on its token)."""
    client = app.test_client()
    login_as(client, role, {"facilitator_id": ids.get("facilitator_id"),
                            "class_id": ids.get("class_id"), "group_id": ids.get("group_id")})
    return client.get_cookie("session").value


def _pupil(app, big_class: dict, n: int) -> str:
    return _cookie(app, "group", group_id=big_class["group_ids"][n],
                   class_id=big_class["class_id"])


def _wait_for(condition, seconds: float) -> bool:
    """Poll ``condition`` for up to ``seconds`` (a bound, not a measured figure)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


class Screen:
    """One open page's EventSource, read in the background: the events it was shown.
    (A plain socket, so that closing the page closes the connection at once.)"""

    def __init__(self, server: LiveServer, cookie: str) -> None:
        self.events: list[tuple[str, dict]] = []
        self.ended = threading.Event()
        self.first = threading.Event()
        self._sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        self._sock.sendall(f"GET /live/stream HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                           f"Accept: text/event-stream\r\nCookie: session={cookie}\r\n\r\n"
                           .encode())
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        kind = None
        try:
            with self._sock.makefile("rb") as body:
                for raw in body:
                    line = raw.decode().rstrip("\r\n")
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind:
                        self.events.append((kind, json.loads(line[6:])))
                        self.first.set()
                        kind = None
        except OSError:  # closed by close() below
            pass
        finally:
            self.first.set()
            self.ended.set()

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # the station already closed it
            pass
        self._sock.close()
        self._thread.join(10)


def test_sixty_open_screens_leave_the_station_answering(station_server, big_class):
    """60 streams (50 logins, 10 of them twice): every other request stays fast."""
    from kit.live import MAX_STREAMS, broker

    app, url = station_server.app, station_server.url
    cookies = [_pupil(app, big_class, n) for n in range(CLASS_GROUPS)]
    screens = [Screen(station_server, c) for c in cookies + cookies[:10]]
    try:
        assert all(s.first.wait(20) for s in screens)
        with httpx.Client(timeout=httpx.Timeout(1.0)) as client:
            for _ in range(20):  # a client timeout raises: the test then fails
                assert client.get(url + "/api/v1/health").status_code == 200
            page = client.get(url + "/groupe/", cookies={"session": cookies[0]})
            assert page.status_code == 200 and "Groupe 0" in page.text
        assert 0 < broker.count <= MAX_STREAMS
        kinds = [s.kinds()[0] for s in screens]
        # turned away when full: told to come back (EventSource does), never an error
        assert set(kinds) <= {"live.open", "live.busy"} and "live.open" in kinds
        if CLASS_GROUPS > MAX_STREAMS:
            assert "live.busy" in kinds
    finally:
        for s in screens:
            s.close()
    assert _wait_for(lambda: broker.count == 0, 10)


def test_a_second_stream_of_a_login_ends_the_first(station_server, big_class):
    from kit.live import broker

    cookie = _pupil(station_server.app, big_class, 0)
    first = Screen(station_server, cookie)
    second = None
    try:
        assert first.first.wait(10) and first.kinds() == ["live.open"]
        second = Screen(station_server, cookie)
        assert first.ended.wait(10), "the older stream of the login is still open"
        assert first.kinds()[-1] == "live.replaced"
        assert second.first.wait(10) and second.kinds() == ["live.open"]
        assert broker.count == 1 and not second.ended.is_set()
    finally:
        first.close()
        if second:
            second.close()


def test_a_closed_page_frees_its_stream(station_server, big_class):
    from kit.live import broker

    screen = Screen(station_server, _pupil(station_server.app, big_class, 0))
    assert screen.first.wait(10) and broker.count == 1
    screen.close()  # the tablet leaves the page: the connection closes
    assert _wait_for(lambda: broker.count == 0, 5), "a closed page still holds its thread"


def test_each_screen_hears_its_own_group_and_the_whole_class(station_server, big_class):
    """A pupil sees its group's events, its class's session.* and stop-all; not
    another group's events, not another class's session."""
    from kit import events
    from kit.app import station
    from kit.models import Classroom
    from kit.sessions import open_session

    app, server = station_server.app, station_server
    mine = Screen(server, _pupil(app, big_class, 0))
    neighbour = Screen(server, _pupil(app, big_class, 1))
    stranger = Screen(server, _cookie(app, "group", group_id=big_class["other_group_id"],
                                      class_id=big_class["other_class_id"]))
    facilitator = Screen(server, _cookie(app, "facilitator",
                                         facilitator_id=big_class["facilitator_id"]))
    screens = [mine, neighbour, stranger, facilitator]
    try:
        assert all(s.first.wait(10) for s in screens)
        with app.app_context(), station().sessions() as db:
            cls = db.get(Classroom, big_class["class_id"])
            open_session(db, cls, 1, big_class["facilitator_id"])
            events.record(db, events.PROGRAM_SENT, group_id=big_class["group_ids"][0],
                          class_id=big_class["class_id"], robot="robot-rouge")
            db.commit()
            station().robots.stop_all()
        assert _wait_for(lambda: "robots.stop_all" in stranger.kinds()
                         and "robots.stop_all" in mine.kinds()
                         and "robots.stop_all" in facilitator.kinds(), 10)
        assert mine.kinds() == ["live.open", "session.opened", "program.sent",
                                "robots.stop_all"]
        assert dict(mine.events)["program.sent"]["payload"] == {"robot": "robot-rouge"}
        assert neighbour.kinds() == ["live.open", "session.opened", "robots.stop_all"]
        assert stranger.kinds() == ["live.open", "robots.stop_all"]
        assert facilitator.kinds() == ["live.open", "session.opened", "program.sent",
                                       "robots.stop_all"]
    finally:
        for s in screens:
            s.close()


def test_a_reconnecting_screen_gets_what_it_missed(app, big_class):
    """A screen that reconnects (stream lifetime over, station full) sends the last id it
    saw; events of its group published meanwhile are replayed, others' are not."""
    from kit.live import Broker

    b = Broker(max_streams=1)
    mine = big_class["group_ids"][0]
    accept = lambda m: m["group_id"] == mine  # noqa: E731
    sub, missed, current = b.subscribe("tablet", accept)
    assert sub is not None and missed == []
    b.unsubscribe(sub)
    b.publish({"type": "program.saved", "group_id": mine})
    b.publish({"type": "program.saved", "group_id": mine + 1})
    b.publish({"type": "program.sent", "group_id": mine})
    _, missed, _ = b.subscribe("tablet", accept, last_id=current)
    assert [m["type"] for _, m in missed] == ["program.saved", "program.sent"]
    full, _, _ = b.subscribe("another tablet", accept)
    assert full is None  # the one slot is taken: the station answers "come back later"
    assert b.count == 1
    _, missed, _ = b.subscribe("tablet", accept, last_id="from-before-a-restart")
    assert missed == []


def test_a_rolled_back_change_is_never_announced(app, big_class):
    """Screens hear of a change once it is committed (a tablet that reloads finds it),
    never of one rolled back; a failed savepoint inside the change loses nothing."""
    from sqlalchemy.exc import IntegrityError

    from kit import events
    from kit.app import station
    from kit.live import broker
    from kit.models import Facilitator

    with app.app_context(), station().sessions() as db:
        sub, _, _ = broker.subscribe(("test", "rollback"))
        try:
            events.record(db, events.PROGRAM_SAVED, group_id=big_class["group_ids"][0],
                          class_id=big_class["class_id"], version=1)
            assert sub.take(0) == []  # not before the commit
            db.rollback()
            events.record(db, events.PROGRAM_SAVED, group_id=big_class["group_ids"][0],
                          class_id=big_class["class_id"], version=2)
            with suppress(IntegrityError), db.begin_nested():  # a savepoint that fails
                db.add(Facilitator(id=big_class["facilitator_id"], name="again",
                                   password_hash="x"))
            db.commit()
            got = [m["payload"] for _, m in sub.take(1)]
            assert got == [{"version": 2}]
        finally:
            broker.unsubscribe(sub)



def test_a_tablet_follows_the_session_even_after_a_full_station(station_server, big_class,
                                                                browser, output_dir):
    """In Chromium: a tablet turned away while the station is full comes back by itself,
    is told of the session opened meanwhile (replayed), shows "Programmer"; when the
    session closes, the editor goes back to the waiting page."""
    from kit.app import station
    from kit.live import broker
    from kit.models import Classroom, Session
    from kit.sessions import close_session, open_session

    app, url = station_server.app, station_server.url
    context = browser.new_context(viewport={"width": 800, "height": 1280}, has_touch=True)
    context.add_cookies([{"name": "session", "value": _pupil(app, big_class, 0),
                          "url": url}])
    tablet = context.new_page()
    saved_limit = broker.max_streams
    broker.max_streams = 0  # the station is full: the tablet is asked to come back later
    try:
        with tablet.expect_response("**/live/stream") as answer:
            tablet.goto(url + "/groupe/")
        assert "live.busy" in answer.value.text()
        assert tablet.get_by_text("Attends : la séance va commencer.").is_visible()
        broker.max_streams = saved_limit
        with app.app_context(), station().sessions() as db:
            cls = db.get(Classroom, big_class["class_id"])
            sess, _ = open_session(db, cls, 1, big_class["facilitator_id"])
            db.commit()
            session_id = sess.id
        # EventSource retries within 4-12 s with the last id it saw; the station replays
        tablet.get_by_text("Programmer").wait_for(timeout=30000)
        tablet.screenshot(path=str(output_dir / "1-seance-ouverte.png"))
        tablet.get_by_text("Programmer").tap()
        tablet.wait_for_url("**/groupe/programme")
        tablet.wait_for_function("() => window.malletteWorkspace !== undefined")
        assert _wait_for(lambda: broker.count == 1, 10)
        with app.app_context(), station().sessions() as db:
            close_session(db, db.get(Session, session_id))
            db.commit()
        tablet.wait_for_url("**/groupe/", timeout=15000)
        tablet.get_by_text("Attends : la séance va commencer.").wait_for(timeout=15000)
        tablet.screenshot(path=str(output_dir / "2-seance-fermee.png"))
    finally:
        broker.max_streams = saved_limit
        context.close()


def test_a_logout_or_a_deleted_class_ends_the_open_streams(app, big_class, station_server):
    """A page left open after its login ended hears nothing more: its stream ends at once
    with 'live.ended' (mallette.js then goes back to the home page)."""
    from kit.app import station
    from kit.live import broker
    from kit.models import Classroom
    from kit.roster import delete_class

    client = app.test_client()
    login_as(client, "group", {"group_id": big_class["group_ids"][0],
                               "class_id": big_class["class_id"]})
    tablet = Screen(station_server, client.get_cookie("session").value)
    other = Screen(station_server, _cookie(app, "group", group_id=big_class["other_group_id"],
                                           class_id=big_class["other_class_id"]))
    teacher = Screen(station_server, _cookie(app, "teacher", class_id=big_class["class_id"]))
    try:
        assert _wait_for(lambda: broker.count == 3, 10)
        csrf = csrf_token(client, "/groupe/")
        assert client.post("/deconnexion", data={"csrf_token": csrf}).status_code == 302
        assert tablet.ended.wait(10)
        assert tablet.events[-1][0] == "live.ended"
        assert not other.ended.is_set() and not teacher.ended.is_set()
        with app.app_context(), station().sessions() as db:
            delete_class(db, db.get(Classroom, big_class["class_id"]))
            db.commit()
        assert teacher.ended.wait(10)
        assert teacher.events[-1][0] == "live.ended"
        assert not other.ended.is_set()
    finally:
        for screen in (tablet, other, teacher):
            screen.close()


def test_a_stream_ends_after_its_lifetime_and_frees_its_slot():
    """A stream is bounded in time: it ends by itself (the browser then reconnects with
    the last id it saw) and its slot is free again; the heartbeat keeps it talking."""
    from kit.live import Broker, SSEStream

    b = Broker()
    sub, missed, current = b.subscribe("tablet")
    frames = list(SSEStream(sub, missed, current, heartbeat=0.05, max_seconds=0.3))
    assert frames[0].startswith("retry: ") and f"id: {current}" in frames[0]
    assert ": ping\n\n" in frames
    assert b.count == 0
