"""The facility side of Medicare payment: what the hospital outpatient department (OPPS) and the ambulatory
surgical center (ASC) are paid, anesthesia base units and conversion factors, and HCPCS Level II names.

`readers` parses CMS's files as published (xlsx through `xlsx`), `db` keeps them in one SQLite file in the
data directory (`facility.sqlite3`), swapped atomically on import, and `importer` is what `cptbot kb import`
calls for these files.
"""
