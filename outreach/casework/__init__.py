"""Casework, what follows the first reply: the case's lifecycle (`lifecycle`: statuses that follow
events), closing and reopening a case with its outcome (`closing`), who holds the case
(`assignment`) and the eviction procedure with its deadlines and the checks of the commandement
de payer (`procedure`).
"""
