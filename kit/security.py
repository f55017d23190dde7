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
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from kit import logins

ROLES = ("facilitator", "teacher", "group")
PUBLIC = "public"

# The facilitator's generated password: three words a person can read aloud.
_ALL_WORDS = (
    "lapin chat chien ours loup lion tigre zebre vache poule canard cheval mouton "
    "souris tortue renard hibou castor koala panda phoque pingouin dauphin baleine "
    "requin crabe abeille fourmi papillon escargot grenouille girafe singe rhino "
    "pomme poire prune cerise fraise citron melon banane kiwi mangue raisin "
    "soleil lune etoile nuage pluie neige arbre fleur herbe sapin robot fusee "
    "bateau avion train velo camion moto"
).split()
# Join codes: a short French word a child can read, then three digits ("lapin427").
# why: 130 words x 900 numbers = 117,000 codes (was 5,040); words of 6 letters at most,
# none with an accent in its real spelling, so a child types what the projector shows.
JOIN_WORDS = (
    "lapin chat chien ours loup lion tigre vache poule canard cheval mouton souris tortue "
    "renard hibou castor koala panda phoque requin crabe fourmi singe rhino girafe lama "
    "poney cochon biche morse loutre merle pigeon cygne dinde bison jaguar puma orque thon "
    "moule poulpe otarie caille pomme poire prune cerise fraise citron melon banane kiwi "
    "mangue raisin orange ananas figue datte noix olive tomate radis chou navet pain tarte "
    "soupe miel sucre beurre soleil lune nuage pluie neige arbre fleur herbe sapin lac mer "
    "volcan roche sable vague vent orage robot bateau avion train camion moto ballon piano "
    "livre crayon stylo gomme cahier carte botte gant tente lampe bougie igloo pirate "
    "dragon bonnet violon harpe cloche toupie puzzle domino cube bulle plume perle radar "
    "pilote rocher grotte kayak luge judo tennis"
).split()
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def new_join_code() -> str:
    return f"{secrets.choice(JOIN_WORDS)}{secrets.randbelow(900) + 100}"


def new_access_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def new_password() -> str:
    """A password a facilitator can read aloud and type (demo and first start)."""
    words = [secrets.choice(_ALL_WORDS) for _ in range(3)]
    return "-".join(words) + str(secrets.randbelow(90) + 10)


def normalise_code(code: str) -> str:
    """What the child typed, as stored: no spaces, lower case, accents dropped ("Lapin 427")."""
    decomposed = unicodedata.normalize("NFKD", "".join(code.split()).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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


def _check_login() -> None:
    """Forget the cookie's login unless its row is alive (one read on a short session).

    why: a session of its own, closed at once, so a long request (a live stream) does not
    hold a read transaction open for minutes.
    """
    from kit.station import station

    if "role" not in session:
        return
    with station().sessions() as db:
        logins.check(db, session)


def enforce(app) -> None:
    """Install the check that runs before every request."""

    @app.before_request
    def _check_role():
        if request.endpoint != "static":  # a stylesheet tells nothing about anyone
            _check_login()
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
