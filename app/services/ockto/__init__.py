"""The Ockto adapter: the resident's journey, deliveries and the development sandbox.

`deliveries` receives what Ockto sends (the same path for production and sandbox data),
`journey` serves the resident's start page, `adapter` starts the journey at the real
Ockto service or at the built-in sandbox (`OCKTO_MODE`), and `sandbox` plays Ockto.
"""
