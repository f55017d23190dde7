"""The program model's validator: what a pupil's program may hold, and what they are told."""

from __future__ import annotations

import pytest

from robots.errors import ProgramError
from robots.program import Program, blocks_used, count_blocks, validate_program
from robots.vocabulary import ALL_BLOCKS, BLOCK_LABELS


def move(cm: object = 20, block_id: str | None = None, **extra: object) -> dict:
    block = {"block": "move", "direction": "forward", "distance_cm": cm, **extra}
    if block_id:
        block["id"] = block_id
    return block


def problems(data: object, allowed: set[str] | None = None) -> list:
    with pytest.raises(ProgramError) as caught:
        validate_program(data, allowed)
    assert caught.value.problems, "a refused program must say why"
    return caught.value.problems


def only(data: object, allowed: set[str] | None = None):
    found = problems(data, allowed)
    assert len(found) == 1, [p.message for p in found]
    return found[0]


FULL = {
    "version": 1,
    "main": [
        move(30, "a"),
        {"block": "move", "direction": "backward", "seconds": 1.5},
        {"block": "turn", "direction": "left", "degrees": 90},
        {"block": "wait", "seconds": 0},
        {"block": "light", "colour": "purple"},
        {"block": "sound", "note": "A5", "seconds": 0.5},
        {"block": "set_variable", "name": "compteur", "value": 2},
        {"block": "change_variable", "name": "compteur",
         "by": {"block": "arithmetic", "op": "/", "left": 9, "right": {"block": "variable",
                                                                    "name": "compteur"}}},
        {"block": "repeat", "times": {"block": "variable", "name": "compteur"}, "body": [
            {"block": "repeat_until", "condition": {"block": "sensor_obstacle"},
             "max_iterations": 5, "body": [move(10)]},
            {"block": "while", "condition": {"block": "not", "condition": {"block": "sensor_line"}},
             "body": []},
        ]},
        {"block": "if", "condition": {"block": "compare", "op": "≠", "left": 1, "right": 2},
         "then": [{"block": "stop"}], "else": [{"block": "light", "colour": "off"}]},
        {"block": "if", "condition": {"block": "sensor_button"}, "then": [], "else": []},
    ],
    "events": [
        {"event": "button_pressed", "body": [{"block": "light", "colour": "red"}]},
        {"event": "obstacle", "id": "h", "body": [
            {"block": "if", "condition": {"block": "sensor_sound"}, "then": [move()]}]},
    ],
}


def test_a_program_using_every_block_is_valid_and_round_trips() -> None:
    program = validate_program(FULL)
    assert isinstance(program, Program)
    assert validate_program(program.to_json()).to_json() == program.to_json()
    assert program.to_json()["main"][0] == move(30, "a")
    assert program.to_json()["main"][8]["body"][1]["max_iterations"] == 100


def test_blocks_used_names_toolbox_blocks() -> None:
    used = blocks_used(validate_program(FULL))
    assert used == ALL_BLOCKS
    assert "if_else" in used and "if" in used  # one if has an else, the other an empty one
    simple = validate_program({"main": [{"block": "if", "condition": {"block": "sensor_line"},
                                         "then": [], "else": [move()]}]})
    assert blocks_used(simple) == {"if_else", "sensor_line", "move"}


def test_count_blocks_counts_blocks_not_typed_numbers() -> None:
    assert count_blocks(validate_program({"main": [move(), move(), move()]})) == 3
    program = {"main": [{"block": "repeat", "times": 3, "body": [move()]}],
               "events": [{"event": "obstacle", "body": []}]}
    assert count_blocks(validate_program(program)) == 3
    assert count_blocks(validate_program(FULL)) == 30  # 24 in main, 2 + 4 in handlers


def test_labels_exist_in_french_and_english_for_every_block() -> None:
    assert set(BLOCK_LABELS) == ALL_BLOCKS
    assert BLOCK_LABELS["repeat"] == {"fr": "répéter", "en": "repeat"}
    assert BLOCK_LABELS["if_else"]["fr"] == "si … sinon"
    assert all(labels["fr"] and labels["en"] for labels in BLOCK_LABELS.values())


@pytest.mark.parametrize("data", [None, [], "main", 3])
def test_something_else_than_an_object_is_refused(data) -> None:
    assert "objet JSON" in only(data).message


def test_missing_main_is_named() -> None:
    problem = only({"version": 1})
    assert problem.path == "main"
    assert "« main »" in problem.message


def test_unknown_version_and_fields_are_named() -> None:
    assert "Version" in only({"version": 2, "main": []}).message
    assert "« extra »" in only({"main": [], "extra": 1}).message


