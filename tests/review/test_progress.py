"""Per-group progress, derived from the event log only."""

from __future__ import annotations

from kit import events as ev
from kit.app import station
from kit.models import Classroom, Event
from kit.progress import ABSENT, ALL_PASSED, CHALLENGE_PASSED, NOT_HELD, PRESENT, class_progress
from kit.sessions import curriculum_for
from lessons.schema import SKILLS


def test_statuses_follow_what_each_group_did(app, cycle_data):
    with app.app_context(), station().sessions() as db:
        progress = class_progress(db, db.get(Classroom, cycle_data["class_id"]))
        cells = {gp.group.name: {c.number: c.status for c in gp.cells}
                 for gp in progress.groups}
    assert sorted(progress.held) == [1, 2, 8]
    assert cells["Les Fusées"][1] == ALL_PASSED
    assert cells["Les Fusées"][2] == CHALLENGE_PASSED
    assert cells["Les Fusées"][8] == PRESENT
    assert cells["Les Robots"][1] == CHALLENGE_PASSED  # failed once, then passed
    assert cells["Les Robots"][2] == ABSENT
    assert cells["Les Absents"][1] == ABSENT
    assert all(cells[name][n] == NOT_HELD for name in cells for n in (3, 4, 5, 6, 7, 9, 10))


def test_counts_are_the_events(app, cycle_data):
    with app.app_context(), station().sessions() as db:
        progress = class_progress(db, db.get(Classroom, cycle_data["class_id"]))
        fusees = progress.group(cycle_data["fusees"])
        robots = progress.group(cycle_data["robots"])
        log = list(db.query(Event).all())
    sent_ok = [e for e in log if e.type == ev.PROGRAM_SENT and e.group_id == cycle_data["robots"]
               and e.payload["ok"]]
    assert robots.programs_sent == len(sent_ok) == 0  # its only sending failed
    assert fusees.programs_sent == 3
    assert fusees.objects_printed == 1
    assert fusees.sessions_attended == [1, 2, 8]
    assert robots.sessions_attended == [1]
    assert [c.challenge for c in fusees.challenges_passed] == [
        *cycle_data["s1_challenges"], cycle_data["s2_challenge"]]
    assert [c.challenge for c in robots.challenges_passed] == ["s1-tout-droit"]


def test_five_skills_grid_counts_challenges_of_held_sessions(app, cycle_data):
    with app.app_context(), station().sessions() as db:
        cls = db.get(Classroom, cycle_data["class_id"])
        progress = class_progress(db, cls)
        curriculum = curriculum_for(cls.cycles[0])
    # Independently: challenges of sessions 1, 2 and 8, each with the skills it names.
    available = dict.fromkeys(SKILLS, 0)
    for n in (1, 2, 8):
        for c in curriculum.session(n).challenges:
            assert 1 <= len(c.skills or []) <= 3
            for skill in c.skills:
                available[skill] += 1
    s1, s2 = curriculum.session(1), curriculum.session(2)
    passed = [*s1.challenges, s2.challenges[0]]
    fusees = {s.skill: s for s in progress.group(cycle_data["fusees"]).skills}
    for skill in SKILLS:
        assert fusees[skill].available == available[skill]
        assert fusees[skill].passed == sum(1 for c in passed if skill in c.skills)
    absents = {s.skill: s for s in progress.group(cycle_data["absents"]).skills}
    assert {k: s.level for k, s in absents.items()} == {
        "decode": "not_yet", "encode": "not_yet", "debug": "not_yet", "sequence": "not_yet",
        "optimise": "not_worked"}  # no challenge of sessions 1, 2 and 8 works optimising
    # the skills are told apart: séquencer 3 of 4, encoder 2 of 5, déboguer 0 of 1
    assert (fusees["sequence"].passed, fusees["sequence"].available) == (3, 4)
    assert (fusees["encode"].passed, fusees["encode"].available) == (2, 5)
    assert (fusees["debug"].passed, fusees["debug"].level) == (0, "not_yet")


def test_skills_not_worked_before_any_session(app):
    from kit.roster import create_class, create_group, create_school

    with app.app_context(), station().sessions() as db:
        school = create_school(db, "École neuve")
        cls = create_class(db, school, "CP A")
        create_group(db, cls, "Les Lions", "Ana, Léo")
        db.commit()
        progress = class_progress(db, cls)
    levels = {s.level for s in progress.groups[0].skills}
    assert levels == {"not_worked"}
    assert {c.status for c in progress.groups[0].cells} == {NOT_HELD}
