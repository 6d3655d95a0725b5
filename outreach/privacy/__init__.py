"""Privacy (RGPD): consent records, versioned and per purpose (`consent`), the person's rights
of access and erasure (`rights`), and the retention limits applied every night (`retention`).
"""
