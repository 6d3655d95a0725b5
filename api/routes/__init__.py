"""The team JSON API, one module per resource (cases, visits, messages, démarches, landlords,
inbox, events, audit, rights, health), and its public shapes (`schemas`).
"""
