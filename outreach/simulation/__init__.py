"""Trying the product without real households: the demo data of `make run` (`demo`) and
`allervers simulate`, which plays a sequence forward on a copy of the cases (`simulate`, `data`,
`report`).
"""
