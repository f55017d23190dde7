"""The teacher's screens: their class only (the access code opens one class).

The overview (groups × sessions, the five-skills grid), a group page (timeline,
programs as the pupils built them, objects printed), the CSV export and the
printable report. Everything is derived from the event log by
:mod:`kit.progress`; nothing a teacher sees here can be changed from here.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, render_template, session
from flask_babel import get_locale
from sqlalchemy import select

from ground.i18n import _
from kit.models import Classroom, Group, PrintJob, ProgramVersion
from kit.progress import (
    LEVELS,
    STATUSES,
    ClassProgress,
    class_progress,
    group_timeline,
    skill_help,
    status_icon,
    status_label,
)
from kit.security import roles
from kit.station import db, station
from printers.states import state_label
from web import formats

bp = Blueprint("teacher", __name__, url_prefix="/enseignant")


def teacher_class() -> Classroom:
    cls = db().get(Classroom, session.get("class_id"))
    if cls is None:
        abort(403)
    return cls


def _lang() -> str:
    return str(get_locale() or "fr")


def _robot_names() -> dict[str, str]:
    return {r.id: r.name for r in station().kit.robots}


def kind_label(kind: str) -> str:
    return {"programming": _("Programmation"), "printing": _("Impression 3D")}.get(kind, kind)


def _context(progress: ClassProgress) -> dict[str, Any]:
    return {"progress": progress, "cls": progress.classroom, "statuses": STATUSES,
            "status_label": status_label, "status_icon": status_icon, "levels": LEVELS,
            "skill_help": skill_help, "kind_label": kind_label, "lang": _lang(),
            **formats.helpers()}


@bp.get("/")
@roles("teacher")
def overview():
    progress = class_progress(db(), teacher_class(), _lang())
    return render_template("teacher/overview.html", **_context(progress))


@bp.get("/groupes/<int:group_id>")
@roles("teacher")
def group_page(group_id: int):
    cls = teacher_class()
    group = db().get(Group, group_id)
    if group is None or group.class_id != cls.id:
        abort(404)  # another class's group does not exist for this teacher
    progress = class_progress(db(), cls, _lang())
    versions = list(db().scalars(
        select(ProgramVersion).where(ProgramVersion.group_id == group.id)
        .order_by(ProgramVersion.created_at, ProgramVersion.id)))
    programs = [(v, render_program(v.program, v.kind)) for v in versions]
    prints = list(db().scalars(select(PrintJob).where(PrintJob.group_id == group.id)
                               .order_by(PrintJob.created_at)))
    return render_template("teacher/group.html", group=group, gp=progress.group(group.id),
                           timeline=group_timeline(db(), group, _lang(), _robot_names()),
                           programs=programs,
                           prints=prints, print_state=print_state_label,
                           **_context(progress))


@bp.get("/rapport")
@roles("teacher")
def report():
    """The whole class on paper (the page has a print stylesheet)."""
    progress = class_progress(db(), teacher_class(), _lang())
    return render_template("teacher/report.html", now=datetime.now(UTC), **_context(progress))


@bp.get("/export.csv")
@roles("teacher")
def export_csv():
    """One row per group × session; UTF-8 with BOM and ';' so a French spreadsheet opens it."""
    cls = teacher_class()
    progress = class_progress(db(), cls, _lang())
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    out.writerow([_("Classe"), _("Groupe"), _("Élèves"), _("Séance"), _("Titre"), _("Type"),
                  _("Date"), _("Statut"), _("Défis réussis"), _("Défis de la séance"),
                  _("Défis réussis (noms)")])
    for gp in progress.groups:
        for cell in gp.cells:
            held = progress.held.get(cell.number)
            names = [progress.curriculum.find_challenge(cid)[1].title.get(_lang())
                     for cid in cell.passed]
            out.writerow([cls.name, gp.group.name, ", ".join(gp.group.members), cell.number,
                          progress.title(cell.number, _lang()),
                          kind_label(progress.kind(cell.number)),
                          formats.sheet_day(held.opened) if held else "",
                          cell.label, len(cell.passed), cell.total, " | ".join(names)])
    name = "".join(c if c.isalnum() else "-" for c in cls.name).strip("-") or "classe"
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="mallette-{name}.csv"'})


def print_state_label(state: str) -> str:
    """A print's state on the teacher's page: the pupils' words (printers.states), capitalised
    as the page's other lines."""
    label = state_label(state)
    return label[:1].upper() + label[1:]


# --- programs, read-only ------------------------------------------------------------------

