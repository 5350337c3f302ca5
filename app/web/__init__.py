"""The web layer below both front ends: the screens (`views/`) and the REST API (`api/`).

What both need lives here, so neither imports the other: the tenant filter and the
scoping of related lists (`tenancy`), downloads with safe headers (`downloads`), the
case list's data interface (`datamodels`) and the one mapping of service refusals to
HTTP statuses and Dutch messages (`refusals`).
"""
