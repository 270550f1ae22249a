"""The economy pillar's STIX types: none.

Trade flows, fiscal-year totals, production tables and governance indicators are public analytics kept in
DuckDB (``<data_dir>/economy/economy.duckdb``), not shareable objects: nothing here crosses to a partner,
so the pillar declares no object types (docs/economy.md).
"""

from __future__ import annotations

from mitra.core.stix import CustomType

OBJECT_TYPES: tuple[str, ...] = ()
CUSTOM_TYPES: tuple[CustomType, ...] = ()
