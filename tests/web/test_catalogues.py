"""Every string a page shows is in each catalogue, translated, with the same placeholders; none is stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.policy import Role
from mitra.web import i18n
from mitra.web.formatting import LANGUAGES
from tests.conftest import Person, add_person
from tests.support.web import bearer, log_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in LANGUAGES if language != "en"]
INDICATOR = {
    "type": "indicator",
    "name": "Phishing kit host",
    "pattern": "[domain-name:value = 'kit.example.org']",
    "pattern_type": "stix",
    "valid_from": "2026-11-30T00:00:00Z",
}


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


# Words each page shows in English, and what it says in their place in each language: a page that forgets to
# translate still shows the English and fails.
PAGES_IN_OTHER_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "/": {
        "ms": {"Received from partners": "Diterima daripada rakan kongsi", "objects you may see": "objek yang boleh"},
        "hi": {"Received from partners": "साझेदारों से प्राप्त", "objects you may see": "वस्तुएँ जिन्हें आप देख"},
    },
    "/objects": {
        "ms": {"Releasable to": "Boleh dilepaskan kepada", ">Originator<": ">Pemula<", ">Modified<": ">Diubah<"},
        "hi": {"Releasable to": "रिलीज़ योग्य", ">Originator<": ">प्रवर्तक<", ">Modified<": ">संशोधित<"},
    },
    "/objects/{id}": {
        "ms": {">Handling<": ">Pengendalian<", ">Provenance<": ">Asal usul<", ">Versions<": ">Versi<"},
        "hi": {">Handling<": ">प्रबंधन<", ">Provenance<": ">उद्गम<", ">Versions<": ">संस्करण<"},
    },
    "/releases": {
        "ms": {"Release requests": "Permohonan pelepasan", "Waiting for me": "Menunggu saya"},
        "hi": {"Release requests": "रिलीज़ अनुरोध", "Waiting for me": "मेरी प्रतीक्षा में"},
    },
    "/exchange": {
        "ms": {
            "Exchange with partners": "Pertukaran dengan rakan kongsi",
            "What this node releases to each": "Apa yang dilepaskan oleh nod ini",
        },
        "hi": {
            "Exchange with partners": "साझेदारों के साथ आदान-प्रदान",
            "What this node releases to each": "यह नोड प्रत्येक साझेदार को",
        },
    },
    "/audit": {
        "ms": {
            "Audit chain": "Rantaian audit",
            "Everyone": "Semua orang",
            "Download CSV": "Muat turun CSV",
            ">Signed in<": ">Log masuk<",
        },
        "hi": {
            "Audit chain": "ऑडिट शृंखला",
            "Everyone": "सभी",
            "Download CSV": "CSV डाउनलोड करें",
            ">Signed in<": ">साइन इन किया<",
        },
    },
    "/dialogue/": {
        "ms": {
            "Commitments by area and status": "Komitmen mengikut bidang dan status",
            ">Dashboard<": ">Papan pemuka<",
        },
        "hi": {"Commitments by area and status": "क्षेत्र और स्थिति के अनुसार प्रतिबद्धताएँ", ">Dashboard<": ">डैशबोर्ड<"},
    },
    "/intel/": {
        "ms": {"Search all intelligence": "Cari semua perisikan", "<h1>Intelligence</h1>": "<h1>Perisikan</h1>"},
        "hi": {"Search all intelligence": "सभी आसूचना खोजें", "<h1>Intelligence</h1>": "<h1>आसूचना</h1>"},
    },
}


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_page_of_the_first_batch_speaks_the_chosen_language_and_no_english_is_left_of_its_words(
    client: TestClient, web_node: Node, language: str
) -> None:
    person = add_person(web_node, "polyglot", {Role.ANALYST, Role.ADMIN}, agency="NSCS")
    made = client.post(
        "/api/v1/objects",
        headers=bearer(person),
        json={"object": INDICATOR, "handling": {"tlp": "green"}},
    )
    assert made.status_code == 201, made.text
    csrf = log_in(client, person)
    english = {path: client.get(path.format(id=made.json()["id"])).text for path in PAGES_IN_OTHER_WORDS}
    for path, words in PAGES_IN_OTHER_WORDS.items():  # the words are the page's, in English, before the choice
        assert all(word in english[path] for word in words[language]), path
    assert client.post("/account", data={"language": language, "csrf_token": csrf}).status_code == 200
    for path, words in PAGES_IN_OTHER_WORDS.items():
        page = client.get(path.format(id=made.json()["id"]))
        assert page.status_code == 200, (path, page.text[:300])
        left = [word for word in words[language] if word in page.text]
        missing = [said for said in words[language].values() if said not in page.text]
        assert not left, f"{path} in {language} still says {left}"
        assert not missing, f"{path} in {language} does not say {missing}"


def test_what_a_page_says_after_an_act_and_beside_a_wrong_field_is_in_the_chosen_language(
    client: TestClient, web_node: Node
) -> None:
    person = add_person(web_node, "pemula", {Role.ANALYST}, agency="NSCS")
    made = client.post(
        "/api/v1/objects", headers=bearer(person), json={"object": INDICATOR, "handling": {"tlp": "green"}}
    )
    assert made.status_code == 201, made.text
    csrf = log_in(client, person)
    client.post("/account", data={"language": "ms", "csrf_token": csrf})
    revoke = f"/objects/{made.json()['id']}/revoke"
    unticked = client.post(revoke, data={"reason": "salah taip", "csrf_token": csrf})
    assert unticked.status_code == 422
    assert "tidak ditandakan; tandakan untuk mengesahkan pembatalan" in unticked.text
    assert "is not ticked" not in unticked.text
    assert "Tiada apa-apa diubah: lihat borang pembatalan di bawah." in unticked.text
    done = client.post(revoke, data={"reason": "salah taip", "confirm": "on", "csrf_token": csrf})
    assert done.status_code == 200
    assert "Dibatalkan. Rakan kongsi yang menyimpannya melaksanakan pembatalan" in done.text
    assert "Partners that hold it" not in done.text
