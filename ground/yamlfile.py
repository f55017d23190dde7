"""YAML files that people edit by hand (kit.yaml, lessons): load them keeping
line numbers, so every error can name the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ground.errors import MalletteError
from ground.i18n import _

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class FileProblem:
    """One problem in a hand-edited file, located for the person who edits it."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class FileError(MalletteError):
    """A hand-edited file is unreadable or invalid; ``problems`` lists every error."""

    code = "invalid_file"

    def __init__(self, problems: list[FileProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys (a silent overwrite hides mistakes)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                _("clé « %(key)s » en double (déjà à la ligne %(line)s)",
                  key=key, line=seen[key] + 1),
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _index_lines(node: yaml.Node | None, loc: Loc, out: dict[Loc, int]) -> None:
    if node is None:
        return
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[loc + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, loc + (key,), out)
            # the value's own line wins only for nested blocks
            if isinstance(value_node, yaml.ScalarNode):
                out[loc + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, loc + (i,), out)


def load_yaml(path: Path | str, text: str | None = None) -> tuple[Any, dict[Loc, int]]:
    """Load a YAML file; return the data and a map from field path to line number.

    Raises :class:`FileError` with the line of a syntax error or duplicate key.
    """
    path = Path(path)
    name = str(path)
    try:
        if text is None:
            text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileError([FileProblem(name, None, "", _("fichier introuvable"))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(
            [FileProblem(name, None, "", _("fichier illisible (%(err)s)", err=exc))]
        ) from None
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        raise FileError(
            [FileProblem(name, line, "", _("YAML invalide : %(problem)s", problem=problem))]
        ) from None
    except yaml.YAMLError as exc:
        raise FileError([FileProblem(name, None, "", _("YAML invalide : %(e)s", e=exc))]) from None
    lines: dict[Loc, int] = {}
    _index_lines(node, (), lines)
    return data, lines


def line_for(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of ``loc`` or of its closest parent present in the file."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def field_name(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def describe_error(err: dict[str, Any]) -> str:
    """A pydantic error, said in the person's language (French by default)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return _("champ obligatoire manquant")
    if kind == "extra_forbidden":
        return _("champ inconnu (vérifiez l'orthographe)")
    if kind in ("string_type", "string_sub_type"):
        return _("texte attendu")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("nombre entier attendu")
    if kind in ("float_type", "float_parsing"):
        return _("nombre attendu")
    if kind in ("bool_type", "bool_parsing"):
        return _("oui/non attendu (true ou false)")
    if kind in ("list_type",):
        return _("liste attendue")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("ensemble de champs attendu")
    if kind == "literal_error":
        return _("valeur non reconnue ; attendu : %(expected)s",
                 expected=str(ctx.get("expected", "")).replace(" or ", ", "))
    if kind in ("enum",):
        return _("valeur non reconnue ; attendu : %(expected)s",
                 expected=str(ctx.get("expected", "")).replace(" or ", ", "))
    if kind in ("greater_than", "greater_than_equal"):
        return _("valeur trop petite (minimum %(limit)s)",
                 limit=ctx.get("gt", ctx.get("ge", "")))
    if kind in ("less_than", "less_than_equal"):
        return _("valeur trop grande (maximum %(limit)s)",
                 limit=ctx.get("lt", ctx.get("le", "")))
    if kind == "string_too_short":
        return _("texte trop court (au moins %(n)s caractères)", n=ctx.get("min_length", ""))
    if kind == "string_too_long":
        return _("texte trop long (au plus %(n)s caractères)", n=ctx.get("max_length", ""))
    if kind == "too_short":
        return _("liste trop courte (au moins %(n)s éléments)", n=ctx.get("min_length", ""))
    if kind == "too_long":
        return _("liste trop longue (au plus %(n)s éléments)", n=ctx.get("max_length", ""))
    if kind == "string_pattern_mismatch":
        return _("format invalide (attendu : %(p)s)", p=ctx.get("pattern", ""))
    if kind == "union_tag_invalid":
        return _("type « %(tag)s » inconnu ; attendu : %(expected)s",
                 tag=ctx.get("tag", ""), expected=ctx.get("expected_tags", ""))
    if kind == "union_tag_not_found":
        return _("champ « %(d)s » manquant", d=ctx.get("discriminator", "type").strip("'"))
    if kind == "value_error":
        error = ctx.get("error")
        return str(error) if error else err.get("msg", "")
    return err.get("msg", kind)


def validate_file(model: type[BaseModel], data: Any, lines: dict[Loc, int], name: str):
    """Validate ``data`` against ``model``; raise :class:`FileError` listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"]
                        if not (isinstance(p, str) and p.startswith("function-")))
            loc = _file_path(data, loc)
            problems.append(
                FileProblem(name, line_for(lines, loc), field_name(loc), describe_error(err))
            )
        raise FileError(problems) from None


def _file_path(data: Any, loc: Loc) -> Loc:
    """The error's path as the person wrote the file: a discriminated union adds its tag
    (``connection.serial.port`` for ``connection: {type: serial}``), which the file
    does not have at that place; drop it, keep every other step."""
    kept: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and part in node:
            kept.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            kept.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part in node.values():
            continue  # a discriminated union's tag (its ``type`` value): same node
        else:
            kept.append(part)
            if not last:
                kept.extend(loc[i + 1:])
            break
    return tuple(kept)
