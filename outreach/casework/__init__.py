"""Casework, what follows the first reply: the case's lifecycle (`lifecycle`: statuses that follow
events), closing and reopening a case with its outcome (`closing`), who holds the case
(`assignment`), the eviction procedure with its deadlines (`procedure`), the checks of the
commandement de payer (`checks`), what a worker needs first about a case (`summary`) and the
daily job that keeps stages and deadlines up to date (`jobs`).
"""
