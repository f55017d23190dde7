"""The errors a robot, its link or its program raise, for every layer of ``robots``.

why: transports and compilers sit below the drivers; they raise these without importing
the driver interface.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ground.errors import MalletteError


class RobotError(MalletteError):
    """A failure a person must read: ``message`` is French (translated), ``code`` is stable."""

    def __init__(self, message: str, code: str = "error", *, retry: bool = True) -> None:
        super().__init__(message, code)
        self.retry = retry


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a program, located so the editor can highlight it."""

    block_id: str | None
    block: str | None
    path: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProgramError(RobotError):
    """A program the contract refuses, or one this robot cannot run (never the hardware).

    ``problems`` lists every reason (the validator reports them all at once); ``block_id``
    is the first problem's block, the one the editor points at.
    """

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.message for p in problems), code="invalid_program",
                         retry=False)
        self.problems = problems
        self.block_id = problems[0].block_id if problems else None

    @classmethod
    def about(cls, message: str, block_id: str | None = None,
              block: str | None = None) -> ProgramError:
        """One problem found by a compiler (the validator had nothing to say)."""
        return cls([Problem(block_id, block, "", message)])


class RobotTimeout(RobotError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="timeout")


class RobotLost(RobotError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="lost")


__all__ = ["Problem", "ProgramError", "RobotError", "RobotLost", "RobotTimeout"]
