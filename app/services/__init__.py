"""The domain layer: a package per domain, plain functions that check, change and commit.

Every action is one unit of work (`unit.py`), the only place that commits. A case's
status changes only in `cases/workflow.py`. The packages: `cases` (workflow, decisions,
information requests, uploads, start heronderzoek, timeline and counts), `legitimacy`
(the pure advice engine, the advice on cases, norms and limits), `messaging` (texts,
house style, the outbox, reminders, short links), `intake` (applications, allowlist),
`inbound` (signed partner requests, the webhook skeleton), `ockto`, `imports` (files in
and out), `security` (audit, logins, two-factor, sessions, retention), `onboarding`
(organisations, municipalities, accounts, the set-up checklist); `errors`, `tenancy`
and `bsn` are shared by all.
"""