def test_a_block_outside_the_toolbox_is_named_in_french_with_its_id_and_path() -> None:
    data = {"main": [move(), {"block": "repeat", "times": 2, "id": "r1",
                              "body": [{"block": "turn", "id": "t9", "direction": "left",
                                        "degrees": 90}]}]}
    problem = only(data, {"move", "repeat"})
    assert problem.block == "turn"
    assert problem.block_id == "t9"
    assert problem.path == "main[1].body[0]"
    assert problem.message == "Le bloc « tourner » n'est pas autorisé dans cette séance."
    validate_program(data, {"move", "repeat", "turn"})


def test_if_with_an_else_needs_if_else_and_events_need_their_block() -> None:
    with_else = {"main": [{"block": "if", "condition": {"block": "sensor_line"},
                           "then": [], "else": [move()]}]}
    problem = only(with_else, {"if", "sensor_line", "move"})
    assert "« si … sinon »" in problem.message
    validate_program(with_else, {"if_else", "sensor_line", "move"})
    handler = {"main": [], "events": [{"event": "button_pressed", "body": []}]}
    assert "« quand le bouton est appuyé »" in only(handler, {"move"}).message
    validate_program(handler, {"when_button"})
    conditions = {"main": [{"block": "while", "condition": {"block": "sensor_obstacle"},
                            "body": []}]}
    assert "« obstacle devant »" in only(conditions, {"while"}).message


def test_an_unknown_block_is_named() -> None:
    problem = only({"main": [move(), {"block": "fly", "id": "x1"}]})
    assert (problem.block, problem.block_id, problem.path) == ("fly", "x1", "main[1]")
    assert "Bloc inconnu « fly »" in problem.message


@pytest.mark.parametrize(("block", "path", "words"), [
    (move(500), "main[0].distance_cm", "entre 1 et 200"),
    (move(0), "main[0].distance_cm", "entre 1 et 200"),
    ({"block": "move", "direction": "forward", "seconds": 0.05}, "main[0].seconds",
     "entre 0,1 et 30"),
    ({"block": "turn", "direction": "left", "degrees": 400}, "main[0].degrees", "entre 1 et 360"),
    ({"block": "wait", "seconds": 31}, "main[0].seconds", "entre 0 et 30"),
    ({"block": "sound", "note": "C4", "seconds": 5}, "main[0].seconds", "entre 0,1 et 4"),
    ({"block": "repeat", "times": 51, "body": []}, "main[0].times", "entre 1 et 50"),
    ({"block": "repeat", "times": 2.5, "body": []}, "main[0].times", "nombre entier"),
    ({"block": "while", "condition": {"block": "sensor_line"}, "body": [],
      "max_iterations": 1001}, "main[0].max_iterations", "entre 1 et 1000"),
])
def test_out_of_range_values_are_named_with_their_bounds(block, path, words) -> None:
    problem = only({"main": [block]})
    assert problem.path == path
    assert words in problem.message


@pytest.mark.parametrize(("block", "words"), [
    (move("vingt"), "doit être un nombre (reçu un texte)"),
    (move(True), "doit être un nombre (reçu un booléen)"),
    ({"block": "move", "direction": "up", "distance_cm": 20}, "Valeur « up » non valable"),
    ({"block": "light", "colour": "pink"}, "Valeur « pink » non valable"),
    ({"block": "sound", "note": "C6", "seconds": 1}, "Valeur « C6 » non valable"),
    ({"block": "sound", "note": "C4", "seconds": {"block": "variable", "name": "n"}},
     "doit être un nombre (reçu un objet)"),
    ({"block": "turn", "direction": "left"}, "Il manque le champ « degrees » au bloc « tourner »"),
    ({"block": "move", "direction": "forward"}, "soit une distance en cm, soit une durée"),
    ({"block": "move", "direction": "forward", "distance_cm": 5, "seconds": 1},
     "une seule des deux"),
    ({"block": "repeat", "times": 2, "body": {}},
     "« body » du bloc « répéter » doit être une liste"),
    ({"block": "stop", "speed": 3}, "Champ inconnu « speed » dans le bloc « stop »"),
    ({"block": "set_variable", "name": "mon score", "value": 1}, "n'est pas valable"),
    ({"block": "set_variable", "name": "été", "value": 1}, "n'est pas valable"),
    ({"block": "wait", "seconds": {"block": "sensor_line"}}, "ne peut pas donner un nombre"),
    ({"block": "if", "condition": {"block": "variable", "name": "a"}, "then": []},
     "n'est pas une condition"),
    ({"block": "compare", "op": "<", "left": 1, "right": 2}, "seul comme instruction"),
    ({"block": "if", "condition": {"block": "compare", "op": "<=", "left": 1, "right": 2},
      "then": []}, "Valeur « <= » non valable"),
    ({"block": "wait", "seconds": {"block": "arithmetic", "op": "%", "left": 1, "right": 2}},
     "Valeur « % » non valable"),
    ({"block": "wait", "seconds": None},
     "Il manque un nombre dans « seconds » du bloc « attendre »"),
    ({"block": "while", "condition": None, "body": []},
     "Il manque la condition du bloc « tant que »"),
    ({"block": "if", "condition": {"block": "not", "condition": None}, "then": []},
     "Il manque la condition du bloc « non »"),
    ({"block": "wait", "seconds": {"block": "arithmetic", "op": "+", "left": None, "right": 2}},
     "Il manque un nombre dans « left » du bloc « calcul »"),
])
def test_wrong_fields_get_a_clear_french_message(block, words) -> None:
    found = problems({"main": [block]})
    assert any(words in p.message for p in found), [p.message for p in found]