def _field_labels() -> dict[str, str]:
    return {
        "direction": _("sens"), "distance_cm": _("distance (cm)"), "seconds": _("secondes"),
        "degrees": _("degrés"), "colour": _("couleur"), "note": _("note"),
        "times": _("fois"), "condition": _("condition"),
        "max_iterations": _("tours au plus"), "name": _("nom"), "value": _("valeur"),
        "by": _("de"), "size": _("taille (mm)"), "radius": _("rayon (mm)"),
        "height": _("hauteur (mm)"), "text": _("texte"), "x": "x", "y": "y", "z": "z",
        "factor": _("facteur"), "offset": _("décalage (mm)"), "angle": _("angle (°)"),
    }


def _section_labels() -> dict[str, str]:
    return {"body": _("faire"), "then": _("alors"), "else": _("sinon"),
            "children": _("contenu")}


def _value_words() -> dict[str, str]:
    return {
        "forward": _("en avant"), "backward": _("en arrière"), "left": _("à gauche"),
        "right": _("à droite"), "red": _("rouge"), "green": _("vert"), "blue": _("bleu"),
        "yellow": _("jaune"), "purple": _("violet"), "cyan": _("cyan"), "white": _("blanc"),
        "off": _("éteinte"),
    }


def block_label(block: str, lang: str) -> str:
    """The block's label as the pupils saw it in the editor."""
    from robots.vocabulary import BLOCK_LABELS, label

    if block in BLOCK_LABELS:
        return label(block, lang)
    try:  # the 3D blocks are named by the printing part, when it is installed
        from printers.objects import BLOCK_LABELS as OBJECT_LABELS
    except ImportError:
        OBJECT_LABELS = {}
    if lang == "fr" and block in OBJECT_LABELS:
        return OBJECT_LABELS[block]
    return _object_labels().get(block, block)


def _object_labels() -> dict[str, str]:
    """The 3D blocks' names, for a station without the printing part."""
    return {"box": _("pavé"), "cylinder": _("cylindre"), "sphere": _("boule"),
            "text": _("texte"), "translate": _("déplacer"), "rotate": _("tourner"),
            "scale": _("agrandir"), "union": _("assembler"), "difference": _("enlever"),
            "repeat": _("répéter")}


def _number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.replace(".", ",") if _lang() == "fr" else text


def value_text(value: Any, lang: str) -> str:
    """A field's value in words: numbers, expressions and conditions, inline."""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return _value_words().get(value, value)
    if isinstance(value, list):
        return " × ".join(value_text(v, lang) for v in value)
    if isinstance(value, dict):
        if "param" in value:
            return _("paramètre « %(name)s »", name=value["param"])
        block = value.get("block")
        if block == "variable":
            return str(value.get("name", "?"))
        if block == "arithmetic":
            op = {"*": "×", "/": "÷"}.get(value.get("op"), value.get("op", "?"))
            return (f"({value_text(value.get('left'), lang)} {op} "
                    f"{value_text(value.get('right'), lang)})")
        if block == "compare":
            return (f"{value_text(value.get('left'), lang)} {value.get('op', '?')} "
                    f"{value_text(value.get('right'), lang)}")
        if block == "not":
            return f"{block_label('not', lang)} ({value_text(value.get('condition'), lang)})"
        if isinstance(block, str):
            return block_label(block, lang)
    return "?"


def _node(item: Any, lang: str) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("block"), str):
        return {"label": _("bloc illisible"), "block": "", "values": [], "sections": []}
    fields, sections = _field_labels(), _section_labels()
    values, children = [], []
    for key, val in item.items():
        if key in ("block", "id"):
            continue
        if key in sections and isinstance(val, list):
            children.append({"title": sections[key], "blocks": [_node(b, lang) for b in val]})
        else:
            values.append((fields.get(key, key), value_text(val, lang)))
    block = item["block"]
    if block == "if" and item.get("else"):
        block = "if_else"  # the pupils used the "si … sinon" block
    return {"label": block_label(block, lang), "block": block,
            "values": values, "sections": children}


def render_program(program: Any, kind: str = "robot") -> dict[str, Any]:
    """A program model (robot or 3D object) as nested blocks with their values, in words."""
    lang = _lang()
    if not isinstance(program, dict):
        return {"name": "", "sections": [], "error": _("Programme illisible.")}
    if kind == "object" or "root" in program:
        root = program.get("root")
        return {"name": str(program.get("name") or ""), "error": "",
                "sections": [{"title": _("Objet"), "blocks": [_node(root, lang)]}]}
    sections = [{"title": _("Programme principal"),
                 "blocks": [_node(b, lang) for b in program.get("main") or []]}]
    for handler in program.get("events") or []:
        if not isinstance(handler, dict):
            continue
        block = {"button_pressed": "when_button", "obstacle": "when_obstacle"}.get(
            handler.get("event"), str(handler.get("event")))
        sections.append({"title": block_label(block, lang),
                         "blocks": [_node(b, lang) for b in handler.get("body") or []]})
    return {"name": "", "sections": sections, "error": ""}
