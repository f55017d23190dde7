"""Parametric starting points for the three printing sessions (``printers/templates/*.json``).

A template has ``parameters`` (text or number, with bounds) and an ``object`` document in
which a value may be ``{"param": NAME}`` or ``{"param": NAME, "times": a, "plus": b}``
(the parameter times ``a`` plus ``b``): enough to keep a hole at the end of a tag whose
length changes, without a language of its own.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ground.i18n import _
from printers.objects import ObjectError

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _load_all() -> dict[str, dict[str, Any]]:
    templates = {}
    for path in sorted(TEMPLATES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        templates[data["id"]] = data
    return templates


def list_templates() -> list[dict[str, Any]]:
    """Id, title, session, description and parameters of every template."""
    return [{k: v for k, v in t.items() if k != "object"} for t in _load_all().values()]


def get_template(template_id: str) -> dict[str, Any]:
    try:
        return copy.deepcopy(_load_all()[template_id])
    except KeyError:
        raise ObjectError(_("Modèle d'objet inconnu : « %(id)s ».", id=template_id)) from None


def _check_params(template: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    specs = template["parameters"]
    for key in given:
        if key not in specs:
            raise ObjectError(_("Le modèle « %(id)s » n'a pas de réglage « %(param)s ».",
                                id=template["id"], param=key))
    for key, spec in specs.items():
        value = given.get(key, spec["default"])
        label = spec.get("label", key)
        if spec["type"] == "text":
            value = str(value).strip()
            if not value or len(value) > spec.get("max_length", 20):
                raise ObjectError(_("« %(label)s » doit avoir entre 1 et %(max)s caractères.",
                                    label=label, max=spec.get("max_length", 20)))
        else:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ObjectError(_("« %(label)s » doit être un nombre.", label=label)) from None
            if not spec["min"] <= value <= spec["max"]:
                raise ObjectError(_("« %(label)s » doit être entre %(min)s et %(max)s.",
                                    label=label, min=spec["min"], max=spec["max"]))
        values[key] = value
    return values


def _substitute(node: Any, values: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "param" in node and set(node) <= {"param", "times", "plus"}:
            value = values[node["param"]]
            if "times" in node or "plus" in node:
                value = value * node.get("times", 1) + node.get("plus", 0)
            return value
        return {k: _substitute(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, values) for v in node]
    return node


def instantiate(template_id: str, **params: Any) -> dict[str, Any]:
    """The object document of a template with its parameters filled in (defaults otherwise)."""
    template = get_template(template_id)
    values = _check_params(template, params)
    return _substitute(template["object"], values)
