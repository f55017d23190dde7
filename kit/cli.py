"""The ``mallette`` command: run the station, the demo, check a kit, migrate."""

from __future__ import annotations

import importlib
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ground.i18n import _, set_language
from kit.network import lan_address

DEFAULT_DATA = Path(os.environ.get("MALLETTE_DATA", Path.home() / ".local/share/mallette"))


class LazyGroup(click.Group):
    """A command group whose commands of other packages are imported when they run.

    why: ``mallette --help`` must answer at once on a school laptop; the printing and
    report commands import trimesh, scipy and SQLAlchemy, which take seconds to load.
    ``LAZY_COMMANDS`` holds each such command's import path and its one-line help.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, _sep, attr = LAZY_COMMANDS[cmd_name][0].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands, without importing the lazy ones for their help line."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
            elif command is None:
                rows.append((name, click.utils.make_default_short_help(
                    LAZY_COMMANDS[name][1](), formatter.width - 6 - len(name))))
        if rows:
            with formatter.section(_("Commandes")):
                formatter.write_dl(rows)


#: the commands of the other packages: import path, one-line help
LAZY_COMMANDS: dict[str, tuple[str, Callable[[], str]]] = {
    "lessons": ("lessons.cli:lessons", lambda: _("Le cycle de séances : vérifier les "
                                                 "fichiers YAML, afficher le plan d'une séance.")),
    "print": ("printers.cli:print_group", lambda: _("Impression 3D : vérifier, découper, "
                                                    "imprimer.")),
    "report": ("kit.report:report", lambda: _("Chiffres clés (élèves, écoles, séances, "
                                              "filles/garçons, défis) tirés du journal.")),
    "robots": ("robots.cli:robots", lambda: _("Robots de la mallette : recherche, envoi d'un "
                                              "programme, arrêt général.")),
}


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
              help="Langue des messages / language of messages (fr, en).")
def main(lang: str | None) -> None:
    """Mallette : la station des mallettes de robotique et d'impression 3D."""
    set_language(lang or os.environ.get("MALLETTE_LANG", "fr"))


def _load_kit_or_exit(kit_file: Path | None):
    from ground.config import load_kit
    from ground.yamlfile import FileError

    try:
        return load_kit(kit_file)
    except FileError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)


# why: each open screen's live stream holds one thread (kit.live caps them), and a
# class (30 tablets, 2 adults, reloads) must still find threads for its pages and API
# calls; a channel stays readable during a request (lookahead) so that a closed page is
# noticed at once and its stream's thread freed (kit.live polls the disconnect flag)
REQUEST_THREADS = 24


def server_options() -> dict[str, object]:
    """Waitress's options for the station (kit.live is imported only to serve)."""
    from kit.live import MAX_STREAMS

    return {"threads": MAX_STREAMS + REQUEST_THREADS, "channel_timeout": 120,
            "channel_request_lookahead": 1, "connection_limit": 400, "ident": "Mallette"}


def make_server(app, host: str, port: int):
    """The station's web server, with the print worker that runs while it serves."""
    from waitress.server import create_server

    app.extensions["mallette"].printing.start()
    app.extensions["mallette"].mesh.start()  # warm before the first preview
    # why: each open screen holds one live-update stream (one thread) for minutes
    return create_server(app, host=host, port=port, **server_options())


def _serve(app, host: str, port: int) -> None:
    server = make_server(app, host, port)
    try:
        server.run()
    finally:
        app.extensions["mallette"].printing.stop()
        app.extensions["mallette"].mesh.shutdown()


