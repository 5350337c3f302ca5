"""The password policy: at least 12 characters, not common, not the user name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_appbuilder.exceptions import PasswordComplexityValidationError

MIN_LENGTH = 12
COMMON_FILE = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The list of passwords that attackers try first (lower case)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def problems(password: str, username: str | None = None) -> list[str]:
    """Dutch reasons why `password` is refused (empty when it is acceptable)."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(f"Het wachtwoord moet minstens {MIN_LENGTH} tekens lang zijn.")
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!?.") in common_passwords():
        found.append("Dit wachtwoord is te bekend; kies een ander wachtwoord.")
    elif username_problem(password, username):
        found.append(username_problem(password, username))
    if password and len(set(password)) < 5:
        found.append("Het wachtwoord bestaat uit te weinig verschillende tekens.")
    return found


def username_problem(password: str, username: str | None) -> str | None:
    """The Dutch reason when the password contains the user name, else None."""
    if username and len(username) >= 3 and username.lower() in password.lower():
        return "Het wachtwoord mag de gebruikersnaam niet bevatten."
    return None


def validate(password: str) -> None:
    """FAB's password-complexity hook: raise with the Dutch reasons."""
    reasons = problems(password)
    if reasons:
        raise PasswordComplexityValidationError(" ".join(reasons))
