"""Reform mechanisms: one module per reform, each a plug-in of the reform registry.

Each module declares its reform (``REFORM``: ``inputs.reform_registry.Reform``): its scenario
section, the mechanism built for an arm that switches it on, the decision points it answers,
its patient draws, checks and tables.  The journey asks :class:`Decisions`, which asks the
switched-on mechanisms; with a reform off, each answer leaves the journey as it is without it.
The built-in reforms are registered in ``carepath/reforms.py``.
"""

from __future__ import annotations

from .decisions import RESOLVED, Build, Decisions, NearHome, switched_on

__all__ = ["RESOLVED", "Build", "NearHome", "Decisions", "switched_on"]
