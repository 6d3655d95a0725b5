"""Aller-Vers domain: cases, import, sequences, outbox, conversation rules, consent, indicators.

Nothing in this package imports a web framework or a provider SDK.
"""
