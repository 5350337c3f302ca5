"""Intake: online applications and the allowlist (bestandscheck)."""
