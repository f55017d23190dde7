"""``mallette print …``: printing commands for the facilitator's terminal.

``mallette print check FILE --printer ID`` tells whether a file (STL, 3MF, OBJ, an object
built with blocks as JSON, or a G-code file) can be printed: exit code 0 printable,
1 not printable, 2 unreadable file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ground.i18n import _, ngettext

if TYPE_CHECKING:
    from printers.profiles import PrinterProfile

# why: each command imports its libraries itself (trimesh and scipy take seconds to load),
# so that ``mallette print --help`` answers at once
EXIT_OK, EXIT_NOT_PRINTABLE, EXIT_UNREADABLE = 0, 1, 2


def _mark(severity: str) -> str:
    return {"ok": "OK", "warning": _("ATTENTION"), "blocking": _("BLOQUANT")}[severity]


def _profile_from_kit(kit: Path, printer_id: str) -> PrinterProfile:
    """A printer of kit.yaml's ``printers`` list, else a built-in profile."""
    import yaml
    from pydantic import ValidationError

    from printers.profiles import get_profile, profile_from_kit_printer

    try:
        data = yaml.safe_load(kit.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise click.UsageError(_("Impossible de lire %(file)s : %(err)s", file=kit,
                                 err=exc)) from None
    for entry in (data.get("printers", []) if isinstance(data, dict) else []) or []:
        if isinstance(entry, dict) and entry.get("id") == printer_id:
            try:
                return profile_from_kit_printer(entry)
            except (ValidationError, KeyError, TypeError) as exc:
                raise click.UsageError(_("Imprimante « %(id)s » mal décrite dans %(file)s : "
                                         "%(err)s", id=printer_id, file=kit,
                                         err=exc)) from None
    return get_profile(printer_id)


def _emit(payload: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            click.echo(line)


@click.group("print", help=_("Impression 3D : vérifier, découper, imprimer."))
def print_group() -> None:
    pass


@print_group.command("check", help=_("Dit si un fichier (STL, 3MF, OBJ, objet JSON, G-code) "
                                     "est imprimable. Code de sortie : 0 imprimable, "
                                     "1 non imprimable, 2 fichier illisible."))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--printer", "printer_id", default="default", show_default=True,
              help=_("Identifiant de l'imprimante (profil)."))
@click.option("--json", "as_json", is_flag=True, help=_("Sortie JSON."))
@click.option("--kit", "kit_file", type=click.Path(path_type=Path), default=None,
              help=_("Fichier kit.yaml qui décrit les imprimantes."))
@click.option("--no-slice", is_flag=True, help=_("Ne pas lancer PrusaSlicer (estimation "
                                                  "approximative)."))
def check_command(file: Path, printer_id: str, as_json: bool, kit_file: Path | None,
                  no_slice: bool) -> None:
    from printers.checks import check_mesh
    from printers.gcode import GcodeError, check_gcode_file
    from printers.importing import MeshImportError, load_mesh_file
    from printers.objects import ObjectError, build_mesh
    from printers.profiles import UnknownPrinterError, get_profile

    try:
        profile = (_profile_from_kit(kit_file, printer_id) if kit_file
                   else get_profile(printer_id))
    except UnknownPrinterError as exc:
        raise click.UsageError(str(exc)) from None

    def unreadable(message: str) -> None:
        _emit({"file": str(file), "printer": profile.id, "readable": False,
               "printable": False, "error": message}, as_json, [message])
        sys.exit(EXIT_UNREADABLE)

    suffix = file.suffix.lower()
    if suffix in (".gcode", ".gco", ".g"):
        try:
            report = check_gcode_file(file, profile)
        except GcodeError as exc:
            unreadable(str(exc))
            return
        lines = [_("%(file)s : G-code accepté pour « %(p)s ».", file=file.name, p=profile.id)
                 if report.ok else
                 _("%(file)s : G-code refusé pour « %(p)s ».", file=file.name, p=profile.id)]
        lines += [_("  ligne %(n)s : %(msg)s  [%(cmd)s]", n=v.line, msg=v.message, cmd=v.command)
                  for v in report.violations]
        if report.more_violations:
            lines.append(_("  … et %(n)s autres problèmes.", n=report.more_violations))
        _emit({"file": str(file), "printer": profile.id, "readable": True,
               "printable": report.ok, "lines": report.lines,
               "violations": [v.__dict__ for v in report.violations],
               "more_violations": report.more_violations}, as_json, lines)
        sys.exit(EXIT_OK if report.ok else EXIT_NOT_PRINTABLE)

    repairs: list[str] = []
    try:
        if suffix == ".json":
            try:
                doc = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                unreadable(_("Fichier « %(name)s » : JSON illisible (%(err)s).", name=file.name,
                             err=exc))
                return
            mesh = build_mesh(doc)
        else:
            imported = load_mesh_file(file)
            mesh, repairs = imported.mesh, imported.repairs
    except (MeshImportError, ObjectError) as exc:
        unreadable(str(exc))
        return

    report = check_mesh(mesh, profile, slice_estimate=not no_slice)
    verdict = (_("%(file)s : imprimable sur « %(p)s ».", file=file.name, p=profile.id)
               if report.printable else
               _("%(file)s : pas imprimable sur « %(p)s ».", file=file.name, p=profile.id))
    lines = [verdict]
    lines += [_("  réparé : %(what)s", what=r) for r in repairs]
    for f in report.findings:
        lines.append(f"  [{_mark(f.severity)}] {f.message}")
        lines.append(f"      {f.detail}")
    payload = {"file": str(file), "printer": profile.id, "readable": True,
               "repairs": repairs, **report.to_dict()}
    _emit(payload, as_json, lines)
    sys.exit(EXIT_OK if report.printable else EXIT_NOT_PRINTABLE)


def _load_any_mesh(file: Path):  # type: ignore[no-untyped-def]
    """A mesh from an STL/3MF/OBJ file or an object JSON; raises the French errors."""
    from printers.importing import MeshImportError, load_mesh_file
    from printers.objects import build_mesh

    if file.suffix.lower() == ".json":
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MeshImportError(_("Fichier « %(name)s » : JSON illisible (%(err)s).",
                                    name=file.name, err=exc)) from None
        return build_mesh(doc)
    return load_mesh_file(file).mesh


@print_group.command("plate", help=_("Regroupe plusieurs objets sur le moins de plateaux "
                                     "possible : un G-code et une image par plateau. "
                                     "Chaque objet : FICHIER ou GROUPE=FICHIER."))
@click.argument("objects", nargs=-1, required=True)
@click.option("--printer", "printer_id", default="default", show_default=True)
@click.option("--kit", "kit_file", type=click.Path(path_type=Path), default=None)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help=_("Dossier où écrire plate-N.gcode et plate-N.png."))
def plate_command(objects: tuple[str, ...], printer_id: str, kit_file: Path | None,
                  out_dir: Path) -> None:
    from printers.checks import check_mesh
    from printers.importing import MeshImportError
    from printers.objects import ObjectError
    from printers.plates import PlateError, PlateItem, pack, render_plate_png, slice_plate
    from printers.profiles import UnknownPrinterError, get_profile
    from printers.slicing import SlicerError

    try:
        profile = (_profile_from_kit(kit_file, printer_id) if kit_file
                   else get_profile(printer_id))
    except UnknownPrinterError as exc:
        raise click.UsageError(str(exc)) from None
    items = []
    refused = False
    for i, spec in enumerate(objects):
        group, _sep, name = spec.rpartition("=")
        file = Path(name)
        try:
            mesh = _load_any_mesh(file)
        except (MeshImportError, ObjectError) as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_UNREADABLE)
        report = check_mesh(mesh, profile, slice_estimate=False)
        if not report.printable:
            refused = True
            blocking = [f.message for f in report.findings if f.severity == "blocking"]
            click.echo(_("%(file)s : pas imprimable : %(why)s", file=file.name,
                         why=" ".join(blocking)), err=True)
            continue
        items.append(PlateItem(f"{i}:{file.name}", group or file.stem, report.mesh))
    if refused:
        sys.exit(EXIT_NOT_PRINTABLE)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        plates = pack(items, profile)
        for n, plate in enumerate(plates, start=1):
            result = slice_plate(plate, profile, out_dir / f"plate-{n}.gcode")
            render_plate_png(plate, profile, out_dir / f"plate-{n}.png")
            minutes = round((result.print_time_s or 0) / 60)
            click.echo(ngettext("Plateau %(plate)s : %(num)s objet (%(groups)s), environ "
                                "%(min)s min, %(g)s g -> %(file)s",
                                "Plateau %(plate)s : %(num)s objets (%(groups)s), environ "
                                "%(min)s min, %(g)s g -> %(file)s", len(plate.placements),
                                plate=n, groups=", ".join(plate.groups), min=minutes,
                                g=result.filament_g, file=result.gcode_path))
    except (PlateError, SlicerError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_NOT_PRINTABLE)


@print_group.command("printers", help=_("Liste les profils d'imprimante connus."))
def printers_command() -> None:
    from printers.profiles import BUILTIN_PROFILES

    for p in BUILTIN_PROFILES.values():
        x, y, z = p.build_volume
        click.echo(f"{p.id}: {p.name} ({x:.0f} × {y:.0f} × {z:.0f} mm, "
                   f"buse {p.nozzle_diameter} mm)")
