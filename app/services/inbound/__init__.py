"""Inbound requests of partner systems: signing, field checks, the webhook."""
