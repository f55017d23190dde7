"""robots.compilers."""
