"""The sections of the validation report (``analysis.report``), one module each.

A module here registers its section with ``analysis.report.section``; the report loads every
module of this package, so adding a module is all it takes to add a section.
"""
