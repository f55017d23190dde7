"""The errors a robot, its link or its program raise, for every layer of ``robots``.

why: transports and compilers sit below the drivers; they raise these without importing
the driver interface.
"""

from __future__ import annotations

from ground.errors import MalletteError


class RobotError(MalletteError):
    """A failure a person must read: ``message`` is French (translated), ``code`` is stable."""

    def __init__(self, message: str, code: str = "error", *, retry: bool = True) -> None:
        super().__init__(message, code)
        self.retry = retry


class ProgramError(RobotError):
    """The program model cannot be compiled for this robot (not a hardware problem)."""

    def __init__(self, message: str, block_id: str | None = None) -> None:
        super().__init__(message, code="invalid_program", retry=False)
        self.block_id = block_id


class RobotTimeout(RobotError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="timeout")


class RobotLost(RobotError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="lost")


__all__ = ["ProgramError", "RobotError", "RobotLost", "RobotTimeout"]