def test_every_problem_is_reported_at_once() -> None:
    found = problems({"main": [move(0, "a"), {"block": "turn", "id": "b", "direction": "up",
                                               "degrees": 90}, {"block": "nope"}]})
    assert [p.block_id for p in found] == ["a", "b", None]
    assert [p.path for p in found] == ["main[0].distance_cm", "main[1].direction", "main[2]"]


def nested(depth: int) -> dict:
    block: dict = move(block_id="deep")
    for level in range(depth - 1):
        block = {"block": "repeat", "times": 2, "id": f"r{level}", "body": [block]}
    return block


def test_depth_eight_is_allowed_nine_is_refused() -> None:
    validate_program({"main": [nested(8)]})
    problem = only({"main": [nested(9)]})
    assert problem.block_id == "deep"
    assert "trop profondément (niveau 9" in problem.message
    assert problem.path == "main[0]" + ".body[0]" * 8


def test_depth_counts_from_event_handlers_too() -> None:
    validate_program({"main": [], "events": [{"event": "obstacle", "body": [nested(8)]}]})
    only({"main": [], "events": [{"event": "obstacle", "body": [nested(9)]}]})


def test_deeply_nested_input_does_not_crash() -> None:
    problems({"main": [nested(5000)]})
    expr: object = 1
    for _ in range(5000):
        expr = {"block": "arithmetic", "op": "+", "left": expr, "right": 1}
    assert "trop profondément" in only({"main": [{"block": "wait", "seconds": expr}]}).message


def test_two_hundred_blocks_are_allowed_not_two_hundred_and_one() -> None:
    validate_program({"main": [move() for _ in range(200)]})
    data = {"main": [move(block_id=f"m{i}") for i in range(201)]}
    problem = only(data)
    assert problem.block_id == "m200"
    assert "trop de blocs" in problem.message and "200" in problem.message


def test_expressions_and_conditions_count_towards_the_block_limit() -> None:
    wait = {"block": "wait", "seconds": {"block": "arithmetic", "op": "+", "left": 1,
                                         "right": {"block": "variable", "name": "a"}}}
    validate_program({"main": [wait] * 66 + [move()] * 2})  # 66 × 3 + 2 = 200
    only({"main": [wait] * 67})  # 201


def test_ten_variables_are_allowed_not_eleven() -> None:
    names = "abcdefghijk"
    validate_program({"main": [{"block": "set_variable", "name": n, "value": 1}
                               for n in names[:10]]})
    problem = only({"main": [{"block": "set_variable", "name": n, "value": 1, "id": n}
                             for n in names]})
    assert problem.block_id == "k"
    assert "Trop de variables" in problem.message


def test_four_handlers_are_allowed_not_five() -> None:
    handler = {"event": "button_pressed", "body": []}
    validate_program({"main": [], "events": [handler] * 4})
    problem = only({"main": [], "events": [handler] * 5})
    assert problem.path == "events[4]"
    assert "Trop de blocs d'événement" in problem.message


def test_unknown_event_is_named() -> None:
    assert "Événement inconnu « clap »" in only({"main": [], "events": [
        {"event": "clap", "body": []}]}).message


def test_messages_name_blocks_in_the_current_language() -> None:
    from ground.i18n import set_language

    data = {"main": [{"block": "repeat", "times": 99, "body": []}]}
    set_language("en")
    try:
        message = only(data).message
        assert "“repeat”" in message and "répéter" not in message
    finally:
        set_language("fr")
    assert "« répéter »" in only(data).message
