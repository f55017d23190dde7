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
    assert figures["sessions"] == len(opened) == 2
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
