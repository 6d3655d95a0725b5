"""Aller-Vers domain: everything the product knows, in rooms named after their concept.

Shared ground at the top (clock, db, settings, text, phones, sanitize, audit, cases, sectors,
links, migrate); then one folder per concept: ccapex/ (the monthly import), sequences/,
conversation/ (the table of what a reply does), engine/, sending/, replies/, booking/, privacy/,
team/, reports/, landlords/, simulation/, models/ and migrations/.

Nothing in this package imports a web framework or a provider SDK. (`messages/` at the top of the
repository holds the translations; `models.Message` rows are the messages sent and received.)
"""
