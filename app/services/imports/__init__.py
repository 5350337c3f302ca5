"""Imports of municipal files (reassessment-import.md): parse, check, preview, confirm."""
