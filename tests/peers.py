"""Real peers (OctoPrint, Aseba, QEMU, Chromium, PostgreSQL...) for the tests.

A missing peer skips its test locally with the reason, and fails it when
``CI=true``: CI must really exercise every peer.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip (locally) or fail (in CI) because a peer is not available."""
    if in_ci():
        pytest.fail(f"peer missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_executable(name: str, hint: str = "") -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} not found{': ' + hint if hint else ''}")
    return path  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
