"""Settings: read from MITRA_* variables; a bad value stops start-up naming the setting."""

from __future__ import annotations

import pytest

from mitra.settings import SettingsError, load_settings


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MITRA_NATION", "mys")
    monkeypatch.setenv("MITRA_AGENCIES", "NSC, NACSA")
    settings = load_settings()
    assert settings.nation == "MYS"
    assert settings.agencies == ["NSC", "NACSA"]


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("nation", "India", "MITRA_NATION"),
        ("agencies", "", "MITRA_AGENCIES"),
        ("agencies", "bad agency!", "MITRA_AGENCIES"),
        ("bind", "localhost", "MITRA_BIND"),
        ("bind", "127.0.0.1:99999", "MITRA_BIND"),
        ("database_url", "mysql://x", "MITRA_DATABASE_URL"),
        ("default_tlp", "white", "MITRA_DEFAULT_TLP"),
        ("max_body_bytes", "0", "MITRA_MAX_BODY_BYTES"),
        ("partnership", "IND", "MITRA_PARTNERSHIP"),
        ("partnership", "IND,IND", "MITRA_PARTNERSHIP"),
        ("partnership", "SGP,THA", "MITRA_PARTNERSHIP"),
        ("partnership", "IND,Malaysia", "MITRA_PARTNERSHIP"),
    ],
)
def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str) -> None:
    monkeypatch.setenv(f"MITRA_{name.upper()}", value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_postgres_urls_use_psycopg() -> None:
    settings = load_settings(database_url="postgresql://postgres@127.0.0.1/test")
    assert settings.effective_database_url.startswith("postgresql+psycopg://")


def test_sqlite_is_the_default_in_the_data_dir(tmp_path: object) -> None:
    settings = load_settings(data_dir="/tmp/somewhere")
    assert settings.effective_database_url == "sqlite:////tmp/somewhere/mitra.sqlite3"


def test_the_partnership_is_india_and_malaysia_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(nation="MYS").partners == ("IND",)
    monkeypatch.setenv("MITRA_PARTNERSHIP", "sgp, ind")
    settings = load_settings(nation="IND")
    assert settings.partnership == ["SGP", "IND"]
    assert settings.partners == ("SGP",)
