"""A served station with a class whose session is open, and logins through the real forms.

The API tests talk HTTP to waitress (``live_server``) as a tablet does: each role logs
in through its form (``/connexion``, ``/enseignant``, ``/rejoindre``) and sends back the
cookie and the page's CSRF token, so they keep working whatever the login does inside.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import LiveServer
from tests.kit.test_migrations import postgres_url  # noqa: F401 - a real PostgreSQL server


def _token(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def log_in(server: LiveServer, role: str, seeded: dict) -> httpx.Client:
    """An HTTP client logged in as ``role`` through its form, CSRF header set."""
    client = httpx.Client(base_url=server.url, timeout=60)
    token = _token(client.get("/").text)
    form, data = {"facilitator": ("/connexion", {"password": seeded["password"]}),
                  "teacher": ("/enseignant", {"code": seeded["access_code"]}),
                  "group": ("/rejoindre", {"code": seeded["join_code"]})}[role]
    resp = client.post(form, data={**data, "csrf_token": token})
    assert resp.status_code == 302, resp.text
    home = client.get(resp.headers["location"])
    assert home.status_code == 200, home.text
    client.headers["X-CSRFToken"] = _token(home.text)
    assert client.get("/api/v1/me").json()["role"] == role
    return client


@pytest.fixture
def open_class(app, seeded) -> dict:
    """The seeded class with session 1 open (a group joins only while its class works),
    its first group with the kit's first robot."""
    from kit.app import station
    from kit.models import Classroom, Group
    from kit.sessions import assign_robot, open_session

    with app.app_context(), station().sessions() as dbs:
        open_session(dbs, dbs.get(Classroom, seeded["class_id"]), 1,
                     facilitator_id=seeded["facilitator_id"])
        assign_robot(dbs, dbs.get(Group, seeded["group_id"]), station().kit.robots[0].id,
                     station().kit)
        dbs.commit()
    return seeded
