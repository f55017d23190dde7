"""Key figures for coordinators and funders, computed from the event log.

A session counts as held when it has a ``session.opened`` event in the period;
a group is reached when it has an event in one of those sessions; pupils,
girls and boys are those of the groups reached (girls/boys only where the
facilitator entered them; the rest are counted as "not entered"). Classes and
schools are those of the held sessions. A challenge passed is one group passing
one challenge (checked by the station; a print challenge once its print was
accepted, see :mod:`kit.verdicts`) in a held session, counted once.

``mallette report --data DIR [--from DATE --to DATE] [--json|--csv]`` prints
them; the facilitator's page (``web/figures.py``) shows the same numbers.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from ground.i18n import _
from kit import events as ev
from kit.models import Classroom, Event, Group, Session
from kit.verdicts import as_utc, passes


class PeriodError(ValueError):
    """A date of the period is not understood; the message says which and why."""


@dataclass
class KeyFigures:
    date_from: str | None
    date_to: str | None
    pupils: int = 0
    groups: int = 0
    classes: int = 0
    schools: int = 0
    sessions: int = 0
    facilitators: int = 0
    girls: int = 0
    boys: int = 0
    gender_not_entered: int = 0
    sessions_by_kind: dict[str, int] = field(
        default_factory=lambda: {"programming": 0, "printing": 0})
    challenges_passed: int = 0
    programs_sent: int = 0
    objects_printed: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["from"] = data.pop("date_from")
        data["to"] = data.pop("date_to")
        return data

    def rows(self) -> list[tuple[str, str, Any]]:
        """(key, French label, value), in the order a funder reads them."""
        kinds = self.sessions_by_kind
        return [
            ("from", _("Du"), self.date_from or ""),
            ("to", _("Au"), self.date_to or ""),
            ("pupils", _("Élèves touchés"), self.pupils),
            ("girls", _("dont filles"), self.girls),
            ("boys", _("dont garçons"), self.boys),
            ("gender_not_entered", _("dont fille/garçon non renseigné"),
             self.gender_not_entered),
            ("groups", _("Groupes"), self.groups),
            ("classes", _("Classes"), self.classes),
            ("schools", _("Écoles et centres"), self.schools),
            ("sessions", _("Séances faites"), self.sessions),
            ("sessions_programming", _("séances de programmation"),
             kinds.get("programming", 0)),
            ("sessions_printing", _("séances d'impression 3D"), kinds.get("printing", 0)),
            ("facilitators", _("Animateurs·rices"), self.facilitators),
            ("challenges_passed", _("Défis réussis"), self.challenges_passed),
            ("programs_sent", _("Programmes envoyés aux robots"), self.programs_sent),
            ("objects_printed", _("Objets imprimés"), self.objects_printed),
        ]


def parse_day(text: str | None, what: str) -> date | None:
    """An ISO date (2026-01-31), or a clear message naming the option."""
    if text is None or text.strip() == "":
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(_("%(what)s : « %(value)s » n'est pas une date au format "
                            "AAAA-MM-JJ (par exemple 2026-01-31).",
                            what=what, value=text)) from None


def parse_period(date_from: str | None, date_to: str | None,
                 from_name: str = "--from", to_name: str = "--to"
                 ) -> tuple[date | None, date | None]:
    start = parse_day(date_from, from_name)
    end = parse_day(date_to, to_name)
    if start and end and start > end:
        raise PeriodError(_("La date de début (%(start)s) est après la date de fin (%(end)s).",
                            start=start.isoformat(), end=end.isoformat()))
    return start, end


def _in_period(moment: datetime, start: date | None, end: date | None) -> bool:
    """Days are the station's local days (the laptop's clock), bounds included."""
    day = as_utc(moment).astimezone().date()
    return (start is None or day >= start) and (end is None or day <= end)


def key_figures(db: DbSession, start: date | None = None,
                end: date | None = None) -> KeyFigures:
    """Count what happened in [start, end] from the events."""
    figures = KeyFigures(start.isoformat() if start else None, end.isoformat() if end else None)
    opened = [e for e in db.scalars(select(Event).where(Event.type == ev.SESSION_OPENED))
              if e.session_id is not None and _in_period(e.time, start, end)]
    first_open: dict[int, Event] = {}
    for e in opened:
        first_open.setdefault(e.session_id, e)
    session_ids = list(first_open)
    if not session_ids:
        return figures
    sessions = {s.id: s for s in db.scalars(select(Session).where(Session.id.in_(session_ids)))}
    figures.sessions = len(first_open)
    class_ids: set[int] = set()
    for sid, e in first_open.items():
        sess = sessions.get(sid)
        kind = e.payload.get("kind") or (sess.kind if sess else "programming")
        figures.sessions_by_kind[kind] = figures.sessions_by_kind.get(kind, 0) + 1
        cid = e.class_id if e.class_id is not None else (sess.cycle.class_id if sess else None)
        if cid is not None:
            class_ids.add(cid)
    figures.facilitators = len({s.facilitator_id for s in sessions.values()
                                if s.facilitator_id is not None})

    group_ids: set[int] = set()
    log = list(db.scalars(select(Event).where(Event.session_id.in_(session_ids),
                                              Event.group_id.is_not(None))
                          .order_by(Event.time, Event.id)))
    for e in log:
        group_ids.add(e.group_id)
        p = e.payload or {}
        if e.type == ev.PROGRAM_SENT and p.get("ok", True):
            figures.programs_sent += 1
        elif e.type == ev.PRINT_FINISHED and p.get("state") == "done":
            figures.objects_printed += 1
    figures.challenges_passed = len(passes(log))

    groups = list(db.scalars(select(Group).where(Group.id.in_(group_ids))))
    figures.groups = len(groups)
    for g in groups:
        size = len(g.members or [])
        figures.pupils += size
        figures.girls += g.girls or 0
        figures.boys += g.boys or 0
        figures.gender_not_entered += max(size - (g.girls or 0) - (g.boys or 0), 0)
    figures.classes = len(class_ids)
    figures.schools = len({c.school_id for c in db.scalars(
        select(Classroom).where(Classroom.id.in_(class_ids)))})
    return figures


def figures_csv(figures: KeyFigures) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\n")
    out.writerow([_("indicateur"), _("libellé"), _("valeur")])
    for key, label, value in figures.rows():
        out.writerow([key, label, value])
    return buf.getvalue()


def figures_text(figures: KeyFigures) -> str:
    if figures.date_from or figures.date_to:
        period = _("Chiffres clés du %(start)s au %(end)s",
                   start=figures.date_from or "…", end=figures.date_to or "…")
    else:
        period = _("Chiffres clés (toutes les dates)")
    lines = [period]
    for _key, label, value in figures.rows()[2:]:
        indent = "    " if label[:1].islower() else "  "  # "dont filles" under "Élèves"
        lines.append(f"{indent}{label} : {value}")
    return "\n".join(lines)


@click.command("report")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), required=True,
              help="Dossier des données de la station.")
@click.option("--from", "date_from", default=None, metavar="AAAA-MM-JJ",
              help="Premier jour compté (inclus).")
@click.option("--to", "date_to", default=None, metavar="AAAA-MM-JJ",
              help="Dernier jour compté (inclus).")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Résultat en CSV (séparateur ;).")
def report(data_dir: Path, date_from: str | None, date_to: str | None, as_json: bool,
           as_csv: bool) -> None:
    """Chiffres clés (élèves, écoles, séances, filles/garçons, défis) tirés du journal."""
    from kit import db as kitdb

    if as_json and as_csv:
        click.echo(_("Choisissez --json ou --csv, pas les deux."), err=True)
        sys.exit(2)
    try:
        start, end = parse_period(date_from, date_to)
    except PeriodError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    db_file = data_dir / "mallette.sqlite3"
    if not db_file.exists():
        click.echo(_("Pas de base de données Mallette dans « %(dir)s » (fichier %(file)s "
                     "introuvable).", dir=data_dir, file=db_file.name), err=True)
        sys.exit(2)
    url = kitdb.database_url(data_dir)
    kitdb.upgrade(url)
    engine = kitdb.make_engine(url)
    try:
        with kitdb.session_factory(engine)() as db:
            figures = key_figures(db, start, end)
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(figures.as_dict(), ensure_ascii=False, indent=2))
    elif as_csv:
        click.echo(figures_csv(figures), nl=False)
    else:
        click.echo(figures_text(figures))
