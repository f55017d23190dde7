"""Read lesson files, keeping the line of every field, and report problems as
``file:line: field: message`` (French by default, through :func:`ground.i18n._`).

PyYAML composes the document into nodes that carry their position; we record
the line of each key and list item under its path (``("challenges", 0, "id")``)
so that a pydantic error, or a cross-check, points at the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ground.i18n import _
from ground.yamlfile import field_name
from lessons.schema import Session

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class LessonError:
    """One problem in a lesson file, where a person can find and fix it."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


@dataclass
class LineMap:
    """Line (1-based) of each path of a YAML document."""

    lines: dict[Path_, int] = field(default_factory=lambda: {(): 1})

    def line(self, path: Path_) -> int:
        """The line of ``path``, or of its closest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


class _Composed:
    """A composed YAML document: its data, line map and the duplicate keys found."""

    def __init__(self, text: str) -> None:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            self.lines = LineMap()
            self.duplicates: list[tuple[Path_, int, str]] = []
            if node is not None:
                self._walk(node, ())
            self.data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()

    def _walk(self, node: yaml.Node, path: Path_) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                line = key_node.start_mark.line + 1
                if key in seen:
                    self.duplicates.append((path + (key,), line, str(key)))
                    continue
                seen.add(key)
                self.lines.lines[path + (key,)] = line
                self._walk(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.lines.lines[path + (i,)] = item.start_mark.line + 1
                self._walk(item, path + (i,))


@dataclass
class LoadedFile:
    """One lesson file after loading: the session if valid enough, and its problems."""

    path: Path
    session: Session | None
    data: Any
    lines: LineMap
    errors: list[LessonError]

    def error(self, path: Path_, message: str) -> LessonError:
        return LessonError(str(self.path), self.lines.line(path), field_name(path), message)


def _pydantic_message(err: dict[str, Any]) -> str:
    """A French message for one pydantic error (its English text as a last resort)."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    loc = err["loc"]
    if kind == "missing":
        if loc and loc[-1] == "fr":
            return _("texte français manquant")
        if loc and loc[-1] == "en":
            return _("traduction anglaise manquante")
        return _("champ obligatoire manquant")
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "icon":
        return _("doit être un emoji (sans lettres, chiffres ni espaces)")
    if kind == "string_too_long":
        return _("trop long : %(n)s caractères au plus (une phrase courte)",
                 n=ctx.get("max_length"))
    simple = {
        "extra_forbidden": _("champ inconnu (vérifiez son orthographe)"),
        "string_type": _("doit être un texte"),
        "string_too_short": _("ne doit pas être vide"),
        "int_type": _("doit être un nombre entier"),
        "int_parsing": _("doit être un nombre entier"),
        "int_from_float": _("doit être un nombre entier"),
        "float_type": _("doit être un nombre"),
        "float_parsing": _("doit être un nombre"),
        "bool_type": _("doit valoir true ou false"),
        "bool_parsing": _("doit valoir true ou false"),
        "list_type": _("doit être une liste"),
        "dict_type": _("doit être une table (clé : valeur)"),
        "model_type": _("doit être une table (clé : valeur)"),
        "model_attributes_type": _("doit être une table (clé : valeur)"),
        "string_pattern_mismatch": _(
            "format invalide (lettres minuscules, chiffres, « - » ou « _ »)"
        ),
    }
    if kind in simple:
        return simple[kind]
    if kind == "literal_error":
        return _(
            "valeur « %(value)s » inconnue ; valeurs possibles : %(expected)s",
            value=err.get("input"),
            expected=str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", "),
        )
    bounds = {
        "greater_than_equal": ("ge", _("doit être supérieur ou égal à %(n)s")),
        "greater_than": ("gt", _("doit être supérieur à %(n)s")),
        "less_than_equal": ("le", _("doit être inférieur ou égal à %(n)s")),
        "less_than": ("lt", _("doit être inférieur à %(n)s")),
    }
    if kind in bounds:
        key, text = bounds[kind]
        return text % {"n": ctx.get(key)}
    if kind == "too_short":
        return _("doit contenir au moins %(n)s élément(s)", n=ctx.get("min_length"))
    if kind == "too_long":
        return _("doit contenir au plus %(n)s élément(s)", n=ctx.get("max_length"))
    return _("valeur invalide : %(detail)s", detail=err.get("msg", ""))


def load_file(path: Path) -> LoadedFile:
    """Load and validate one lesson file on its own (no cross-file checks)."""
    empty = LineMap()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err = LessonError(str(path), 1, "", _("fichier illisible : %(detail)s", detail=exc))
        return LoadedFile(path, None, None, empty, [err])
    try:
        doc = _Composed(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = " ".join(p for p in (exc.context, exc.problem) if p)
        if "'\\t'" in detail:
            detail = _("tabulation interdite, indentez avec des espaces")
        err = LessonError(str(path), line, "",
                          _("erreur de syntaxe YAML : %(detail)s", detail=detail))
        return LoadedFile(path, None, None, empty, [err])
    except yaml.YAMLError as exc:
        err = LessonError(str(path), 1, "", _("erreur de syntaxe YAML : %(detail)s", detail=exc))
        return LoadedFile(path, None, None, empty, [err])

    loaded = LoadedFile(path, None, doc.data, doc.lines, [])
    for dup_path, line, key in doc.duplicates:
        loaded.errors.append(
            LessonError(str(path), line, field_name(dup_path),
                        _("clé « %(key)s » en double", key=key))
        )
    if not isinstance(doc.data, dict):
        loaded.errors.append(
            loaded.error((), _("le fichier doit décrire une séance (clé : valeur)")))
        return loaded
    try:
        loaded.session = Session.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loaded.errors.append(loaded.error(tuple(err["loc"]), _pydantic_message(dict(err))))
    return loaded


def lesson_files(directory: Path) -> list[Path]:
    """The lesson files of a cycle folder, in name order (``01-….yaml`` first)."""
    return sorted(
        p for p in directory.iterdir()
        if p.is_file() and p.suffix in (".yaml", ".yml") and not p.name.startswith(".")
    )
