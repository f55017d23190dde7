"""The laptop's address on the kit's network, the one a tablet types."""

from __future__ import annotations

import socket


def lan_address() -> str:
    """The address tablets use to reach this laptop on the kit's network."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # no packet is sent: UDP connect only picks a route
            return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
