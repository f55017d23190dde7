"""The demo's data: a real history whose key figures match its events."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from kit.cli import main
from kit.models import Event, Group


def test_demo_report_matches_the_events(tmp_path):
    runner = CliRunner()
    seeded = runner.invoke(main, ["demo", "--no-serve", "--data", str(tmp_path)])
    assert seeded.exit_code == 0, seeded.output
    result = runner.invoke(main, ["report", "--data", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)

    from kit import db as kitdb

    engine = kitdb.make_engine(kitdb.database_url(tmp_path))
    with kitdb.session_factory(engine)() as db:
        events = list(db.scalars(select(Event)))
        opened = {e.session_id for e in events if e.type == "session.opened"}
        passed = {(e.group_id, e.payload["challenge"]) for e in events
                  if e.type == "challenge.checked" and e.payload["passed"]}
        joined = {e.group_id for e in events if e.type == "group.joined"}
        groups = [db.get(Group, gid) for gid in joined]
    # two sessions held, and the third kept open so the printed codes work at once
    assert figures["sessions"] == len(opened) == 3
    assert figures["groups"] == len(joined) == 4
    assert figures["pupils"] == sum(len(g.members) for g in groups) == 12
    assert figures["girls"] == sum(g.girls or 0 for g in groups)
    assert figures["boys"] == sum(g.boys or 0 for g in groups)
    assert figures["challenges_passed"] == len(passed) > 0
    assert figures["schools"] == figures["classes"] == 1
    # a second run keeps the history (no duplicate), with a fresh password
    again = runner.invoke(main, ["demo", "--no-serve", "--data", str(tmp_path)])
    assert again.exit_code == 0
    figures2 = json.loads(runner.invoke(main, ["report", "--data", str(tmp_path),
                                               "--json"]).output)
    assert figures2 == figures


def test_a_printed_demo_code_lets_a_tablet_join_at_once(tmp_path):
    import re

    from kit.app import create_app
    from tests.conftest import csrf_token

    seeded = CliRunner().invoke(main, ["demo", "--no-serve", "--data", str(tmp_path)])
    assert "Séance 3 ouverte" in seeded.output
    code = re.search(r"Groupe Les Fusées : code (\w+)", seeded.output).group(1)
    assert re.fullmatch(r"[a-z]{2,6}\d{3}", code)
    client = create_app(data_dir=tmp_path, testing=True).test_client()
    resp = client.post("/rejoindre", data={"code": code, "csrf_token": csrf_token(client)},
                       follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Les Fusées" in page and "Léa" in page


def test_a_new_demo_password_ends_the_old_password_s_logins(tmp_path):
    from kit.app import create_app
    from tests.conftest import csrf_token

    first = CliRunner().invoke(main, ["demo", "--no-serve", "--data", str(tmp_path)])
    password = first.output.split("Mot de passe animateur·rice : ")[1].split()[0]
    client = create_app(data_dir=tmp_path, testing=True).test_client()
    client.post("/connexion", data={"password": password, "csrf_token": csrf_token(client)})
    assert client.get("/api/v1/kit").status_code == 200
    CliRunner().invoke(main, ["demo", "--no-serve", "--data", str(tmp_path)])
    assert client.get("/api/v1/kit").status_code == 401
