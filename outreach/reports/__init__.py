"""What the team and the State read in aggregate: the indicators and their tables
(`indicators`, `tables`).
"""
