"""The monthly CCAPEX list: read the secretariat's spreadsheet export and import its cases.

`reading` finds the encoding, delimiter and header (`columns` lists the accepted spellings);
`rows` checks one row; `store` writes cases in batches; `importer` runs one import as one
transaction and reports it; `summary` words the report for the team.
"""
