"""The shape of a lesson file (one session of a cycle), as pydantic models.

The models check each field on its own; the checks that need several fields
(step minutes against the duration, criteria against the toolbox and the mat,
numbering across files) live in :mod:`lessons.checks`, so that every problem is
reported with the path of the field it is about.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from robots.vocabulary import BLOCK_LABELS, COLOURS

# Names from docs/program-model.md: what a lesson may list in its toolbox (`blocks:`),
# taken from the program model itself so the two never drift apart.
PROGRAM_BLOCKS: tuple[str, ...] = tuple(BLOCK_LABELS)
# The 3D toolbox of printing sessions.
OBJECT_BLOCKS: tuple[str, ...] = (
    "box", "cylinder", "sphere", "text", "translate", "rotate", "scale",
    "union", "difference", "repeat",
)
SKILLS: tuple[str, ...] = ("decode", "encode", "debug", "sequence", "optimise")
TEMPLATES: tuple[str, ...] = ("name_tag", "badge", "robot_accessory")
HEADINGS: tuple[str, ...] = ("east", "south", "west", "north")

Skill = Literal["decode", "encode", "debug", "sequence", "optimise"]
Heading = Literal["east", "south", "west", "north"]
NonEmpty = Annotated[StrictStr, Field(min_length=1)]
Cell = Annotated[list[StrictInt], Field(min_length=2, max_length=2)]
# why a pattern: an icon is one emoji (or two joined), never a word a child cannot read
Icon = Annotated[StrictStr, Field(min_length=1, max_length=8, pattern=r"^[^\sA-Za-z0-9]+$")]


class _Model(BaseModel):
    # Strict: a lesson written `minutes: "10"` or `reach_target: yes` is a mistake to report.
    model_config = ConfigDict(extra="forbid", strict=True)


class Text(_Model):
    """A text shown to people, in French and English."""

    fr: NonEmpty
    en: NonEmpty

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


class TextList(_Model):
    """A list of short texts (materials), in French and English."""

    fr: Annotated[list[NonEmpty], Field(min_length=1)]
    en: Annotated[list[NonEmpty], Field(min_length=1)]

    def get(self, lang: str) -> list[str]:
        return self.en if lang == "en" else self.fr


class Goal(_Model):
    """A challenge's goal in one short sentence a 7-year-old reads (shown with its icon)."""

    fr: Annotated[StrictStr, Field(min_length=1, max_length=90)]
    en: Annotated[StrictStr, Field(min_length=1, max_length=90)]

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


class Objective(_Model):
    fr: NonEmpty
    en: NonEmpty
    skills: Annotated[list[Skill], Field(min_length=1)]

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


class Step(_Model):
    """One step of the facilitator's plan: what to say or do, and for how long."""

    title: Text
    minutes: Annotated[StrictInt, Field(ge=1, le=90)]
    say: Text


class Start(_Model):
    col: Annotated[StrictInt, Field(ge=0)]
    row: Annotated[StrictInt, Field(ge=0)]
    heading: Heading = "east"


class Inputs(_Model):
    button: list[Annotated[float, Field(ge=0, le=300)]] = []
    sound: list[Annotated[float, Field(ge=0, le=300)]] = []


class Mat(_Model):
    """The session's mat, in the contract's format."""

    cols: Annotated[StrictInt, Field(ge=1, le=20)]
    rows: Annotated[StrictInt, Field(ge=1, le=20)]
    cell_cm: Annotated[StrictInt, Field(ge=5, le=100)] = 20
    start: Start
    obstacles: list[Cell] = []
    line: list[Cell] = []
    target: Cell | None = None
    inputs: Inputs = Inputs()

    def contract(self) -> dict[str, Any]:
        """The mat as the simulator takes it (contract JSON)."""
        return self.model_dump(exclude_none=True)


class Challenge(_Model):
    """A challenge: criteria checked by the station, with the words pupils see."""

    id: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,40}$")]
    title: Text
    # Optional for old lesson files; every challenge of the shipped cycle has both
    # (tests/journeys/test_goals.py): the pupil's screen shows them above the mat.
    goal: Goal | None = None
    icon: Icon | None = None
    hint: Text
    success: Text
    criteria: dict[StrictStr, Any] = Field(min_length=1)
    # Optional: a mat of its own (otherwise the session's).
    mat: Mat | None = None
    # Programming challenges: the program the pupils start from (e.g. a bug to find),
    # a reference solution, and a typical wrong program (both checked by the tests).
    starter: dict[StrictStr, Any] | None = None
    solution: dict[StrictStr, Any] | None = None
    mistake: dict[StrictStr, Any] | None = None
    # The one to three skills this challenge really works (the teacher's grid counts
    # them); without it, the session's objectives stand in.
    skills: Annotated[list[Skill], Field(min_length=1, max_length=3)] | None = None


class Session(_Model):
    """One session of a cycle (one lesson file)."""

    number: Annotated[StrictInt, Field(ge=1, le=50)]
    kind: Literal["programming", "printing"]
    title: Text
    summary: Text
    duration_min: Annotated[StrictInt, Field(ge=60, le=90)]
    objectives: Annotated[list[Objective], Field(min_length=1)]
    materials: TextList
    steps: Annotated[list[Step], Field(min_length=1)]
    blocks: list[StrictStr] = []
    object_blocks: list[StrictStr] = []
    template: Literal["name_tag", "badge", "robot_accessory"] | None = None
    mat: Mat | None = None
    challenges: Annotated[list[Challenge], Field(min_length=1)]

    def toolbox(self) -> list[str]:
        """The blocks pupils may use in this session (2D or 3D)."""
        return list(self.blocks if self.kind == "programming" else self.object_blocks)

    def challenge(self, challenge_id: str) -> Challenge | None:
        return next((c for c in self.challenges if c.id == challenge_id), None)

    def mat_for(self, challenge: Challenge) -> Mat | None:
        return challenge.mat or self.mat

    def skills(self) -> list[str]:
        """The coding skills this session works on, in the canonical order."""
        found = {s for o in self.objectives for s in o.skills}
        return [s for s in SKILLS if s in found]

    def challenge_skills(self, challenge: Challenge) -> list[str]:
        """The skills a challenge works: its own, else those of the session's objectives."""
        if challenge.skills:
            return [s for s in SKILLS if s in challenge.skills]
        return self.skills()


__all__ = [
    "COLOURS", "HEADINGS", "OBJECT_BLOCKS", "PROGRAM_BLOCKS", "SKILLS", "TEMPLATES",
    "Challenge", "Goal", "Inputs", "Mat", "Objective", "Session", "Start", "Step", "Text",
    "TextList",
]
