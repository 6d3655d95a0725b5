"""The outreach engine: the dispatcher that claims due outbox rows and runs them in batches
(`dispatcher`, with what one row does in `attempts`), what a failed send leads to (`failures`),
the reconciliation of sends interrupted by a crash (`reconcile`), and the tick that the scheduler
and `allervers tick` call (`tick`).
"""
