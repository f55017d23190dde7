"""robots.transports."""
