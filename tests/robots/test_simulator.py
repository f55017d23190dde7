"""The reference simulator against the shared cases and the contract's rules."""

from __future__ import annotations

import copy

import pytest

from robots.errors import ProgramError
from robots.program import blocks_used, validate_program
from robots.simulator import Mat, MatError, simulate, validate_mat
from tests.robots.conftest import CASE_FILES, assert_same_run, load_case


def test_there_are_enough_shared_cases() -> None:
    assert len(CASE_FILES) >= 15


def test_cases_cover_every_statement_and_event() -> None:
    used: set[str] = set()
    for path in CASE_FILES:
        used |= blocks_used(validate_program(load_case(path)["program"]))
    for block in ("move", "turn", "wait", "light", "sound", "repeat", "repeat_until", "while",
                  "if", "if_else", "set_variable", "change_variable", "stop", "variable",
                  "arithmetic", "sensor_obstacle", "sensor_line", "sensor_button",
                  "sensor_sound", "not", "compare", "when_button", "when_obstacle"):
        assert block in used, block


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path) -> None:
    case = load_case(path)
    assert_same_run(simulate(case["program"], case["mat"]), case["expected"])


def _mat(**extra) -> dict:
    mat = {"cols": 6, "rows": 4, "cell_cm": 20, "start": {"col": 0, "row": 0, "heading": "east"}}
    mat.update(extra)
    return mat


def _move(cm: float, direction: str = "forward") -> dict:
    return {"block": "move", "direction": direction, "distance_cm": cm}


def test_a_collision_stops_inside_the_last_free_cell() -> None:
    result = simulate({"main": [_move(200)]}, _mat(obstacles=[[4, 0]]))
    assert result["collided"] is True
    assert result["final"]["col"] == 3
    assert 79 <= result["final"]["x"] < 80  # within 1 cm of the obstacle's edge (x = 80)
    assert [e["type"] for e in result["events"]] == ["collision"]
    assert (result["events"][0]["col"], result["events"][0]["row"]) == (4, 0)
    assert result["cells"] == [[0, 0], [1, 0], [2, 0], [3, 0]]


def test_leaving_the_mat_is_a_collision_on_every_side() -> None:
    for heading, cell in (("west", [-1, 0]), ("north", [0, -1])):
        result = simulate({"main": [_move(50)]}, _mat(start={"col": 0, "row": 0,
                                                              "heading": heading}))
        assert result["collided"] is True
        assert [result["events"][0]["col"], result["events"][0]["row"]] == cell
        assert (result["final"]["col"], result["final"]["row"]) == (0, 0)


def test_cells_have_no_immediate_repeats_and_start_first() -> None:
    program = {"main": [_move(20), _move(20, "backward"), _move(5)]}
    assert simulate(program, _mat())["cells"] == [[0, 0], [1, 0], [0, 0]]


def test_reached_target_means_the_target_cell_was_entered() -> None:
    program = {"main": [_move(60)]}
    assert simulate(program, _mat(target=[2, 0]))["reached_target"] is True
    assert simulate(program, _mat(target=[2, 1]))["reached_target"] is False
    assert simulate(program, _mat())["reached_target"] is False


def test_the_run_is_deterministic_and_leaves_its_input_alone() -> None:
    case = load_case(CASE_FILES[-3])
    program, mat = copy.deepcopy(case["program"]), copy.deepcopy(case["mat"])
    assert simulate(program, mat) == simulate(program, mat)
    assert program == case["program"] and mat == case["mat"]


def test_an_invalid_program_is_refused_before_running() -> None:
    with pytest.raises(ProgramError):
        simulate({"main": [{"block": "fly"}]}, _mat())


@pytest.mark.parametrize(("mat", "words"), [
    (_mat(cols=0), "cols"),
    (_mat(cols=21), "cols"),
    (_mat(obstacles=[[6, 0]]), "hors du tapis"),
    (_mat(target=[0, 9]), "hors du tapis"),
    (_mat(obstacles=[[0, 0]]), "part d'une case d'obstacle"),
    (_mat(start={"col": 0, "row": 0, "heading": "up"}), "heading"),
    (_mat(inputs={"button": [400]}), "300"),
    (_mat(colour="red"), "champ inconnu"),
    ({"cols": 3, "rows": 3}, "start"),
])
def test_a_bad_mat_gets_a_french_message_naming_the_field(mat, words) -> None:
    with pytest.raises(MatError) as caught:
        validate_mat(mat)
    text = "\n".join(caught.value.problems)
    assert words in text
    assert text.startswith("Tapis")


def test_a_good_mat_is_accepted() -> None:
    mat = validate_mat(_mat(obstacles=[[3, 0]], line=[[0, 1]], target=[5, 3],
                            inputs={"button": [2.0], "sound": [5.5]}))
    assert isinstance(mat, Mat)
    assert mat.target == (5, 3)
