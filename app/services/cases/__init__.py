"""Cases: the status owner (workflow), decisions, information requests, uploads."""
