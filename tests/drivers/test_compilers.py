"""Compilers without hardware: what a program reaching them was refused for, and what they
produce for events. A compiler takes the typed program, validated where it entered."""

from __future__ import annotations

import ast

import pytest

from robots.compilers import aseba, micropython
from robots.drivers import ProgramError
from robots.program import validate_program

EVENTS = validate_program({"version": 1, "main": [{"block": "light", "colour": "red"}],
                           "events": [{"event": "button_pressed", "body": [
                               {"block": "set_variable", "name": "n", "value": 1}]},
                               {"event": "obstacle", "body": [{"block": "stop"}]}]})


@pytest.mark.parametrize("compile_program", [micropython.compile_program,
                                             aseba.compile_program])
def test_unknown_block_is_named_in_french(compile_program):
    with pytest.raises(ProgramError) as err:
        compile_program(validate_program({"version": 1, "main": [
            {"block": "voler", "id": "b42"}]}))
    assert "voler" in err.value.message and err.value.block_id == "b42"


@pytest.mark.parametrize("compile_program", [micropython.compile_program,
                                             aseba.compile_program])
def test_bad_field_value_is_named(compile_program):
    with pytest.raises(ProgramError) as err:
        compile_program(validate_program({"version": 1, "main": [
            {"block": "light", "colour": "fuchsia", "id": "b1"}]}))
    assert "fuchsia" in err.value.message and "lumière" in err.value.message


def test_micropython_output_is_ascii_python_with_polled_handlers():
    source = micropython.compile_program(EVENTS)
    ast.parse(source)
    source.encode("ascii")
    assert "_H = [(lambda: _button(), _h0), (lambda: _obstacle(), _h1)]" in source
    assert "music.pitch" in source and "i2c.write(0x10" in source


def test_aseba_handlers_save_and_restore_the_main_program():
    source = aseba.compile_program(EVENTS)
    assert "onevent timer0" in source
    assert "if button.center == 1 and m_pbtn == 0 then" in source
    assert "if m_obst == 1 and m_pobst == 0 then" in source
    assert "m_rpc = m_pc" in source and "m_pc = m_rpc" in source


def test_aseba_numbers_are_scaled_at_compile_time():
    source = aseba.compile_program(validate_program({"version": 1, "main": [
        {"block": "wait", "seconds": 0.5},
        {"block": "move", "direction": "backward", "distance_cm": 15}]}))
    assert "m_busy = 50" in source           # 0.5 s in 10 ms ticks
    assert "m_busy = 150" in source          # 15 cm at 10 cm/s
    assert "motor.left.target = -250" in source
