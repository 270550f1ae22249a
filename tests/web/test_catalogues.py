"""Every string a page shows is in each catalogue, translated, with the same placeholders; none is stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from mitra.web import i18n
from mitra.web.formatting import LANGUAGES
from tests.conftest import Person
from tests.support.web import log_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in LANGUAGES if language != "en"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the code and templates mark for translation today (pybabel's own extraction)."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalogue_translates_every_marked_string_and_keeps_none_that_is_gone(
    extracted: Catalog, language: str
) -> None:
    with i18n.catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=LANGUAGES[language])
    wanted = {m.id for m in extracted if m.id}
    held = {m.id for m in catalogue if m.id}
    missing = sorted(map(str, wanted - held))
    stale = sorted(map(str, held - wanted))
    untranslated = sorted(str(m.id) for m in catalogue if m.id and (not m.string or m.fuzzy))
    assert not missing, f"{language}: not in the catalogue (run `make catalogues`, then translate): {missing[:20]}"
    assert not stale, f"{language}: no longer on any page (run `make catalogues`): {stale[:20]}"
    assert not untranslated, f"{language}: untranslated or fuzzy: {untranslated[:20]}"
    problems = [(str(m.id), [str(e) for e in errors]) for m, errors in catalogue.check() if errors]
    assert not problems, f"{language}: placeholders differ: {problems[:10]}"


def test_a_person_reads_the_pages_in_the_language_they_choose(client: TestClient, people: dict[str, Person]) -> None:
    assert "Log masuk" in client.get("/login", headers={"Accept-Language": "ms-MY,ms;q=0.9"}).text
    client.get("/language/hi?next=/login")  # the login page's own language link sets the cookie
    assert "लॉग इन" in client.get("/login").text
    client.cookies.clear()
    csrf = log_in(client, people["analyst"])
    assert "All objects" in client.get("/").text
    saved = client.post("/account", data={"language": "ms", "csrf_token": csrf})
    assert saved.status_code == 200
    home = client.get("/").text
    assert "Semua objek" in home
    assert '<html lang="ms">' in home
    wrong = client.post("/account", data={"language": "xx", "csrf_token": csrf})
    assert wrong.status_code == 422
    assert "xx" in wrong.text
