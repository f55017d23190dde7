"""Key figures: `mallette report` and the facilitator's page match the events."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html import unescape

import pytest
from click.testing import CliRunner

from ground.i18n import set_language
from kit import events as ev
from kit.app import station
from kit.cli import main
from kit.models import Classroom, Event, Group
from tests.review.conftest import as_facilitator, as_teacher


def _count(app, start: date | None = None, end: date | None = None) -> dict:
    """The figures, counted straight from the event table (no kit.report code)."""
    with app.app_context(), station().sessions() as db:
        log = db.query(Event).all()
        held = {e.session_id: e for e in log if e.type == ev.SESSION_OPENED
                and (start is None or e.time.date() >= start)
                and (end is None or e.time.date() <= end)}
        in_held = [e for e in log if e.session_id in held and e.group_id is not None]
        groups = [db.get(Group, gid) for gid in {e.group_id for e in in_held}]
        classes = {e.class_id for e in held.values()}
        schools = {db.get(Classroom, c).school_id for c in classes}
        return {
            "sessions": len(held),
            "programming": sum(1 for e in held.values() if e.payload["kind"] == "programming"),
            "printing": sum(1 for e in held.values() if e.payload["kind"] == "printing"),
            "groups": len(groups),
            "pupils": sum(len(g.members) for g in groups),
            "girls": sum(g.girls or 0 for g in groups),
            "boys": sum(g.boys or 0 for g in groups),
            "classes": len(classes), "schools": len(schools),
            "challenges_passed": len({(e.group_id, e.payload["challenge"]) for e in in_held
                                      if e.type == ev.CHALLENGE_CHECKED
                                      and e.payload["passed"]}),
        }


def _run(app, *args: str):
    data = str(app.extensions["mallette"].data_dir)
    return CliRunner().invoke(main, ["report", "--data", data, *args])


def _check(figures: dict, counted: dict) -> None:
    assert figures["sessions"] == counted["sessions"]
    assert figures["sessions_by_kind"] == {"programming": counted["programming"],
                                           "printing": counted["printing"]}
    for key in ("groups", "pupils", "girls", "boys", "classes", "schools",
                "challenges_passed"):
        assert figures[key] == counted[key], key
    assert figures["gender_not_entered"] == (counted["pupils"] - counted["girls"]
                                             - counted["boys"])


def test_json_figures_match_the_events(app, cycle_data):
    result = _run(app, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    _check(figures, _count(app))
    # The story of the fixture: 4 sessions (3 + 1), the never-present group not reached.
    assert figures["sessions"] == 4 and figures["sessions_by_kind"]["printing"] == 1
    assert figures["groups"] == 3 and figures["pupils"] == 7
    assert (figures["girls"], figures["boys"], figures["gender_not_entered"]) == (3, 1, 3)
    assert figures["classes"] == 2 and figures["schools"] == 2
    assert figures["challenges_passed"] == 6  # Fusées 4, Robots 1, Comètes 1
    assert figures["facilitators"] == 1 and figures["objects_printed"] == 1
    assert figures["from"] is None and figures["to"] is None


def test_date_filtering(app, cycle_data):
    result = _run(app, "--json", "--from", "2026-01-01", "--to", "2026-02-28")
    assert result.exit_code == 0, result.output
    january = json.loads(result.output)
    _check(january, _count(app, date(2026, 1, 1), date(2026, 2, 28)))
    assert (january["sessions"], january["classes"], january["pupils"]) == (3, 1, 5)
    assert january["from"] == "2026-01-01" and january["to"] == "2026-02-28"

    march = json.loads(_run(app, "--json", "--from", "2026-03-01").output)
    _check(march, _count(app, date(2026, 3, 1)))
    assert (march["sessions"], march["groups"], march["girls"]) == (1, 1, 2)

    one_day = json.loads(_run(app, "--json", "--from", "2026-01-19", "--to",
                              "2026-01-19").output)
    assert one_day["sessions"] == 1 and one_day["groups"] == 1  # bounds are included

    nothing = json.loads(_run(app, "--json", "--to", "2025-12-31").output)
    assert nothing["sessions"] == nothing["pupils"] == nothing["schools"] == 0


@pytest.mark.parametrize("args, words", [
    (["--from", "12/01/2026"], "--from : « 12/01/2026 » n'est pas une date"),
    (["--to", "2026-02-30"], "--to : « 2026-02-30 » n'est pas une date"),
    (["--from", "2026-03-01", "--to", "2026-01-01"], "est après la date de fin"),
])
def test_bad_dates_exit_2_with_a_french_message(app, cycle_data, args, words):
    result = _run(app, *args)
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output


def test_missing_database_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["report", "--data", str(tmp_path / "vide")])
    assert result.exit_code == 2
    assert "Pas de base de données Mallette" in result.output


def test_text_and_csv_output(app, cycle_data):
    text = _run(app, "--from", "2026-01-01", "--to", "2026-02-28")
    assert text.exit_code == 0
    assert "Chiffres clés du 2026-01-01 au 2026-02-28" in text.output
    assert "Élèves touchés : 5" in text.output
    assert "dont filles : 1" in text.output
    assert "dont fille/garçon non renseigné : 3" in text.output
    assert "Séances faites : 3" in text.output
    assert "séances d'impression 3D : 1" in text.output
    assert "Défis réussis : 5" in text.output

    out = _run(app, "--csv")
    assert out.exit_code == 0
    rows = {r[0]: r[2] for r in csv.reader(io.StringIO(out.output), delimiter=";")}
    assert rows["pupils"] == "7" and rows["schools"] == "2" and rows["challenges_passed"] == "6"


def test_report_runs_under_the_main_commands_lang_option(app, cycle_data):
    """`mallette --lang en report` reaches the command (texts come from the catalog)."""
    try:
        result = CliRunner().invoke(main, ["--lang", "en", "report", "--data",
                                           str(app.extensions["mallette"].data_dir),
                                           "--from", "pas-une-date"])
    finally:
        set_language("fr")
    assert result.exit_code == 2
    assert "pas-une-date" in result.output


def test_facilitator_page_shows_the_same_figures(client, cycle_data):
    as_facilitator(client, cycle_data["facilitator_id"])
    resp = client.get("/animateur/chiffres/?du=2026-01-01&au=2026-02-28")
    assert resp.status_code == 200
    html = unescape(resp.get_data(as_text=True))
    assert '<p class="kf" data-key="pupils"><strong>5</strong>' in html
    assert '<p class="kf" data-key="schools"><strong>1</strong>' in html
    assert "1 filles · 1 garçons · 3 non renseignés" in html
    assert "2 de programmation · 1 d'impression 3D" in html

    everything = client.get("/animateur/chiffres/").get_data(as_text=True)
    assert '<p class="kf" data-key="pupils"><strong>7</strong>' in everything

    bad = client.get("/animateur/chiffres/?du=hier")
    assert bad.status_code == 400
    assert "Du : « hier » n'est pas une date au format AAAA-MM-JJ" in unescape(
        bad.get_data(as_text=True))

    export = client.get("/animateur/chiffres/export.csv?du=2026-03-01")
    assert export.data.startswith(b"\xef\xbb\xbf")
    rows = {r[0]: r[2] for r in csv.reader(io.StringIO(export.data.decode("utf-8-sig")),
                                           delimiter=";")}
    assert rows["pupils"] == "2" and rows["from"] == "2026-03-01"


def test_figures_are_for_facilitators_only(client, cycle_data):
    as_teacher(client, cycle_data["class_id"])
    assert client.get("/animateur/chiffres/").status_code == 403
    assert client.get("/animateur/chiffres/export.csv").status_code == 403
