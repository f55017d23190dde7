"""What every request reaches: the kit, the database and the services the factory built.

why: blueprints and services find the station through :func:`station` (Flask's
``current_app``), never by importing the application factory; so the factory
(:mod:`kit.app`) stays the roof that imports them, and nothing imports it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from ground.config import KitConfig

if TYPE_CHECKING:  # the services are built by the factory; these are their types only
    from kit.printing import PrintService
    from kit.robot_service import RobotService
    from printers.tasks import MeshWork


@dataclass
class Station:
    """The station's state: built once by :func:`kit.app.create_app`."""

    kit: KitConfig
    kit_path: Path | None
    data_dir: Path
    engine: Engine
    sessions: sessionmaker[DbSession]
    robots: RobotService
    printing: PrintService
    mesh: MeshWork


def station() -> Station:
    return current_app.extensions["mallette"]


def db() -> DbSession:
    """The request's database session (closed at the end of the request)."""
    if "db" not in g:
        g.db = station().sessions()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's database session, if it opened one."""
    dbs = g.pop("db", None)
    if dbs is not None:
        dbs.close()
