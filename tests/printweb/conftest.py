"""Peers and stations for the printing screens: the printers' OctoPrint, stations, groups.

The real OctoPrint server is the session's one (``octoprint`` in ``tests/conftest.py``),
shared with the printing library's tests.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.conftest import log_in
from tests.printers.conftest import (  # noqa: F401 - fixtures shared with the library tests
    OctoPrintPeer,
    connect_virtual,
    prusa_slicer,
    start_octoprint,
)

KEY_ENV = "MALLETTE_TEST_OCTOPRINT_KEY"


@pytest.fixture
def octoprint_ready(octoprint: OctoPrintPeer) -> OctoPrintPeer:
    """The server answering and its Virtual Printer connected and idle."""
    from printers.octoprint import OctoPrintClient

    if octoprint.process.poll() is not None:
        octoprint.start()
    with OctoPrintClient(octoprint.url, octoprint.api_key) as client:
        if client.connection_state() != "Operational":
            connect_virtual(octoprint)
        deadline = time.monotonic() + 60
        while client.job().is_active and time.monotonic() < deadline:
            time.sleep(0.5)
    os.environ[KEY_ENV] = octoprint.api_key
    return octoprint


def make_station(data_dir: Path, printers: list) -> object:
    """A station (test mode, no worker thread) whose kit has ``printers``."""
    from ground.config import KitConfig
    from kit.app import create_app

    app = create_app(data_dir=data_dir, kit=KitConfig(printers=printers), testing=True)
    app.extensions["mallette"].printing.batch_delay = 0
    app.extensions["mallette"].mesh.pool.size = 1  # one warm worker is enough for a test
    return app


def octoprint_printer(peer: OctoPrintPeer):  # noqa: ANN201
    from ground.config import PrinterConfig

    return PrinterConfig(id="octo", name="Imprimante OctoPrint", backend="octoprint",
                         url=peer.url, api_key_env=KEY_ENV)


def simulated_printer():  # noqa: ANN201
    from ground.config import PrinterConfig

    return PrinterConfig(id="imprimante-1", name="Imprimante 1", backend="simulated")


def seed_printing_class(app, session_number: int = 8) -> dict:
    """A facilitator, a class with two groups, session ``session_number`` open."""
    from kit.app import station
    from kit.models import Facilitator
    from kit.roster import create_class, create_group, create_school
    from kit.security import hash_password
    from kit.sessions import open_session

    with app.app_context(), station().sessions() as db:
        fac = Facilitator(name="Camille", password_hash=hash_password("mot-de-passe-test"))
        db.add(fac)
        school = create_school(db, "École des Tilleuls", "Brioude")
        cls = create_class(db, school, "CM1 vert", "CM1")
        g1 = create_group(db, cls, "Les Fusées", "Léa, Noé")
        g2 = create_group(db, cls, "Les Comètes", "Jade, Sami")
        db.flush()
        sess, _new = open_session(db, cls, session_number)
        db.commit()
        return {"facilitator_id": fac.id, "class_id": cls.id, "group_id": g1.id,
                "other_group_id": g2.id, "session_id": sess.id, "join_code": g1.join_code}


def client_as(app, role: str, ids: dict, group_key: str = "group_id"):  # noqa: ANN201
    """A test client logged in as ``role``, with the page's CSRF token in its headers."""
    client = app.test_client()
    if role == "facilitator":
        log_in(client, "facilitator", facilitator_id=ids["facilitator_id"])
    elif role == "teacher":
        log_in(client, "teacher", class_id=ids["class_id"])
    else:
        log_in(client, "group", group_id=ids[group_key], class_id=ids["class_id"])
    html = client.get("/").get_data(as_text=True)
    if 'csrf-token' not in html:
        html = client.get("/", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the home page"
    client.environ_base["HTTP_X_CSRFTOKEN"] = match.group(1)
    return client


def wait_for(app, predicate, timeout: float = 120.0, step: float = 0.5):  # noqa: ANN001, ANN201
    """Run the print worker's turns until ``predicate()`` is true (or time out)."""
    service = app.extensions["mallette"].printing
    deadline = time.monotonic() + timeout
    while True:
        service.tick(force_batch=True)
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the print queue")
        time.sleep(step)


@pytest.fixture(autouse=True)
def _no_worker_left():
    """Each test's stations stop their mesh worker processes when it ends."""
    yield
    from printers.workers import shutdown_all

    shutdown_all()
