"""The words of the program model, written once: block labels, notes, colours, events.

why: the validator, the compilers, the lessons and the teacher's pages all name the same
blocks, notes and colours; a second copy with other wording is what a child ends up
reading. Nothing here imports pydantic or a compiler, so every layer may import it.
"""

from __future__ import annotations

from ground.i18n import current_language

#: French and English labels of every block, shared by the editor, lessons and messages.
BLOCK_LABELS: dict[str, dict[str, str]] = {
    "move": {"fr": "avancer", "en": "move"},
    "turn": {"fr": "tourner", "en": "turn"},
    "wait": {"fr": "attendre", "en": "wait"},
    "light": {"fr": "allumer la lumière", "en": "set light"},
    "sound": {"fr": "jouer une note", "en": "play a note"},
    "repeat": {"fr": "répéter", "en": "repeat"},
    "repeat_until": {"fr": "répéter jusqu'à", "en": "repeat until"},
    "while": {"fr": "tant que", "en": "while"},
    "if": {"fr": "si", "en": "if"},
    "if_else": {"fr": "si … sinon", "en": "if … else"},
    "set_variable": {"fr": "mettre la variable", "en": "set variable"},
    "change_variable": {"fr": "ajouter à la variable", "en": "change variable"},
    "stop": {"fr": "stop", "en": "stop"},
    "variable": {"fr": "variable", "en": "variable"},
    "arithmetic": {"fr": "calcul", "en": "arithmetic"},
    "sensor_obstacle": {"fr": "obstacle devant", "en": "obstacle ahead"},
    "sensor_line": {"fr": "sur la ligne", "en": "on the line"},
    "sensor_button": {"fr": "bouton appuyé", "en": "button pressed"},
    "sensor_sound": {"fr": "bruit entendu", "en": "sound heard"},
    "not": {"fr": "non", "en": "not"},
    "compare": {"fr": "comparer", "en": "compare"},
    "when_button": {"fr": "quand le bouton est appuyé", "en": "when the button is pressed"},
    "when_obstacle": {"fr": "quand un obstacle est devant", "en": "when an obstacle is ahead"},
}

#: Every name a lesson may list in its toolbox.
ALL_BLOCKS = frozenset(BLOCK_LABELS)

#: The notes a ``sound`` block plays, with their frequency (Hz), lowest first.
NOTES_HZ: dict[str, int] = {
    "C4": 262, "D4": 294, "E4": 330, "F4": 349, "G4": 392, "A4": 440, "B4": 494,
    "C5": 523, "D5": 587, "E5": 659, "F5": 698, "G5": 784, "A5": 880, "B5": 988,
}
NOTES: tuple[str, ...] = tuple(NOTES_HZ)

#: The colours a ``light`` block sets, with their red, green, blue (0..255).
COLOURS_RGB: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
    "yellow": (255, 255, 0), "purple": (160, 0, 255), "cyan": (0, 255, 255),
    "white": (255, 255, 255), "off": (0, 0, 0),
}
COLOURS: tuple[str, ...] = tuple(COLOURS_RGB)

#: Each event a handler waits for, and the block the pupil placed for it.
EVENTS: dict[str, str] = {"button_pressed": "when_button", "obstacle": "when_obstacle"}


def label(block: str, lang: str | None = None) -> str:
    """The label people see for ``block`` in ``lang`` (default: the current language)."""
    return BLOCK_LABELS.get(block, {}).get(lang or current_language(), block)


__all__ = ["ALL_BLOCKS", "BLOCK_LABELS", "COLOURS", "COLOURS_RGB", "EVENTS", "NOTES",
           "NOTES_HZ", "label"]
