"""Messaging: templates, rendering, the outbox, reminders, letters' short links."""
