"""What every compiler shares: the vocabulary's sounds and colours, variables, and the
errors only a compiler can find.

A compiler receives a :class:`robots.program.Program` the station already validated
(``robots.program.validate_program``, where the program entered); it relies on the types
and never checks the dict again. What it still refuses is what only it knows: a number
its robot cannot hold, a block its family lacks.
"""

from __future__ import annotations

from typing import Any

from ground.i18n import _
from robots.errors import ProgramError
from robots.program import Program
from robots.vocabulary import label


def fail(block: Any, message: str) -> ProgramError:
    """``message`` about ``block`` (a block of the typed model), naming it in French."""
    name = getattr(block, "block", "?")
    text = _("Bloc « %(block)s » : %(problem)s", block=label(name), problem=message)
    return ProgramError.about(text, block_id=getattr(block, "id", None), block=name)


def variables_of(program: Program) -> list[str]:
    """Every variable name used, in order of first use."""
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("block") in ("variable", "set_variable", "change_variable"):
                if node["name"] not in names:
                    names.append(node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    data = program.to_json()
    walk(data["main"])
    walk(data.get("events", []))
    return names
