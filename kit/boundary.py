"""What a request may carry before any view sees it: JSON depth and numbers, form field
names, numbers in URLs.

why: a body of 5,000 nested ``[`` overflowed Python's stack, a 20-digit number overflowed
SQLite's integers and a multipart field name ending in a backslash came out of the
parser with no name; each gave a 500. These checks run once, for every route, and refuse
with a 400 (or a 404 for a URL) whose French message says what is wrong; ``web.errors``
renders it like every other error.
"""

from __future__ import annotations

import json
import math
from functools import partial
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from ground.i18n import _

#: No program or object comes near this (a program's blocks nest 8 deep, an object's 10).
MAX_JSON_DEPTH = 64
#: The largest JSON body a route takes (programs and objects are 256 KB at most).
MAX_JSON_BYTES = 1024 * 1024
#: Integers a tablet's JavaScript holds exactly; beyond, a number is no one's input.
MAX_JSON_INT = 2**53 - 1
#: The database's integer columns (ids, version numbers) are 32-bit on PostgreSQL.
MAX_URL_INT = 2**31 - 1


class BadInput(BadRequest):
    """A request the station refuses, with the French message that says why."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)


class TooLarge(RequestEntityTooLarge):
    """A body over a size limit, with the French message that says which."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)


def _too_deep() -> BadInput:
    return BadInput(_("Les données envoyées sont trop imbriquées (%(max)s niveaux au plus).",
                      max=MAX_JSON_DEPTH))


def _int(text: str) -> int:
    # why: the digit count first, so "9" * 10**6 is not turned into an int at all
    if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_JSON_INT:
        raise BadInput(_("Le nombre %(value)s est trop grand (%(max)s au plus).",
                         value=text[:20] + ("…" if len(text) > 20 else ""), max=MAX_JSON_INT))
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadInput(_("Le nombre %(value)s est trop grand.", value=text[:20]))
    return value


def _constant(name: str) -> float:
    raise BadInput(_("« %(value)s » n'est pas un nombre JSON valable.", value=name))


def check_depth(data: Any) -> None:
    """Refuse containers nested deeper than MAX_JSON_DEPTH (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))


class StationJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with the station's limits on what a body may hold."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = json.loads(s, parse_int=_int, parse_float=_float, parse_constant=_constant,
                              **kwargs)
        except RecursionError:
            raise _too_deep() from None
        check_depth(data)
        return data


#: ``<int:…>`` in a URL: a number past the database's integers is no page (404).
#: why a partial, not a subclass: it stays werkzeug's IntegerConverter for every reader
#: of the URL map (the OpenAPI document, the role matrix test), and a rule may still
#: give its own ``max``.
BoundedInt = partial(IntegerConverter, max=MAX_URL_INT)


def check_body() -> None:
    """Read the body once, before the CSRF check and the views, and refuse what is unsound.

    Parsing here also means later readers (Flask's ``get_json``, the CSRF form, APIFlask's
    webargs, which parses with the standard ``json`` module) only ever see a body that
    passed these limits.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        # why both: a chunked body announces no length
        if (request.content_length or 0) > MAX_JSON_BYTES \
                or len(request.get_data(cache=True)) > MAX_JSON_BYTES:
            raise TooLarge(_("Les données envoyées sont trop grosses (%(max)s Ko au plus).",
                             max=MAX_JSON_BYTES // 1024))
        if request.get_data(cache=True):
            request.get_json(silent=True)
        return
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        names = [*request.form.keys(), *request.files.keys()]
        if any(not isinstance(name, str) for name in names):
            raise BadInput(_("Formulaire illisible : un champ n'a pas de nom valable."))