@main.command()
@click.option("--kit", "kit_file", type=click.Path(path_type=Path), default=None,
              help="Fichier kit.yaml (sans lui : mallette simulée).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DEFAULT_DATA,
              show_default=True, help="Dossier des données de la station.")
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def serve(kit_file: Path | None, data_dir: Path, host: str, port: int) -> None:
    """Démarre la station (serveur web pour les tablettes)."""
    from kit.app import create_app

    kit = _load_kit_or_exit(kit_file)
    app = create_app(data_dir=data_dir, kit=kit, kit_path=kit_file)
    with app.app_context():
        from sqlalchemy import func, select

        from kit.models import Facilitator
        from kit.station import station

        with station().sessions() as dbs:
            has_fac = dbs.scalar(select(func.count()).select_from(Facilitator))
    shown = lan_address() if host in ("0.0.0.0", "::") else host
    click.echo(_("Station « %(name)s » : http://%(host)s:%(port)s/",
                 name=kit.station.name, host=shown, port=port))
    if not has_fac:
        token = secrets.token_urlsafe(9)
        app.config["SETUP_TOKEN"] = token
        click.echo(_("Premier démarrage : choisissez le mot de passe sur "
                     "http://%(host)s:%(port)s/premier-demarrage?jeton=%(token)s",
                     host=shown, port=port, token=token))
    _serve(app, host, port)


@main.command()
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--data", "data_dir", type=click.Path(path_type=Path),
              default=DEFAULT_DATA / "demo", show_default=True)
@click.option("--no-serve", is_flag=True, help="Prépare les données sans démarrer le serveur.")
def demo(port: int, host: str, data_dir: Path, no_serve: bool) -> None:
    """Démonstration : mallette simulée, une école, une classe et ses groupes."""
    from kit.app import create_app
    from kit.demo import seed_demo

    app = create_app(data_dir=data_dir)
    with app.app_context():
        info = seed_demo(app)
    shown = lan_address() if host in ("0.0.0.0", "::") else host
    click.echo(_("Démo Mallette : http://%(host)s:%(port)s/", host=shown, port=port))
    click.echo(_("Mot de passe animateur·rice : %(pw)s", pw=info["password"]))
    click.echo(_("Code enseignant·e (%(cls)s) : %(code)s", cls=info["class_name"],
                 code=info["access_code"]))
    for name, code in info["groups"]:
        click.echo(_("  Groupe %(name)s : code %(code)s", name=name, code=code))
    if info["session_number"] is not None:
        click.echo(_("Séance %(n)s ouverte : les codes des groupes marchent tout de suite.",
                     n=info["session_number"]))
    sys.stdout.flush()
    if not no_serve:
        _serve(app, host, port)


@main.command()
@click.option("--kit", "kit_file", type=click.Path(path_type=Path), required=True)
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.option("--timeout", default=3.0, show_default=True, type=float)
def check(kit_file: Path, as_json: bool, timeout: float) -> None:
    """Vérifie kit.yaml puis le matériel (0 : tout va bien, 1 : problème, 2 : invalide)."""
    from ground.config import load_kit
    from ground.yamlfile import FileError
    from kit.probe import probe_kit

    try:
        kit = load_kit(kit_file)
    except FileError as exc:
        if as_json:
            click.echo(json.dumps({"valid": False,
                                   "problems": [p.as_dict() for p in exc.problems]},
                                  ensure_ascii=False, indent=2))
        else:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
        sys.exit(2)
    report = probe_kit(kit, timeout=timeout)
    if as_json:
        click.echo(json.dumps({"valid": True, **report}, ensure_ascii=False, indent=2))
    else:
        click.echo(_("Mallette « %(name)s » (%(id)s) : fichier valide.",
                     name=kit.station.name, id=kit.station.kit_id))
        kinds = {"robot": _("robot"), "printer": _("imprimante"), "unknown": _("robot inconnu")}
        for item in report["items"]:
            mark = "✔" if item["ok"] else "✘"
            kind = kinds.get(item["kind"], item["kind"])
            click.echo(f"  {mark} {kind} {item['id']} ({item['name']}) : {item['status']}")
    sys.exit(0 if report["ok"] else 1)


@main.group("db")
def db_group() -> None:
    """Base de données."""


@db_group.command("upgrade")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DEFAULT_DATA,
              show_default=True)
@click.option("--url", default=None, help="URL SQLAlchemy (ex. postgresql+psycopg://…).")
def db_upgrade(data_dir: Path, url: str | None) -> None:
    """Applique les migrations (crée la base si besoin)."""
    from kit import db as kitdb

    if url is None:
        data_dir.mkdir(parents=True, exist_ok=True)
        url = kitdb.database_url(data_dir)
    kitdb.upgrade(url)
    click.echo(_("Base de données à jour."))
