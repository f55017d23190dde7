"""Shared fixtures: a station on a temp data folder, roles, a live server, Chromium."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers import free_port, missing

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"
CHROMIUM = os.environ.get("MALLETTE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def app(tmp_path):
    from kit.app import create_app

    application = create_app(data_dir=tmp_path / "data", testing=True)
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def seeded(app):
    """A facilitator (password 'mot-de-passe-test'), a school, a class, two groups."""
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
        g1 = create_group(db, cls, "Les Fusées", "Léa, Noé", 1, 1)
        g2 = create_group(db, other, "Les Comètes", "Jade, Sami")
        db.commit()
        return {"facilitator_id": fac.id, "school_id": school.id, "class_id": cls.id,
                "other_class_id": other.id, "group_id": g1.id, "other_group_id": g2.id,
                "join_code": g1.join_code, "access_code": cls.access_code,
                "password": "mot-de-passe-test"}


def log_in(client, role: str, **ids: int) -> None:
    """Log the client in as the station does (a real login row, a token in the cookie)."""
    from kit.app import station
    from kit.logins import begin

    with (client.application.app_context(), station().sessions() as db,
          client.session_transaction() as sess):
        begin(db, sess, role, **ids)
        db.commit()


def login_as(client, role: str, seeded: dict) -> None:
    """Log in as one of the ``seeded`` roles (the login forms have their own tests)."""
    if role == "facilitator":
        log_in(client, role, facilitator_id=seeded["facilitator_id"])
    elif role == "teacher":
        log_in(client, role, class_id=seeded["class_id"])
    elif role == "group":
        log_in(client, role, group_id=seeded["group_id"], class_id=seeded["class_id"])


def csrf_token(client, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def join_with_code(page, url: str, code: str, then: str | None = "Programmer", *,
                   tap: bool = False) -> None:
    """A tablet joins its group with the code, as a pupil does on the home page, then
    opens ``then`` ("Programmer", "Construire mon objet") and waits for its blocks."""
    page.goto(url + "/")
    page.fill("#join-code", code)
    enter = page.get_by_role("button", name="Entrer")
    enter.tap() if tap else enter.click()
    page.wait_for_url("**/groupe/")
    if then is None:
        return
    link = page.get_by_text(then)
    link.tap() if tap else link.click()
    page.wait_for_function("() => window.malletteWorkspace !== undefined")


class LiveServer:
    def __init__(self, app, port: int):
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The station served by waitress (as ``mallette serve`` does) in a thread."""
    from waitress.server import create_server

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=16)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield LiveServer(app, port)
    # why: a request thread still running (a live stream waiting for its heartbeat) wakes
    # the closed server by writing b"x" to its pipe's old descriptor number, which a later
    # test's socket may own by then ("xGET" reached another station; waitress 3.0.2)
    server.trigger._physical_pull = lambda: None
    server.close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def output_dir(request) -> Path:
    """Where a test leaves screenshots and reports for a person to look at."""
    path = OUTPUT_DIR / re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def octoprint(tmp_path_factory):
    """One real OctoPrint server (Virtual Printer) for the whole test session, shared by
    the printing library's tests and the station's printing tests."""
    from tests.printers.conftest import start_octoprint

    peer = start_octoprint(tmp_path_factory.mktemp("octoprint"))
    yield peer
    peer.stop()
