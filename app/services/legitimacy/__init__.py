"""Legitimacy: the pure advice engine, the advice on cases, norms and limits."""
