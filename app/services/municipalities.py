"""Municipality set-up: creating one with its default templates."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import Municipality, Organisation, Template
from .template_defaults import DEFAULT_TEMPLATES


def add_default_templates(municipality: Municipality) -> None:
    """Copy the product's Dutch default texts to a municipality that lacks them."""
    existing = {t.event for t in db.session.query(Template).filter_by(municipality=municipality)}
    for event, texts in DEFAULT_TEMPLATES.items():
        if event not in existing:
            db.session.add(Template(municipality=municipality, event=event, **texts))


def create_municipality(
    organisation: Organisation, cbs_code: str, name: str, commit: bool = True, **settings: Any
) -> Municipality:
    """Create a municipality with its settings and the default templates."""
    municipality = Municipality(organisation=organisation, cbs_code=cbs_code, name=name, **settings)
    municipality.sender_name = municipality.sender_name or f"Gemeente {name}"
    db.session.add(municipality)
    add_default_templates(municipality)
    if commit:
        db.session.commit()
    return municipality
