"""``mallette lessons …``: check a cycle's YAML files and print a session's plan.

The lead registers :data:`lessons` in the ``mallette`` group; every command also
works on its own through :class:`click.testing.CliRunner`.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import click

from ground.i18n import _, ngettext, set_language
from lessons.cycle import DEFAULT_CYCLE_DIR, CycleError, load_cycle, validate_cycle
from robots.program import count_blocks
from robots.vocabulary import label

EXIT_INVALID = 2

_LANG = click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
                     help="Langue des messages / language of the messages.")


def skill_label(skill: str) -> str:
    """The five coding skills, as teachers read them."""
    return {
        "decode": _("décoder"), "encode": _("encoder"), "debug": _("déboguer"),
        "sequence": _("séquencer"), "optimise": _("optimiser"),
    }.get(skill, skill)


def describe_criterion(name: str, value: Any, kind: str = "programming",
                       lang: str = "fr") -> str:
    """A criterion in words, for the facilitator's plan."""
    def cells(v: Any) -> str:
        return " → ".join(f"[{c[0]}, {c[1]}]" for c in v)

    names = ""
    if name == "uses_block":
        listed = [value] if isinstance(value, str) else value
        names = ", ".join(f"« {label(b, lang)} »" if kind == "programming" else b
                          for b in listed)
    texts = {
        "reach_target": lambda: _("atteindre la cible"),
        "ends_at": lambda: _("finir sur la case [%(col)s, %(row)s]", col=value[0], row=value[1]),
        "ends_facing": lambda: _("finir tourné vers : %(heading)s", heading=value),
        "visits": lambda: _("passer par %(cells)s", cells=cells(value)),
        "no_collision": lambda: _("ne rien heurter"),
        "uses_block": lambda: _("utiliser : %(names)s", names=names),
        "max_blocks": lambda: _("%(n)s blocs au plus", n=value),
        "min_blocks": lambda: _("%(n)s blocs au moins", n=value),
        "light_shown": lambda: _("allumer la lumière « %(colour)s »", colour=value),
        "sound_played": lambda: _("jouer au moins une note"),
        "reacts_to_obstacle": lambda: _("détecter l'obstacle sans le heurter"),
        "follows_line": lambda: _("suivre la ligne (%(pct)s %% de ses cases)",
                                  pct=round(float(value) * 100)),
        "printable": lambda: _("objet imprimable"),
        "max_print_minutes": lambda: _("impression de %(n)s min au plus", n=value),
    }
    return texts[name]() if name in texts else f"{name}: {value}"


@click.group("lessons")
def lessons() -> None:
    """Le cycle de séances : vérifier les fichiers YAML, afficher le plan d'une séance."""


@lessons.command("validate")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Rapport en JSON.")
@_LANG
def validate(directory: Path | None, as_json: bool, lang: str) -> None:
    """Vérifier un dossier de cycle (par défaut, le cycle livré) ; code 2 s'il y a des erreurs."""
    set_language(lang)
    report = validate_cycle(directory or DEFAULT_CYCLE_DIR)
    cycle = report.cycle
    if as_json:
        click.echo(json.dumps({
            "valid": report.ok,
            "directory": str(report.directory),
            "sessions": len(cycle.sessions) if cycle else None,
            "programming": cycle.count("programming") if cycle else None,
            "printing": cycle.count("printing") if cycle else None,
            "errors": [e.as_dict() for e in report.errors],
        }, ensure_ascii=False, indent=2))
    else:
        for error in report.errors:
            click.echo(str(error))
        if cycle is not None:
            click.echo(ngettext(
                "Cycle valide : %(num)s séance (%(prog)s de programmation, "
                "%(print)s d'impression).",
                "Cycle valide : %(num)s séances (%(prog)s de programmation, "
                "%(print)s d'impression).",
                len(cycle.sessions), prog=cycle.count("programming"),
                print=cycle.count("printing")))
        else:
            click.echo(_("%(n)s erreur(s) : cycle non valide.", n=len(report.errors)))
    if not report.ok:
        raise SystemExit(EXIT_INVALID)


def _wrap(text: str, indent: str, first: str | None = None) -> str:
    """Fill a paragraph, keeping French punctuation with its word (no-break spaces)."""
    text = " ".join(text.split())
    for mark in (" »", " :", " ;", " ?", " !"):
        text = text.replace(mark, "\u00a0" + mark[1:])
    text = text.replace("« ", "«\u00a0")
    return textwrap.fill(text, width=88, initial_indent=indent if first is None else first,
                         subsequent_indent=indent)


@lessons.command("show")
@click.argument("number", type=int)
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None,
              help="Dossier du cycle (par défaut, le cycle livré).")
@_LANG
def show(number: int, directory: Path | None, lang: str) -> None:
    """Afficher le plan de la séance NUMBER pour l'animateur."""
    set_language(lang)
    try:
        cycle = load_cycle(directory)
    except CycleError as exc:
        for error in exc.errors:
            click.echo(str(error))
        raise SystemExit(EXIT_INVALID) from None
    try:
        session = cycle.session(number)
    except KeyError:
        click.echo(_("Pas de séance %(n)s dans ce cycle (séances 1 à %(count)s).",
                     n=number, count=len(cycle.sessions)))
        raise SystemExit(EXIT_INVALID) from None
    kind = _("programmation") if session.kind == "programming" else _("impression 3D")
    out = [
        _("Séance %(n)s — %(title)s", n=session.number, title=session.title.get(lang)),
        _("%(kind)s, %(minutes)s min", kind=kind, minutes=session.duration_min),
        "",
        _wrap(session.summary.get(lang), ""),
        "",
        _("Objectifs :"),
    ]
    for objective in session.objectives:
        skills = ", ".join(skill_label(s) for s in objective.skills)
        out.append(_wrap(f"{objective.get(lang)} ({skills})", "    ", "  - "))
    out += ["", _("Matériel :")]
    out += [f"  - {item}" for item in session.materials.get(lang)]
    toolbox = ", ".join(label(b, lang) if session.kind == "programming" else b
                        for b in session.toolbox())
    out += ["", _wrap(_("Blocs disponibles : %(blocks)s", blocks=toolbox), "  ", "")]
    if session.template:
        out.append(_("Modèle de départ : %(template)s", template=session.template))
    out += ["", _("Déroulé :")]
    for timed in cycle.timeline(number):
        out.append(f"  {timed.start_min:>2}–{timed.end_min:>2} min  "
                   f"{timed.step.title.get(lang)} ({timed.step.minutes} min)")
        out.append(_wrap(timed.step.say.get(lang), "             "))
    out += ["", _("Défis :")]
    for challenge in session.challenges:
        out.append(f"  [{challenge.id}] {challenge.title.get(lang)}")
        criteria = " ; ".join(describe_criterion(k, v, session.kind, lang)
                              for k, v in challenge.criteria.items())
        out.append(_wrap(_("Réussi si : %(criteria)s", criteria=criteria), "      "))
        out.append(_wrap(_("Indice : %(hint)s", hint=challenge.hint.get(lang)), "      "))
        if challenge.solution is not None:
            out.append("      " + _("Solution de référence : %(n)s blocs",
                                    n=count_blocks(challenge.solution)))
    click.echo("\n".join(out))
