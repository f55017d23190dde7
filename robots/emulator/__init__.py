"""robots.emulator."""
