"""GET /health: is the app up, does the database answer, and is a scheduler active."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from .extensions import db
from .jobs import lease

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """Answer 200 when the database answers (with the scheduler's state), 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
        planner = lease.status()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok", **planner)
