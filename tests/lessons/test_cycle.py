"""The shipped cycle's shape (what the programmes ask for) and the cycle engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lessons.cycle import DEFAULT_CYCLE_DIR, CycleError, load_cycle, validate_cycle
from lessons.schema import SKILLS

CYCLE = load_cycle()


def test_ten_sessions_seven_programming_then_three_printing():
    assert [s.number for s in CYCLE.sessions] == list(range(1, 11))
    assert [s.kind for s in CYCLE.sessions] == ["programming"] * 7 + ["printing"] * 3
    for session in CYCLE.sessions:
        assert 60 <= session.duration_min <= 90
        assert sum(step.minutes for step in session.steps) == session.duration_min


def test_toolbox_grows_in_the_order_of_the_programme():
    programming = [s for s in CYCLE.sessions if s.kind == "programming"]
    for before, after in zip(programming, programming[1:], strict=False):
        assert set(before.blocks) <= set(after.blocks), after.number

    def first_session_with(block: str) -> int:
        return next(s.number for s in programming if block in s.blocks)

    assert set(CYCLE.toolbox(1)) == {"move", "turn"}
    assert {"wait", "light", "sound"} <= set(CYCLE.toolbox(2))
    assert first_session_with("repeat") == 3
    assert first_session_with("sensor_obstacle") == first_session_with("when_button") == 4
    assert first_session_with("if") == first_session_with("if_else") == 5
    assert first_session_with("set_variable") == 6
    # Session 7 is the final challenge: everything learnt, nothing new.
    assert set(CYCLE.toolbox(7)) == set(CYCLE.toolbox(6))


def test_printing_sessions_have_3d_toolbox_and_template():
    printing = [s for s in CYCLE.sessions if s.kind == "printing"]
    assert [s.template for s in printing] == ["name_tag", "badge", "robot_accessory"]
    for session in printing:
        assert session.mat is None and not session.blocks
        assert {"box", "union"} <= set(session.object_blocks)
        for challenge in session.challenges:
            assert challenge.criteria.get("printable") is True


def test_all_five_skills_are_worked_on_and_lessons_are_bilingual():
    assert {skill for s in CYCLE.sessions for skill in s.skills()} == set(SKILLS)
    for session in CYCLE.sessions:
        assert session.title.fr != session.title.en
        assert len(session.materials.fr) == len(session.materials.en)
        assert len(session.steps) >= 4, "a real lesson has several steps"


def test_challenge_ids_are_unique_in_the_cycle():
    ids = [c.id for s in CYCLE.sessions for c in s.challenges]
    assert len(ids) == len(set(ids))
    session, challenge = CYCLE.find_challenge("s5-le-couloir")
    assert session.number == 5 and challenge.mat is not None
    assert CYCLE.find_challenge("nope") is None


def test_next_session():
    assert CYCLE.next_session([]).number == 1
    assert CYCLE.next_session([1, 2, 3]).number == 4
    assert CYCLE.next_session([1, 2, 4]).number == 3  # a missed session comes first
    assert CYCLE.next_session(range(1, 11)) is None


def test_timeline_has_cumulative_minutes():
    timeline = CYCLE.timeline(1)
    assert [(t.start_min, t.end_min) for t in timeline] == [
        (0, 5), (5, 20), (20, 30), (30, 50), (50, 60)]
    assert timeline[-1].end_min == CYCLE.session(1).duration_min
    with pytest.raises(KeyError):
        CYCLE.timeline(11)


def test_load_cycle_raises_with_every_error(tmp_path: Path):
    cycle = tmp_path / "c"
    shutil.copytree(DEFAULT_CYCLE_DIR, cycle)
    (cycle / "03-boucles.yaml").unlink()
    with pytest.raises(CycleError) as info:
        load_cycle(cycle)
    assert any(e.field == "number" for e in info.value.errors)
    report = validate_cycle(cycle)
    assert not report.ok and report.cycle is None
