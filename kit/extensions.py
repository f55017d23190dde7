"""The Flask extensions of the station, bound to the application with ``init_app``.

why: a module of their own, so that a blueprint that needs one (CSRF exemptions) imports
it from here and not from the application factory.
"""

from __future__ import annotations

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
