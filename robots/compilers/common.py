"""What every compiler shares: block labels, notes, colours, and structural checks.

The station validates programs fully (``robots.program``); compilers still check the
shape of what they translate, so that a bad program gets a French message naming the
block rather than a traceback deep in a code generator.
"""

from __future__ import annotations

from typing import Any

from ground.i18n import _
from robots.errors import ProgramError

# French labels shown to pupils (the block editor uses the same words).
BLOCK_LABELS = {
    "move": "avancer / reculer", "turn": "tourner", "wait": "attendre",
    "light": "lumière", "sound": "jouer une note", "repeat": "répéter",
    "repeat_until": "répéter jusqu'à", "while": "tant que", "if": "si",
    "set_variable": "mettre la variable", "change_variable": "ajouter à la variable",
    "stop": "stop", "variable": "variable", "arithmetic": "calcul",
    "sensor_obstacle": "obstacle devant", "sensor_line": "sur la ligne",
    "sensor_button": "bouton appuyé", "sensor_sound": "bruit entendu", "not": "non",
    "compare": "comparer", "when_button": "quand le bouton est appuyé",
    "when_obstacle": "quand un obstacle est devant",
}

NOTES_HZ = {
    "C4": 262, "D4": 294, "E4": 330, "F4": 349, "G4": 392, "A4": 440, "B4": 494,
    "C5": 523, "D5": 587, "E5": 659, "F5": 698, "G5": 784, "A5": 880, "B5": 988,
}

COLOURS_RGB = {
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
    "yellow": (255, 255, 0), "purple": (160, 0, 255), "cyan": (0, 255, 255),
    "white": (255, 255, 255), "off": (0, 0, 0),
}

EVENTS = ("button_pressed", "obstacle")
MODEL_CM_PER_S = 10.0      # the program model's driving speed
MODEL_DEG_PER_S = 90.0     # the program model's turning speed


def label(block: dict[str, Any] | Any) -> str:
    name = block.get("block", "?") if isinstance(block, dict) else "?"
    return BLOCK_LABELS.get(name, str(name))


def fail(block: Any, message: str) -> ProgramError:
    block_id = block.get("id") if isinstance(block, dict) else None
    text = _("Bloc « %(block)s » : %(problem)s", block=label(block), problem=message)
    return ProgramError(text, block_id=block_id)


def check_program(program: Any) -> tuple[list[dict], list[dict]]:
    """(main, events) of a program model, or :class:`ProgramError`."""
    if not isinstance(program, dict):
        raise ProgramError(_("Le programme doit être un objet JSON."))
    if program.get("version", 1) != 1:
        raise ProgramError(_("Version de programme inconnue : %(version)s",
                             version=program.get("version")))
    main = program.get("main", [])
    events = program.get("events", [])
    if not isinstance(main, list) or not isinstance(events, list):
        raise ProgramError(_("« main » et « events » doivent être des listes de blocs."))
    for handler in events:
        if not isinstance(handler, dict) or handler.get("event") not in EVENTS:
            raise ProgramError(_("Événement inconnu : %(event)s",
                                 event=handler.get("event") if isinstance(handler, dict)
                                 else handler))
        if not isinstance(handler.get("body", []), list):
            raise ProgramError(_("Le corps d'un événement doit être une liste de blocs."))
    return main, events


def variables_of(program: dict) -> list[str]:
    """Every variable name used, in order of first use."""
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("block") in ("variable", "set_variable", "change_variable"):
                name = node.get("name")
                if not isinstance(name, str) or not name.isalpha() or len(name) > 20:
                    raise fail(node, _("nom de variable invalide : %(name)s", name=name))
                if name not in names:
                    names.append(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(program.get("main", []))
    walk(program.get("events", []))
    return names


def body(block: dict, key: str) -> list[dict]:
    value = block.get(key, [])
    if not isinstance(value, list):
        raise fail(block, _("« %(key)s » doit être une liste de blocs.", key=key))
    return value


def field(block: dict, key: str, allowed: tuple[str, ...] | dict) -> str:
    value = block.get(key)
    if value not in allowed:
        raise fail(block, _("valeur « %(value)s » invalide pour « %(key)s »",
                            value=value, key=key))
    return value


def need(block: dict, key: str) -> Any:
    if key not in block:
        raise fail(block, _("il manque « %(key)s »", key=key))
    return block[key]
