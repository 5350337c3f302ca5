"""The domain layer: plain functions that check, change and commit state."""
