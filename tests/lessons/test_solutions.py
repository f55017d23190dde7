"""Every programming challenge of the shipped cycle is solvable: its reference
solution passes in the reference simulator, its typical mistake (and the buggy
starting program, when there is one) fails and shows the hint."""

from __future__ import annotations

import pytest

from ground.i18n import set_language
from lessons.challenges import PrintFacts, check_challenge, check_print_challenge
from lessons.cycle import load_cycle

CYCLE = load_cycle()
PROGRAMMING = [(s, c) for s in CYCLE.sessions if s.kind == "programming" for c in s.challenges]
IDS = [c.id for _s, c in PROGRAMMING]


@pytest.fixture(autouse=True)
def _french():
    set_language("fr")


def test_every_programming_challenge_ships_a_solution_and_a_mistake():
    assert len(PROGRAMMING) >= 14
    for _session, challenge in PROGRAMMING:
        assert challenge.solution is not None, challenge.id
        assert challenge.mistake is not None, challenge.id


@pytest.mark.parametrize("session, challenge", PROGRAMMING, ids=IDS)
def test_solution_passes(session, challenge):
    result = check_challenge(challenge, challenge.solution, session.mat_for(challenge),
                             toolbox=session.toolbox())
    assert result.passed, result.reasons
    assert result.failed_criteria == []
    assert result.message == challenge.success.fr


@pytest.mark.parametrize("session, challenge", PROGRAMMING, ids=IDS)
def test_mistake_fails_with_the_hint(session, challenge):
    result = check_challenge(challenge, challenge.mistake, session.mat_for(challenge),
                             toolbox=session.toolbox())
    assert not result.passed
    assert result.failed_criteria
    assert result.message == challenge.hint.fr
    assert len(result.reasons) == len(result.failed_criteria)


STARTERS = [(s, c) for s, c in PROGRAMMING if c.starter is not None]


def test_debugging_sessions_have_buggy_starters():
    assert {c.id for _s, c in STARTERS} >= {"s3-le-carre", "s5-suivre-la-ligne", "s6-compteur"}


@pytest.mark.parametrize("session, challenge", STARTERS, ids=[c.id for _s, c in STARTERS])
def test_starter_program_has_a_bug_to_find(session, challenge):
    result = check_challenge(challenge, challenge.starter, session.mat_for(challenge),
                             toolbox=session.toolbox())
    assert not result.passed


def test_specific_verdicts():
    session = CYCLE.session(1)
    virage = session.challenge("s1-le-virage")
    result = check_challenge(virage, virage.mistake, session.mat, toolbox=session.toolbox())
    assert result.failed_criteria == ["reach_target", "no_collision"]
    assert "Le robot n'arrive pas sur la cible." in result.reasons
    assert result.run["collided"] is True

    loops = CYCLE.session(3)
    square = loops.challenge("s3-le-carre")
    result = check_challenge(square, square.mistake, loops.mat, toolbox=loops.toolbox())
    assert result.failed_criteria == ["uses_block", "max_blocks"]
    assert result.reasons == ["Le programme doit utiliser : « répéter ».",
                              "Le programme doit tenir en 4 blocs au plus."]


def test_a_block_outside_the_toolbox_fails_with_the_validator_message():
    session = CYCLE.session(1)
    challenge = session.challenge("s1-tout-droit")
    program = {"version": 1, "main": [
        {"block": "repeat", "times": 3, "id": "b1",
         "body": [{"block": "move", "direction": "forward", "distance_cm": 20}]}]}
    result = check_challenge(challenge, program, session.mat, toolbox=session.toolbox())
    assert not result.passed
    assert result.message == challenge.hint.fr
    assert any("« répéter » n'est pas autorisé" in r for r in result.reasons)
    # Without the toolbox check (free play) the same program solves it.
    assert check_challenge(challenge, program, session.mat).passed


def test_a_malformed_program_fails_cleanly():
    session = CYCLE.session(1)
    challenge = session.challenge("s1-tout-droit")
    result = check_challenge(challenge, {"main": [{"block": "fly"}]}, session.mat)
    assert not result.passed and result.run is None
    assert result.reasons


def test_english_messages_come_from_the_lesson():
    session = CYCLE.session(1)
    challenge = session.challenge("s1-tout-droit")
    set_language("en")
    result = check_challenge(challenge, challenge.solution, session.mat)
    assert result.message == challenge.success.en


def test_printing_challenge_verdict():
    session = CYCLE.session(8)
    challenge = session.challenge("s8-porte-nom")
    ok = PrintFacts(printable=True, print_minutes=24.0, blocks_used={"box", "text", "union"},
                    block_count=4)
    slow = PrintFacts(printable=True, print_minutes=52.0, blocks_used={"box", "text"},
                      block_count=3)
    assert check_print_challenge(challenge, ok).passed
    result = check_print_challenge(challenge, slow)
    assert result.failed_criteria == ["max_print_minutes"]
    assert result.message == challenge.hint.fr


def test_a_printing_challenge_is_not_checked_as_a_program():
    session = CYCLE.session(8)
    with pytest.raises(ValueError, match="n'est pas un défi de programmation"):
        check_challenge(session.challenges[0], {"main": []}, CYCLE.session(1).mat)
