"""Casework, what follows the first reply: the case's lifecycle (`lifecycle`: statuses that follow
events), closing and reopening a case with its outcome (`closing`), who holds the case
(`assignment`), visits booked by hand at home or at a place nearby (`visits`), consent given in
person (`consents`), the visit report and social diagnostic (`diagnostic`, its questions in a data
file read by `diagnostic_form`), the kinds of démarche (`step_kinds`, a data file), the engagement
contract agreed on paper or by message (`contract`) and the household's reminder before its own
démarches (`nudges`), the eviction procedure with its deadlines (`procedure`), the checks of the
commandement de payer (`checks`), what a worker needs first about a case (`summary`) and the daily
jobs (`jobs`).
"""
