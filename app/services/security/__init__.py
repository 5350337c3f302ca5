"""Security: audit, login guard, two-factor, sessions, passwords, retention."""
