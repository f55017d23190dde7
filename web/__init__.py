"""The station's web side: one blueprint per role, the JSON API and live updates.

The application factory (:mod:`kit.app`) registers the blueprints; a blueprint reaches the
station and its services through :mod:`kit.station`.
"""
