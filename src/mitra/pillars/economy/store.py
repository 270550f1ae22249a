"""The pillar's analytics store: one DuckDB file of trade flows, fiscal-year totals, production and governance.

These are measurements, not shareable objects, so they never enter the STIX object store. Every row keeps
its source file, publisher and basis. Connections are short-lived so an import and the web server can take
turns on the same file.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from mitra.foundation.errors import Conflict

# The ``dataset`` of the two sources that are one dataset each (USGS editions are ``USGS MCS<year>``).
BACI = "CEPII BACI HS92"
WMD = "World Mining Data"

SCHEMA = """
create table if not exists trade_flows(
  dataset varchar not null,       -- 'CEPII BACI HS92' or 'UN Comtrade'
  reported_by varchar not null,   -- 'BACI' (reconciled) or the Comtrade reporter, ISO3
  year integer not null,          -- calendar year
  exporter varchar not null,      -- ISO3 (WLD for Comtrade 'World')
  importer varchar not null,
  hs varchar not null,            -- HS code as text (6, 4 or 2 digits) or TOTAL
  value_usd double,               -- current USD
  quantity_t double,              -- metric tonnes; null when the file has none
  source_file varchar not null,
  publisher varchar not null,
  primary key (dataset, reported_by, year, exporter, importer, hs)
);
create table if not exists fiscal_trade(
  publisher varchar not null,
  reporter varchar not null,
  partner varchar not null,
  period varchar not null,        -- '2016-17' (India: April to March)
  start_year integer not null,
  exports_usd_mn double,
  imports_usd_mn double,
  total_usd_mn double,
  balance_usd_mn double,
  status varchar not null,        -- final | provisional
  note varchar,
  source_file varchar not null,
  primary key (publisher, reporter, partner, period)
);
create table if not exists production(
  dataset varchar not null,       -- 'USGS MCS2024', 'World Mining Data'
  material varchar not null,      -- material key
  country varchar not null,       -- as the file names it, footnote marker removed
  iso3 varchar,
  row_role varchar not null,      -- country | other | world-total
  year integer not null,
  stage varchar not null,         -- mine | refinery
  measure varchar not null,       -- quantity
  unit varchar not null,
  quantity double,
  cell_kind varchar not null,     -- value | missing | withheld | lower-bound | ...
  estimated boolean not null,
  note varchar,
  source_file varchar not null,
  publisher varchar not null,
  line integer not null,
  primary key (dataset, material, country, year)
);
create table if not exists governance(
  indicator varchar not null,     -- 'WGI PV'
  iso3 varchar not null,
  country varchar not null,
  year integer not null,
  estimate double,                -- -2.5 (worst) .. 2.5 (best)
  normalized double,              -- (2.5 - estimate) / 5: 0 best, 1 worst
  source_file varchar not null,
  publisher varchar not null,
  primary key (indicator, iso3, year)
);
create table if not exists material_params(
  material varchar primary key,
  stage varchar,
  hs_codes varchar,
  eol_rir double,
  reference varchar,
  source_file varchar not null
);
create table if not exists countries(
  code integer primary key,
  iso3 varchar not null,
  name varchar not null,
  source_file varchar not null
);
create table if not exists products(
  hs varchar primary key,
  description varchar not null,
  source_file varchar not null
);
"""

COLUMNS: dict[str, tuple[str, ...]] = {
    "trade_flows": (
        "dataset",
        "reported_by",
        "year",
        "exporter",
        "importer",
        "hs",
        "value_usd",
        "quantity_t",
        "source_file",
        "publisher",
    ),
    "fiscal_trade": (
        "publisher",
        "reporter",
        "partner",
        "period",
        "start_year",
        "exports_usd_mn",
        "imports_usd_mn",
        "total_usd_mn",
        "balance_usd_mn",
        "status",
        "note",
        "source_file",
    ),
    "production": (
        "dataset",
        "material",
        "country",
        "iso3",
        "row_role",
        "year",
        "stage",
        "measure",
        "unit",
        "quantity",
        "cell_kind",
        "estimated",
        "note",
        "source_file",
        "publisher",
        "line",
    ),
    "governance": ("indicator", "iso3", "country", "year", "estimate", "normalized", "source_file", "publisher"),
    "material_params": ("material", "stage", "hs_codes", "eol_rir", "reference", "source_file"),
    "countries": ("code", "iso3", "name", "source_file"),
    "products": ("hs", "description", "source_file"),
}

_READY: set[Path] = set()  # files whose schema this process has created


class EconomyStore:
    """The DuckDB file at ``<data_dir>/economy/economy.duckdb``.

    Each query opens and closes its own connection unless inside :meth:`session`, which holds one
    connection for a batch of queries (a page, a command). Make one store per request or command.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._held: duckdb.DuckDBPyConnection | None = None

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> EconomyStore:
        return cls(data_dir / "economy" / "economy.duckdb")

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._held is not None:
            yield self._held
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            _READY.discard(self.path)
        try:
            connection = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            raise Conflict(f"{self.path}: the economy store is in use by another process ({exc})") from exc
        try:
            if self.path not in _READY:
                connection.execute(SCHEMA)
                _READY.add(self.path)
            yield connection
        finally:
            connection.close()

    @contextmanager
    def session(self) -> Iterator[None]:
        """Hold one connection for every query inside the block."""
        if self._held is not None:
            yield
            return
        with self.connect() as connection:
            self._held = connection
            try:
                yield
            finally:
                self._held = None

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self.connect() as connection:
            return connection.execute(sql, list(params)).fetchall()

    def count(self, table: str) -> int:
        assert table in COLUMNS
        rows = self.query(f"select count(*) from {table}")  # noqa: S608 - table checked against COLUMNS
        return int(rows[0][0])

    def insert_new(self, table: str, rows: Iterable[Sequence[object]]) -> set[int]:
        """Insert rows whose key is not held yet (re-importing adds nothing); the positions (from 0) of those added.

        A key repeated among ``rows`` is added once, from its first row.
        """
        columns = COLUMNS[table]
        with tempfile.TemporaryDirectory(prefix="mitra-economy-") as tmp:
            staging = Path(tmp) / "rows.csv"
            written = 0
            with staging.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                for row in rows:
                    writer.writerow([written, *("\\N" if v is None else v for v in row)])
                    written += 1
            if written == 0:
                return set()
            with self.connect() as connection:
                key = self._key(connection, table)
                connection.execute(
                    f"create or replace temp table stage as select 0::bigint _pos, * from {table} limit 0"  # noqa: S608
                )
                connection.execute(
                    "copy stage from ? (format csv, header false, nullstr '\\N', quote '\"', escape '\"')",
                    [str(staging)],
                )
                joined = " and ".join(f"t.{k} is not distinct from s.{k}" for k in key)
                partition = ", ".join(key)
                fresh = connection.execute(
                    f"select _pos from stage s where not exists (select 1 from {table} t where {joined})"  # noqa: S608
                    f" qualify row_number() over (partition by {partition} order by _pos) = 1"
                ).fetchall()
                names = ", ".join(columns)
                connection.execute(f"insert or ignore into {table} ({names}) select {names} from stage order by _pos")  # noqa: S608
        return {int(pos) for (pos,) in fresh}

    @staticmethod
    def _key(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
        found = connection.execute(
            "select constraint_column_names from duckdb_constraints()"
            " where table_name = ? and constraint_type = 'PRIMARY KEY'",
            [table],
        ).fetchone()
        if found is None:
            raise RuntimeError(f"economy table {table} has no primary key")
        return [str(c) for c in found[0]]
