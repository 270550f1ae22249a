"""The concentration and risk formulas on numbers one can check by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitra.foundation.errors import InvalidInput
from mitra.pillars.economy import indicators


def test_a_monopoly_has_hhi_10000() -> None:
    assert indicators.hhi({"CHN": 5.0}) == pytest.approx(10_000)


@given(st.integers(min_value=1, max_value=50))
def test_n_equal_suppliers_have_hhi_10000_over_n(n: int) -> None:
    assert indicators.hhi({str(i): 3.0 for i in range(n)}) == pytest.approx(10_000 / n)


def test_a_remainder_counts_in_the_total_but_not_as_a_supplier() -> None:
    assert indicators.hhi({"A": 50.0}, denominator=100.0) == pytest.approx(2_500)


def test_hhi_refuses_an_empty_total() -> None:
    with pytest.raises(InvalidInput):
        indicators.hhi({"A": 0.0})


def test_eu_supply_risk_follows_the_2017_formula() -> None:
    risk = indicators.eu_supply_risk(
        hhi_wgi_global=4.0, hhi_wgi_sourcing=2.0, import_reliance=0.5, eol_rir=0.1, substitution_index=0.9
    )
    assert risk == pytest.approx((4.0 * 0.25 + 2.0 * 0.75) * 0.9 * 0.9)


def test_a_net_exporter_has_no_import_reliance() -> None:
    assert indicators.import_reliance(100.0, 10.0, 50.0) == 0.0
    assert indicators.import_reliance(0.0, 10.0, 0.0) == 1.0


def test_shortfall_is_the_stopped_suppliers_share() -> None:
    assert indicators.shortfall({"CHN": 3.0, "JPN": 1.0}, "CHN") == pytest.approx(0.75)
    assert indicators.shortfall({"CHN": 3.0}, "USA") == 0.0


def test_geopolrisk_weights_import_shares_by_governance() -> None:
    score = indicators.geopolrisk_score(
        production_hhi=5_000,
        imports={"A": 30.0, "B": 10.0},
        normalized_governance={"A": 0.8, "B": 0.2},
        domestic_production=10.0,
    )
    assert score == pytest.approx(0.5 * (0.8 * 30 / 50 + 0.2 * 10 / 50))
