"""Figures that keep their meaning: summaries frozen at closing, groups judged only on the
sessions they existed for, skills told apart, the robot each group really used."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from kit import events as ev
from kit.app import station
from kit.models import Classroom, Event, Session
from kit.progress import NOT_CREATED, class_progress
from kit.roster import create_group
from kit.sessions import session_summary
from lessons.schema import Challenge
from tests.review.conftest import (
    DAY_S1,
    _check,
    _close,
    _join,
    _open,
    as_facilitator,
    as_teacher,
)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _session(db, class_id: int, number: int) -> Session:
    cls = db.get(Classroom, class_id)
    return next(s for s in cls.cycles[0].sessions if s.number == number)


def _add_group_now(app, class_id: int, name: str = "Les Nouveaux") -> int:
    with app.app_context(), station().sessions() as db:
        group = create_group(db, db.get(Classroom, class_id), name, "Ana, Léo")
        db.commit()
        return group.id


def test_closed_summary_unchanged_after_a_group_is_added(app, client, cycle_data):
    as_facilitator(client, cycle_data["facilitator_id"])
    with app.app_context(), station().sessions() as db:
        s1_id = _session(db, cycle_data["class_id"], 1).id
    page = f"/animateur/seances/{s1_id}/bilan"
    before = _text(client.get(page).get_data(as_text=True))
    assert "2 / 3 groupes présents" in before
    assert "ne changent plus" in before

    _add_group_now(app, cycle_data["class_id"])
    after = _text(client.get(page).get_data(as_text=True))
    assert "2 / 3 groupes présents" in after
    assert "Les Nouveaux" not in after
    assert after == before


def test_summary_stored_before_this_format_is_worked_out_as_at_closing(app, cycle_data):
    """A summary stored by an older station (no per-group rows) is computed again, but
    only from what existed when the session closed."""
    with app.app_context(), station().sessions() as db:
        s1 = _session(db, cycle_data["class_id"], 1)
        closed = db.scalars(select(Event).where(Event.session_id == s1.id,
                                                Event.type == ev.SESSION_CLOSED)).one()
        closed.payload = {"number": 1, "summary": {"number": 1, "groups": 3}}
        db.commit()
    _add_group_now(app, cycle_data["class_id"])
    with app.app_context(), station().sessions() as db:
        summary = session_summary(db, _session(db, cycle_data["class_id"], 1))
    assert (summary["groups_present"], summary["groups"]) == (2, 3)
    assert "Les Nouveaux" not in [row["name"] for row in summary["rows"]]


def test_summary_shows_the_robot_each_group_used(app, client, cycle_data):
    as_facilitator(client, cycle_data["facilitator_id"])
    with app.app_context(), station().sessions() as db:
        s1_id = _session(db, cycle_data["class_id"], 1).id
    html = client.get(f"/animateur/seances/{s1_id}/bilan").get_data(as_text=True)
    rows = {m.group(1): _text(m.group(2)) for m in re.finditer(
        r'<tr data-group="\d+">\s*<td><strong>([^<]+)</strong></td>(.*?)</tr>', html, re.S)}
    assert "Robot rouge" in rows["Les Fusées"]  # its programs went to robot-rouge
    assert "aucun" in rows["Les Robots"]  # its only sending failed: no robot used
    assert "<select" not in html  # figures, not an empty "—" dropdown
    assert "3 programmes envoyés aux robots" in _text(html)
    assert "12 janvier 2026" in _text(html)  # the day, the French way


def test_group_created_after_sessions_is_not_created_in_the_grid(app, client, cycle_data):
    new_id = _add_group_now(app, cycle_data["class_id"])
    with app.app_context(), station().sessions() as db:
        progress = class_progress(db, db.get(Classroom, cycle_data["class_id"]))
    late = progress.group(new_id)
    assert {c.number: c.status for c in late.cells if c.number in (1, 2, 8)} == {
        1: NOT_CREATED, 2: NOT_CREATED, 8: NOT_CREATED}
    assert {s.level for s in late.skills} == {"not_worked"}  # nothing to judge it on

    as_teacher(client, cycle_data["class_id"])
    html = client.get("/enseignant/").get_data(as_text=True)
    row = re.search(r'<tr>\s*<th scope="row"><a [^>]*>Les Nouveaux</a></th>(.*?)</tr>',
                    html, re.S).group(1)
    cell = re.search(r'data-session="1" data-status="([a-z_]+)"', row).group(1)
    assert cell == "not_created"
    assert "Groupe pas encore créé" in row and "Absent" not in row


def test_a_group_created_during_a_session_that_missed_it_is_absent(app, cycle_data):
    """Created before the session closed: it existed, so it was absent."""
    with app.app_context(), station().sessions() as db:
        cls = db.get(Classroom, cycle_data["class_id"])
        group = create_group(db, cls, "Les Retardataires", "Max, Zoé")
        group.created_at = datetime(2026, 1, 12, 10, 30, tzinfo=UTC)  # during session 1
        db.commit()
        progress = class_progress(db, cls)
        cells = {c.number: c.status for c in progress.group(group.id).cells}
    assert cells[1] == "absent" and cells[2] == "absent"


def test_grid_rows_differ_for_groups_that_passed_different_challenges(app, client):
    """Two groups of one class in session 3: one fixes Robi's square, the other climbs
    the staircase. Their rows of the five-skills grid are not the same."""
    from kit.models import Facilitator
    from kit.roster import create_class, create_school
    from kit.security import hash_password

    with app.app_context(), station().sessions() as db:
        fac = Facilitator(name="Sam", password_hash=hash_password("mot-de-passe-test"))
        db.add(fac)
        cls = create_class(db, create_school(db, "École du Pont"), "CM2 jaune", "CM2")
        carre = create_group(db, cls, "Les Carrés", "Ana, Léo")
        escalier = create_group(db, cls, "Les Marches", "Eva, Tim")
        for group in (carre, escalier):
            group.created_at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        db.flush()
        s3 = _open(db, cls, 3, DAY_S1, fac.id)
        _join(db, carre, s3, DAY_S1, 5)
        _join(db, escalier, s3, DAY_S1, 6)
        assert _check(db, carre, s3, "s3-le-carre", "solution", DAY_S1, 20, 1).passed
        assert _check(db, escalier, s3, "s3-escalier", "solution", DAY_S1, 25, 1).passed
        _close(db, s3, DAY_S1)
        db.commit()
        progress = class_progress(db, cls)
        rows = {gp.group.name: {s.skill: (s.passed, s.available) for s in gp.skills}
                for gp in progress.groups}
        class_id = cls.id
    assert rows["Les Carrés"] != rows["Les Marches"]
    assert rows["Les Carrés"]["debug"] == (1, 1) and rows["Les Marches"]["debug"] == (0, 1)
    assert rows["Les Carrés"]["encode"] == (0, 1) and rows["Les Marches"]["encode"] == (1, 1)
    assert rows["Les Carrés"]["optimise"] == rows["Les Marches"]["optimise"] == (1, 2)
    assert rows["Les Carrés"]["decode"] == (0, 0)  # session 3 has no decoding challenge

    as_teacher(client, class_id)
    html = client.get("/enseignant/").get_data(as_text=True)
    cards = {m.group(1): m.group(0) for m in re.finditer(
        r'<article class="card rv-group".*?<a [^>]*>([^<]+)</a>.*?</article>', html, re.S)}
    level = r'data-skill="{}" data-level="([a-z_]+)"'
    assert re.search(level.format("debug"), cards["Les Carrés"]).group(1) == "all"
    assert re.search(level.format("debug"), cards["Les Marches"]).group(1) == "not_yet"


def test_every_shipped_challenge_names_one_to_three_skills(app):
    from kit.models import Cycle
    from kit.sessions import curriculum_for

    curriculum = curriculum_for(Cycle(curriculum="default"))
    named = [c.skills for lesson in curriculum.sessions for c in lesson.challenges]
    assert all(s and 1 <= len(s) <= 3 for s in named)
    # no two skills always travel together across the cycle
    for a in ("decode", "encode", "debug", "sequence", "optimise"):
        for b in ("decode", "encode", "debug", "sequence", "optimise"):
            if a < b:
                assert [a in s for s in named] != [b in s for s in named], (a, b)


@pytest.mark.parametrize("skills", [[], ["encode", "debug", "decode", "sequence"],
                                    ["coder"]])
def test_a_challenge_with_wrong_skills_is_refused(skills):
    base = {"id": "essai", "title": {"fr": "Essai", "en": "Try"},
            "hint": {"fr": "Indice", "en": "Hint"}, "success": {"fr": "Bravo", "en": "Well done"},
            "criteria": {"reach_target": True}}
    assert Challenge.model_validate({**base, "skills": ["encode"]}).skills == ["encode"]
    with pytest.raises(ValidationError):
        Challenge.model_validate({**base, "skills": skills})


def test_day_of_session_is_written_the_same_way_for_teacher_and_facilitator(app, client,
                                                                            cycle_data):
    as_teacher(client, cycle_data["class_id"])
    html = client.get("/enseignant/rapport").get_data(as_text=True)
    assert "12 janvier 2026" in html and "12/01/2026" not in html
    assert "2026-01-12" not in html.split("<main", 1)[1]
