"""The zaaksysteem through the VNG ZGW APIs (contracts/zgw.md): client and settings."""
