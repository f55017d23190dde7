"""The ground floor: what every layer of the station stands on.

Translations (:mod:`ground.i18n`), the line-aware YAML loader (:mod:`ground.yamlfile`),
the kit file's model (:mod:`ground.config`) and the error base classes
(:mod:`ground.errors`). ``robots``, ``printers``, ``lessons``, ``kit`` and ``web`` import
from here; nothing here imports them (``tests/test_layers.py`` checks it).
"""
