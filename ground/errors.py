"""The error every layer raises when a person has to read why something failed.

why: the web side turns any :class:`MalletteError` into a French message with its stable
``code`` (never a traceback), so a layer only has to raise it; the layers below the web
never know how it is shown.
"""

from __future__ import annotations


class MalletteError(Exception):
    """A failure a person reads: ``message`` is already translated, ``code`` is stable."""

    code = "error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message
