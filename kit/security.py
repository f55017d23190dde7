"""Who may do what: roles, passwords, access and join codes.

Three roles, no personal accounts for children:
- ``facilitator``: the kit's admin, logs in with the password chosen at first start;
- ``teacher``: one access code per class, handed out by the facilitator;
- ``group``: a pupil group, joined with a short code a 7-year-old can type.

Every view declares the roles that may use it with :func:`roles` (or
:func:`public`); a view with no declaration is refused, so forgetting one can
never open a route.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

ROLES = ("facilitator", "teacher", "group")
PUBLIC = "public"

# Join codes: a short French word a child can read, then two digits ("lapin42").
_ALL_WORDS = (
    "lapin chat chien ours loup lion tigre zebre vache poule canard cheval mouton "
    "souris tortue renard hibou castor koala panda phoque pingouin dauphin baleine "
    "requin crabe abeille fourmi papillon escargot grenouille girafe singe rhino "
    "pomme poire prune cerise fraise citron melon banane kiwi mangue raisin "
    "soleil lune etoile nuage pluie neige arbre fleur herbe sapin robot fusee "
    "bateau avion train velo camion moto"
).split()
# short words: quick to type, and they fit on the projector
_WORDS = tuple(w for w in _ALL_WORDS if len(w) <= 6)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def new_join_code() -> str:
    return f"{secrets.choice(_WORDS)}{secrets.randbelow(90) + 10}"


def new_access_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def new_password() -> str:
    """A password a facilitator can read aloud and type (demo and first start)."""
    words = [secrets.choice(_ALL_WORDS) for _ in range(3)]
    return "-".join(words) + str(secrets.randbelow(90) + 10)


def normalise_code(code: str) -> str:
    return "".join(code.split()).lower()


def roles(*allowed: str) -> Callable:
    """Declare which roles may use a view (checked before it runs)."""
    for role in allowed:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def public(view: Callable) -> Callable:
    """Declare a view that anyone on the kit's network may open (login pages, health)."""
    view.allowed_roles = frozenset({PUBLIC})  # type: ignore[attr-defined]
    return view


def current_role() -> str | None:
    return session.get("role")


def enforce(app) -> None:
    """Install the check that runs before every request."""

    @app.before_request
    def _check_role():
        if request.endpoint is None:
            return None  # 404 follows
        view = app.view_functions.get(request.endpoint)
        allowed = getattr(view, "allowed_roles", None)
        if allowed is None:
            # static files and the OpenAPI document are public by nature
            if request.endpoint in app.config["PUBLIC_ENDPOINTS"]:
                return None
            abort(403)
        if PUBLIC in allowed:
            return None
        role = current_role()
        if role is None:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.home", next=request.path))
        if role not in allowed:
            abort(403)
        g.role = role
        return None
